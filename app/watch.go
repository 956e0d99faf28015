package app

import (
	"context"
	"path/filepath"
	"sync"

	"github.com/reasonkit/desktop/internal/core"
	"github.com/reasonkit/desktop/internal/ingest"
)

// Events sent for watched folders.
const (
	// EventChanged says a collection's contents changed (a watched folder
	// was re-indexed); the UI reloads its lists. Data: WatchChange.
	EventChanged = "library:changed"
	// EventWatchProblem says a watched folder could not be watched or
	// re-indexed. Data: WatchChange with Error set.
	EventWatchProblem = "library:watch_problem"
)

// WatchChange names the collection and folder an event is about.
type WatchChange struct {
	Collection string `json:"collection"`
	Dir        string `json:"dir"`
	Error      string `json:"error,omitempty"`
}

// WatchedFolder is one folder kept in step with a collection.
type WatchedFolder struct {
	Collection string `json:"collection"`
	Dir        string `json:"dir"`
	Active     bool   `json:"active"` // being watched in this session
}

// watchers tracks the running watches of a LibraryService.
type watchers struct {
	mu      sync.Mutex
	running map[string]context.CancelFunc // by collection + "\x00" + dir
	wg      sync.WaitGroup
}

func watchKey(collection, dir string) string { return collection + "\x00" + dir }

// Watch indexes dir into collection now and keeps it in step from then on:
// new, changed and deleted files are picked up shortly after they change.
// The folder is remembered and watched again on the next start.
func (s *LibraryService) Watch(collection, dir string) error {
	if collection == "" {
		collection = DefaultCollection
	}
	if err := s.core.AddWatchedFolder(s.ctx(), collection, dir); err != nil {
		return err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	s.startWatch(collection, abs)
	return nil
}

// Unwatch stops watching dir for collection and forgets it; its documents
// stay in the library.
func (s *LibraryService) Unwatch(collection, dir string) error {
	if collection == "" {
		collection = DefaultCollection
	}
	s.w.mu.Lock()
	if cancel, ok := s.w.running[watchKey(collection, dir)]; ok {
		cancel()
		delete(s.w.running, watchKey(collection, dir))
	}
	s.w.mu.Unlock()
	return s.core.RemoveWatchedFolder(s.ctx(), collection, dir)
}

// Watched lists the remembered watched folders of a collection ("" for all).
func (s *LibraryService) Watched(collection string) ([]WatchedFolder, error) {
	fs, err := s.core.WatchedFolders(s.ctx(), collection)
	if err != nil {
		return nil, err
	}
	out := make([]WatchedFolder, 0, len(fs))
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	for _, f := range fs {
		_, active := s.w.running[watchKey(f.Collection, f.Path)]
		out = append(out, WatchedFolder{Collection: f.Collection, Dir: f.Path, Active: active})
	}
	return out, nil
}

// resumeWatches starts watching every remembered folder (at start-up).
func (s *LibraryService) resumeWatches() {
	fs, err := s.core.WatchedFolders(s.ctx(), "")
	if err != nil {
		s.host.Emit(EventWatchProblem, WatchChange{Error: err.Error()})
		return
	}
	for _, f := range fs {
		s.startWatch(f.Collection, f.Path)
	}
}

func (s *LibraryService) startWatch(collection, dir string) {
	key := watchKey(collection, dir)
	s.w.mu.Lock()
	if s.w.running == nil {
		s.w.running = map[string]context.CancelFunc{}
	}
	if _, ok := s.w.running[key]; ok {
		s.w.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(s.base)
	s.w.running[key] = cancel
	s.w.wg.Add(1)
	s.w.mu.Unlock()

	go func() {
		defer s.w.wg.Done()
		// One event per finished re-index, not per file: a burst of saves
		// becomes one "changed" event, and failures are reported as such.
		err := s.core.Watch(ctx, collection, []string{dir}, func(p ingest.Progress) {
			switch {
			case p.LastStatus == core.WatchFailed:
				s.host.Emit(EventWatchProblem, WatchChange{Collection: collection, Dir: dir, Error: p.LastError})
			case p.Phase == ingest.PhaseDone:
				s.host.Emit(EventChanged, WatchChange{Collection: collection, Dir: dir})
			}
		})
		if err != nil {
			s.host.Emit(EventWatchProblem, WatchChange{Collection: collection, Dir: dir, Error: err.Error()})
		}
		s.w.mu.Lock()
		delete(s.w.running, key)
		s.w.mu.Unlock()
	}()
}

// stopWatches cancels every watch and waits for them to finish.
func (s *LibraryService) stopWatches() {
	s.w.mu.Lock()
	for _, c := range s.w.running {
		c()
	}
	s.w.mu.Unlock()
	s.w.wg.Wait()
}
