package app

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/reasonkit/desktop/internal/ingest"
)

func TestThrottleBoundsEventsAndKeepsFinalState(t *testing.T) {
	var mu sync.Mutex
	var got []IndexProgress
	th := newProgressThrottle(7, 25*time.Millisecond, func(p IndexProgress) {
		mu.Lock()
		got = append(got, p)
		mu.Unlock()
	})
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() { th.run(stop); close(finished) }()

	const files = 20000
	start := time.Now()
	for i := 1; i <= files; i++ {
		status, reason := "indexed", ""
		if i%1000 == 0 {
			status, reason = "failed", fmt.Sprintf("reason %d", i)
		}
		p := ingest.Progress{Collection: "c", Phase: ingest.PhaseText, FilesTotal: files, FilesDone: i,
			LastFile: fmt.Sprintf("/f/%d", i), LastStatus: status, LastError: reason}
		th.offer(p)
		th.offer(p) // the pipeline repeats the last outcome in later snapshots
		if i%2000 == 0 {
			time.Sleep(30 * time.Millisecond)
		}
	}
	th.offer(ingest.Progress{Collection: "c", Phase: ingest.PhaseDone, FilesTotal: files, FilesDone: files})
	close(stop)
	<-finished
	elapsed := time.Since(start)

	mu.Lock()
	defer mu.Unlock()
	maxEvents := int(elapsed/(25*time.Millisecond)) + 2
	if len(got) == 0 || len(got) > maxEvents {
		t.Fatalf("%d events in %v; want 1..%d (one per interval plus the final one)", len(got), elapsed, maxEvents)
	}
	last := got[len(got)-1]
	if last.Phase != ingest.PhaseDone || last.Percent != 100 || last.RunID != 7 {
		t.Fatalf("last event = %+v, want the final state", last)
	}
	listed, dropped, failures := 0, 0, map[string]bool{}
	for _, e := range got {
		if len(e.Files) > maxFilesPerEvent {
			t.Fatalf("event carries %d files, cap is %d", len(e.Files), maxFilesPerEvent)
		}
		listed += len(e.Files)
		dropped += e.DroppedFiles
		for _, f := range e.Files {
			if f.Status == "failed" {
				failures[f.Error] = true
			}
		}
	}
	if listed+dropped != files {
		t.Fatalf("listed %d + dropped %d file outcomes, want %d (each once)", listed, dropped, files)
	}
	if len(failures) != files/1000 {
		t.Fatalf("saw %d distinct failures, want all %d (failures are never dropped for successes)", len(failures), files/1000)
	}
}

func TestThrottleSendsNothingWhenIdle(t *testing.T) {
	n := 0
	th := newProgressThrottle(1, time.Millisecond, func(IndexProgress) { n++ })
	th.flush()
	th.offer(ingest.Progress{Phase: ingest.PhaseScan})
	th.flush()
	th.flush()
	if n != 1 {
		t.Fatalf("emitted %d events, want 1", n)
	}
}

func TestOverallPercent(t *testing.T) {
	cases := []struct {
		p    ingest.Progress
		want int
	}{
		{ingest.Progress{Phase: ingest.PhaseScan}, 0},
		{ingest.Progress{Phase: ingest.PhaseText, FilesTotal: 10, FilesDone: 5}, 25},
		{ingest.Progress{Phase: ingest.PhaseText, FilesTotal: 0}, 50},
		{ingest.Progress{Phase: ingest.PhaseEmbed, ChunksTotal: 200, ChunksEmbedded: 100}, 75},
		{ingest.Progress{Phase: ingest.PhaseEmbed, ChunksTotal: 10, ChunksEmbedded: 12}, 100},
		{ingest.Progress{Phase: ingest.PhaseDone}, 100},
	}
	for _, c := range cases {
		if got := overallPercent(c.p); got != c.want {
			t.Errorf("overallPercent(%+v) = %d, want %d", c.p, got, c.want)
		}
	}
}
