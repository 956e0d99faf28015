package ingest

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/reasonkit/desktop/internal/ingest/extract"
)

// pyHTML is Debian's python3.11-doc HTML (installed by scripts/setup.sh test).
const pyHTML = "/usr/share/doc/python3.11/html"

// corpusSize counts the files and bytes the pipeline will index under dir.
func corpusSize(tb testing.TB, dir string) (files int, bytes int64) {
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), ".") && extract.Supported(path) && !strings.Contains(path, "/_") {
			if info, err := d.Info(); err == nil {
				files++
				bytes += info.Size()
			}
		}
		return nil
	})
	if files < 100 {
		tb.Fatalf("only %d files under %s: install python3.11-doc", files, dir)
	}
	return files, bytes
}

// peakRSS is the process's high-water resident memory in MiB (Linux).
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkIngestPythonDocs indexes Debian's Python HTML docs into a fresh
// store, text only (extract + chunk + SQLite + FTS5), and reports MB/s,
// files/s and the peak resident memory of the process.
func BenchmarkIngestPythonDocs(b *testing.B) {
	files, size := corpusSize(b, pyHTML)
	b.SetBytes(size)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p := newPipeline(b, filepath.Join(b.TempDir(), "bench.db"))
		p.Chunking.Size, p.Chunking.Overlap = 1200, 200
		b.StartTimer()
		sum, err := p.Run(context.Background(), Request{Paths: []string{pyHTML}, SkipEmbed: true}, nil)
		if err != nil {
			b.Fatal(err)
		}
		if sum.Indexed < files/2 {
			b.Fatalf("indexed only %d of %d files: %+v", sum.Indexed, files, sum.Failed)
		}
		b.ReportMetric(float64(sum.Indexed)/sum.Elapsed.Seconds(), "files/s")
		b.ReportMetric(float64(sum.Chunks), "chunks")
	}
	b.ReportMetric(peakRSS(), "peak-RSS-MiB")
}
