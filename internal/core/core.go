// Package core wires config, store, embedder, search and the indexing
// pipeline into one handle shared by the CLI and the desktop app, so both
// behave the same.
package core

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/reasonkit/desktop/internal/config"
	"github.com/reasonkit/desktop/internal/egress"
	"github.com/reasonkit/desktop/internal/embed"
	"github.com/reasonkit/desktop/internal/ingest"
	"github.com/reasonkit/desktop/internal/ingest/chunk"
	"github.com/reasonkit/desktop/internal/ingest/extract"
	"github.com/reasonkit/desktop/internal/search"
	"github.com/reasonkit/desktop/internal/secrets"
	"github.com/reasonkit/desktop/internal/store"
)

// Core is an open data dir with its config.
type Core struct {
	cfg   atomic.Pointer[config.Config]
	store *store.Store
	door  *egress.Door
	keys  *secrets.Keychain

	// embedMu guards the lazily opened embedder; SetEmbedding clears it so
	// the next use opens the newly configured one.
	embedMu     sync.Mutex
	embedLoaded bool
	embedder    embed.Embedder
	embedErr    error

	// settingsMu serialises the Settings methods (settings.go), which
	// replace the config and write it back to config.toml.
	settingsMu sync.Mutex

	// indexLocks holds one *sync.Mutex per collection name: indexing runs
	// of one collection (manual or from a watcher) never overlap.
	indexLocks sync.Map
}

// lockCollection waits for the collection's indexing lock and returns its unlock.
func (c *Core) lockCollection(name string) func() {
	if name == "" {
		name = "default"
	}
	m, _ := c.indexLocks.LoadOrStore(name, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// Open prepares the data dir (0700), opens the database and returns a Core.
// The embedder is loaded lazily, on first use.
func Open(cfg *config.Config) (*Core, error) {
	if err := config.EnsurePrivateDir(cfg.DataDir); err != nil {
		return nil, err
	}
	st, err := store.Open(cfg.DBPath())
	if err != nil {
		return nil, err
	}
	c := &Core{store: st, keys: secrets.New(os.Getenv)}
	c.cfg.Store(cfg)
	c.door = egress.New(st)
	return c, nil
}

// Close closes the database.
func (c *Core) Close() error { return c.store.Close() }

// Config is the configuration this core was opened with.
// Config is the live configuration. Settings changes replace it as a whole,
// so a caller holding the result sees one consistent version.
func (c *Core) Config() *config.Config { return c.cfg.Load() }

// Store gives maintenance commands and tests direct access.
func (c *Core) Store() *store.Store { return c.store }

// Keychain is the key store used for providers.
func (c *Core) Keychain() *secrets.Keychain { return c.keys }

// Door is the egress door all model traffic goes through.
func (c *Core) Door() *egress.Door { return c.door }

// Embedder returns the configured embedder, loading it on first call.
func (c *Core) Embedder() (embed.Embedder, error) {
	c.embedMu.Lock()
	defer c.embedMu.Unlock()
	if !c.embedLoaded {
		c.embedder, c.embedErr = c.openEmbedder()
		c.embedLoaded = true
	}
	return c.embedder, c.embedErr
}

func (c *Core) openEmbedder() (embed.Embedder, error) {
	e := c.Config().Embedding
	switch e.Backend {
	case "local":
		return openLocalEmbedder()
	case "ollama":
		return embed.NewOllama(c.door, c.Config().EmbeddingEndpoint(), e.Model, e.Dimensions)
	case "openai":
		base := c.Config().EmbeddingEndpoint()
		keyEnv := e.KeyEnv
		if keyEnv == "" {
			keyEnv = "OPENAI_API_KEY"
		}
		cred, err := c.keys.Get("openai", keyEnv)
		if err != nil {
			return nil, fmt.Errorf("openai embedder: %w", err)
		}
		return embed.NewOpenAI(c.door, base, e.Model, e.Dimensions, cred)
	default:
		return nil, fmt.Errorf("[embedding] backend %q is not one of local, ollama, openai", e.Backend)
	}
}

// IndexRequest says what to index.
type IndexRequest struct {
	Collection string
	Paths      []string
	Reembed    bool // drop vectors first (after an embedder change)
	SkipEmbed  bool // store text only
}

// Index adds or refreshes files and folders: text first (keyword search
// works at once), then vectors. progress may be nil.
func (c *Core) Index(ctx context.Context, req IndexRequest, progress func(ingest.Progress)) (*ingest.Summary, error) {
	unlock := c.lockCollection(req.Collection)
	defer unlock()
	p := c.pipeline()
	return p.Run(ctx, ingest.Request{Collection: req.Collection, Paths: req.Paths, Reembed: req.Reembed, SkipEmbed: req.SkipEmbed}, progress)
}

func (c *Core) pipeline() *ingest.Pipeline {
	emb, err := c.Embedder()
	pr := c.Config().Processing
	return &ingest.Pipeline{
		Store:       c.store,
		Embedder:    emb,
		EmbedderErr: err,
		Chunking:    chunk.Options{Size: pr.ChunkSize, Overlap: pr.ChunkOverlap},
		Limits:      extract.Limits{MaxBytes: int64(pr.MaxFileSizeMB) << 20},
		Workers:     pr.Workers,
		BatchSize:   c.Config().Embedding.BatchSize,
	}
}

// Search finds passages. Zero fields in req take the [retrieval] defaults.
func (c *Core) Search(ctx context.Context, req search.Request) (*search.Response, error) {
	r := c.Config().Retrieval
	if req.K <= 0 {
		req.K = r.TopK
	}
	if req.Mode == "" {
		req.Mode = r.Mode
	}
	s := &search.Searcher{Store: c.store, RRFK: r.RRFK, MinScore: r.MinScore}
	if req.Mode != search.ModeKeyword {
		s.Embedder, s.EmbedderErr = c.Embedder()
	}
	return s.Search(ctx, req)
}

// Collections lists collections with their counts.
func (c *Core) Collections(ctx context.Context) ([]store.Collection, error) {
	return c.store.Collections(ctx)
}

// Documents lists a collection's documents ("" for all).
func (c *Core) Documents(ctx context.Context, collection string) ([]store.Document, error) {
	return c.store.Documents(ctx, collection)
}

// RemoveDocument deletes a document with its chunks and vectors.
func (c *Core) RemoveDocument(ctx context.Context, id int64) error {
	return c.store.DeleteDocument(ctx, id)
}

// DeleteCollection deletes a collection and everything in it.
func (c *Core) DeleteCollection(ctx context.Context, name string) error {
	return c.store.DeleteCollection(ctx, name)
}

// ChunkContext is a chunk with its neighbours, for a preview.
type ChunkContext struct {
	Chunk  store.Chunk   `json:"chunk"`
	Before []store.Chunk `json:"before"`
	After  []store.Chunk `json:"after"`
}

// ChunkInContext returns a chunk and up to radius chunks on each side.
func (c *Core) ChunkInContext(ctx context.Context, chunkID int64, radius int) (*ChunkContext, error) {
	byID, err := c.store.Chunks(ctx, []int64{chunkID})
	if err != nil {
		return nil, err
	}
	ch, ok := byID[chunkID]
	if !ok {
		return nil, fmt.Errorf("chunk %d: %w", chunkID, store.ErrNotFound)
	}
	around, err := c.store.Neighbours(ctx, ch.DocumentID, ch.Ordinal-radius, ch.Ordinal+radius)
	if err != nil {
		return nil, err
	}
	out := &ChunkContext{Chunk: ch, Before: []store.Chunk{}, After: []store.Chunk{}}
	for _, n := range around {
		switch {
		case n.Ordinal < ch.Ordinal:
			out.Before = append(out.Before, n)
		case n.Ordinal > ch.Ordinal:
			out.After = append(out.After, n)
		}
	}
	return out, nil
}
