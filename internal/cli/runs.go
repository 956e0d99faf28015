package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
)

func init() {
	register(&command{name: "runs", summary: "runs list|show ID: the audit trail of past runs", run: runRuns})
}

func runRuns(ctx context.Context, g *Globals, io *IO, args []string) error {
	if len(args) == 0 {
		return usagef("usage: reasonkit runs list [--json] | runs show ID [--json | --format md|json]")
	}
	sub, args := args[0], args[1:]
	fs := newFlags(io, "runs "+sub, "runs list [--json] [-n N] | runs show ID [--json | --format md|json]")
	asJSON := fs.Bool("json", false, "print as JSON")
	format := fs.String("format", "text", "for show: text, md or json")
	limit := fs.Int("n", 50, "for list: how many runs")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	c, err := openCore(g, io)
	if err != nil {
		return err
	}
	defer c.Close()
	switch sub {
	case "list", "ls":
		runs, err := c.Runs(ctx, *limit)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(io.Out, map[string]any{"runs": runs})
		}
		tw := tabwriter.NewWriter(io.Out, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "RUN\tSTARTED\tNAME\tSTATUS\tCONFIDENCE\tSTEPS\tQUERY")
		for _, r := range runs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.StartedAt.Format("2006-01-02 15:04"), r.Name, r.Status,
				confidenceText(r.Confidence), r.Steps, truncate(r.Query, 60))
		}
		return tw.Flush()
	case "show":
		if len(rest) != 1 {
			return usagef("usage: reasonkit runs show ID")
		}
		r, err := c.Run(ctx, rest[0])
		if err != nil {
			return err
		}
		if *asJSON {
			*format = "json"
		}
		switch *format {
		case "json":
			b, err := r.JSON()
			if err != nil {
				return err
			}
			fmt.Fprintln(io.Out, string(b))
		case "md", "markdown", "text":
			fmt.Fprint(io.Out, r.Markdown())
		default:
			return usagef("--format must be text, md or json")
		}
		return nil
	default:
		return usagef("unknown runs command %q: use list or show", sub)
	}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
