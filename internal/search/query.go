package search

import (
	"strings"
	"unicode"
)

// stopwords are dropped from keyword queries (unless nothing else is left):
// they match almost every chunk and only slow bm25 down.
var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an and are as at be but by for from has have how i if in into is it its
		of on or so that the their then there these this to was were what when where which who why will with
		you your do does did can could should would not no`) {
		stopwords[w] = true
	}
}

// terms splits a query into lower-case words of letters and digits.
func terms(q string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
	}) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// contentTerms drops stopwords, unless the query has nothing else.
func contentTerms(q string) []string {
	all := terms(q)
	var out []string
	for _, t := range all {
		if !stopwords[t] {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return all
	}
	return out
}

// matchExpr turns free text into a safe FTS5 MATCH expression: every term is
// quoted (so FTS5 syntax in the query is inert) and terms are OR-ed, letting
// bm25 rank chunks with more and rarer terms first. An exact phrase of the
// whole query is added so that verbatim matches rank highest.
func matchExpr(q string) string {
	ts := contentTerms(q)
	if len(ts) == 0 {
		return ""
	}
	parts := make([]string, 0, len(ts)+1)
	for _, t := range ts {
		parts = append(parts, `"`+t+`"`)
	}
	if len(ts) > 1 {
		parts = append(parts, `"`+strings.Join(ts, " ")+`"`)
	}
	return strings.Join(parts, " OR ")
}
