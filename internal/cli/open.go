package cli

import (
	"encoding/json"
	"io"

	"github.com/reasonkit/desktop/internal/core"
)

// openCore loads the config and opens the data dir.
func openCore(g *Globals, io *IO) (*core.Core, error) {
	cfg, err := g.LoadConfig(io)
	if err != nil {
		return nil, err
	}
	return core.Open(cfg)
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
