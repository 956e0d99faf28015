package cli

import (
	"context"
	"fmt"

	"github.com/reasonkit/desktop/internal/core"
)

func init() {
	register(&command{name: "index", summary: "add or refresh files and folders (incremental)", run: runIndex})
}

// IndexOptions are the flags of `reasonkit index`.
type IndexOptions struct {
	Collection string
	Reembed    bool
	NoEmbed    bool
	JSON       bool
	Paths      []string
}

func runIndex(ctx context.Context, g *Globals, io *IO, args []string) error {
	var o IndexOptions
	fs := newFlags(io, "index", "index [--collection C] [--reembed] [--no-embed] [--json] PATH...")
	fs.StringVar(&o.Collection, "collection", "default", "collection to index into")
	fs.BoolVar(&o.Reembed, "reembed", false, "drop the collection's vectors and compute them again (after changing [embedding])")
	fs.BoolVar(&o.NoEmbed, "no-embed", false, "store text only; compute vectors later")
	fs.BoolVar(&o.JSON, "json", false, "print the summary as JSON")
	var err error
	if o.Paths, err = parseFlags(fs, args); err != nil {
		return err
	}
	if len(o.Paths) == 0 && !o.Reembed {
		return usagef("name at least one file or folder to index")
	}
	c, err := openCore(g, io)
	if err != nil {
		return err
	}
	defer c.Close()
	pp := &progressPrinter{w: io.Err, tty: io.IsTerminal}
	sum, err := c.Index(ctx, core.IndexRequest{Collection: o.Collection, Paths: o.Paths, Reembed: o.Reembed, SkipEmbed: o.NoEmbed}, pp.update)
	if err != nil {
		return err
	}
	if o.JSON {
		if err := writeJSON(io.Out, sum); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(io.Out, "%s: %d indexed, %d unchanged, %d removed, %d failed; %d chunks stored, %d embedded, %d waiting for vectors (%.1fs)\n",
			sum.Collection, sum.Indexed, sum.Unchanged, sum.Removed, len(sum.Failed), sum.Chunks, sum.Embedded, sum.EmbedPending, sum.Elapsed.Seconds())
	}
	if sum.Cancelled {
		return fmt.Errorf("cancelled; every stored file is complete, run the same command again to resume")
	}
	if len(sum.Failed) > 0 {
		for _, f := range sum.Failed {
			fmt.Fprintf(io.Err, "failed: %s: %s\n", f.Path, f.Reason)
		}
	}
	if sum.EmbedError != "" {
		return fmt.Errorf("%s\n(the text is stored: keyword search works; %d chunks wait for vectors)", sum.EmbedError, sum.EmbedPending)
	}
	if len(sum.Failed) > 0 {
		return &PartialError{Failed: len(sum.Failed), Total: len(sum.Failed) + sum.Indexed + sum.Unchanged}
	}
	return nil
}
