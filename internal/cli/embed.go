package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/reasonkit/desktop/internal/embed/local"
)

func init() {
	register(&command{name: "embed", summary: "print embedding vectors of TEXT... (or of stdin lines) with the built-in model", run: runEmbed})
}

// embedOutput is what `embed --json` prints.
type embedOutput struct {
	Model   string      `json:"model"`
	Dim     int         `json:"dim"`
	Vectors [][]float32 `json:"vectors"`
}

// runEmbed embeds each TEXT argument (or, with none, each line of stdin)
// with the built-in local model. It needs no config and no data dir.
func runEmbed(ctx context.Context, _ *Globals, io *IO, args []string) error {
	fs := newFlags(io, "embed", "embed [--json] TEXT...   (no TEXT: one text per line of stdin)")
	asJSON := fs.Bool("json", false, `print {"model","dim","vectors":[[...]]} instead of one line of numbers per text`)
	texts, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(texts) == 0 {
		if io.In == nil {
			return usagef("give TEXT arguments or lines on stdin")
		}
		sc := bufio.NewScanner(io.In)
		sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
		for sc.Scan() {
			texts = append(texts, strings.TrimSuffix(sc.Text(), "\r"))
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("reading stdin (line %d): %w", len(texts)+1, err)
		}
		if len(texts) == 0 {
			return usagef("no TEXT arguments and no lines on stdin")
		}
	}
	m, err := local.Load()
	if err != nil {
		return err
	}
	vecs, err := m.Embed(ctx, texts)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(io.Out)
	if *asJSON {
		enc := json.NewEncoder(w)
		if err := enc.Encode(embedOutput{Model: m.ID(), Dim: m.Dim(), Vectors: vecs}); err != nil {
			return err
		}
		return w.Flush()
	}
	buf := make([]byte, 0, 16*m.Dim())
	for _, v := range vecs {
		buf = buf[:0]
		for j, x := range v {
			if j > 0 {
				buf = append(buf, ' ')
			}
			buf = strconv.AppendFloat(buf, float64(x), 'g', -1, 32)
		}
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return w.Flush()
}
