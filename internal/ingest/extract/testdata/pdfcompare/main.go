// Command pdfcompare scores pure-Go PDF text extractors against poppler's
// pdftotext on real PDFs: per page, the bag-of-words F1 between an
// extractor's text and pdftotext's, weighted by the page's word count; plus
// time and failures. It is a separate module so the candidates it compares do
// not become dependencies of the app.
//
//	cd internal/ingest/extract/testdata/pdfcompare
//	go run . /usr/share/doc/r-doc-pdf/manual/R-FAQ.pdf /usr/share/doc/valgrind/valgrind_manual.pdf.gz ...
//
// "-only TEXT" as the first arguments keeps the extractors whose name holds
// TEXT. Files ending in .gz are decompressed to a temporary directory first. Each
// extractor runs in a child process and is stopped after two minutes.
package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	dsl "github.com/dslipak/pdf"
	ldt "github.com/ledongthuc/pdf"
	"github.com/reasonkit/desktop/internal/ingest/extract"
	rsc "rsc.io/pdf"
)

type candidate struct {
	name string
	run  func(path string) ([]string, error)
}

var candidates = []candidate{
	{"reasonkit extract (ledongthuc/pdf + own layout)", func(path string) ([]string, error) {
		doc, err := extract.File(context.Background(), path, extract.Limits{})
		if err != nil {
			return nil, err
		}
		var pages []string
		for _, s := range doc.Sections {
			for len(pages) < s.Page-1 {
				pages = append(pages, "")
			}
			pages = append(pages, s.Text)
		}
		return pages, nil
	}},
	{"ledongthuc/pdf GetPlainText", func(path string) ([]string, error) {
		f, r, err := ldt.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		var pages []string
		for i := 1; i <= r.NumPage(); i++ {
			s, err := r.Page(i).GetPlainText(nil)
			if err != nil {
				return pages, err
			}
			pages = append(pages, s)
		}
		return pages, nil
	}},
	{"dslipak/pdf GetPlainText", func(path string) ([]string, error) {
		r, err := dsl.Open(path)
		if err != nil {
			return nil, err
		}
		var pages []string
		for i := 1; i <= r.NumPage(); i++ {
			s, err := r.Page(i).GetPlainText(nil)
			if err != nil {
				return pages, err
			}
			pages = append(pages, s)
		}
		return pages, nil
	}},
	{"ledongthuc/pdf Content + layout", func(path string) ([]string, error) {
		f, r, err := ldt.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		var pages []string
		for i := 1; i <= r.NumPage(); i++ {
			var gs []glyph
			for _, t := range r.Page(i).Content().Text {
				gs = append(gs, glyph{t.X, t.Y, t.W, t.FontSize, t.S})
			}
			pages = append(pages, layout(gs))
		}
		return pages, nil
	}},
	{"rsc.io/pdf Content + layout", func(path string) ([]string, error) {
		r, err := rsc.Open(path)
		if err != nil {
			return nil, err
		}
		var pages []string
		for i := 1; i <= r.NumPage(); i++ {
			var gs []glyph
			for _, t := range r.Page(i).Content().Text {
				gs = append(gs, glyph{t.X, t.Y, t.W, t.FontSize, t.S})
			}
			pages = append(pages, layout(gs))
		}
		return pages, nil
	}},
}

// glyph is one positioned character from a library's Content().
type glyph struct {
	x, y, w, size float64
	s             string
}

// layout joins glyphs in stream order with the same spacing rules as ours.
func layout(gs []glyph) string {
	var b strings.Builder
	for i, g := range gs {
		if i > 0 {
			p := gs[i-1]
			size := math.Max(p.size, g.size)
			if size <= 0 {
				size = 10
			}
			switch {
			case math.Abs(g.y-p.y) > 0.5*size:
				b.WriteByte('\n')
			case g.x > p.x+p.w+0.15*size || g.x < p.x-0.5*size:
				b.WriteByte(' ')
			}
		}
		b.WriteString(g.s)
	}
	return b.String()
}

func words(s string) map[string]int {
	m := map[string]int{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		m[w]++
	}
	return m
}

// f1 is the bag-of-words F1 of got against ref, and ref's word count.
func f1(ref, got map[string]int) (float64, int) {
	var common, nr, ng int
	for w, c := range ref {
		nr += c
		common += min(c, got[w])
	}
	for _, c := range got {
		ng += c
	}
	if nr == 0 || ng == 0 || common == 0 {
		return 0, nr
	}
	p, r := float64(common)/float64(ng), float64(common)/float64(nr)
	return 2 * p * r / (p + r), nr
}

// timeout bounds one extractor on one file; some loop for ever on real PDFs.
const timeout = 120 * time.Second

// run runs candidate ci on path in a child process (this program with
// -one), so that one that hangs can be stopped.
func run(ci int, path string) ([]string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var stderr strings.Builder
	cmd := exec.CommandContext(ctx, self, "-one", candidates[ci].name, path)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("no result after %v (stopped)", timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var pages []string
	if err := json.Unmarshal(out, &pages); err != nil {
		return nil, err
	}
	return pages, nil
}

// one is the child side of run: it prints the pages as JSON.
func one(ci int, path string) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "panic: %v", r)
			os.Exit(2)
		}
	}()
	pages, err := candidates[ci].run(path)
	if err != nil {
		fmt.Fprint(os.Stderr, err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(pages); err != nil {
		panic(err)
	}
}

func ungzip(path, dir string) (string, error) {
	in, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, strings.TrimSuffix(filepath.Base(path), ".gz"))
	f, err := os.Create(out)
	if err != nil {
		return "", err
	}
	defer f.Close()
	_, err = io.Copy(f, zr)
	return out, err
}

func main() {
	if len(os.Args) == 4 && os.Args[1] == "-one" {
		for ci, c := range candidates {
			if c.name == os.Args[2] {
				one(ci, os.Args[3])
				return
			}
		}
		panic("no extractor named " + os.Args[2])
	}
	args := os.Args[1:]
	if len(args) > 1 && args[0] == "-only" {
		// Keep only the extractors whose name contains the given text.
		var keep []candidate
		for _, c := range candidates {
			if strings.Contains(c.name, args[1]) {
				keep = append(keep, c)
			}
		}
		candidates, args = keep, args[2:]
	}
	tmp, err := os.MkdirTemp("", "pdfcompare-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmp)
	type total struct {
		f1w      float64
		words    int
		sec      float64
		failures int
	}
	totals := make([]total, len(candidates))
	fmt.Printf("%-28s %-48s %6s %6s %8s  %s\n", "file", "extractor", "pages", "F1", "seconds", "error")
	for _, arg := range args {
		path := arg
		if strings.HasSuffix(arg, ".gz") {
			if path, err = ungzip(arg, tmp); err != nil {
				fmt.Fprintln(os.Stderr, arg, err)
				continue
			}
		}
		out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
		if err != nil {
			fmt.Fprintln(os.Stderr, "pdftotext", path, err)
			continue
		}
		ref := strings.Split(string(out), "\f")
		for ci, c := range candidates {
			start := time.Now()
			pages, err := run(ci, path)
			sec := time.Since(start).Seconds()
			var sum float64
			var n int
			for i, r := range ref {
				got := ""
				if i < len(pages) {
					got = pages[i]
				}
				f, w := f1(words(r), words(got))
				sum += f * float64(w)
				n += w
			}
			score := 0.0
			if n > 0 {
				score = sum / float64(n)
			}
			msg := ""
			if err != nil {
				msg = err.Error()
			} else if len(pages) == 0 {
				msg = "no pages returned"
			}
			if msg != "" {
				totals[ci].failures++
			}
			totals[ci].f1w += sum
			totals[ci].words += n
			totals[ci].sec += sec
			fmt.Printf("%-28s %-48s %6d %6.3f %8.2f  %.60s\n", filepath.Base(path), c.name, len(pages), score, sec, msg)
		}
	}
	fmt.Printf("\n%-48s %8s %10s %9s\n", "extractor (all files)", "F1", "seconds", "failures")
	for ci, c := range candidates {
		t := totals[ci]
		fmt.Printf("%-48s %8.3f %10.2f %9d\n", c.name, t.f1w/math.Max(1, float64(t.words)), t.sec, t.failures)
	}
}
