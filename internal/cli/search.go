package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/reasonkit/desktop/internal/search"
)

func init() {
	register(&command{name: "search", summary: "find passages in indexed documents", run: runSearch})
}

// SearchOptions are the flags of `reasonkit search`.
type SearchOptions struct {
	Collection string
	K          int
	Mode       string
	JSON       bool
	Query      string
}

func runSearch(ctx context.Context, g *Globals, io *IO, args []string) error {
	var o SearchOptions
	fs := newFlags(io, "search", "search [--collection C] [-k N] [--mode hybrid|keyword|vector] [--json] QUERY")
	fs.StringVar(&o.Collection, "collection", "default", "collection to search")
	fs.IntVar(&o.K, "k", 0, "number of results (default [retrieval] top_k)")
	fs.StringVar(&o.Mode, "mode", "", "hybrid, keyword or vector (default [retrieval] mode)")
	fs.BoolVar(&o.JSON, "json", false, "print results as JSON")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if o.Query = joinArgs(rest); o.Query == "" {
		return usagef("give a query, e.g. reasonkit search \"termination notice period\"")
	}
	switch o.Mode {
	case "", search.ModeHybrid, search.ModeKeyword, search.ModeVector:
	default:
		return usagef("--mode must be hybrid, keyword or vector, not %q", o.Mode)
	}
	if o.K < 0 || o.K > 100 {
		return usagef("-k must be between 1 and 100")
	}
	c, err := openCore(g, io)
	if err != nil {
		return err
	}
	defer c.Close()
	resp, err := c.Search(ctx, search.Request{Collection: o.Collection, Query: o.Query, K: o.K, Mode: o.Mode})
	if err != nil {
		return err
	}
	if resp.Notice != "" {
		fmt.Fprintf(io.Err, "note: %s\n", resp.Notice)
	}
	if o.JSON {
		return writeJSON(io.Out, resp)
	}
	if len(resp.Results) == 0 {
		fmt.Fprintln(io.Out, "no matches")
		return nil
	}
	for i, r := range resp.Results {
		loc := r.Path
		if r.Page != nil {
			loc += fmt.Sprintf(" (page %d)", *r.Page)
		}
		fmt.Fprintf(io.Out, "%d. %s  score %.3f\n", i+1, loc, r.Score)
		if r.Heading != "" {
			fmt.Fprintf(io.Out, "   § %s\n", r.Heading)
		}
		fmt.Fprintf(io.Out, "   %s\n\n", highlight(r.Snippet, r.Highlights, io.IsTerminal))
	}
	return nil
}

// highlight marks the highlighted ranges: bold on a terminal, **…** otherwise.
func highlight(s string, marks [][2]int, tty bool) string {
	open, end := "**", "**"
	if tty {
		open, end = "\033[1;33m", "\033[0m"
	}
	rs := []rune(s)
	var b strings.Builder
	prev := 0
	for _, m := range marks {
		if m[0] < prev || m[1] > len(rs) {
			continue
		}
		b.WriteString(string(rs[prev:m[0]]))
		b.WriteString(open + string(rs[m[0]:m[1]]) + end)
		prev = m[1]
	}
	b.WriteString(string(rs[prev:]))
	return b.String()
}
