package local

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/reasonkit/desktop/internal/embed"
)

// TestTokenizerQuirks pins the reference tokenizer's odd corners on a tiny
// vocabulary. The expected ids were produced by the package's own Tokenizer
// (new EmbeddingsModel({vocabulary, model: null}).tokenizer.encode) in Node.
// Note the unknown piece is "<unk>" here (5 UTF-16 units), so stepping back
// over an unknown id skips 5 symbols, as the reference does.
func TestTokenizerQuirks(t *testing.T) {
	vocab := `[["<unk>",0],["<s>",0],["</s>",0],["x1",0],["x2",0],["x3",0],
	["▁a",-1],["b",-2],["▁ab",-3],["ab",null],["c",-1],["▁",-0.5],["bc",-3],["a",-1.5],["c",-9]]`
	tok, err := newTokenizer([]byte(vocab))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		want []int32
	}{
		{"", []int32{}},
		{"a", []int32{6}},
		{"ab", []int32{11, 9}},        // null score counts as 0 and wins
		{"abc", []int32{6, 12}},       // equal totals: the later start wins
		{"a b", []int32{6, 11, 7}},    // spaces become U+2581
		{"zz", []int32{0}},            // unknown runs merge into one id
		{"a zz b", []int32{0, 11, 7}}, // stepping back over "<unk>" skips 5
		{"ac", []int32{6, 14}},        // a duplicate piece: the later entry wins
		{"é", []int32{0}},             // no piece: unknown
		{"ａｂ", []int32{11, 9}},        // NFKC folds full-width letters
		{"a😀😀b", []int32{0, 7}},       // astral characters are one symbol each
		{"bcbc", []int32{11, 12, 12}}, // longest is not always best
		{"  ", []int32{11, 11, 11}},   // whitespace only
	}
	for _, tc := range tests {
		if got := tok.Encode(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Encode(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestNewTokenizerErrors(t *testing.T) {
	tests := []struct{ name, vocab, want string }{
		{"not json", `{`, "vocab.json"},
		{"too short", `[["a",0]]`, "only 1 entries"},
		{"bad score", `[["0",0],["1",0],["2",0],["3",0],["4",0],["5",0],["x","high"]]`, `entry 6 ("x"): score`},
		{"empty entry", `[[],["1",0],["2",0],["3",0],["4",0],["5",0],["x",1]]`, "entry 0 is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newTokenizer([]byte(tc.vocab))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

// TestRecipesSimilarities reproduces the reference runtime's values from
// RECIPES.md.
func TestRecipesSimilarities(t *testing.T) {
	m := loadModel(t)
	v, err := m.Embed(context.Background(), []string{
		"The cat sits on the mat.", "A kitten is lying on a rug.", "The stock market crashed today."})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		a, b int
		want float64
	}{{0, 1, 0.7060}, {0, 2, 0.1126}, {1, 2, 0.2262}}
	for _, tc := range tests {
		got := embed.Cosine(v[tc.a], v[tc.b])
		if math.Abs(got-tc.want) > 1e-3 {
			t.Errorf("cos(%d, %d) = %.4f, want %.4f", tc.a, tc.b, got, tc.want)
		}
		t.Logf("cos(%d, %d) = %.4f (reference %.4f)", tc.a, tc.b, got, tc.want)
	}
}

func TestModelBasics(t *testing.T) {
	m := loadModel(t)
	if m.Dim() != 512 || m.ID() != "local:use-lite@512" {
		t.Fatalf("Dim %d ID %q", m.Dim(), m.ID())
	}
	again, err := Load()
	if err != nil || again != m {
		t.Fatalf("second Load returned %p, %v; want the same model", again, err)
	}
	vecs, err := m.Embed(context.Background(), nil)
	if err != nil || len(vecs) != 0 {
		t.Fatalf("Embed(nil) = %d vectors, %v", len(vecs), err)
	}
	// Empty and all-empty batches get the model's no-token vector, which is
	// unit length and not shared between results.
	vecs, err = m.Embed(context.Background(), []string{"", ""})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vecs {
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if len(v) != 512 || math.Abs(n-1) > 1e-5 {
			t.Fatalf("empty text: len %d, squared norm %v", len(v), n)
		}
	}
	// With no tokens the mean-pooled state is zero, so the vector is the
	// normalised tanh of the last layer's bias.
	var bias *tensor
	for _, n := range m.g.nodes {
		if n.name == "module/Encoder_en/hidden_layers/tanh_layer_0/bias" {
			bias = n.value
		}
	}
	if bias == nil || len(bias.f) != 512 {
		t.Fatal("no 512-float bias for tanh_layer_0 in the graph")
	}
	want := make([]float32, 512)
	for i, b := range bias.f {
		want[i] = float32(math.Tanh(float64(b)))
	}
	embed.Normalize(want)
	if d := maxAbsDiff(vecs[0], want); d > 1e-6 {
		t.Errorf("empty-text vector differs from normalise(tanh(bias)) by %.3g", d)
	}
	vecs[0][0] = 42
	if vecs[1][0] == 42 || m.empty[0] == 42 {
		t.Fatal("empty-text vectors share memory")
	}
}

func TestEmbedCancelled(t *testing.T) {
	m := loadModel(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := m.Embed(ctx, []string{"some text"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// TestEmbedConcurrent checks that parallel callers get the same vectors as a
// lone caller.
func TestEmbedConcurrent(t *testing.T) {
	m := loadModel(t)
	texts := []string{"alpha beta", "gamma", strings.Repeat("delta epsilon ", 100)}
	want, err := m.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := m.Embed(context.Background(), texts)
			if err != nil {
				errs <- err.Error()
				return
			}
			for i := range got {
				if d := maxAbsDiff(got[i], want[i]); d > 1e-6 {
					errs <- "vectors differ between concurrent calls"
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestGoldenPortableKernels runs part of the golden set with the portable Go
// kernels, the path taken on CPUs without AVX2/FMA.
func TestGoldenPortableKernels(t *testing.T) {
	m := loadModel(t)
	defer setAVX2(setAVX2(false))
	cases := readGolden(t)[:40]
	for _, c := range cases {
		got, err := m.Embed(context.Background(), []string{c.Text})
		if err != nil {
			t.Fatal(err)
		}
		if d := maxAbsDiff(got[0], decodeVec(t, c.Vector)); d > goldenTolerance {
			t.Errorf("%.40q: max abs diff %.3g", c.Text, d)
		}
	}
}

func TestLoadErrorsNameTheFix(t *testing.T) {
	fsys := fstest.MapFS{"model/vocab.json": {Data: []byte(`[]`)}}
	_, err := loadFS(fsys, "model")
	if err == nil || !strings.Contains(err.Error(), "vocab.json") {
		t.Fatalf("error %v, want one naming vocab.json", err)
	}
	_, err = loadFS(fstest.MapFS{}, "model")
	if !errors.Is(err, embed.ErrUnavailable) || !strings.Contains(err.Error(), "scripts/fetch-model.sh") {
		t.Fatalf("error %v, want ErrUnavailable naming scripts/fetch-model.sh", err)
	}
}
