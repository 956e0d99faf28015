package search_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reasonkit/desktop/internal/embed/local"
	"github.com/reasonkit/desktop/internal/ingest"
	"github.com/reasonkit/desktop/internal/ingest/chunk"
	"github.com/reasonkit/desktop/internal/ingest/extract"
	"github.com/reasonkit/desktop/internal/search"
	"github.com/reasonkit/desktop/internal/store"
)

// pyDocs is Debian's python3.11-doc (installed by scripts/setup.sh test).
const pyDocs = "/usr/share/doc/python3.11/html/library"

type labelled struct {
	query    string
	relevant map[string]bool // page names without .html
}

func loadQueries(t testing.TB) ([]labelled, []string) {
	f, err := os.Open("testdata/pydocs-queries.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var qs []labelled
	pages := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		q, rel, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		l := labelled{query: q, relevant: map[string]bool{}}
		for _, p := range strings.Split(rel, ",") {
			l.relevant[p] = true
			pages[p] = true
		}
		qs = append(qs, l)
	}
	var files []string
	for p := range pages {
		files = append(files, filepath.Join(pyDocs, p+".html"))
	}
	return qs, files
}

// metrics returns recall@5 (a relevant page among the first five results)
// and MRR@10 (reciprocal rank of the first relevant page) over qs.
func metrics(t testing.TB, s *search.Searcher, mode string, qs []labelled) (recall5, mrr float64) {
	for _, q := range qs {
		first := 0
		resp, err := s.Search(context.Background(), search.Request{Query: q.query, K: 10, Mode: mode})
		if err != nil {
			t.Fatalf("%s %q: %v", mode, q.query, err)
		}
		for rank, r := range resp.Results {
			page := strings.TrimSuffix(filepath.Base(r.Path), ".html")
			if q.relevant[page] {
				if rank < 5 {
					recall5++
				}
				mrr += 1 / float64(rank+1)
				first = rank + 1
				break
			}
		}
		if testing.Verbose() {
			t.Logf("%-7s rank %2d  %s", mode, first, q.query)
		}
	}
	n := float64(len(qs))
	return recall5 / n, mrr / n
}

// TestHybridBeatsKeywordAndVector indexes 38 real documentation pages with
// the built-in model and checks that hybrid retrieval finds the labelled
// page at least as often as either single mode, and ranks it higher on average.
func TestHybridBeatsKeywordAndVector(t *testing.T) {
	qs, files := loadQueries(t)
	// REASONKIT_EVAL_DB keeps the indexed corpus between runs while tuning.
	dbPath := os.Getenv("REASONKIT_EVAL_DB")
	if dbPath == "" {
		dbPath = filepath.Join(t.TempDir(), "eval.db")
	}
	st, err := store.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	model, err := local.Load()
	if err != nil {
		t.Fatal(err)
	}
	p := &ingest.Pipeline{Store: st, Embedder: model, Chunking: chunk.Options{Size: 1200, Overlap: 200},
		Limits: extract.Limits{MaxBytes: 100 << 20}}
	sum, err := p.Run(context.Background(), ingest.Request{Paths: files}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Failed) > 0 || sum.EmbedPending > 0 || sum.EmbedError != "" {
		t.Fatalf("corpus not fully indexed: %+v", sum)
	}
	t.Logf("corpus: %d pages, %d chunks, indexed and embedded in %.1fs", sum.Indexed, sum.Chunks, sum.Elapsed.Seconds())
	s := &search.Searcher{Store: st, Embedder: model, RRFK: 60}
	results := map[string][2]float64{}
	for _, mode := range []string{search.ModeKeyword, search.ModeVector, search.ModeHybrid} {
		r, m := metrics(t, s, mode, qs)
		results[mode] = [2]float64{r, m}
		t.Logf("%-7s recall@5 %.3f  MRR@10 %.3f  (%d queries, embedder %s)", mode, r, m, len(qs), model.ID())
	}
	h := results[search.ModeHybrid]
	for _, mode := range []string{search.ModeKeyword, search.ModeVector} {
		if h[0] < results[mode][0] || h[1] <= results[mode][1] {
			t.Errorf("hybrid (recall@5 %.3f, MRR %.3f) does not beat %s (%.3f, %.3f)", h[0], h[1], mode, results[mode][0], results[mode][1])
		}
	}
}
