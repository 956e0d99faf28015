package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/reasonkit/desktop/internal/protocol"
)

func init() {
	register(&command{name: "protocols", summary: "protocols list|show ID|validate FILE", run: runProtocols})
}

func runProtocols(ctx context.Context, g *Globals, io *IO, args []string) error {
	if len(args) == 0 {
		return usagef("usage: reasonkit protocols list [--json] | show ID | validate FILE...")
	}
	sub, args := args[0], args[1:]
	fs := newFlags(io, "protocols "+sub, "protocols list [--json] | show ID | validate FILE...")
	asJSON := fs.Bool("json", false, "print as JSON")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if sub == "validate" {
		if len(rest) == 0 {
			return usagef("name the protocol file(s) to validate")
		}
		bad := 0
		for _, f := range rest {
			errs := protocol.ValidateFile(f)
			for _, e := range errs {
				fmt.Fprintln(io.Err, e)
			}
			if len(errs) == 0 {
				fmt.Fprintf(io.Out, "%s: ok\n", f)
			} else {
				bad++
			}
		}
		if bad > 0 {
			return fmt.Errorf("%d of %d files have problems (listed above)", bad, len(rest))
		}
		return nil
	}
	cfg, err := g.LoadConfig(io)
	if err != nil {
		return err
	}
	reg, problems := protocol.Load(cfg.ProtocolDir())
	if reg == nil {
		return fmt.Errorf("load protocols: %v", problems)
	}
	for _, p := range problems {
		fmt.Fprintf(io.Err, "warning: %v\n", p)
	}
	switch sub {
	case "list", "ls":
		if *asJSON {
			return writeJSON(io.Out, map[string]any{"protocols": reg.Protocols(), "profiles": reg.Profiles()})
		}
		tw := tabwriter.NewWriter(io.Out, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSHORT\tSOURCE\tSTEPS\tDESCRIPTION")
		for _, p := range reg.Protocols() {
			src := "custom"
			if p.Builtin {
				src = "built-in"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", p.ID, p.Shortcode, src, len(p.Steps), p.Description)
		}
		tw.Flush()
		fmt.Fprintln(io.Out, "\nProfiles:")
		tw = tabwriter.NewWriter(io.Out, 2, 4, 2, ' ', 0)
		for _, pr := range reg.Profiles() {
			fmt.Fprintf(tw, "  %s\t%s\n", pr.ID, profileChain(pr))
		}
		return tw.Flush()
	case "show":
		if len(rest) != 1 {
			return usagef("usage: reasonkit protocols show ID")
		}
		p := reg.Lookup(rest[0])
		if p == nil {
			return fmt.Errorf("no protocol %q (see `reasonkit protocols list`)", rest[0])
		}
		if *asJSON {
			return writeJSON(io.Out, p)
		}
		fmt.Fprintf(io.Out, "%s (%s) v%s — %s\n%s\n\n", p.Name, p.ID, p.Version, p.Strategy, p.Description)
		fmt.Fprintf(io.Out, "inputs: required %v, optional %v\n\nsteps:\n", p.Input.Required, p.Input.Optional)
		for _, s := range p.Steps {
			deps := ""
			if len(s.DependsOn) > 0 {
				deps = " after " + strings.Join(s.DependsOn, ", ")
			}
			fmt.Fprintf(io.Out, "  %s  [%s]%s\n", s.ID, s.Action.Type, deps)
		}
		return nil
	default:
		return usagef("unknown protocols command %q: use list, show or validate", sub)
	}
}

func profileChain(p *protocol.Profile) string {
	var ids []string
	for _, l := range p.Chain {
		ids = append(ids, l.Protocol)
	}
	return strings.Join(ids, " → ")
}
