package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/reasonkit/desktop/internal/core"
	"github.com/reasonkit/desktop/internal/protocol"
)

func init() {
	register(&command{name: "think", summary: "run a ThinkTool or profile, grounded in a collection", run: runThink})
	register(&command{name: "ask", summary: "one grounded answer with citations", run: runAsk})
}

// inputFlags collects repeated --input key=value flags.
type inputFlags map[string]string

func (f inputFlags) String() string { return fmt.Sprint(map[string]string(f)) }

func (f inputFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("--input wants key=value, got %q", v)
	}
	f[strings.TrimSpace(k)] = val
	return nil
}

// RunOptions are the flags shared by think and ask.
type RunOptions struct {
	Protocol, Profile string
	Collection        string
	Provider, Model   string
	Inputs            inputFlags
	JSON              bool
	Query             string
}

func runFlags(io *IO, name, usage string, o *RunOptions) func([]string) error {
	fs := newFlags(io, name, usage)
	if name == "think" {
		fs.StringVar(&o.Protocol, "protocol", "", "ThinkTool id or short code (see `reasonkit protocols list`)")
		fs.StringVar(&o.Profile, "profile", "", "profile: quick, balanced, deep, paranoid or decide")
		o.Inputs = inputFlags{}
		fs.Var(o.Inputs, "input", "extra input key=value (repeatable)")
	}
	fs.StringVar(&o.Collection, "collection", "", "ground the answer in this collection's documents")
	fs.StringVar(&o.Provider, "provider", "", "provider name from config (default [general] default_provider)")
	fs.StringVar(&o.Model, "model", "", "model (default: the provider's configured model)")
	fs.BoolVar(&o.JSON, "json", false, "print the run as JSON")
	return func(args []string) error {
		rest, err := parseFlags(fs, args)
		if err != nil {
			return err
		}
		o.Query = joinArgs(rest)
		return nil
	}
}

func runThink(ctx context.Context, g *Globals, io *IO, args []string) error {
	var o RunOptions
	if err := runFlags(io, "think", "think (--protocol ID | --profile P) [--collection C] [--input k=v]... [--provider P] [--model M] [--json] QUERY", &o)(args); err != nil {
		return err
	}
	if (o.Protocol == "") == (o.Profile == "") {
		return usagef("name exactly one of --protocol or --profile")
	}
	if o.Query == "" && len(o.Inputs) == 0 {
		return usagef("give the question or text to think about")
	}
	return execRun(ctx, g, io, o, func(c *core.Core, onEvent func(protocol.Event)) (*protocol.Run, error) {
		return c.Think(ctx, core.RunRequest{Protocol: o.Protocol, Profile: o.Profile, Query: o.Query, Inputs: o.Inputs,
			Collection: o.Collection, Provider: o.Provider, Model: o.Model}, onEvent)
	})
}

func runAsk(ctx context.Context, g *Globals, io *IO, args []string) error {
	var o RunOptions
	if err := runFlags(io, "ask", "ask [--collection C] [--provider P] [--model M] [--json] QUESTION", &o)(args); err != nil {
		return err
	}
	if o.Query == "" {
		return usagef("give a question")
	}
	return execRun(ctx, g, io, o, func(c *core.Core, onEvent func(protocol.Event)) (*protocol.Run, error) {
		return c.Ask(ctx, core.RunRequest{Query: o.Query, Collection: o.Collection, Provider: o.Provider, Model: o.Model}, onEvent)
	})
}

// execRun opens the core, runs, streams progress to stderr (text) or
// nothing (JSON), and prints the result.
func execRun(ctx context.Context, g *Globals, io *IO, o RunOptions, start func(*core.Core, func(protocol.Event)) (*protocol.Run, error)) error {
	c, err := openCore(g, io)
	if err != nil {
		return err
	}
	defer c.Close()
	var onEvent func(protocol.Event)
	if !o.JSON {
		s := &streamPrinter{io: io}
		onEvent = s.event
	}
	run, err := start(c, onEvent)
	if run == nil {
		return err
	}
	if o.JSON {
		b, jerr := run.JSON()
		if jerr != nil {
			return jerr
		}
		fmt.Fprintln(io.Out, string(b))
	} else {
		printRunResult(io, run)
	}
	if errors.Is(err, protocol.ErrCancelled) {
		return fmt.Errorf("cancelled; the partial run is recorded as %s", run.ID)
	}
	return err
}

// streamPrinter shows a run as it happens.
type streamPrinter struct {
	io      *IO
	mu      sync.Mutex
	midLine bool
}

func (s *streamPrinter) event(e protocol.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.io.Err
	switch e.Kind {
	case protocol.EventStepStarted:
		s.newline()
		label := e.Protocol + " › " + e.Step
		if e.Attempt > 1 {
			label += fmt.Sprintf(" (retry %d)", e.Attempt-1)
		}
		fmt.Fprintf(w, "\n== %s\n", label)
	case protocol.EventDelta:
		fmt.Fprint(w, e.Text)
		s.midLine = !strings.HasSuffix(e.Text, "\n")
	case protocol.EventStepFinished:
		s.newline()
		if r := e.Result; r != nil {
			fmt.Fprintf(w, "-- %s: %s, confidence %s\n", r.Step, r.Status, confidenceText(r.Confidence))
		}
	case protocol.EventLinkSkipped:
		s.newline()
		fmt.Fprintf(w, "\n== %s skipped: %s\n", e.Protocol, e.Text)
	}
}

func (s *streamPrinter) newline() {
	if s.midLine {
		fmt.Fprintln(s.io.Err)
		s.midLine = false
	}
}

func confidenceText(c *float64) string {
	if c == nil {
		return "missing"
	}
	return fmt.Sprintf("%.2f (%s)", *c, protocol.Band(*c))
}

func printRunResult(io *IO, r *protocol.Run) {
	w := io.Out
	if strings.TrimSpace(r.Answer) == "" {
		// Nothing was answered (the run failed or was stopped early): the
		// error follows on stderr; only point to the trace.
		fmt.Fprintf(w, "Run %s (%s) — `reasonkit runs show %s` for the full trace\n", r.ID, r.Status, r.ID)
		return
	}
	fmt.Fprintf(w, "\n%s\n\n", strings.TrimSpace(r.Answer))
	fmt.Fprintf(w, "Confidence: %s", confidenceText(r.Confidence))
	if r.MinConfidence != nil && r.Passed != nil {
		verdict := "passes"
		if !*r.Passed {
			verdict = "does not reach"
		}
		fmt.Fprintf(w, " — %s the profile minimum %.2f", verdict, *r.MinConfidence)
	}
	fmt.Fprintln(w)
	if len(r.Citations) > 0 {
		fmt.Fprintln(w, "\nSources:")
		for _, c := range r.Citations {
			loc := filepath.Base(c.Path)
			if c.Page > 0 {
				loc += fmt.Sprintf(", page %d", c.Page)
			}
			fmt.Fprintf(w, "  [%s] %s  (%s)\n", c.Source, loc, c.Path)
		}
	}
	if len(r.InvalidCitations) > 0 {
		fmt.Fprintf(w, "\nWarning: the model cited sources that were not supplied: %s\n", strings.Join(r.InvalidCitations, ", "))
	}
	fmt.Fprintf(w, "\nRun %s (%s) — `reasonkit runs show %s` for the full trace\n", r.ID, r.Status, r.ID)
}
