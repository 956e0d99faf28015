package chunk

import (
	"context"
	"fmt"
	"math/rand"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/reasonkit/desktop/internal/ingest/extract"
)

// check asserts the invariants every Split result must keep and returns the
// document text as runes.
func check(t testing.TB, doc *extract.Document, opt Options, chunks []Chunk) []rune {
	t.Helper()
	text := []rune(DocText(doc))
	size := opt.Size
	if size <= 0 {
		size = DefaultSize
	}
	// Section bounds in runes.
	type span struct{ start, end int }
	var spans []span
	off := 0
	for i, s := range doc.Sections {
		if i > 0 {
			off += len([]rune(SectionSep))
		}
		n := utf8.RuneCountInString(s.Text)
		spans = append(spans, span{off, off + n})
		off += n
	}
	covered := make([]bool, len(text))
	sec := 0
	for i, c := range chunks {
		if c.Ordinal != i {
			t.Fatalf("chunk %d has ordinal %d", i, c.Ordinal)
		}
		if strings.TrimSpace(c.Text) == "" || c.Text != strings.TrimSpace(c.Text) {
			t.Fatalf("chunk %d is empty or untrimmed: %q", i, c.Text)
		}
		if c.Start < 0 || c.End > len(text) || c.Start >= c.End {
			t.Fatalf("chunk %d has bad offsets [%d,%d) in a %d-rune text", i, c.Start, c.End, len(text))
		}
		if got := string(text[c.Start:c.End]); got != c.Text {
			t.Fatalf("chunk %d: docText[%d:%d] = %q, chunk text %q", i, c.Start, c.End, got, c.Text)
		}
		if n := utf8.RuneCountInString(c.Text); n > size {
			t.Fatalf("chunk %d has %d runes, more than size %d", i, n, size)
		}
		for sec < len(spans) && c.Start >= spans[sec].end {
			sec++
		}
		if sec == len(spans) || c.Start < spans[sec].start || c.End > spans[sec].end {
			t.Fatalf("chunk %d [%d,%d) crosses a section boundary", i, c.Start, c.End)
		}
		if s := doc.Sections[sec]; c.Page != s.Page || c.Heading != s.Heading {
			t.Fatalf("chunk %d: page, heading = %d, %q; its section has %d, %q", i, c.Page, c.Heading, s.Page, s.Heading)
		}
		if i > 0 {
			p := chunks[i-1]
			if c.Start <= p.Start || c.End <= p.End {
				t.Fatalf("chunk %d [%d,%d) does not move past chunk %d [%d,%d)", i, c.Start, c.End, i-1, p.Start, p.End)
			}
			if c.Start < p.End {
				if p.End-c.Start > max(0, min(opt.Overlap, size/2)) {
					t.Fatalf("chunks %d and %d overlap by %d runes, more than %d", i-1, i, p.End-c.Start, opt.Overlap)
				}
				if p.Start < spans[sec].start {
					t.Fatalf("chunks %d and %d overlap across a section boundary", i-1, i)
				}
			}
		}
		for j := c.Start; j < c.End; j++ {
			covered[j] = true
		}
	}
	for j, r := range text {
		if !covered[j] && !unicode.IsSpace(r) {
			t.Fatalf("rune %d (%q) of the text is in no chunk; context %q", j, r, string(text[max(0, j-20):min(len(text), j+20)]))
		}
	}
	return text
}

func doc1(text string) *extract.Document {
	return &extract.Document{Sections: []extract.Section{{Text: text}}}
}

func TestBreakPreference(t *testing.T) {
	para := func(n int, word string) string { return strings.TrimSpace(strings.Repeat(word+" ", n)) + "." }
	tests := []struct {
		name string
		text string
		opt  Options
		ends []string // each chunk but the last must end with one of these
	}{
		{"paragraphs", para(60, "alpha") + "\n\n" + para(60, "bravo") + "\n\n" + para(60, "charlie") + "\n\n" + para(60, "delta"),
			Options{Size: 800, Overlap: 0}, []string{"alpha.", "bravo.", "charlie."}},
		{"sentences", strings.Repeat("The quick brown fox jumps over the lazy dog. ", 60), Options{Size: 300, Overlap: 0}, []string{"dog."}},
		{"words", strings.Repeat("word ", 400), Options{Size: 100, Overlap: 0}, []string{"word"}},
		{"lines of code", strings.Repeat("x := compute(a, b) + other(c)\n", 40), Options{Size: 200}, []string{"other(c)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := doc1(tc.text)
			chunks := Split(d, tc.opt)
			check(t, d, tc.opt, chunks)
			if len(chunks) < 2 {
				t.Fatalf("got %d chunks, want several", len(chunks))
			}
			for i, c := range chunks[:len(chunks)-1] {
				ok := false
				for _, e := range tc.ends {
					ok = ok || strings.HasSuffix(c.Text, e)
				}
				if !ok {
					t.Errorf("chunk %d ends with %q, want one of %q", i, c.Text[max(0, len(c.Text)-20):], tc.ends)
				}
				if n := utf8.RuneCountInString(c.Text); n < tc.opt.Size/2-1 {
					t.Errorf("chunk %d has only %d runes for size %d", i, n, tc.opt.Size)
				}
			}
		})
	}
}

func TestHardCutAndMultibyte(t *testing.T) {
	// One 5000-rune "word" of multi-byte runes: cut at exactly Size runes.
	word := strings.Repeat("日本語😀", 1250)
	d := doc1(word)
	opt := Options{Size: 1000, Overlap: 100}
	chunks := Split(d, opt)
	check(t, d, opt, chunks)
	if utf8.RuneCountInString(chunks[0].Text) != 1000 {
		t.Errorf("first chunk has %d runes, want 1000", utf8.RuneCountInString(chunks[0].Text))
	}
}

func TestOverlap(t *testing.T) {
	text := strings.Repeat("Sentence number one is here. Another short sentence follows it. ", 50)
	d := doc1(text)
	opt := Options{Size: 400, Overlap: 120}
	chunks := Split(d, opt)
	runes := check(t, d, opt, chunks)
	for i := 1; i < len(chunks); i++ {
		p, c := chunks[i-1], chunks[i]
		if c.Start >= p.End {
			t.Fatalf("chunk %d does not overlap chunk %d", i, i-1)
		}
		shared := string(runes[c.Start:p.End])
		if !strings.HasSuffix(p.Text, shared) || !strings.HasPrefix(c.Text, shared) {
			t.Fatalf("overlap %q is not the tail of chunk %d and head of chunk %d", shared, i-1, i)
		}
		if r, _ := utf8.DecodeLastRuneInString(string(runes[:c.Start])); !unicode.IsSpace(r) {
			t.Errorf("chunk %d starts mid-word: %q", i, c.Text[:20])
		}
	}
}

func TestSectionsKeepPageAndHeading(t *testing.T) {
	d := &extract.Document{Sections: []extract.Section{
		{Text: strings.Repeat("Page one text. ", 30), Page: 1},
		{Text: "Short page two.", Page: 2},
		{Text: strings.Repeat("Linux install steps go here. ", 20), Heading: "Install > Linux"},
		{Text: "Ünïcödé heading text 😀.", Heading: "Ü"},
	}}
	opt := Options{Size: 200, Overlap: 50}
	chunks := Split(d, opt)
	check(t, d, opt, chunks)
	seen := map[string]bool{}
	for _, c := range chunks {
		seen[fmt.Sprintf("%d|%s", c.Page, c.Heading)] = true
	}
	for _, k := range []string{"1|", "2|", "0|Install > Linux", "0|Ü"} {
		if !seen[k] {
			t.Errorf("no chunk with page|heading %q", k)
		}
	}
	if last := chunks[len(chunks)-1]; last.Text != "Ünïcödé heading text 😀." {
		t.Errorf("last chunk = %q", last.Text)
	}
}

func TestDefaultsAndEdgeCases(t *testing.T) {
	tests := []struct {
		name   string
		doc    *extract.Document
		opt    Options
		chunks int
	}{
		{"no sections", &extract.Document{}, Options{}, 0},
		{"white space only", doc1(" \n\n\t "), Options{}, 0},
		{"default size", doc1(strings.Repeat("a b c d e f. ", 300)), Options{}, 4},
		{"overlap larger than size", doc1(strings.Repeat("word ", 200)), Options{Size: 100, Overlap: 500}, 19},
		{"negative overlap", doc1(strings.Repeat("word ", 200)), Options{Size: 100, Overlap: -5}, 10},
		{"tiny size", doc1("abc def ghi"), Options{Size: 1}, 9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			chunks := Split(tc.doc, tc.opt)
			check(t, tc.doc, tc.opt, chunks)
			if len(chunks) != tc.chunks {
				t.Errorf("got %d chunks, want %d", len(chunks), tc.chunks)
			}
			if again := Split(tc.doc, tc.opt); !reflect.DeepEqual(chunks, again) {
				t.Error("Split is not deterministic")
			}
		})
	}
}

// TestFixtures chunks every real fixture the extractor reads.
func TestFixtures(t *testing.T) {
	files, err := filepath.Glob("../extract/testdata/sample.*")
	if err != nil || len(files) < 6 {
		t.Fatalf("fixtures: %v %v", files, err)
	}
	for _, f := range files {
		if filepath.Ext(f) == ".ps" {
			continue
		}
		doc, err := extract.File(context.Background(), f, extract.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		for _, opt := range []Options{{Size: 60, Overlap: 20}, {Size: 1200, Overlap: 200}} {
			chunks := Split(doc, opt)
			check(t, doc, opt, chunks)
			if len(chunks) < len(doc.Sections) {
				t.Errorf("%s: %d chunks for %d sections", f, len(chunks), len(doc.Sections))
			}
		}
	}
}

func TestRandomTexts(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	pieces := []string{"word", " ", " ", "\n", "\n\n", ". ", "é", "😀", "長い", "\t", "! ", "x"}
	for n := 0; n < 300; n++ {
		var secs []extract.Section
		for s := rng.Intn(4); s >= 0; s-- {
			var b strings.Builder
			for k := rng.Intn(400); k > 0; k-- {
				b.WriteString(pieces[rng.Intn(len(pieces))])
			}
			secs = append(secs, extract.Section{Text: b.String(), Page: s})
		}
		d := &extract.Document{Sections: secs}
		opt := Options{Size: 1 + rng.Intn(120), Overlap: rng.Intn(60)}
		check(t, d, opt, Split(d, opt))
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("Hello world. This is a test.\n\nNew paragraph here.", "second section", 20, 5)
	f.Add(strings.Repeat("x", 300), "", 7, 3)
	f.Add("日本語の文章です。もう一つ。", "a\n\nb", 5, 2)
	f.Fuzz(func(t *testing.T, a, b string, size, overlap int) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) || size > 5000 || overlap > 5000 {
			return
		}
		d := &extract.Document{Sections: []extract.Section{{Text: a, Page: 1}, {Text: b, Page: 2}}}
		opt := Options{Size: size, Overlap: overlap}
		check(t, d, opt, Split(d, opt))
	})
}

func TestTenMegabyteLine(t *testing.T) {
	line := strings.Repeat("lorem ipsum dolor sit amet ", 10<<20/27+1)
	d := doc1(line)
	chunks := Split(d, Options{Size: 1200, Overlap: 200})
	if len(chunks) < len(line)/1200 {
		t.Fatalf("got %d chunks for %d bytes", len(chunks), len(line))
	}
	last := chunks[len(chunks)-1]
	if last.End != utf8.RuneCountInString(strings.TrimSpace(line)) {
		t.Fatalf("last chunk ends at %d", last.End)
	}
}
