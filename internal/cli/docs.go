package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"github.com/reasonkit/desktop/internal/store"
)

func init() {
	register(&command{name: "docs", summary: "docs list|rm: list or remove indexed documents", run: runDocs})
}

func runDocs(ctx context.Context, g *Globals, io *IO, args []string) error {
	if len(args) == 0 {
		return usagef("usage: reasonkit docs list [--collection C] [--json] | docs rm [--collection C] ID|PATH...")
	}
	sub, args := args[0], args[1:]
	var collection string
	var asJSON bool
	fs := newFlags(io, "docs "+sub, "docs "+sub+" [--collection C] [--json] ...")
	fs.StringVar(&collection, "collection", "", "only this collection (default: all for list, \"default\" for rm)")
	fs.BoolVar(&asJSON, "json", false, "print as JSON")
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
		docs, err := c.Documents(ctx, collection)
		if err != nil {
			return err
		}
		if asJSON {
			if docs == nil {
				docs = []store.Document{}
			}
			return writeJSON(io.Out, map[string]any{"documents": docs})
		}
		tw := tabwriter.NewWriter(io.Out, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tCOLLECTION\tSTATUS\tCHUNKS\tVECTORS\tPATH")
		for _, d := range docs {
			status := d.Status
			if d.Status == store.StatusIndexed && d.Embedded < d.Chunks {
				status = fmt.Sprintf("embedding %d%%", 100*d.Embedded/max(d.Chunks, 1))
			}
			path := d.Path
			if d.Error != "" {
				path += "  (" + d.Error + ")"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\n", d.ID, d.Collection, status, d.Chunks, d.Embedded, path)
		}
		return tw.Flush()
	case "rm", "remove":
		if len(rest) == 0 {
			return usagef("name the documents to remove by ID or path (see `reasonkit docs list`)")
		}
		if collection == "" {
			collection = "default"
		}
		for _, arg := range rest {
			id, err := strconv.ParseInt(arg, 10, 64)
			if err != nil {
				abs, _ := filepath.Abs(arg)
				coll, cerr := c.Store().Collection(ctx, collection)
				if cerr != nil {
					return cerr
				}
				d, derr := c.Store().DocumentByPath(ctx, coll.ID, abs)
				if derr != nil {
					return fmt.Errorf("%s is not indexed in collection %q", abs, collection)
				}
				id = d.ID
			}
			if err := c.RemoveDocument(ctx, id); err != nil {
				return err
			}
			fmt.Fprintf(io.Out, "removed %s\n", arg)
		}
		return nil
	default:
		return usagef("unknown docs command %q: use list or rm", sub)
	}
}
