package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/reasonkit/desktop/internal/config"
	"github.com/reasonkit/desktop/internal/doctor"
	"github.com/reasonkit/desktop/internal/secrets"
)

func init() {
	register(&command{name: "doctor", summary: "check this machine against the security practices", run: runDoctor})
}

func runDoctor(_ context.Context, g *Globals, io *IO, args []string) error {
	fs := newFlags(io, "doctor", "doctor [--json]")
	asJSON := fs.Bool("json", false, "print findings as JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, cfgErr := g.LoadConfig(io)
	file := g.ConfigFile
	if file == "" {
		file = io.Getenv("REASONKIT_CONFIG")
	}
	if file == "" {
		if dir, err := config.DefaultConfigDir(); err == nil {
			file = filepath.Join(dir, "config.toml")
		}
	}
	wd, _ := os.Getwd()
	findings := doctor.Run(doctor.Options{Config: cfg, ConfigErr: cfgErr, ConfigFile: file, Keychain: secrets.New(io.Getenv), WorkDir: wd})
	var ce config.Errors
	if cfgErr != nil && !errors.As(cfgErr, &ce) {
		findings = append(findings, doctor.Finding{Check: "config", Path: file, Issue: cfgErr.Error(), Fix: "fix the file as the message says"})
	}
	for _, e := range ce {
		if !e.Secret {
			findings = append(findings, doctor.Finding{Check: "config", Path: fmt.Sprintf("%s:%d", e.File, e.Line), Issue: e.Key + ": " + e.Msg, Fix: "fix the value as the message says"})
		}
	}
	if *asJSON {
		if findings == nil {
			findings = []doctor.Finding{}
		}
		if err := writeJSON(io.Out, map[string]any{"findings": findings}); err != nil {
			return err
		}
	} else if len(findings) == 0 {
		fmt.Fprintln(io.Out, "All checks passed: keys in the keychain only, private data directories, local embeddings, encrypted endpoints.")
	} else {
		for _, f := range findings {
			loc := ""
			if f.Path != "" {
				loc = " " + f.Path
			}
			fmt.Fprintf(io.Out, "✗ [%s]%s\n  %s\n  fix: %s\n", f.Check, loc, f.Issue, f.Fix)
		}
	}
	if len(findings) > 0 {
		return fmt.Errorf("%d finding(s)", len(findings))
	}
	return nil
}
