package search

import (
	"strings"
	"unicode"
)

// snippetRunes is the length of a snippet around the best match.
const snippetRunes = 240

type word struct{ start, end int } // rune offsets

func words(text []rune) []word {
	var out []word
	start := -1
	for i, r := range text {
		in := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'
		if in && start < 0 {
			start = i
		}
		if !in && start >= 0 {
			out = append(out, word{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, word{start, len(text)})
	}
	return out
}

// matches reports whether a document word matches a query term, allowing
// the inflections that the porter stemmer in the keyword index also allows
// ("notice" matches "noticed", "notices").
func matches(w, term string) bool {
	if w == term {
		return true
	}
	if len(term) < 4 {
		return false
	}
	stem := strings.TrimRight(term, "es")
	if len(stem) < 3 {
		stem = term
	}
	return strings.HasPrefix(w, stem) && len(w)-len(stem) <= 4
}

// makeSnippet cuts the window of text with the most query-term hits and
// returns it with the hits' rune offsets inside the window.
func makeSnippet(text string, query string) (string, [][2]int) {
	ts := contentTerms(query)
	rs := []rune(text)
	var hits []word
	for _, w := range words(rs) {
		lw := strings.ToLower(string(rs[w.start:w.end]))
		for _, t := range ts {
			if matches(lw, t) {
				hits = append(hits, w)
				break
			}
		}
	}
	start, end := 0, len(rs)
	if len(rs) > snippetRunes {
		// Slide a window over the hits and keep the one holding the most.
		bestStart, bestCount := 0, 0
		j := 0
		for i := range hits {
			for j < len(hits) && hits[j].end-hits[i].start <= snippetRunes {
				j++
			}
			if j-i > bestCount {
				bestCount, bestStart = j-i, hits[i].start
			}
		}
		start = max(0, bestStart-snippetRunes/4)
		end = min(len(rs), start+snippetRunes)
		start = max(0, end-snippetRunes)
		// Do not cut words in half.
		for start > 0 && start < len(rs) && !unicode.IsSpace(rs[start-1]) {
			start++
		}
		for end < len(rs) && end > start && !unicode.IsSpace(rs[end]) {
			end--
		}
	}
	prefix, suffix := "", ""
	if start > 0 {
		prefix = "…"
	}
	if end < len(rs) {
		suffix = "…"
	}
	body := collapseSpace(rs[start:end])
	var marks [][2]int
	off := len([]rune(prefix))
	for _, h := range hits {
		if h.start >= start && h.end <= end {
			s, e := body.pos[h.start-start], body.pos[h.end-start]
			marks = append(marks, [2]int{s + off, e + off})
		}
	}
	return prefix + string(body.text) + suffix, marks
}

type collapsed struct {
	text []rune
	pos  []int // pos[i] = offset in text of input rune i; len(input)+1 entries
}

// collapseSpace folds runs of white space into one space, keeping a map from
// old to new offsets so highlights stay aligned.
func collapseSpace(in []rune) collapsed {
	out := collapsed{text: make([]rune, 0, len(in)), pos: make([]int, len(in)+1)}
	space := false
	for i, r := range in {
		out.pos[i] = len(out.text)
		if unicode.IsSpace(r) {
			if !space && len(out.text) > 0 {
				out.text = append(out.text, ' ')
			}
			space = true
			continue
		}
		space = false
		out.text = append(out.text, r)
	}
	out.pos[len(in)] = len(out.text)
	return out
}
