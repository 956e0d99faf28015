package core

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/reasonkit/desktop/internal/ingest"
	"github.com/reasonkit/desktop/internal/ingest/extract"
	"github.com/reasonkit/desktop/internal/store"
	"github.com/reasonkit/desktop/internal/watch"
)

// WatchQuiet is how long a watched folder must be quiet after a change
// before it is re-indexed; a burst of changes gives one run.
const WatchQuiet = time.Second

// WatchFailed is the Progress.LastStatus of a problem with watching itself
// (not with one file's indexing), e.g. a folder the OS would not watch.
// LastFile names the folder and LastError says what to do.
const WatchFailed = "watch_failed"

// Watch keeps collection in step with dirs until ctx ends: it indexes them
// once, then re-runs the incremental index for a folder shortly after files
// under it change (debounced by WatchQuiet, coalescing bursts; never two
// runs of the same collection at once). onProgress (which may be nil) gets
// every pipeline progress, and watch problems with LastStatus WatchFailed,
// one call at a time.
// It returns nil when ctx ends, and an error when a folder cannot be
// watched or indexed at the start.
func (c *Core) Watch(ctx context.Context, collection string, dirs []string, onProgress func(ingest.Progress)) error {
	if collection == "" {
		collection = "default"
	}
	var progressMu sync.Mutex // watch problems arrive from the watcher's goroutine
	progress := func(p ingest.Progress) {
		if onProgress != nil {
			progressMu.Lock()
			defer progressMu.Unlock()
			onProgress(p)
		}
	}
	roots, err := watchRoots(dirs)
	if err != nil {
		return err
	}
	report := func(err error) {
		progress(ingest.Progress{Collection: collection, Phase: ingest.PhaseDone, LastFile: strings.Join(roots, ", "),
			LastStatus: WatchFailed, LastError: err.Error()})
	}
	// Watch first, so changes made while the first index runs are seen.
	w, err := watch.New(roots, watch.Options{Quiet: WatchQuiet, OnError: report})
	if err != nil {
		return err
	}
	defer w.Close()
	if err := c.indexExclusive(ctx, collection, roots, progress); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	for {
		changed, err := w.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		targets, err := c.watchTargets(ctx, collection, roots, changed)
		if err == nil && len(targets) > 0 {
			err = c.indexExclusive(ctx, collection, targets, progress)
		}
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			// Keep watching: the next change under the folder rescans it.
			report(fmt.Errorf("re-indexing after a change failed: %w", err))
		}
	}
}

// watchRoots makes dirs absolute and checks each is a folder.
func watchRoots(dirs []string) ([]string, error) {
	if len(dirs) == 0 {
		return nil, errors.New("watch: name at least one folder")
	}
	var roots []string
	for _, d := range dirs {
		if strings.TrimSpace(d) == "" {
			return nil, errors.New("watch: a folder path is empty; name the folder to watch")
		}
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("watch %s: %w", d, err)
		}
		st, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("watch %s: %w", abs, err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("watch %s: not a folder; index a single file with Index instead", abs)
		}
		roots = append(roots, abs)
	}
	return roots, nil
}

// watchTargets turns changed paths into what the pipeline should look at:
//   - a folder that exists (new or moved in) is indexed as a folder;
//   - a supported file that exists is indexed on its own;
//   - a path that is gone, if anything was stored at or under it, rescans
//     its nearest remaining folder inside the watched tree, which drops the
//     vanished documents (the pipeline only drops documents under folders
//     it scans, and would record a named missing file as failed).
//
// Other files (unsupported, links to folders) are ignored, as the walker
// ignores them. Targets inside a folder target are left out.
func (c *Core) watchTargets(ctx context.Context, collection string, roots, changed []string) ([]string, error) {
	docs, err := c.store.Documents(ctx, collection)
	if err != nil {
		return nil, err
	}
	stored := func(p string) bool {
		for _, d := range docs {
			if d.Path == p || strings.HasPrefix(d.Path, p+string(filepath.Separator)) {
				return true
			}
		}
		return false
	}
	folders := map[string]bool{}
	files := map[string]bool{}
	for _, p := range changed {
		root := rootOf(p, roots)
		if root == "" {
			continue
		}
		lst, err := os.Lstat(p)
		switch {
		case err == nil && lst.IsDir():
			folders[p] = true
		case err == nil:
			st, err := os.Stat(p) // a link counts as the file it points to
			if err == nil && st.Mode().IsRegular() && extract.Supported(p) {
				files[p] = true
			} else if err != nil && stored(p) {
				if a := existingAncestor(p, root); a != "" {
					folders[a] = true // a dangling link: drop what was stored
				}
			}
		case stored(p):
			if a := existingAncestor(p, root); a != "" {
				folders[a] = true
			}
		}
	}
	var out []string
	for f := range folders {
		if !insideAny(f, folders) {
			out = append(out, f)
		}
	}
	for f := range files {
		if !insideAny(f, folders) {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out, nil
}

// rootOf returns the root that holds p ("" if none).
func rootOf(p string, roots []string) string {
	for _, r := range roots {
		if p == r || strings.HasPrefix(p, r+string(filepath.Separator)) {
			return r
		}
	}
	return ""
}

// existingAncestor is the nearest folder at or above p, not above root,
// that still exists; "" when even root is gone (its documents are kept:
// an unmounted drive must not empty the collection).
func existingAncestor(p, root string) string {
	for d := filepath.Dir(p); ; d = filepath.Dir(d) {
		if !strings.HasPrefix(d+string(filepath.Separator), root+string(filepath.Separator)) {
			return ""
		}
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
		if d == root {
			return ""
		}
	}
}

// insideAny reports whether p lies strictly inside one of folders.
func insideAny(p string, folders map[string]bool) bool {
	for d := filepath.Dir(p); ; d = filepath.Dir(d) {
		if folders[d] {
			return true
		}
		if parent := filepath.Dir(d); parent == d {
			return false
		}
	}
}

// indexExclusive runs the pipeline on paths while holding the collection's
// lock, so a watcher and a manual index of one collection never overlap.
func (c *Core) indexExclusive(ctx context.Context, collection string, paths []string, onProgress func(ingest.Progress)) error {
	unlock := c.lockCollection(collection)
	defer unlock()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	_, err := c.pipeline().Run(ctx, ingest.Request{Collection: collection, Paths: paths}, onProgress)
	return err
}

// AddWatchedFolder remembers that dir is watched for collection, so the app
// can resume watching it on start. It does not start watching; call Watch.
func (c *Core) AddWatchedFolder(ctx context.Context, collection, dir string) error {
	roots, err := watchRoots([]string{dir})
	if err != nil {
		return err
	}
	if collection == "" {
		collection = "default"
	}
	return c.store.AddWatchedFolder(ctx, collection, roots[0])
}

// RemoveWatchedFolder forgets a watched folder (its documents stay indexed).
// It does not stop a running Watch; cancel its context.
func (c *Core) RemoveWatchedFolder(ctx context.Context, collection, dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("stop watching %s: %w", dir, err)
	}
	if collection == "" {
		collection = "default"
	}
	return c.store.RemoveWatchedFolder(ctx, collection, abs)
}

// WatchedFolders lists the remembered watched folders of a collection ("" for all).
func (c *Core) WatchedFolders(ctx context.Context, collection string) ([]store.WatchedFolder, error) {
	return c.store.WatchedFolders(ctx, collection)
}
