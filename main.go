// Command reasonkit is ReasonKit Desktop: with no arguments it opens the
// desktop window; with a subcommand it runs the command line.
package main

import (
	"os"

	"golang.org/x/term"

	"github.com/reasonkit/desktop/internal/cli"
)

func main() {
	stdio := &cli.IO{
		In:         os.Stdin,
		Out:        os.Stdout,
		Err:        os.Stderr,
		Getenv:     os.Getenv,
		IsTerminal: term.IsTerminal(int(os.Stdout.Fd())),
	}
	if term.IsTerminal(int(os.Stdin.Fd())) {
		stdio.ReadSecret = func() ([]byte, error) { return term.ReadPassword(int(os.Stdin.Fd())) }
	}
	os.Exit(cli.Main(os.Args[1:], stdio, openWindow))
}
