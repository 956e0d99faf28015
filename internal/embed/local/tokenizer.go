package local

import (
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// separator is the sentencepiece word marker (U+2581) that replaces spaces.
const separator = '\u2581'

// reservedSymbols is how many vocabulary entries at the start (unknown,
// <s>, </s> and three extras) never take part in matching.
const reservedSymbols = 6

// unknownID is the id given to a character no vocabulary piece starts with.
const unknownID = 0

// Tokenizer splits text into vocabulary ids the way the package's own
// tokenizer (@energetic-ai/embeddings, lib/tokenizer.ts) does:
//
//   - NFKC-normalise the text; if it is not empty, prefix U+2581 and replace
//     every ASCII space with U+2581;
//   - at each code point, find every vocabulary piece that starts there (a
//     trie walk); when none does, the single code point becomes the unknown
//     id 0 with score 0;
//   - pick the best-scoring segmentation with a forward Viterbi pass in which
//     a best score of exactly 0 counts as "not set yet" and, for equal scores,
//     the later candidate (the one that starts later) wins; a null score in
//     vocab.json counts as 0;
//   - walk back from the end, stepping by the UTF-16 length of each chosen
//     piece, and merge runs of consecutive unknown ids into one.
//
// These quirks are kept on purpose: the model was trained on, and the golden
// tests compare against, exactly this segmentation.
type Tokenizer struct {
	pieces  []string // vocabulary piece by id
	units   []int    // UTF-16 length of each piece
	wordBeg []bool   // piece starts with U+2581
	root    *trieNode
}

type trieNode struct {
	children map[rune]*trieNode
	end      bool
	score    float64
	id       int32
}

// newTokenizer parses vocab.json: a JSON array of [piece, score] pairs where
// score may be null.
func newTokenizer(vocabJSON []byte) (*Tokenizer, error) {
	var raw [][]json.RawMessage
	if err := json.Unmarshal(vocabJSON, &raw); err != nil {
		return nil, fmt.Errorf("vocab.json: %w (reinstall the model with scripts/fetch-model.sh)", err)
	}
	if len(raw) <= reservedSymbols {
		return nil, fmt.Errorf("vocab.json: only %d entries, want more than %d", len(raw), reservedSymbols)
	}
	t := &Tokenizer{
		pieces:  make([]string, len(raw)),
		units:   make([]int, len(raw)),
		wordBeg: make([]bool, len(raw)),
		root:    &trieNode{},
	}
	for i, e := range raw {
		if len(e) < 1 {
			return nil, fmt.Errorf("vocab.json: entry %d is empty, want [piece, score]", i)
		}
		var piece string
		if err := json.Unmarshal(e[0], &piece); err != nil {
			return nil, fmt.Errorf("vocab.json: entry %d: piece: %w", i, err)
		}
		var score float64
		if len(e) > 1 && string(e[1]) != "null" {
			if err := json.Unmarshal(e[1], &score); err != nil {
				return nil, fmt.Errorf("vocab.json: entry %d (%q): score: %w", i, piece, err)
			}
		}
		t.pieces[i] = piece
		t.wordBeg[i] = strings.HasPrefix(piece, string(separator))
		for _, r := range piece {
			t.units[i]++
			if r > 0xFFFF {
				t.units[i]++
			}
		}
		if i >= reservedSymbols {
			t.insert(piece, score, int32(i))
		}
	}
	return t, nil
}

// insert adds piece to the trie; a later duplicate overwrites score and id,
// as in the reference.
func (t *Tokenizer) insert(piece string, score float64, id int32) {
	n := t.root
	for _, r := range piece {
		c := n.children[r]
		if c == nil {
			if n.children == nil {
				n.children = make(map[rune]*trieNode)
			}
			c = &trieNode{}
			n.children[r] = c
		}
		n = c
	}
	if n != t.root {
		n.end = true
		n.score = score
		n.id = id
	}
}

// edge is one candidate piece spanning symbols [start, end).
type edge struct {
	start, end int32
	id         int32
	score      float64
}

// Encode returns the token ids of text (empty for empty text).
func (t *Tokenizer) Encode(text string) []int32 {
	text = norm.NFKC.String(text)
	if text == "" {
		return []int32{}
	}
	symbols := make([]rune, 0, len(text)+1)
	symbols = append(symbols, separator)
	for _, r := range text {
		if r == ' ' {
			r = separator
		}
		symbols = append(symbols, r)
	}
	n := len(symbols)

	// Candidate pieces, generated in order of their start position.
	edges := make([]edge, 0, 4*n)
	perEnd := make([]int32, n+2)
	for i := 0; i < n; i++ {
		found := false
		node := t.root.children[symbols[i]]
		for j := i; j < n && node != nil; j++ {
			if node.end {
				edges = append(edges, edge{int32(i), int32(j + 1), node.id, node.score})
				perEnd[j+1]++
				found = true
			}
			if j+1 < n {
				node = node.children[symbols[j+1]]
			} else {
				node = nil
			}
		}
		if !found {
			edges = append(edges, edge{int32(i), int32(i + 1), unknownID, 0})
			perEnd[i+1]++
		}
	}
	// Group by end position, keeping start order (a stable counting sort).
	offs := make([]int32, n+2)
	for e := 1; e <= n+1; e++ {
		offs[e] = offs[e-1] + perEnd[e-1]
	}
	byEnd := make([]edge, len(edges))
	for _, e := range edges {
		byEnd[offs[e.end]] = e
		offs[e.end]++
	}

	best := make([]float64, n+1)
	words := make([]int32, n+1)
	for _, e := range byEnd {
		s := e.score + best[e.start]
		if best[e.end] == 0 || s >= best[e.end] {
			best[e.end] = s
			words[e.end] = e.id
		}
	}

	var rev []int32
	for it := n; it > 0; it -= t.units[words[it]] {
		rev = append(rev, words[it])
	}
	out := make([]int32, 0, len(rev))
	prevUnknown := false
	for _, id := range rev {
		if !(prevUnknown && id == unknownID) {
			out = append(out, id)
		}
		prevUnknown = id == unknownID
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// Piece returns the vocabulary piece of id.
func (t *Tokenizer) Piece(id int32) string { return t.pieces[id] }
