package local

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"
)

// goldenCase is one entry of testdata/golden.json, written by
// tools/model/gen-golden.js from the package's own TF.js runtime.
type goldenCase struct {
	Text          string    `json:"text"`
	IDs           []int32   `json:"ids"`
	Vector        string    `json:"vector"`
	Windows       [][]int32 `json:"windows"`
	WindowVectors []string  `json:"windowVectors"`
}

func readGolden(t testing.TB) []goldenCase {
	t.Helper()
	b, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []goldenCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("testdata/golden.json: %v", err)
	}
	return g.Cases
}

func decodeVec(t testing.TB, s string) []float32 {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

const goldenTolerance = 1e-4

func loadModel(t testing.TB) *Model {
	t.Helper()
	m, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestGoldenTokens(t *testing.T) {
	m := loadModel(t)
	cases := readGolden(t)
	if len(cases) < 100 {
		t.Fatalf("golden file has %d cases, want at least 100", len(cases))
	}
	for _, c := range cases {
		got := m.Tokenizer().Encode(c.Text)
		if !slices.Equal(got, c.IDs) {
			t.Errorf("Encode(%q)\n got %v\nwant %v", c.Text, got, c.IDs)
		}
	}
}

func TestGoldenVectors(t *testing.T) {
	m := loadModel(t)
	cases := readGolden(t)
	texts := make([]string, len(cases))
	for i, c := range cases {
		texts[i] = c.Text
	}
	// All at once (batched by length across both cores) ...
	all, err := m.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i, c := range cases {
		want := decodeVec(t, c.Vector)
		d := maxAbsDiff(all[i], want)
		worst = max(worst, d)
		if d > goldenTolerance {
			t.Errorf("Embed(%.40q): max abs diff %.3g > %g", c.Text, d, goldenTolerance)
		}
		// ... and one by one, which must agree too.
		one, err := m.Embed(context.Background(), []string{c.Text})
		if err != nil {
			t.Fatal(err)
		}
		if d := maxAbsDiff(one[0], want); d > goldenTolerance {
			t.Errorf("Embed(%.40q) alone: max abs diff %.3g", c.Text, d)
		}
	}
	t.Logf("%d cases, worst max abs diff %.3g", len(cases), worst)
}

func TestGoldenWindows(t *testing.T) {
	m := loadModel(t)
	long := 0
	for _, c := range readGolden(t) {
		if len(c.IDs) <= MaxTokens {
			if c.Windows != nil {
				t.Errorf("%.40q: %d tokens but has windows", c.Text, len(c.IDs))
			}
			continue
		}
		long++
		wins := m.windows(c.IDs)
		if len(wins) != len(c.Windows) {
			t.Errorf("%.40q: %d windows, want %d", c.Text, len(wins), len(c.Windows))
			continue
		}
		for k := range wins {
			if !slices.Equal(wins[k], c.Windows[k]) {
				t.Errorf("%.40q: window %d differs", c.Text, k)
			}
			if len(wins[k]) > MaxTokens {
				t.Errorf("%.40q: window %d has %d tokens", c.Text, k, len(wins[k]))
			}
		}
		vecs, err := m.runBatch(wins)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range vecs {
			if d := maxAbsDiff(v, decodeVec(t, c.WindowVectors[k])); d > goldenTolerance {
				t.Errorf("%.40q: window %d: max abs diff %.3g", c.Text, k, d)
			}
		}
	}
	if long < 10 {
		t.Fatalf("golden file has %d inputs over %d tokens, want at least 10", long, MaxTokens)
	}
}
