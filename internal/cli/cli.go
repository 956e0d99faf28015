// Package cli implements the reasonkit command line. Each subcommand lives in
// its own file with an options struct, so tests can run it without a terminal.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/reasonkit/desktop/internal/config"
)

// Exit codes, as documented in the README.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitUsage   = 2
	ExitPartial = 3
)

// IO is where a command reads and writes. Tests supply buffers.
type IO struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	Getenv func(string) string
	// IsTerminal reports whether Out (and In, for key entry) is a terminal.
	IsTerminal bool
	// ReadSecret reads a line from the terminal without echo; nil when In
	// is not a terminal.
	ReadSecret func() ([]byte, error)
}

// Globals are the flags accepted before any subcommand.
type Globals struct {
	DataDir    string
	ConfigFile string
}

// LoadConfig resolves the config for these globals.
func (g *Globals) LoadConfig(io *IO) (*config.Config, error) {
	return config.Load(config.Options{ConfigFile: g.ConfigFile, DataDir: g.DataDir, Getenv: io.Getenv})
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, g *Globals, io *IO, args []string) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// UsageError marks a mistake in how the command was called (exit code 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error { return &UsageError{Msg: fmt.Sprintf(format, args...)} }

// PartialError means some items failed and each was already named on stderr
// (exit code 3).
type PartialError struct{ Failed, Total int }

func (e *PartialError) Error() string {
	return fmt.Sprintf("%d of %d files failed (named above)", e.Failed, e.Total)
}

// OpenWindow opens the desktop window; main sets it (nil in binaries built
// without the desktop tag).
type OpenWindow func(g *Globals) error

// Main runs the command line with args (without the program name) and
// returns the exit code.
func Main(args []string, io *IO, open OpenWindow) int {
	if io.Getenv == nil {
		io.Getenv = os.Getenv
	}
	g := &Globals{}
	fs := flag.NewFlagSet("reasonkit", flag.ContinueOnError)
	fs.SetOutput(io.Err)
	fs.StringVar(&g.DataDir, "data-dir", "", "data directory (env REASONKIT_DATA_DIR)")
	fs.StringVar(&g.ConfigFile, "config", "", "config file (env REASONKIT_CONFIG)")
	fs.Usage = func() { printUsage(io.Err) }
	if err := APIKeyFlagError(args); err != nil {
		fmt.Fprintf(io.Err, "reasonkit: %v\n", err)
		return ExitUsage
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	rest := fs.Args()
	if len(rest) == 0 {
		if open == nil {
			fmt.Fprintln(io.Err, "reasonkit: this binary has no desktop window (it was built without the desktop tag); build it with `make build`, or run a subcommand (reasonkit help)")
			return ExitError
		}
		if err := open(g); err != nil {
			fmt.Fprintf(io.Err, "reasonkit: %v\n", err)
			return ExitError
		}
		return ExitOK
	}
	name := rest[0]
	if name == "help" || name == "-h" || name == "--help" {
		printUsage(io.Out)
		return ExitOK
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(io.Err, "reasonkit: unknown command %q\n\n", name)
		printUsage(io.Err)
		return ExitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmd.run(ctx, g, io, rest[1:])
	return exitCode(io, name, err)
}

func exitCode(io *IO, name string, err error) int {
	if err == nil {
		return ExitOK
	}
	var ue *UsageError
	var pe *PartialError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(io.Err, "reasonkit %s: %v\n", name, err)
		return ExitUsage
	case errors.As(err, &pe):
		fmt.Fprintf(io.Err, "reasonkit %s: %v\n", name, err)
		return ExitPartial
	default:
		fmt.Fprintf(io.Err, "reasonkit %s: %v\n", name, err)
		return ExitError
	}
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: reasonkit [--data-dir DIR] [--config FILE] [COMMAND] [ARGS]")
	fmt.Fprintln(w, "\nWith no command, reasonkit opens the desktop window.\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun `reasonkit COMMAND -h` for a command's flags.")
}

// newFlags returns a flag set for a subcommand that reports to io.Err.
func newFlags(io *IO, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Err)
	fs.Usage = func() {
		fmt.Fprintf(io.Err, "Usage: reasonkit %s\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// ("search QUERY -k 3"), and turns flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &UsageError{Msg: err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// joinArgs joins positional words into one query string.
func joinArgs(args []string) string { return strings.TrimSpace(strings.Join(args, " ")) }
