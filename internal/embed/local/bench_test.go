package local

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"
)

// readSentences returns the 1000 real 40-word lines made by
// tools/model/make-sentences.js.
func readSentences(b *testing.B) []string {
	b.Helper()
	data, err := os.ReadFile("testdata/sentences.txt")
	if err != nil {
		b.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 1000 {
		b.Fatalf("testdata/sentences.txt has %d lines, want 1000", len(lines))
	}
	return lines
}

// BenchmarkSentences embeds the 1000 sentences in calls of 32, as the
// indexer does, and reports sentences/s.
func BenchmarkSentences(b *testing.B) {
	m := loadModel(b)
	lines := readSentences(b)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		for i := 0; i < len(lines); i += 32 {
			if _, err := m.Embed(ctx, lines[i:min(i+32, len(lines))]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(lines))/b.Elapsed().Seconds(), "sentences/s")
}

// BenchmarkSentencesOneCall embeds all 1000 sentences in one call.
func BenchmarkSentencesOneCall(b *testing.B) {
	m := loadModel(b)
	lines := readSentences(b)
	b.ResetTimer()
	for range b.N {
		if _, err := m.Embed(context.Background(), lines); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(lines))/b.Elapsed().Seconds(), "sentences/s")
}

// BenchmarkSentencesPortable is BenchmarkSentences with the portable Go
// kernels instead of the assembly ones.
func BenchmarkSentencesPortable(b *testing.B) {
	defer setAVX2(setAVX2(false))
	BenchmarkSentences(b)
}

// BenchmarkShortQuery is the latency of embedding one short search query.
func BenchmarkShortQuery(b *testing.B) {
	m := loadModel(b)
	ctx := context.Background()
	for range b.N {
		if _, err := m.Embed(ctx, []string{"how do I read a file line by line?"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad parses the embedded model from scratch (what the first
// Load call costs) and reports the heap it keeps.
func BenchmarkLoad(b *testing.B) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var keep *Model
	for range b.N {
		m, err := loadFS(modelFiles, "model")
		if err != nil {
			b.Fatal(err)
		}
		keep = m
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(keep)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-heap-kept")
}
