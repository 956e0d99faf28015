package core

import (
	"github.com/reasonkit/desktop/internal/embed"
	"github.com/reasonkit/desktop/internal/embed/local"
)

// openLocalEmbedder loads the built-in model (Universal Sentence Encoder
// Lite, shipped inside the binary).
func openLocalEmbedder() (embed.Embedder, error) {
	m, err := local.Load()
	if err != nil {
		return nil, err
	}
	return m, nil
}
