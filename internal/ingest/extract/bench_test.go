package extract

import (
	"compress/gzip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
)

// debianPDFs are real manuals from Debian packages (r-doc-pdf,
// python-reportlab-doc, valgrind, nettle-dev, fontconfig): pdfTeX, ReportLab
// and Apache FOP output. Those present are used; .gz files are unpacked.
var debianPDFs = []string{
	"/usr/share/doc/r-doc-pdf/manual/R-FAQ.pdf",
	"/usr/share/doc/r-doc-pdf/manual/R-data.pdf",
	"/usr/share/doc/r-doc-pdf/manual/R-intro.pdf",
	"/usr/share/doc/python-reportlab-doc/reportlab-userguide.pdf",
	"/usr/share/doc/valgrind/valgrind_manual.pdf.gz",
	"/usr/share/doc/nettle-dev/nettle.pdf.gz",
	"/usr/share/doc/fontconfig/fontconfig-user.pdf.gz",
}

func debianPDFCorpus(b *testing.B) []string {
	dir := b.TempDir()
	var out []string
	for _, p := range debianPDFs {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		if !strings.HasSuffix(p, ".gz") {
			out = append(out, p)
			continue
		}
		in, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		zr, err := gzip.NewReader(in)
		if err != nil {
			b.Fatal(err)
		}
		dst := filepath.Join(dir, strings.TrimSuffix(filepath.Base(p), ".gz"))
		data, err := io.ReadAll(zr)
		in.Close()
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o600); err != nil {
			b.Fatal(err)
		}
		out = append(out, dst)
	}
	if len(out) == 0 {
		b.Fatal("no Debian PDF manuals found: install the Debian packages r-doc-pdf and python-reportlab-doc")
	}
	return out
}

// wordF1 scores text against a reference: the F1 of their bags of words.
func wordF1(ref, got string) (f1 float64, refWords int) {
	bag := func(s string) map[string]int {
		m := map[string]int{}
		for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}) {
			m[w]++
		}
		return m
	}
	rb, gb := bag(ref), bag(got)
	var common, ng int
	for w, c := range rb {
		refWords += c
		common += min(c, gb[w])
	}
	for _, c := range gb {
		ng += c
	}
	if common == 0 {
		return 0, refWords
	}
	p, r := float64(common)/float64(ng), float64(common)/float64(refWords)
	return 2 * p * r / (p + r), refWords
}

// BenchmarkPDFDebianManuals measures PDF extraction speed (MB/s, pages/s) on
// real manuals and reports text fidelity as the word-level F1 against
// poppler's pdftotext (package poppler-utils), weighted by words per page.
func BenchmarkPDFDebianManuals(b *testing.B) {
	files := debianPDFCorpus(b)
	var size int64
	var sum float64
	var words, pages int
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			b.Fatal(err)
		}
		size += info.Size()
		doc, err := File(context.Background(), f, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		got := map[int]string{}
		for _, s := range doc.Sections {
			got[s.Page] = s.Text
		}
		out, err := exec.Command("pdftotext", "-enc", "UTF-8", f, "-").Output()
		if err != nil {
			b.Fatalf("pdftotext %s: %v (install poppler-utils)", f, err)
		}
		for i, ref := range strings.Split(string(out), "\f") {
			s, n := wordF1(ref, got[i+1])
			sum += s * float64(n)
			words += n
		}
		pages += len(strings.Split(string(out), "\f")) - 1
	}
	b.SetBytes(size)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for _, f := range files {
			if _, err := File(context.Background(), f, Limits{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(pages*b.N)/time.Since(start).Seconds(), "pages/s")
	b.ReportMetric(sum/float64(words), "F1-vs-pdftotext")
	b.ReportMetric(float64(len(files)), "files")
}
