// Package watch reports file-system changes under folders as debounced
// batches of paths. It watches every subfolder (the OS watchers are not
// recursive), skipping hidden and dependency folders as the indexer's
// walker does, and picks up new subfolders as they appear. It knows nothing
// about indexing: callers decide what a changed path means.
package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// ErrClosed is returned by Next once the watcher is closed.
var ErrClosed = errors.New("watcher closed")

// Options tune a Watcher. Zero values take the defaults.
type Options struct {
	// Quiet is how long no event must arrive before the changes seen so far
	// form a batch (default 1 s), so a burst of writes gives one batch.
	Quiet time.Duration
	// MaxDelay caps how long a steady stream of events can hold a batch
	// back (default 10 × Quiet).
	MaxDelay time.Duration
	// OnError hears problems that do not stop the watcher, such as a
	// subfolder that could not be watched. It is called from the
	// watcher's goroutine; nil drops them.
	OnError func(error)
}

// Watcher watches folder trees and hands out batches of changed paths.
type Watcher struct {
	roots []string
	opts  Options
	fsw   *fsnotify.Watcher

	dirs map[string]bool // folders with an OS watch (used by the loop goroutine only, after New)

	mu    sync.Mutex
	ready map[string]bool // debounced paths not yet taken by Next
	wake  chan struct{}   // signalled (capacity 1) when ready gains paths

	done      chan struct{}
	closeOnce sync.Once
	loopDone  chan struct{}
}

// New starts watching roots (folders) and every subfolder under them.
// Close it when done.
func New(roots []string, opts Options) (*Watcher, error) {
	if opts.Quiet <= 0 {
		opts.Quiet = time.Second
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = 10 * opts.Quiet
	}
	w := &Watcher{opts: opts, dirs: map[string]bool{}, ready: map[string]bool{}, wake: make(chan struct{}, 1),
		done: make(chan struct{}), loopDone: make(chan struct{})}
	for _, r := range roots {
		abs, err := filepath.Abs(r)
		if err != nil {
			return nil, fmt.Errorf("watch %s: %w", r, err)
		}
		st, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("watch %s: %w", abs, err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("watch %s: not a folder (watch the folder that holds it)", abs)
		}
		w.roots = append(w.roots, abs)
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch: start the OS file watcher: %w", explain(err))
	}
	w.fsw = fsw
	for _, r := range w.roots {
		if err := fsw.Add(r); err != nil {
			fsw.Close()
			return nil, fmt.Errorf("watch %s: %w", r, explain(err))
		}
		w.dirs[r] = true
		w.addTree(r, true)
	}
	go w.loop()
	return w, nil
}

// Roots are the watched folders, as absolute paths.
func (w *Watcher) Roots() []string { return append([]string(nil), w.roots...) }

// Next blocks until a batch of changed paths is ready and returns it,
// sorted. A path may be a file or folder that was created, written,
// renamed, had its permissions changed, or no longer exists. Changes that
// arrive while the caller is busy are merged into the following batch.
// Next returns ctx.Err() when ctx ends and ErrClosed after Close.
func (w *Watcher) Next(ctx context.Context) ([]string, error) {
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-w.done:
			return nil, ErrClosed
		case <-w.wake:
		}
		w.mu.Lock()
		batch := make([]string, 0, len(w.ready))
		for p := range w.ready {
			batch = append(batch, p)
		}
		w.ready = map[string]bool{}
		w.mu.Unlock()
		if len(batch) > 0 {
			sort.Strings(batch)
			return batch, nil
		}
	}
}

// Close stops watching and releases the OS watches.
func (w *Watcher) Close() error {
	var err error
	w.closeOnce.Do(func() {
		close(w.done)
		err = w.fsw.Close()
		<-w.loopDone
	})
	return err
}

// SkipDir reports whether the walker leaves a folder of this name out:
// hidden folders and dependency folders (the same rule as the indexer).
func SkipDir(name string) bool {
	return strings.HasPrefix(name, ".") || name == "node_modules" || name == "__pycache__"
}

// loop turns OS events into debounced batches.
func (w *Watcher) loop() {
	defer close(w.loopDone)
	pending := map[string]bool{}
	var (
		timer    *time.Timer
		timerC   <-chan time.Time
		deadline time.Time // MaxDelay after the first pending event
	)
	arm := func() {
		now := time.Now()
		if len(pending) == 0 {
			return
		}
		if deadline.IsZero() {
			deadline = now.Add(w.opts.MaxDelay)
		}
		wait := min(w.opts.Quiet, deadline.Sub(now))
		if timer != nil {
			timer.Stop()
		}
		timer = time.NewTimer(max(wait, 0))
		timerC = timer.C
	}
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-w.done:
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			if !w.relevant(ev.Name) {
				continue
			}
			w.handle(ev)
			pending[ev.Name] = true
			arm()
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost: every tree may have changed.
				for _, r := range w.roots {
					pending[r] = true
				}
				arm()
			}
			w.report(fmt.Errorf("watch: %w", explain(err)))
		case <-timerC:
			timerC, deadline = nil, time.Time{}
			w.publish(pending)
			pending = map[string]bool{}
		}
	}
}

// relevant drops events for hidden files and skipped folders: the indexer
// never looks at them.
func (w *Watcher) relevant(path string) bool {
	for _, r := range w.roots {
		if path == r {
			return true
		}
		rel, err := filepath.Rel(r, path)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		for _, part := range strings.Split(rel, string(filepath.Separator)) {
			if SkipDir(part) {
				return false
			}
		}
		return true
	}
	return false
}

// handle keeps the set of OS watches in step with the tree: new folders
// (created or moved in) are watched with everything under them, and
// folders that went away stop being watched.
func (w *Watcher) handle(ev fsnotify.Event) {
	switch {
	case ev.Has(fsnotify.Create):
		if st, err := os.Lstat(ev.Name); err == nil && st.IsDir() {
			w.addTree(ev.Name, false)
		}
	case (ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename)) && w.dirs[ev.Name]:
		// A folder moved elsewhere keeps its inode, so watches on its
		// subfolders would go on reporting events under the old names.
		prefix := ev.Name + string(filepath.Separator)
		for p := range w.dirs {
			if p == ev.Name || strings.HasPrefix(p, prefix) {
				_ = w.fsw.Remove(p) // fsnotify may have dropped it with its folder already
				delete(w.dirs, p)
			}
		}
	}
}

// addTree watches dir's subfolders (and dir itself unless isRoot, which is
// already watched). Symbolic links to folders are not followed.
func (w *Watcher) addTree(dir string, isRoot bool) {
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			w.report(fmt.Errorf("watch %s: %w", path, explain(err)))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			return nil
		}
		if path == dir {
			if !isRoot {
				w.add(path)
			}
			return nil
		}
		if SkipDir(d.Name()) {
			return fs.SkipDir
		}
		w.add(path)
		return nil
	})
}

func (w *Watcher) add(dir string) {
	if err := w.fsw.Add(dir); err != nil {
		if !errors.Is(err, fs.ErrNotExist) { // gone again already: nothing to watch
			w.report(fmt.Errorf("watch %s: %w", dir, explain(err)))
		}
		return
	}
	w.dirs[dir] = true
}

// publish hands paths to Next, merging with any batch not yet taken.
func (w *Watcher) publish(paths map[string]bool) {
	if len(paths) == 0 {
		return
	}
	w.mu.Lock()
	for p := range paths {
		w.ready[p] = true
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default: // already signalled; Next will take everything
	}
}

func (w *Watcher) report(err error) {
	if w.opts.OnError != nil {
		w.opts.OnError(err)
	}
}

// explain adds what to do to the OS errors a person can fix.
func explain(err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("%w: the OS limit on watched folders is reached; raise it (Linux: sysctl fs.inotify.max_user_watches=524288) or watch fewer folders", err)
	case errors.Is(err, syscall.EMFILE):
		return fmt.Errorf("%w: the OS limit on file watchers is reached; raise it (Linux: sysctl fs.inotify.max_user_instances=1024) or close other apps that watch files", err)
	case errors.Is(err, fsnotify.ErrEventOverflow):
		return fmt.Errorf("%w: too many changes at once; every watched folder will be rescanned", err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: make the folder readable by your user to have it watched", err)
	}
	return err
}
