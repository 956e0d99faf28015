package core

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/reasonkit/desktop/internal/config"
	"github.com/reasonkit/desktop/internal/search"
)

// BenchmarkWatchLatency measures, with a Watch running over a folder of
// n files and the built-in embedder, how long a new file takes to become
// keyword-searchable and fully embedded, and how long a deleted file takes
// to leave the store. Every wait includes the WatchQuiet debounce. The new
// file goes in a subfolder of 1/20th of the files, or at the top, where a
// deletion rescans the whole tree.
func BenchmarkWatchLatency(b *testing.B) {
	for _, bc := range []struct {
		n   int
		dir string
	}{{10, "d00"}, {1000, "d00"}, {1000, "."}} {
		n := bc.n
		b.Run(fmt.Sprintf("files=%d/in=%s", n, bc.dir), func(b *testing.B) {
			cfg := config.Default()
			cfg.DataDir = filepath.Join(b.TempDir(), "data")
			cfg.ConfigDir = filepath.Join(b.TempDir(), "conf")
			c, err := Open(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			root := b.TempDir()
			for i := 0; i < n; i++ {
				writeFile(b, filepath.Join(root, fmt.Sprintf("d%02d", i%20), fmt.Sprintf("f%04d.txt", i)),
					fmt.Sprintf("Background note %d about harbours, lighthouses and the tides of week %d.\n", i, i%52))
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- c.Watch(ctx, "bench", []string{root}, nil) }()
			defer func() {
				cancel()
				<-done
			}()
			eventually(b, "the first index finishes", func() bool {
				cols, err := c.Collections(context.Background())
				return err == nil && len(cols) == 1 && cols[0].Documents == n && cols[0].Embedded == cols[0].Chunks
			})

			var toKeyword, toVector, toDropped time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				word := fmt.Sprintf("zzmarker%dq", i)
				path := filepath.Join(root, bc.dir, word+".md")
				start := time.Now()
				writeFile(b, path, "# New note\n\nThis note mentions "+word+" once.\n")
				poll(b, func() bool {
					resp, err := c.Search(context.Background(), search.Request{Collection: "bench", Query: word, Mode: search.ModeKeyword})
					return err == nil && len(resp.Results) == 1
				})
				toKeyword += time.Since(start)
				poll(b, func() bool {
					d, err := c.Store().DocumentByPath(context.Background(), mustCollectionID(b, c, "bench"), path)
					return err == nil && d.Chunks > 0 && d.Embedded == d.Chunks
				})
				toVector += time.Since(start)

				start = time.Now()
				if err := os.Remove(path); err != nil {
					b.Fatal(err)
				}
				poll(b, func() bool {
					_, err := c.Store().DocumentByPath(context.Background(), mustCollectionID(b, c, "bench"), path)
					return err != nil
				})
				toDropped += time.Since(start)
			}
			b.ReportMetric(float64(toKeyword.Milliseconds())/float64(b.N), "ms-write-to-keyword")
			b.ReportMetric(float64(toVector.Milliseconds())/float64(b.N), "ms-write-to-vector")
			b.ReportMetric(float64(toDropped.Milliseconds())/float64(b.N), "ms-delete-to-dropped")
		})
	}
}

// poll checks cond every 2 ms (fine enough for latency), failing after settle.
func poll(b *testing.B, cond func() bool) {
	b.Helper()
	deadline := time.Now().Add(settle)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatalf("not reached within %v", settle)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func mustCollectionID(b *testing.B, c *Core, name string) int64 {
	b.Helper()
	coll, err := c.Store().Collection(context.Background(), name)
	if err != nil {
		b.Fatal(err)
	}
	return coll.ID
}
