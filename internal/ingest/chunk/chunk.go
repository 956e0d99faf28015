// Package chunk splits an extracted document into overlapping chunks sized
// for embedding and search. A chunk never crosses a section (page or heading)
// boundary; inside a section it ends at a paragraph break if one is near the
// size limit, else at a sentence end, else between words, else (one very long
// word) at the limit itself. Work is linear in the text length.
package chunk

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/reasonkit/desktop/internal/ingest/extract"
)

// Chunk is a piece of a document's text with its location.
//
// Start and End are rune offsets into the document text, defined as the
// sections' Text joined with SectionSep, so that
// []rune(docText)[Start:End] is exactly Text.
type Chunk struct {
	Ordinal    int
	Text       string
	Page       int
	Heading    string
	Start, End int
}

// Options sets chunk size and overlap, both in characters (runes).
// Size <= 0 means DefaultSize; Overlap < 0 means none, and it is capped at half the Size.
type Options struct {
	Size, Overlap int
}

// Defaults match the config defaults.
const (
	DefaultSize    = 1200
	DefaultOverlap = 200
)

// SectionSep joins section texts into the document text that offsets refer to.
const SectionSep = "\n\n"

// DocText returns the document text that chunk offsets refer to.
func DocText(doc *extract.Document) string {
	parts := make([]string, len(doc.Sections))
	for i, s := range doc.Sections {
		parts[i] = s.Text
	}
	return strings.Join(parts, SectionSep)
}

// Split cuts doc into chunks. It is deterministic and never returns an empty
// chunk.
func Split(doc *extract.Document, opt Options) []Chunk {
	if opt.Size <= 0 {
		opt.Size = DefaultSize
	}
	opt.Overlap = max(0, min(opt.Overlap, opt.Size/2))
	var out []Chunk
	base := 0 // rune offset of the current section in the document text
	sepRunes := utf8.RuneCountInString(SectionSep)
	for i, sec := range doc.Sections {
		if i > 0 {
			base += sepRunes
		}
		n := splitSection(sec.Text, opt, func(text string, start, end int) {
			out = append(out, Chunk{
				Ordinal: len(out), Text: text, Page: sec.Page, Heading: sec.Heading,
				Start: base + start, End: base + end,
			})
		})
		base += n
	}
	return out
}

// cursor converts byte offsets of s to rune offsets by walking from the last
// position asked for, so a forward-moving sequence of queries is linear.
type cursor struct {
	s           string
	byte, runes int
}

func (c *cursor) runeAt(b int) int {
	if b >= c.byte {
		c.runes += utf8.RuneCountInString(c.s[c.byte:b])
	} else {
		c.runes -= utf8.RuneCountInString(c.s[b:c.byte])
	}
	c.byte = b
	return c.runes
}

// advance returns the byte offset n runes after byte offset i (or len(s)).
func advance(s string, i, n int) int {
	for ; n > 0 && i < len(s); n-- {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, sz := utf8.DecodeRuneInString(s[i:])
		i += sz
	}
	return i
}

// back returns the byte offset n runes before byte offset i (not before lo).
func back(s string, i, lo, n int) int {
	for ; n > 0 && i > lo; n-- {
		_, sz := utf8.DecodeLastRuneInString(s[:i])
		i -= sz
	}
	return i
}

// splitSection emits the chunks of one section with rune offsets relative to
// the section and returns the section's length in runes.
func splitSection(s string, opt Options, emit func(text string, start, end int)) int {
	cur := cursor{s: s}
	pos, prevEnd := 0, 0 // prevEnd: where the last emitted chunk's text ended
	for pos < len(s) {
		pos = skipSpace(s, pos)
		if pos >= len(s) {
			break
		}
		limit := advance(s, pos, opt.Size)
		end := limit
		if limit < len(s) {
			lo := advance(s, pos, opt.Size/2)
			if lo <= prevEnd { // overlap must not make a chunk that ends where the last one did
				lo = advance(s, prevEnd, 1)
			}
			end = breakPoint(s, limit, min(lo, limit))
		}
		tEnd := end
		for tEnd > pos {
			r, sz := utf8.DecodeLastRuneInString(s[:tEnd])
			if !unicode.IsSpace(r) {
				break
			}
			tEnd -= sz
		}
		if tEnd <= prevEnd { // nothing new: continue after this break without overlap
			pos = max(end, advance(s, pos, 1))
			continue
		}
		start := cur.runeAt(pos)
		emit(s[pos:tEnd], start, cur.runeAt(tEnd))
		prevEnd = tEnd
		if end >= len(s) {
			break
		}
		cstart := pos
		pos = end
		if opt.Overlap > 0 {
			// Repeat the tail of this chunk, starting on a word.
			o := back(s, tEnd, cstart, opt.Overlap)
			if w := nextWordStart(s, o, tEnd); w > cstart && w < tEnd {
				pos = w
			}
		}
	}
	return cur.runeAt(len(s))
}

func skipSpace(s string, i int) int {
	for i < len(s) {
		r, sz := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += sz
	}
	return i
}

// nextWordStart returns the first word start at or after i (before hi): i
// itself if the previous rune is a space, else the rune after the next space.
func nextWordStart(s string, i, hi int) int {
	if i > 0 {
		if r, _ := utf8.DecodeLastRuneInString(s[:i]); unicode.IsSpace(r) {
			return i
		}
	}
	for j := i; j < hi; {
		r, sz := utf8.DecodeRuneInString(s[j:])
		j += sz
		if unicode.IsSpace(r) {
			return skipSpace(s, j)
		}
	}
	return hi
}

// breakPoint picks where a chunk that may not go past limit should end: the
// last paragraph break in [lo, limit], else the last sentence end, else line
// end, else white space; failing all of these, limit itself. The result is
// the offset of the white space after the break.
func breakPoint(s string, limit, lo int) int {
	w := s[lo:limit]
	if i := strings.LastIndex(w, "\n\n"); i >= 0 {
		return lo + i
	}
	sentence, line, word := -1, -1, -1
	for j := len(w); j > 0 && sentence < 0; {
		r, sz := utf8.DecodeLastRuneInString(w[:j])
		j -= sz
		if !unicode.IsSpace(r) {
			continue
		}
		if word < 0 {
			word = j
		}
		if r == '\n' && line < 0 {
			line = j
		}
		if p, _ := utf8.DecodeLastRuneInString(w[:j]); strings.ContainsRune(".!?。！？", p) {
			sentence = j
		}
	}
	for _, b := range []int{sentence, line, word} {
		if b >= 0 {
			return lo + b
		}
	}
	// Text without spaces (e.g. Chinese or Japanese): after a full-width stop.
	for j := len(w); j > 0; {
		r, sz := utf8.DecodeLastRuneInString(w[:j])
		if strings.ContainsRune("。！？、，", r) {
			return lo + j
		}
		j -= sz
	}
	return limit
}
