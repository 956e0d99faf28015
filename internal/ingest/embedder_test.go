package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reasonkit/desktop/internal/egress"
	"github.com/reasonkit/desktop/internal/embed"
	"github.com/reasonkit/desktop/internal/store"
)

// ollamaEmbedServer answers Ollama's /api/embed with dim-sized vectors
// derived from each text's length.
func ollamaEmbedServer(t *testing.T, dim int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input []string `json:"input"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		out := struct {
			Embeddings [][]float32 `json:"embeddings"`
		}{}
		for _, s := range req.Input {
			v := make([]float32, dim)
			v[len(s)%dim] = 1
			v[(len(s)/dim)%dim] += 0.5
			out.Embeddings = append(out.Embeddings, v)
		}
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestChangingTheEmbedderNeedsAVisibleReembed(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.txt"), "Alpha text about comets.\n")
	write(t, filepath.Join(dir, "b.txt"), "Beta text about meteors and their showers.\n")
	p := newPipeline(t, filepath.Join(t.TempDir(), "r.db"))
	door := egress.New(nil)
	ctx := context.Background()

	small, _ := embed.NewOllama(door, ollamaEmbedServer(t, 8).URL, "small-model", 8)
	p.Embedder = small
	sum, err := p.Run(ctx, Request{Paths: []string{dir}}, nil)
	if err != nil || sum.Embedded != 2 || sum.EmbedPending != 0 || sum.EmbedError != "" {
		t.Fatalf("first run: %+v, %v", sum, err)
	}

	big, _ := embed.NewOllama(door, ollamaEmbedServer(t, 16).URL, "big-model", 16)
	p.Embedder = big
	write(t, filepath.Join(dir, "c.txt"), "Gamma text about asteroids.\n")
	sum, err = p.Run(ctx, Request{Paths: []string{dir}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sum.EmbedError, "--reembed") || sum.Embedded != 0 || sum.EmbedPending != 1 || sum.Indexed != 1 {
		t.Fatalf("a new embedder must be refused, text still stored: %+v", sum)
	}
	coll, _ := p.Store.Collection(ctx, "default")
	if coll.EmbedderID != "ollama:small-model@8" {
		t.Fatalf("collection embedder changed silently: %s", coll.EmbedderID)
	}

	sum, err = p.Run(ctx, Request{Paths: []string{dir}, Reembed: true}, nil)
	if err != nil || sum.Embedded != 3 || sum.EmbedPending != 0 || sum.EmbedError != "" {
		t.Fatalf("reembed: %+v, %v", sum, err)
	}
	coll, _ = p.Store.Collection(ctx, "default")
	if coll.EmbedderID != big.ID() || coll.Dim != 16 || coll.Embedded != 3 {
		t.Fatalf("after reembed: %+v", coll)
	}
	if err := p.Store.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	var mm *store.EmbedderMismatchError
	if err := p.Store.BindEmbedder(ctx, coll.ID, coll.Name, small.ID(), 8); !errors.As(err, &mm) {
		t.Fatalf("bind back to the old model: %v", err)
	}
}
