package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// waitTimeout bounds every wait for a batch; generous for a loaded machine.
const waitTimeout = 20 * time.Second

func start(t *testing.T, opts Options, roots ...string) *Watcher {
	t.Helper()
	var mu sync.Mutex
	opts.OnError = func(err error) {
		mu.Lock()
		defer mu.Unlock()
		t.Errorf("watcher error: %v", err)
	}
	w, err := New(roots, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// collect takes batches until one holds want, and returns them all.
func collect(t *testing.T, w *Watcher, want string) [][]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	var batches [][]string
	for {
		b, err := w.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v (batches so far: %v)", want, err, batches)
		}
		batches = append(batches, b)
		for _, p := range b {
			if p == want {
				return batches
			}
		}
	}
}

func holds(batches [][]string, pred func(string) bool) []string {
	var out []string
	for _, b := range batches {
		for _, p := range b {
			if pred(p) {
				out = append(out, p)
			}
		}
	}
	return out
}

func TestChangesArriveAsBatches(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "old.txt"), "old")
	write(t, filepath.Join(root, "sub", "keep.md"), "keep")
	w := start(t, Options{Quiet: 100 * time.Millisecond}, root)

	tests := []struct {
		name   string
		change func(t *testing.T) string // makes a change, returns the path expected in a batch
	}{
		{"create", func(t *testing.T) string {
			p := filepath.Join(root, "new.txt")
			write(t, p, "hello")
			return p
		}},
		{"modify in existing subfolder", func(t *testing.T) string {
			p := filepath.Join(root, "sub", "keep.md")
			write(t, p, "changed")
			return p
		}},
		{"delete", func(t *testing.T) string {
			p := filepath.Join(root, "old.txt")
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			return p
		}},
		{"rename", func(t *testing.T) string {
			from, to := filepath.Join(root, "new.txt"), filepath.Join(root, "renamed.txt")
			if err := os.Rename(from, to); err != nil {
				t.Fatal(err)
			}
			return from
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			collect(t, w, tt.change(t))
		})
	}
}

// TestNewSubfoldersAreWatched: a new folder is reported itself (files
// written into it before its watch is in place are only covered by that),
// and once its batch is out, writes deep inside it are reported by path.
func TestNewSubfoldersAreWatched(t *testing.T) {
	root := t.TempDir()
	w := start(t, Options{Quiet: 100 * time.Millisecond}, root)
	fresh := filepath.Join(root, "fresh")
	note := filepath.Join(fresh, "deep", "er", "note.md")
	write(t, note, "first")
	collect(t, w, fresh)
	rewriteUntilReported(t, w, note)
	other := filepath.Join(fresh, "deep", "sibling", "x.txt")
	write(t, other, "x")
	collect(t, w, filepath.Dir(other))
	rewriteUntilReported(t, w, other)
}

// rewriteUntilReported writes path until a batch reports it. Once a new
// folder's batch is out its watch is nearly always in place, but an event
// for a folder created just before may still be queued in the kernel.
func rewriteUntilReported(t *testing.T, w *Watcher, path string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for i := 0; time.Now().Before(deadline); i++ {
		write(t, path, fmt.Sprintf("version %d", i))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		for {
			b, err := w.Next(ctx)
			if err != nil {
				break
			}
			for _, p := range b {
				if p == path {
					cancel()
					return
				}
			}
		}
		cancel()
	}
	t.Fatalf("no batch reported %s", path)
}

func TestBurstIsOneBatch(t *testing.T) {
	root := t.TempDir()
	w := start(t, Options{Quiet: time.Second, MaxDelay: time.Minute}, root)
	var want []string
	for i := 0; i < 50; i++ {
		p := filepath.Join(root, fmt.Sprintf("f%02d.txt", i))
		write(t, p, "x")
		want = append(want, p)
	}
	batches := collect(t, w, want[len(want)-1])
	if len(batches) != 1 || len(batches[0]) != len(want) {
		t.Fatalf("a burst of %d writes gave %d batches: %v", len(want), len(batches), batches)
	}
	for i, p := range batches[0] {
		if p != want[i] {
			t.Fatalf("batch[%d] = %s, want %s (sorted, each path once)", i, p, want[i])
		}
	}
}

func TestMaxDelayReleasesASteadyStream(t *testing.T) {
	root := t.TempDir()
	w := start(t, Options{Quiet: 2 * time.Second, MaxDelay: 300 * time.Millisecond}, root)
	stop := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
				os.WriteFile(filepath.Join(root, "busy.log"), []byte(strings.Repeat("x", i)), 0o644)
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	b, err := w.Next(ctx)
	select {
	case <-stopped:
		t.Fatal("the writer stopped before a batch arrived")
	default:
	}
	close(stop)
	<-stopped
	if err != nil || len(b) != 1 || filepath.Base(b[0]) != "busy.log" {
		t.Fatalf("batch during a steady stream = %v, %v", b, err)
	}
}

func TestHiddenAndDependencyFoldersAreIgnored(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	w := start(t, Options{Quiet: 100 * time.Millisecond}, root)
	write(t, filepath.Join(root, ".git", "objects", "ab"), "blob")
	write(t, filepath.Join(root, "node_modules", "pkg", "index.js"), "js")
	write(t, filepath.Join(root, "src", "__pycache__", "m.pyc"), "pyc")
	write(t, filepath.Join(root, ".notes.md.swp"), "swap")
	marker := filepath.Join(root, "src", "marker.txt")
	write(t, marker, "visible")
	batches := collect(t, w, marker)
	bad := holds(batches, func(p string) bool {
		return strings.Contains(p, ".git") || strings.Contains(p, "node_modules") || strings.Contains(p, "__pycache__") || strings.Contains(p, ".swp")
	})
	if len(bad) > 0 {
		t.Fatalf("ignored paths reported: %v", bad)
	}
}

func TestFolderMovedOutIsNoLongerWatched(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	write(t, filepath.Join(root, "sub", "deep", "a.txt"), "a")
	w := start(t, Options{Quiet: 100 * time.Millisecond}, root)
	if err := os.Rename(filepath.Join(root, "sub"), filepath.Join(outside, "sub")); err != nil {
		t.Fatal(err)
	}
	collect(t, w, filepath.Join(root, "sub"))
	write(t, filepath.Join(outside, "sub", "deep", "b.txt"), "written after the move")
	marker := filepath.Join(root, "marker.txt")
	write(t, marker, "m")
	batches := collect(t, w, marker)
	if stale := holds(batches, func(p string) bool { return strings.HasSuffix(p, "b.txt") }); len(stale) > 0 {
		t.Fatalf("a write in a folder moved out of the tree was reported as %v", stale)
	}
}

func TestNewRejectsBadRootsAndStops(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.txt")
	write(t, file, "x")
	for _, root := range []string{filepath.Join(dir, "missing"), file} {
		if _, err := New([]string{root}, Options{}); err == nil || !strings.Contains(err.Error(), root) {
			t.Fatalf("New(%s) error = %v, want one naming the path", root, err)
		}
	}
	w := start(t, Options{}, dir)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := w.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next with a cancelled context: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Next(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestExplainSaysWhatToDo(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("inotify_add_watch: %w", syscall.ENOSPC), "fs.inotify.max_user_watches"},
		{fmt.Errorf("inotify_init1: %w", syscall.EMFILE), "fs.inotify.max_user_instances"},
		{fsnotify.ErrEventOverflow, "rescanned"},
		{&fs.PathError{Op: "open", Path: "/x", Err: fs.ErrPermission}, "readable by your user"},
	}
	for _, tt := range tests {
		got := explain(tt.err)
		if !errors.Is(got, tt.err) || !strings.Contains(got.Error(), tt.want) {
			t.Errorf("explain(%v) = %v, want it wrapped with %q", tt.err, got, tt.want)
		}
	}
	plain := errors.New("something else")
	if explain(plain) != plain {
		t.Error("an error with no advice was changed")
	}
}
