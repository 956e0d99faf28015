// Package app holds the services the desktop window binds through Wails.
// They are thin: each method calls the core, converts the result into a DTO
// for the web UI and, for long work, emits throttled events. No business
// logic lives here.
package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/reasonkit/desktop/internal/config"
	"github.com/reasonkit/desktop/internal/core"
	"github.com/reasonkit/desktop/internal/egress"
	"github.com/reasonkit/desktop/internal/search"
	"github.com/reasonkit/desktop/internal/store"
)

// Event names sent to the UI.
const (
	EventProgress = "library:progress" // IndexProgress, throttled
	EventDone     = "library:done"     // IndexDone, once per run
)

// DefaultCollection is used when the UI names none.
const DefaultCollection = "default"

// previewRadius is how many chunks on each side a preview shows.
const previewRadius = 2

// LibraryService is the Library screen's backend: collections, documents,
// search, previews and indexing runs.
type LibraryService struct {
	core    *core.Core
	host    Host
	version string
	// ProgressInterval is the shortest gap between progress events
	// (DefaultProgressInterval when zero).
	ProgressInterval time.Duration
	// ReadyHook, if set, runs once when the UI first asks for Info, that is
	// when the window has loaded and is interactive (used to measure start-up).
	ReadyHook func()
	readyOnce sync.Once

	w watchers

	mu      sync.Mutex
	base    context.Context
	nextRun int64
	current *indexJob
	queue   []*indexJob
	idle    *sync.Cond
}

type indexJob struct {
	id         int64
	collection string
	paths      []string
	reembed    bool // drop the collection's vectors and compute them again
	cancel     context.CancelFunc
}

// NewLibraryService returns the service for c, talking to the window through host.
func NewLibraryService(c *core.Core, host Host, version string) *LibraryService {
	s := &LibraryService{core: c, host: host, version: version, base: context.Background()}
	s.idle = sync.NewCond(&s.mu)
	return s
}

// shutdown cancels any indexing run and waits for it to stop, so the
// database is closed cleanly. Unexported: Wails binds every exported method.
func (s *LibraryService) shutdown() {
	s.CancelIndex()
	s.stopWatches()
	s.wait()
}

// wait blocks until no indexing run is active or queued.
func (s *LibraryService) wait() {
	s.mu.Lock()
	for s.current != nil {
		s.idle.Wait()
	}
	s.mu.Unlock()
}

func (s *LibraryService) ctx() context.Context { return s.base }

// Info describes this installation.
func (s *LibraryService) Info() AppInfo {
	if s.ReadyHook != nil {
		s.readyOnce.Do(s.ReadyHook)
	}
	cfg := s.core.Config()
	s.mu.Lock()
	busy := s.current != nil
	s.mu.Unlock()
	return AppInfo{
		Version: s.version, DataDir: cfg.DataDir, ConfigFile: configFile(cfg),
		EmbeddingBackend: cfg.Embedding.Backend, EmbeddingModel: cfg.Embedding.Model,
		EmbedderID:      configuredEmbedderID(cfg),
		RemoteEmbedding: remoteEmbedding(cfg), Theme: cfg.General.Theme, Indexing: busy,
	}
}

// configuredEmbedderID names the configured embedder the way collections
// record theirs ("backend:model@dims"), without opening it: opening the
// local model is slow and a remote one may need a key.
func configuredEmbedderID(cfg *config.Config) string {
	e := cfg.Embedding
	return fmt.Sprintf("%s:%s@%d", e.Backend, e.Model, e.Dimensions)
}

func configFile(cfg *config.Config) string {
	if cfg.Path != "" {
		return cfg.Path
	}
	return cfg.ConfigDir + "/config.toml (not created yet: defaults in use)"
}

// remoteEmbedding reports whether document text is sent off the machine to
// compute vectors.
func remoteEmbedding(cfg *config.Config) bool {
	return cfg.Embedding.Backend != "local" && egress.LeavesMachine(cfg.EmbeddingEndpoint())
}

// Collections lists the collections with their counts.
func (s *LibraryService) Collections() ([]CollectionInfo, error) {
	cols, err := s.core.Collections(s.ctx())
	if err != nil {
		return nil, err
	}
	out := make([]CollectionInfo, 0, len(cols))
	for _, c := range cols {
		out = append(out, collectionInfo(c))
	}
	return out, nil
}

// Documents lists a collection's documents ("" for all collections).
func (s *LibraryService) Documents(collection string) ([]DocumentInfo, error) {
	docs, err := s.core.Documents(s.ctx(), collection)
	if err != nil {
		return nil, err
	}
	out := make([]DocumentInfo, 0, len(docs))
	for _, d := range docs {
		out = append(out, documentInfo(d))
	}
	return out, nil
}

// Search runs one query. An empty query returns no results (not an error),
// so search-as-you-type can clear the list.
func (s *LibraryService) Search(req SearchRequest) (SearchResult, error) {
	q := strings.TrimSpace(req.Query)
	if q == "" {
		return SearchResult{Query: req.Query, Mode: req.Mode, Results: []SearchHit{}}, nil
	}
	if req.Collection == "" {
		req.Collection = DefaultCollection
	}
	switch req.Mode {
	case "", search.ModeHybrid, search.ModeKeyword, search.ModeVector:
	default:
		return SearchResult{}, fmt.Errorf("search mode %q is not one of hybrid, keyword, vector", req.Mode)
	}
	start := time.Now()
	r, err := s.core.Search(s.ctx(), search.Request{Collection: req.Collection, Query: q, K: req.K, Mode: req.Mode})
	if err != nil {
		return SearchResult{}, err
	}
	return searchResult(req.Query, r, float64(time.Since(start).Microseconds())/1000), nil
}

// Preview returns a result's chunk with its neighbours.
func (s *LibraryService) Preview(chunkID int64) (Preview, error) {
	cc, err := s.core.ChunkInContext(s.ctx(), chunkID, previewRadius)
	if err != nil {
		return Preview{}, err
	}
	return preview(cc), nil
}

// AddPaths indexes files and folders into collection in the background and
// returns the run's id. Progress arrives as EventProgress events (at most
// ten a second) and the outcome as one EventDone. A request made while
// another run is going is queued behind it.
func (s *LibraryService) AddPaths(collection string, paths []string) (int64, error) {
	var clean []string
	for _, p := range paths {
		if p = strings.TrimSpace(p); p != "" {
			clean = append(clean, p)
		}
	}
	if len(clean) == 0 {
		return 0, errors.New("nothing to index: choose at least one file or folder")
	}
	if collection = strings.TrimSpace(collection); collection == "" {
		collection = DefaultCollection
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// The same request while it is still waiting (a double click, a folder
	// dropped twice) joins the queued run instead of indexing twice.
	for _, q := range s.queue {
		if q.collection == collection && !q.reembed && slices.Equal(q.paths, clean) {
			return q.id, nil
		}
	}
	s.nextRun++
	job := &indexJob{id: s.nextRun, collection: collection, paths: clean}
	if s.current != nil {
		s.queue = append(s.queue, job)
		return job.id, nil
	}
	s.startLocked(job)
	return job.id, nil
}

// Reindex indexes one document's file again (for example after fixing why it failed).
func (s *LibraryService) Reindex(documentID int64) (int64, error) {
	d, err := s.core.Store().Document(s.ctx(), documentID)
	if err != nil {
		return 0, err
	}
	return s.AddPaths(d.Collection, []string{d.Path})
}

// Reembed drops a collection's vectors and computes them again with the
// configured embedder, as a background run on the same queue as AddPaths
// (same progress and done events). Text stays stored, so keyword search
// keeps working meanwhile. Use it after changing the embedder: until then
// the collection's new files get no vectors.
func (s *LibraryService) Reembed(collection string) (int64, error) {
	if collection = strings.TrimSpace(collection); collection == "" {
		return 0, errors.New("re-embed: name the collection to re-embed")
	}
	cols, err := s.core.Collections(s.ctx())
	if err != nil {
		return 0, fmt.Errorf("re-embed %q: listing collections: %w", collection, err)
	}
	if !slices.ContainsFunc(cols, func(c store.Collection) bool { return c.Name == collection }) {
		return 0, fmt.Errorf("re-embed: there is no collection %q; pick one from the sidebar", collection)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// A second click while the re-embed still waits joins it.
	for _, q := range s.queue {
		if q.collection == collection && q.reembed {
			return q.id, nil
		}
	}
	s.nextRun++
	job := &indexJob{id: s.nextRun, collection: collection, reembed: true}
	if s.current != nil {
		s.queue = append(s.queue, job)
		return job.id, nil
	}
	s.startLocked(job)
	return job.id, nil
}

// CancelIndex stops the current run and drops queued ones. It reports
// whether anything was running. Text already stored stays searchable; the
// next run resumes where this one stopped.
func (s *LibraryService) CancelIndex() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = nil
	if s.current == nil {
		return false
	}
	s.current.cancel()
	return true
}

func (s *LibraryService) startLocked(job *indexJob) {
	ctx, cancel := context.WithCancel(s.base)
	job.cancel = cancel
	s.current = job
	go s.runJob(ctx, job)
}

func (s *LibraryService) runJob(ctx context.Context, job *indexJob) {
	th := newProgressThrottle(job.id, s.ProgressInterval, func(p IndexProgress) { s.host.Emit(EventProgress, p) })
	stop := make(chan struct{})
	flushed := make(chan struct{})
	go func() { th.run(stop); close(flushed) }()

	sum, err := s.core.Index(ctx, core.IndexRequest{Collection: job.collection, Paths: job.paths, Reembed: job.reembed}, th.offer)
	close(stop)
	<-flushed
	job.cancel()
	s.host.Emit(EventDone, indexDone(job.id, job.collection, sum, err))

	s.mu.Lock()
	s.current = nil
	if len(s.queue) > 0 {
		next := s.queue[0]
		s.queue = s.queue[1:]
		s.startLocked(next)
	} else {
		s.idle.Broadcast()
	}
	s.mu.Unlock()
}

// RemoveDocument deletes a document with its chunks and vectors.
func (s *LibraryService) RemoveDocument(id int64) error {
	return s.core.RemoveDocument(s.ctx(), id)
}

// DeleteCollection deletes a collection and everything in it.
func (s *LibraryService) DeleteCollection(name string) error {
	return s.core.DeleteCollection(s.ctx(), name)
}

// ChooseFolder shows the native folder picker; "" means the user cancelled.
func (s *LibraryService) ChooseFolder() (string, error) {
	return s.host.ChooseDirectory("Add a folder to the library")
}

// ChooseFiles shows the native file picker; an empty list means cancelled.
func (s *LibraryService) ChooseFiles() ([]string, error) {
	files, err := s.host.ChooseFiles("Add files to the library")
	if files == nil {
		files = []string{}
	}
	return files, err
}

// OpenDocument opens an indexed document with the OS's default application.
// It takes a document id, not a path, so the UI can only open files that
// are in the library.
func (s *LibraryService) OpenDocument(id int64) error {
	d, err := s.core.Store().Document(s.ctx(), id)
	if err != nil {
		return err
	}
	return s.host.OpenPath(d.Path)
}
