package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/ledongthuc/pdf"
)

// PDF text comes from github.com/ledongthuc/pdf (pure Go; a maintained fork of
// rsc.io/pdf) for parsing, decryption of empty-password files, stream
// filters and font encodings. Its own text helpers either glue words together
// (GetPlainText ignores positions) or re-parse fonts on every font switch
// (Content), so the content-stream interpreter below is our own: it tracks the
// text matrix, measures each shown string with cached font widths, and puts
// spaces and line breaks where the glyph positions say they are. See
// testdata/pdfcompare for the measured comparison.

// extractPDF returns one section per page, with 1-based page numbers.
func extractPDF(ctx context.Context, path string, data []byte, _ Limits) (*Document, error) {
	head := data[:min(len(data), 1024)]
	if !bytes.Contains(head, []byte("%PDF-")) {
		return nil, fail(path, "not a PDF file (no %%PDF- header): rename it if it has a different format")
	}
	encrypted := bytes.Contains(data, []byte("/Encrypt"))
	src := &budgetReader{r: bytes.NewReader(data), left: readBudget(len(data)), pdf2: bytes.HasPrefix(data, []byte("%PDF-2."))}
	r, err := pdf.NewReader(src, int64(len(data)))
	if err != nil {
		if errors.Is(err, errReadBudget) {
			return nil, &Error{Path: path, Reason: "damaged PDF: its cross-references loop; open and re-save it, then index again", Err: err}
		}
		if encrypted || errors.Is(err, pdf.ErrInvalidPassword) {
			return nil, &Error{Path: path, Reason: "encrypted PDF: remove the password and index again", Err: err}
		}
		msg := err.Error()
		if strings.Contains(msg, "%%EOF") || strings.Contains(msg, "startxref") || strings.Contains(msg, "xref") {
			return nil, &Error{Path: path, Reason: "truncated or damaged PDF (" + msg + "): download or export it again", Err: err}
		}
		return nil, &Error{Path: path, Reason: "malformed PDF (" + msg + "): open and re-save it, then index again", Err: err}
	}
	doc := &Document{Title: strings.TrimSpace(r.Trailer().Key("Info").Key("Title").Text())}
	pages, err := pdfPages(r)
	if err != nil {
		return nil, &Error{Path: path, Reason: "damaged PDF: " + err.Error() + "; open and re-save it, then index again", Err: err}
	}
	if len(pages) == 0 {
		return nil, fail(path, "damaged PDF: no pages found; download or export it again")
	}
	var firstErr error
	failed := 0
	for i, page := range pages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		text, err := pageText(page)
		if errors.Is(err, errReadBudget) {
			return nil, &Error{Path: path, Reason: fmt.Sprintf("damaged PDF: page %d loops in its object references; open and re-save it, then index again", i+1), Err: err}
		}
		if err != nil {
			failed++
			if firstErr == nil {
				firstErr = fmt.Errorf("page %d: %w", i+1, err)
			}
			continue
		}
		doc.Sections = append(doc.Sections, Section{Text: text, Page: i + 1})
	}
	if len(doc.Sections) == 0 && failed > 0 {
		return nil, &Error{Path: path, Reason: "damaged PDF: no page could be read (" + firstErr.Error() + ")", Err: firstErr}
	}
	return doc, nil
}

// maxPageTreeNodes bounds the page tree walk, so that a tree whose kids
// point back at their ancestors ends with an error instead of looping.
const maxPageTreeNodes = 1 << 20

// pdfPages lists the pages in document order by walking the page tree once
// (the library's Page(i) walks it from the root for every page).
func pdfPages(r *pdf.Reader) (pages []pdf.Page, err error) {
	defer func() {
		if x := recover(); x != nil {
			pages, err = nil, fmt.Errorf("unreadable page tree (%v)", x)
		}
	}()
	type item struct {
		v     pdf.Value
		depth int
	}
	stack := []item{{r.Trailer().Key("Root").Key("Pages"), 0}}
	for seen := 0; len(stack) > 0; seen++ {
		if seen > maxPageTreeNodes {
			return nil, errors.New("page tree loops back on itself")
		}
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		kids := it.v.Key("Kids")
		if it.v.Key("Type").Name() == "Page" || kids.Kind() != pdf.Array {
			if it.v.Kind() == pdf.Dict {
				pages = append(pages, pdf.Page{V: it.v})
			}
			continue
		}
		if it.depth >= 64 {
			return nil, errors.New("page tree nested too deeply (a loop?)")
		}
		for i := kids.Len() - 1; i >= 0; i-- {
			stack = append(stack, item{kids.Index(i), it.depth + 1})
		}
	}
	return pages, nil
}

// pageText extracts one page, turning a parser panic into an error.
func pageText(p pdf.Page) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				text, err = "", e
			} else {
				text, err = "", fmt.Errorf("%v", r)
			}
		}
	}()
	if p.V.IsNull() {
		return "", errors.New("page object missing")
	}
	in := &pdfInterp{}
	in.run(p.V.Key("Contents"), p.Resources(), ident, 0)
	return in.layout(), nil
}

// errReadBudget stops a parse that has read far more than the file holds:
// the sign of a reference loop in a damaged file, which would otherwise spin
// for ever inside the parser.
var errReadBudget = errors.New("PDF read budget exhausted")

// readBudget allows each byte to be read many times over, since the parser
// has no object cache and re-reads object streams on every lookup.
func readBudget(size int) int64 { return 1000*int64(size) + 16<<20 }

// budgetReader is an io.ReaderAt that panics with errReadBudget once more
// than left bytes have been read. The parser recovers panics into errors.
type budgetReader struct {
	r     *bytes.Reader
	left  int64
	total int64
	pdf2  bool // the file starts with a %PDF-2.x header
}

func (b *budgetReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := b.r.ReadAt(p, off)
	if b.pdf2 && off < 8 {
		// The parser only knows headers up to %PDF-1.7; PDF 2.0 files
		// parse the same way, so it is shown a 1.7 header.
		for i := max(0, 5-int(off)); i < n && off+int64(i) < 8; i++ {
			p[i] = "%PDF-1.7"[off+int64(i)]
		}
	}
	b.left -= int64(n)
	b.total += int64(n)
	if b.left < 0 {
		panic(errReadBudget)
	}
	return n, err
}

// matrix is a PDF transformation matrix [a b 0; c d 0; e f 1].
type matrix [3][3]float64

var ident = matrix{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}

func (x matrix) mul(y matrix) matrix {
	var z matrix
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			for k := 0; k < 3; k++ {
				z[i][j] += x[i][k] * y[k][j]
			}
		}
	}
	return z
}

func translate(tx, ty float64) matrix { return matrix{{1, 0, 0}, {0, 1, 0}, {tx, ty, 1}} }

// fontInfo is what the interpreter needs from a font, computed once.
type fontInfo struct {
	enc       pdf.TextEncoding
	composite bool // Type0: two-byte codes
	first     int
	widths    []float64
	cidWidths map[int]float64
	dw        float64
}

func newFontInfo(v pdf.Value) *fontInfo {
	f := pdf.Font{V: v}
	fi := &fontInfo{enc: f.Encoder(), dw: 1000}
	if fi.enc == nil {
		fi.enc = identityEncoding{}
	}
	if m := texFontMap(v); m != nil {
		fi.enc = texEncoding{fi.enc, m}
	}
	if v.Key("Subtype").Name() == "Type0" {
		fi.composite = true
		desc := v.Key("DescendantFonts").Index(0)
		if dw := desc.Key("DW"); dw.Kind() != pdf.Null {
			fi.dw = dw.Float64()
		}
		fi.cidWidths = map[int]float64{}
		w := desc.Key("W")
		for i := 0; i < w.Len(); {
			start := int(w.Index(i).Int64())
			next := w.Index(i + 1)
			if next.Kind() == pdf.Array {
				for j := 0; j < next.Len(); j++ {
					fi.cidWidths[start+j] = next.Index(j).Float64()
				}
				i += 2
				continue
			}
			end, width := int(next.Int64()), w.Index(i+2).Float64()
			for c := start; c <= end && c-start < 65536; c++ {
				fi.cidWidths[c] = width
			}
			i += 3
		}
		return fi
	}
	fi.first = int(v.Key("FirstChar").Int64())
	ws := v.Key("Widths")
	fi.widths = make([]float64, ws.Len())
	for i := range fi.widths {
		fi.widths[i] = ws.Index(i).Float64()
	}
	return fi
}

// identityEncoding passes bytes through when a font has no usable encoding.
type identityEncoding struct{}

func (identityEncoding) Decode(raw string) string { return raw }

// advance returns the width of raw in text space units (before font size),
// and the number of codes and of single-byte spaces it holds.
func (fi *fontInfo) advance(raw string) (w float64, codes, spaces int) {
	if fi.composite {
		for i := 0; i+1 < len(raw); i += 2 {
			code := int(raw[i])<<8 | int(raw[i+1])
			cw, ok := fi.cidWidths[code]
			if !ok {
				cw = fi.dw
			}
			w += cw
			codes++
		}
		return w / 1000, codes, 0
	}
	for i := 0; i < len(raw); i++ {
		c := int(raw[i])
		cw := 0.0
		if j := c - fi.first; j >= 0 && j < len(fi.widths) {
			cw = fi.widths[j]
		}
		if cw == 0 {
			cw = 500 // missing width: assume an average glyph
		}
		w += cw
		if c == ' ' {
			spaces++
		}
	}
	return w / 1000, len(raw), spaces
}

// texFontMap returns the code map for one of Knuth's Computer Modern fonts
// that has neither an /Encoding nor a /ToUnicode map, as in PDFs from older
// TeX: without it the parser has no names for ligatures, quotes and math
// symbols and shows U+FFFD, e.g. for "fi" in "fixed". Other fonts: nil.
func texFontMap(v pdf.Value) map[byte]string {
	if v.Key("Subtype").Name() != "Type1" || v.Key("Encoding").Kind() != pdf.Null || v.Key("ToUnicode").Kind() != pdf.Null {
		return nil
	}
	name := v.Key("BaseFont").Name()
	if i := strings.IndexByte(name, '+'); i >= 0 {
		name = name[i+1:]
	}
	if strings.HasPrefix(name, "CMSY") {
		return cmsy
	}
	for _, p := range []string{"CMR", "CMBX", "CMTI", "CMSL", "CMSS", "CMCSC", "CMB", "CMDUNH", "CMFIB", "CMU"} {
		if strings.HasPrefix(name, p) {
			return ot1
		}
	}
	return nil
}

// ot1 maps the OT1 codes that differ from ASCII in Computer Modern text fonts.
var ot1 = map[byte]string{
	0x0B: "ff", 0x0C: "fi", 0x0D: "fl", 0x0E: "ffi", 0x0F: "ffl", 0x10: "ı", 0x19: "ß", 0x1A: "æ",
	0x1B: "œ", 0x1C: "ø", 0x1D: "Æ", 0x1E: "Œ", 0x1F: "Ø", 0x22: "”", 0x5C: "“", 0x7B: "–", 0x7C: "—",
}

// cmsy maps common symbols of the Computer Modern math symbol font.
var cmsy = map[byte]string{
	0x00: "−", 0x01: "·", 0x02: "×", 0x03: "∗", 0x06: "±", 0x0F: "•", 0x14: "≤", 0x15: "≥",
	0x21: "→", 0x6A: "|",
}

// texEncoding decodes the codes in m and leaves the rest to the font's own
// encoding.
type texEncoding struct {
	inner pdf.TextEncoding
	m     map[byte]string
}

func (e texEncoding) Decode(raw string) string {
	var b strings.Builder
	start := 0
	for i := 0; i < len(raw); i++ {
		if m, ok := e.m[raw[i]]; ok {
			b.WriteString(e.inner.Decode(raw[start:i]))
			b.WriteString(m)
			start = i + 1
		}
	}
	if start == 0 {
		return e.inner.Decode(raw)
	}
	b.WriteString(e.inner.Decode(raw[start:]))
	return b.String()
}

// textRun is one shown string placed on the page.
type textRun struct {
	x, y, endX, size float64
	s                string
}

type gstate struct {
	ctm                   matrix
	tc, tw, th, tl, trise float64
	tfs                   float64
	font                  *fontInfo
}

// pdfInterp runs content streams and collects positioned text runs.
type pdfInterp struct {
	runs  []textRun
	fonts map[string]*fontInfo // keyed by resource scope and name
	calls int                  // content streams run so far; each has its own font scope
}

// run interprets one content stream (a page or a form XObject).
func (in *pdfInterp) run(strm, res pdf.Value, ctm matrix, depth int) {
	if in.fonts == nil {
		in.fonts = map[string]*fontInfo{}
	}
	scope := fmt.Sprintf("%d:", in.calls)
	in.calls++
	g := gstate{ctm: ctm, th: 1}
	var stack []gstate
	var tm, tlm matrix
	font := func(name string) *fontInfo {
		key := scope + name
		fi, ok := in.fonts[key]
		if !ok {
			fi = newFontInfo(res.Key("Font").Key(name))
			in.fonts[key] = fi
		}
		return fi
	}
	show := func(raw string) {
		if g.font == nil {
			g.font = &fontInfo{enc: identityEncoding{}, dw: 1000}
		}
		trm := matrix{{g.tfs * g.th, 0, 0}, {0, g.tfs, 0}, {0, g.trise, 1}}.mul(tm).mul(g.ctm)
		w, codes, spaces := g.font.advance(raw)
		tx := (w*g.tfs + float64(codes)*g.tc + float64(spaces)*g.tw) * g.th
		tm = translate(tx, 0).mul(tm)
		end := tm.mul(g.ctm)
		size := math.Hypot(trm[1][0], trm[1][1])
		if s := g.font.enc.Decode(raw); s != "" {
			in.runs = append(in.runs, textRun{x: trm[2][0], y: trm[2][1], endX: end[2][0], size: size, s: s})
		}
	}
	nextLine := func() {
		tlm = translate(0, -g.tl).mul(tlm)
		tm = tlm
	}
	pdf.Interpret(strm, func(stk *pdf.Stack, op string) {
		n := stk.Len()
		args := make([]pdf.Value, n)
		for i := n - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		num := func(i int) float64 {
			if i < len(args) {
				return args[i].Float64()
			}
			return 0
		}
		switch op {
		case "q":
			stack = append(stack, g)
		case "Q":
			if len(stack) > 0 {
				g = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
		case "cm":
			if len(args) == 6 {
				m := matrix{{num(0), num(1), 0}, {num(2), num(3), 0}, {num(4), num(5), 1}}
				g.ctm = m.mul(g.ctm)
			}
		case "BT":
			tm, tlm = ident, ident
		case "Tc":
			g.tc = num(0)
		case "Tw":
			g.tw = num(0)
		case "Tz":
			g.th = num(0) / 100
		case "TL":
			g.tl = num(0)
		case "Ts":
			g.trise = num(0)
		case "Tf":
			if len(args) == 2 {
				g.font = font(args[0].Name())
				g.tfs = num(1)
			}
		case "Td", "TD":
			if op == "TD" {
				g.tl = -num(1)
			}
			tlm = translate(num(0), num(1)).mul(tlm)
			tm = tlm
		case "Tm":
			if len(args) == 6 {
				tlm = matrix{{num(0), num(1), 0}, {num(2), num(3), 0}, {num(4), num(5), 1}}
				tm = tlm
			}
		case "T*":
			nextLine()
		case "Tj":
			if len(args) == 1 {
				show(args[0].RawString())
			}
		case "'":
			if len(args) == 1 {
				nextLine()
				show(args[0].RawString())
			}
		case "\"":
			if len(args) == 3 {
				g.tw, g.tc = num(0), num(1)
				nextLine()
				show(args[2].RawString())
			}
		case "TJ":
			if len(args) != 1 {
				return
			}
			a := args[0]
			for i := 0; i < a.Len(); i++ {
				v := a.Index(i)
				if v.Kind() == pdf.String {
					show(v.RawString())
				} else {
					tm = translate(-v.Float64()/1000*g.tfs*g.th, 0).mul(tm)
				}
			}
		case "Do":
			if len(args) != 1 || depth >= 4 {
				return
			}
			x := res.Key("XObject").Key(args[0].Name())
			if x.Key("Subtype").Name() != "Form" {
				return
			}
			m := ident
			if fm := x.Key("Matrix"); fm.Len() == 6 {
				m = matrix{{fm.Index(0).Float64(), fm.Index(1).Float64(), 0}, {fm.Index(2).Float64(), fm.Index(3).Float64(), 0}, {fm.Index(4).Float64(), fm.Index(5).Float64(), 1}}
			}
			xres := x.Key("Resources")
			if xres.IsNull() {
				xres = res
			}
			in.run(x, xres, m.mul(g.ctm), depth+1)
		}
	})
}

var ligatures = strings.NewReplacer("ﬀ", "ff", "ﬁ", "fi", "ﬂ", "fl", "ﬃ", "ffi", "ﬄ", "ffl", "ﬅ", "st", "ﬆ", "st", "\u00a0", " ", "\u00ad", "", "\uFFFD", "")

// layout joins the runs in stream order: a new line where the baseline moves
// by more than half the font size, a blank line where it jumps by more than
// about two lines or moves up (a new column or block), and a space where the
// horizontal gap is wider than a thin space.
func (in *pdfInterp) layout() string {
	var b strings.Builder
	var prev textRun
	for i, r := range in.runs {
		if i > 0 {
			size := math.Max(prev.size, r.size)
			if size <= 0 {
				size = 10
			}
			dy := r.y - prev.y
			last := b.String()[max(0, b.Len()-1):]
			switch {
			case math.Abs(dy) > 0.5*size && (dy > 0 || -dy > 2.2*size):
				b.WriteString("\n\n")
			case math.Abs(dy) > 0.5*size:
				b.WriteByte('\n')
			case r.x > prev.endX+0.15*size || r.x < prev.x-0.5*size:
				if last != " " && !strings.HasPrefix(r.s, " ") {
					b.WriteByte(' ')
				}
			}
		}
		b.WriteString(r.s)
		prev = r
	}
	return ligatures.Replace(b.String())
}
