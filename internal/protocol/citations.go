package protocol

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Source is one retrieved passage supplied to the model as [S<N>].
type Source struct {
	N       int    `json:"n"`
	ChunkID int64  `json:"chunk_id"`
	Path    string `json:"path"`
	Page    int    `json:"page,omitempty"`
	Heading string `json:"heading,omitempty"`
	Text    string `json:"text"`
}

// Label is "S<N>".
func (s Source) Label() string { return "S" + strconv.Itoa(s.N) }

// Citation links a cited [S<N>] to the chunk it came from.
type Citation struct {
	Source  string `json:"source"` // "S1"
	N       int    `json:"-"`
	Path    string `json:"path"`
	Page    int    `json:"page,omitempty"`
	Heading string `json:"heading,omitempty"`
	ChunkID int64  `json:"chunk_id"`
}

// citeRE matches [S1], [S1, S3] and [S1][S2] (each bracket separately).
var citeRE = regexp.MustCompile(`\[\s*S\d+(?:\s*[,;]\s*S?\d+)*\s*\]`)
var numRE = regexp.MustCompile(`\d+`)

// CheckCitations finds every [S<n>] cited in text. Each number that was
// supplied becomes a Citation linked to its chunk (in order of first
// citation, once each); each that was not is returned in invalid, as "S<n>".
func CheckCitations(text string, sources []Source) (valid []Citation, invalid []string) {
	byN := make(map[int]*Source, len(sources))
	for i := range sources {
		byN[sources[i].N] = &sources[i]
	}
	seen := map[int]bool{}
	for _, m := range citeRE.FindAllString(text, -1) {
		for _, d := range numRE.FindAllString(m, -1) {
			n, _ := strconv.Atoi(d)
			if seen[n] {
				continue
			}
			seen[n] = true
			s, ok := byN[n]
			if !ok {
				invalid = append(invalid, "S"+d)
				continue
			}
			valid = append(valid, Citation{Source: s.Label(), N: n, Path: s.Path, Page: s.Page, Heading: s.Heading, ChunkID: s.ChunkID})
		}
	}
	return valid, invalid
}

// FormatSources renders retrieved passages as the context input: each one
// headed by its number, file name, page and heading.
func FormatSources(sources []Source) string {
	var b strings.Builder
	for i, s := range sources {
		if i > 0 {
			b.WriteString("\n\n")
		}
		fmt.Fprintf(&b, "[%s] %s", s.Label(), filepath.Base(s.Path))
		if s.Page > 0 {
			fmt.Fprintf(&b, ", page %d", s.Page)
		}
		if s.Heading != "" {
			fmt.Fprintf(&b, " (%s)", s.Heading)
		}
		b.WriteByte('\n')
		b.WriteString(strings.TrimSpace(s.Text))
	}
	return b.String()
}
