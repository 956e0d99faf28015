package cli

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/reasonkit/desktop/internal/config"
)

func init() {
	register(&command{name: "config", summary: "config init: write a commented sample config.toml", run: runConfig})
}

func runConfig(_ context.Context, g *Globals, io *IO, args []string) error {
	if len(args) != 1 || args[0] != "init" {
		return usagef("usage: reasonkit config init")
	}
	path := g.ConfigFile
	if path == "" {
		path = io.Getenv("REASONKIT_CONFIG")
	}
	if path == "" {
		dir, err := config.DefaultConfigDir()
		if err != nil {
			return err
		}
		path = filepath.Join(dir, "config.toml")
	}
	if err := config.WriteSample(path); err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "wrote %s\n", path)
	return nil
}
