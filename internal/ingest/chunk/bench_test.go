package chunk

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reasonkit/desktop/internal/ingest/extract"
)

// pythonDocs is the real corpus for the ingestion benchmark: Debian package
// python3.11-doc (about 530 HTML pages, 50 MB). BENCH_HTML_DIR overrides it.
func pythonDocs(b *testing.B) (files []string, total int64) {
	dir := os.Getenv("BENCH_HTML_DIR")
	if dir == "" {
		dir = "/usr/share/doc/python3.11/html"
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".html") {
			info, err := d.Info()
			if err != nil {
				return err
			}
			files = append(files, p)
			total += info.Size()
		}
		return nil
	})
	if err != nil || len(files) == 0 {
		b.Fatalf("no HTML corpus in %s (%v): install the Debian package python3.11-doc or set BENCH_HTML_DIR", dir, err)
	}
	return files, total
}

// BenchmarkExtractChunkPythonDocs measures extract + chunk throughput on the
// Python HTML documentation: MB/s (of HTML read) and files/s.
func BenchmarkExtractChunkPythonDocs(b *testing.B) {
	files, total := pythonDocs(b)
	opt := Options{Size: DefaultSize, Overlap: DefaultOverlap}
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	chunks := 0
	for i := 0; i < b.N; i++ {
		chunks = 0
		for _, f := range files {
			doc, err := extract.File(context.Background(), f, extract.Limits{})
			if err != nil {
				b.Fatal(err)
			}
			chunks += len(Split(doc, opt))
		}
	}
	el := time.Since(start).Seconds()
	b.ReportMetric(float64(len(files)*b.N)/el, "files/s")
	b.ReportMetric(float64(chunks), "chunks")
}

// BenchmarkSplitTenMegabyteLine chunks a 10 MB text with no line breaks.
func BenchmarkSplitTenMegabyteLine(b *testing.B) {
	line := strings.Repeat("lorem ipsum dolor sit amet ", 10<<20/27+1)
	d := doc1(line)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Split(d, Options{Size: 1200, Overlap: 200})
	}
}

// BenchmarkSplitNoSpaces chunks 10 MB with no white space at all (every
// chunk is a hard cut after a full scan of its window).
func BenchmarkSplitNoSpaces(b *testing.B) {
	line := strings.Repeat("x", 10<<20)
	d := doc1(line)
	b.SetBytes(int64(len(line)))
	for i := 0; i < b.N; i++ {
		Split(d, Options{Size: 1200, Overlap: 200})
	}
}

// BenchmarkExtractChunkTenMegabyteFile reads, decodes and chunks a 10 MB
// file that is one line; B/op shows the memory it needs (about 3x the file size).
func BenchmarkExtractChunkTenMegabyteFile(b *testing.B) {
	p := filepath.Join(b.TempDir(), "oneline.txt")
	line := strings.Repeat("lorem ipsum dolor sit amet ", 10<<20/27+1)
	if err := os.WriteFile(p, []byte(line), 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		doc, err := extract.File(context.Background(), p, extract.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		Split(doc, Options{Size: 1200, Overlap: 200})
	}
}
