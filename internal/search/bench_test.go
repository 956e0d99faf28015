package search_test

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/reasonkit/desktop/internal/embed"
	"github.com/reasonkit/desktop/internal/embed/local"
	"github.com/reasonkit/desktop/internal/search"
	"github.com/reasonkit/desktop/internal/store"
)

// paragraphs returns real English paragraphs from the Python docs' reST sources.
func paragraphs(tb testing.TB) []string {
	var out []string
	root := "/usr/share/doc/python3.11/html/_sources"
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".txt") {
			return nil
		}
		b, _ := os.ReadFile(path)
		for _, p := range strings.Split(string(b), "\n\n") {
			if p = strings.TrimSpace(p); len(p) > 200 {
				out = append(out, p)
			}
		}
		return nil
	})
	if len(out) < 1000 {
		tb.Fatalf("only %d paragraphs under %s: install python3.11-doc (scripts/setup.sh test)", len(out), root)
	}
	return out
}

// buildStore fills a store with n chunks of real text and random unit
// vectors of the built-in model's size (KNN cost does not depend on the
// vectors' values, and embedding 100k chunks would take most of an hour).
func buildStore(b *testing.B, n int) (*store.Store, []string) {
	paras := paragraphs(b)
	st, err := store.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	coll, _ := st.EnsureCollection(ctx, "default")
	rng := rand.New(rand.NewSource(1))
	const perDoc = 50
	for d := 0; d*perDoc < n; d++ {
		chunks := make([]store.ChunkInput, perDoc)
		for i := range chunks {
			chunks[i] = store.ChunkInput{Ordinal: i, Text: paras[(d*perDoc+i)%len(paras)]}
		}
		if _, err := st.ReplaceDocument(ctx, coll.ID, store.DocumentInput{Path: fmt.Sprintf("/doc/%06d.txt", d)}, chunks); err != nil {
			b.Fatal(err)
		}
	}
	if err := st.BindEmbedder(ctx, coll.ID, coll.Name, local.ID, local.Dim); err != nil {
		b.Fatal(err)
	}
	for {
		pending, err := st.PendingChunks(ctx, coll.ID, 5000)
		if err != nil {
			b.Fatal(err)
		}
		if len(pending) == 0 {
			break
		}
		ids := make([]int64, len(pending))
		vecs := make([][]float32, len(pending))
		for i, p := range pending {
			ids[i] = p.ID
			v := make([]float32, local.Dim)
			for j := range v {
				v[j] = float32(rng.NormFloat64())
			}
			vecs[i] = embed.Normalize(v)
		}
		if err := st.StoreVectors(ctx, coll.ID, local.Dim, ids, vecs); err != nil {
			b.Fatal(err)
		}
	}
	queries := []string{"how do I read a file line by line", "subprocess timeout", "unicode normalization",
		"decorator with arguments", "asyncio event loop", "dictionary comprehension", "raise a custom exception",
		"sort a list of tuples by second element", "thread safe queue", "format a date as ISO 8601"}
	return st, queries
}

// BenchmarkSearchLatency reports p50/p95 search latency per mode at 10k
// and 100k chunks (query embedding with the built-in model included).
func BenchmarkSearchLatency(b *testing.B) {
	model, err := local.Load()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{10_000, 100_000} {
		st, queries := buildStore(b, n)
		s := &search.Searcher{Store: st, Embedder: model, RRFK: 60}
		for _, mode := range []string{search.ModeKeyword, search.ModeVector, search.ModeHybrid} {
			b.Run(fmt.Sprintf("%dk/%s", n/1000, mode), func(b *testing.B) {
				var lat []time.Duration
				for i := 0; i < b.N; i++ {
					q := queries[i%len(queries)]
					t0 := time.Now()
					if _, err := s.Search(context.Background(), search.Request{Query: q, K: 10, Mode: mode}); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
			})
		}
		st.Close()
	}
}
