package app

import (
	"sync"
	"time"

	"github.com/reasonkit/desktop/internal/ingest"
)

// DefaultProgressInterval is the shortest gap between two progress events:
// at most ten a second reach the UI however fast the pipeline reports.
const DefaultProgressInterval = 100 * time.Millisecond

// maxFilesPerEvent caps the file outcomes carried by one progress event; the
// rest are counted in DroppedFiles (failures are never dropped before
// successes, see offer).
const maxFilesPerEvent = 50

// progressThrottle turns the pipeline's progress callbacks, which can come
// thousands of times a second, into at most one event per interval. The
// latest snapshot always wins; the per-file outcomes seen in between are
// batched into the next event so none is silently lost.
type progressThrottle struct {
	runID    int64
	interval time.Duration
	emit     func(IndexProgress)

	mu      sync.Mutex
	latest  ingest.Progress
	dirty   bool
	lastKey FileEvent
	files   []FileEvent
	dropped int
}

func newProgressThrottle(runID int64, interval time.Duration, emit func(IndexProgress)) *progressThrottle {
	if interval <= 0 {
		interval = DefaultProgressInterval
	}
	return &progressThrottle{runID: runID, interval: interval, emit: emit}
}

// offer records a snapshot; it never blocks on the UI.
func (t *progressThrottle) offer(p ingest.Progress) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.latest, t.dirty = p, true
	if p.LastFile == "" || p.LastStatus == "" {
		return
	}
	ev := FileEvent{Path: p.LastFile, Status: p.LastStatus, Error: p.LastError}
	if ev == t.lastKey { // the pipeline repeats the last outcome in later snapshots
		return
	}
	t.lastKey = ev
	if len(t.files) < maxFilesPerEvent {
		t.files = append(t.files, ev)
		return
	}
	// Full: a failure takes the place of a success, so every reason is shown.
	if ev.Status == "failed" {
		for i := range t.files {
			if t.files[i].Status != "failed" {
				t.files[i] = ev
				t.dropped++
				return
			}
		}
	}
	t.dropped++
}

// flush emits the latest snapshot if anything changed since the last event.
func (t *progressThrottle) flush() {
	t.mu.Lock()
	if !t.dirty {
		t.mu.Unlock()
		return
	}
	p := t.latest
	ev := IndexProgress{
		RunID: t.runID, Collection: p.Collection, Phase: p.Phase,
		FilesTotal: p.FilesTotal, FilesDone: p.FilesDone, ChunksTotal: p.ChunksTotal, ChunksEmbedded: p.ChunksEmbedded,
		CurrentFile: p.CurrentFile, Rate: p.Rate, ETASeconds: p.ETASeconds, Elapsed: p.Elapsed,
		Percent: overallPercent(p), Files: t.files, DroppedFiles: t.dropped,
	}
	if ev.Files == nil {
		ev.Files = []FileEvent{}
	}
	t.files, t.dropped, t.dirty = nil, 0, false
	t.mu.Unlock()
	t.emit(ev)
}

// run flushes every interval until stop is closed, then flushes once more so
// the final state always reaches the UI.
func (t *progressThrottle) run(stop <-chan struct{}) {
	tick := time.NewTicker(t.interval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			t.flush()
		case <-stop:
			t.flush()
			return
		}
	}
}
