package search

import (
	"strings"
	"testing"

	"github.com/reasonkit/desktop/internal/store"
)

func TestMatchExprQuotesEverything(t *testing.T) {
	cases := map[string]string{
		"termination notice period":   `"termination" OR "notice" OR "period" OR "termination notice period"`,
		`NEAR(a b) OR "x" -y * col:z`: `"near" OR "b" OR "x" OR "y" OR "col" OR "z" OR "near b x y col z"`,
		"the and of":                  `"the" OR "and" OR "of" OR "the and of"`,
		"  ":                          ``,
	}
	for q, want := range cases {
		if got := matchExpr(q); got != want {
			t.Errorf("matchExpr(%q) = %q, want %q", q, got, want)
		}
	}
}

func TestSnippetHighlightsQueryTermsOnly(t *testing.T) {
	text := strings.Repeat("Filler words about nothing in particular. ", 20) +
		"Either party may give notice; the notice period is ninety days.   Renewal\n\nis automatic." +
		strings.Repeat(" More filler text follows here.", 20)
	snip, marks := makeSnippet(text, "notice period")
	rs := []rune(snip)
	if len(rs) > snippetRunes+2 || !strings.HasPrefix(snip, "…") || !strings.HasSuffix(snip, "…") {
		t.Fatalf("snippet not cut around the match: %q", snip)
	}
	var got []string
	for _, m := range marks {
		got = append(got, string(rs[m[0]:m[1]]))
	}
	if strings.Join(got, ",") != "notice,notice,period" {
		t.Fatalf("highlighted %q in %q", got, snip)
	}
	if strings.Contains(snip, "  ") || strings.Contains(snip, "\n") {
		t.Fatalf("white space not folded: %q", snip)
	}
	short, marks := makeSnippet("Notices were sent.", "notice")
	if short != "Notices were sent." || len(marks) != 1 || marks[0] != [2]int{0, 7} {
		t.Fatalf("short snippet %q marks %v", short, marks)
	}
}

func TestFuseRanksAgreementFirstAndWeighsCodeQueries(t *testing.T) {
	kw := []store.Hit{{ChunkID: 1}, {ChunkID: 2}, {ChunkID: 3}}
	vec := []store.Hit{{ChunkID: 3}, {ChunkID: 4}, {ChunkID: 2}}
	got := fuse(kw, vec, 60, 1)
	if got[0].id != 2 && got[0].id != 3 {
		t.Fatalf("a chunk found by both lists should lead: %+v", got)
	}
	if len(got) != 4 {
		t.Fatalf("candidates = %d, want 4", len(got))
	}
	// With the vector list at half weight, keyword's first hit beats vector's.
	got = fuse([]store.Hit{{ChunkID: 1}}, []store.Hit{{ChunkID: 9}}, 60, 0.5)
	if got[0].id != 1 {
		t.Fatalf("keyword hit should lead for code queries: %+v", got)
	}
	for q, want := range map[string]float64{"dirs_exist_ok copytree": 0.5, "json.dumps": 0.5, "lruCache size": 0.5,
		"copy a folder.": 1, "end of sentence. Next": 1} {
		if w := vectorWeight(q); w != want {
			t.Errorf("vectorWeight(%q) = %v, want %v", q, w, want)
		}
	}
}
