package protocol

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestParseConfidence(t *testing.T) {
	cases := []struct {
		reply   string
		want    float64
		ok      bool
		text    string
		noteHas string
	}{
		{"answer\nCONFIDENCE: 0.85", 0.85, true, "answer", ""},
		{"answer\nConfidence: 85%", 0.85, true, "answer", ""},
		{"answer\n**Confidence:** 0.7\n", 0.7, true, "answer", ""},
		{"answer\nCONFIDENCE: .5", 0.5, true, "answer", ""},
		{"CONFIDENCE: 0.2\nrevised\nCONFIDENCE: 0.9", 0.9, true, "CONFIDENCE: 0.2\nrevised", ""},
		{"I have high confidence in this.\nCONFIDENCE: 1", 1, true, "I have high confidence in this.", ""},
		{"no line here", 0, false, "no line here", "confidence missing"},
		{"my confidence: high", 0, false, "my confidence: high", "confidence missing"},
		{"answer\nCONFIDENCE: 85", 0, false, "answer", "outside 0..1"},
		{"answer\nCONFIDENCE: 120%", 0, false, "answer", "outside 0..1"},
		{"answer\nCONFIDENCE: 0.8 because reasons", 0, false, "answer\nCONFIDENCE: 0.8 because reasons", "confidence missing"},
	}
	for _, c := range cases {
		got, text, ok, note := ParseConfidence(c.reply)
		if ok != c.ok || math.Abs(got-c.want) > 1e-9 || text != c.text || (c.noteHas != "" && !strings.Contains(note, c.noteHas)) {
			t.Errorf("%q: got %v %v %q note %q", c.reply, got, ok, text, note)
		}
		if ok && note != "" {
			t.Errorf("%q: note on success: %q", c.reply, note)
		}
	}
}

func TestParseList(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"Intro:\n1. one\n2) two\n   continued\n- three\n* four\n(5) five", []string{"one", "two continued", "three", "four", "five"}},
		{"alpha\n\nbeta\n", []string{"alpha", "beta"}},
		{"", nil},
	}
	for _, c := range cases {
		if got := ParseList(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %q want %q", c.in, got, c.want)
		}
	}
}

func TestParseRules(t *testing.T) {
	in := "Checks:\n- validity: PASS - the conclusion follows\n2. soundness: **FAIL** — premise 2 is false\n- relevance | passed\nnot a rule line"
	want := []RuleResult{
		{Rule: "validity", Pass: true, Reason: "the conclusion follows"},
		{Rule: "soundness", Pass: false, Reason: "premise 2 is false"},
		{Rule: "relevance", Pass: true},
	}
	if got := ParseRules(in); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	o := &Output{Rules: want}
	if o.Field("passed") != "2" || o.Field("failed") != "1" || o.Field("verdict") != "FAIL" {
		t.Errorf("fields: %s %s %s", o.Field("passed"), o.Field("failed"), o.Field("verdict"))
	}
}

func TestParseDecision(t *testing.T) {
	d := ParseDecision("**Verdict:** Conditional Pass\nRationale: solid core\nbut thin evidence.\nMost critical fix: add tests")
	if d == nil || d.Decision != "Conditional Pass" || d.Rationale != "solid core but thin evidence." {
		t.Fatalf("got %+v", d)
	}
	if ParseDecision("no labels at all") != nil {
		t.Error("decision invented")
	}
}

func TestCheckCitations(t *testing.T) {
	srcs := []Source{{N: 1, ChunkID: 11, Path: "/d/a.pdf", Page: 2}, {N: 2, ChunkID: 22, Path: "/d/b.md"}}
	valid, invalid := CheckCitations("Fact [S2]. Other [S1, S7] and [S1][S9].", srcs)
	if len(valid) != 2 || valid[0].Source != "S2" || valid[0].ChunkID != 22 || valid[1].ChunkID != 11 || valid[1].Page != 2 {
		t.Errorf("valid = %+v", valid)
	}
	if !reflect.DeepEqual(invalid, []string{"S7", "S9"}) {
		t.Errorf("invalid = %v", invalid)
	}
	ctx := FormatSources(srcs[:1])
	if ctx != "[S1] a.pdf, page 2\n" {
		t.Errorf("FormatSources = %q", ctx)
	}
}

func TestBandsAndWeights(t *testing.T) {
	for c, want := range map[float64]string{0.95: "very high", 0.9: "high", 0.85: "high", 0.84: "moderate", 0.7: "moderate", 0.69: "low", 0.5: "low", 0.49: "insufficient"} {
		if got := Band(c); got != want {
			t.Errorf("Band(%v) = %s, want %s", c, got, want)
		}
	}
	got, ok := RunConfidence(map[string][]float64{"gigathink": {0.6}, "laserlogic": {0.9}})
	if want := (0.15*0.6 + 0.25*0.9) / 0.40; !ok || math.Abs(got-want) > 1e-9 {
		t.Errorf("RunConfidence = %v, want %v", got, want)
	}
	got, _ = RunConfidence(map[string][]float64{"proofguard": {0.6, 1.0}, "bedrock": {0.5}})
	if want := (0.30*0.8 + 0.20*0.5) / 0.50; math.Abs(got-want) > 1e-9 {
		t.Errorf("repeated protocol: %v, want %v", got, want)
	}
	if _, ok := RunConfidence(nil); ok {
		t.Error("confidence from nothing")
	}
}
