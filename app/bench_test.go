package app

import (
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"
)

// BenchmarkIndexingResponsiveness indexes a folder of 2,000 files through
// the service, as the window does, while searching every 20 ms. It reports
// how many progress events reached the UI per second (throttled to <= 10)
// and search latency during indexing.
func BenchmarkIndexingResponsiveness(b *testing.B) {
	dir := b.TempDir()
	for i := range 2000 {
		writeFile(b, filepath.Join(dir, fmt.Sprintf("d%02d", i%40), fmt.Sprintf("f%04d.md", i)),
			fmt.Sprintf("# Note %d\n\nMeeting %d discussed topic %d, the budget and the termination notice of contract %d.\n\nFollow-up items for team %d.\n", i, i, i%53, i%97, i%11))
	}
	var lat []time.Duration
	var events, runs int
	var elapsed time.Duration
	for range b.N {
		c := openCore(b)
		host := &recorder{}
		lib := NewLibraryService(c, host, "bench")
		start := time.Now()
		if _, err := lib.AddPaths("bench", []string{dir}); err != nil {
			b.Fatal(err)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				t0 := time.Now()
				if _, err := lib.Search(SearchRequest{Collection: "bench", Query: "termination notice budget", Mode: "keyword"}); err == nil {
					lat = append(lat, time.Since(t0))
				}
			}
		}()
		lib.wait()
		close(stop)
		wg.Wait()
		elapsed += time.Since(start)
		events += len(host.progress())
		runs++
		if d := host.done(); len(d) != 1 || d[0].Indexed != 2000 {
			b.Fatalf("done = %+v", d)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
	b.ReportMetric(elapsed.Seconds()/float64(runs), "s/index")
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "search-p50-ms")
		b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "search-p95-ms")
	}
}
