// Package embed turns text into vectors. Implementations live in their own
// files (remote backends) or sub-packages (the built-in local model); none of
// them talks to the store.
package embed

import (
	"context"
	"errors"
	"math"
)

// Embedder turns texts into fixed-size vectors, one per input, in order.
type Embedder interface {
	// Embed returns one vector of length Dim() per text.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// Dim is the length of every vector this embedder returns.
	Dim() int
	// ID names the model and its settings, e.g. "local:use-lite@512" or
	// "ollama:nomic-embed-text@768". Two embedders with the same ID produce
	// comparable vectors; a collection records the ID it was built with.
	ID() string
}

// ErrUnavailable is returned (wrapped) when a backend cannot be used at all,
// for example because its model is not installed.
var ErrUnavailable = errors.New("embedder unavailable")

// Normalize scales v to unit length in place and returns it. A zero vector is
// returned unchanged.
func Normalize(v []float32) []float32 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return v
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
	return v
}

// Cosine returns the cosine similarity of a and b (which must have equal length).
func Cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}
