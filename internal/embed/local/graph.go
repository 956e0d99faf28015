package local

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// graphJSON is the part of a TF.js graph model.json this runner reads.
type graphJSON struct {
	ModelTopology struct {
		Node []nodeJSON `json:"node"`
	} `json:"modelTopology"`
	WeightsManifest []struct {
		Paths   []string `json:"paths"`
		Weights []struct {
			Name         string          `json:"name"`
			Shape        []int           `json:"shape"`
			Dtype        string          `json:"dtype"`
			Quantization json.RawMessage `json:"quantization"`
		} `json:"weights"`
	} `json:"weightsManifest"`
}

type nodeJSON struct {
	Name  string                     `json:"name"`
	Op    string                     `json:"op"`
	Input []string                   `json:"input"`
	Attr  map[string]json.RawMessage `json:"attr"`
}

// attrJSON is one TensorFlow AttrValue as TF.js serialises it.
type attrJSON struct {
	I    json.RawMessage `json:"i"`
	B    bool            `json:"b"`
	Type json.RawMessage `json:"type"`
	List struct {
		I []json.RawMessage `json:"i"`
	} `json:"list"`
}

// ref names one output of a node.
type ref struct{ node, out int }

// node is one operation of the graph, with its attributes parsed.
type node struct {
	name   string
	op     string
	inputs []ref
	attrs  map[string]attrJSON
	value  *tensor // Const nodes
	packed *packedMatrix
}

// graph is a parsed model ready to run.
type graph struct {
	nodes   []*node
	order   []int // nodes to run, in dependency order (no Const, no Placeholder)
	inputs  map[string]int
	output  int
	lastUse []int // index into order after which a node's value is dead
}

func (n *node) attrInt(key string, def int) (int, error) {
	a, ok := n.attrs[key]
	if !ok || a.I == nil {
		return def, nil
	}
	v, err := strconv.Atoi(strings.Trim(string(a.I), `"`))
	if err != nil {
		return 0, fmt.Errorf("node %s: attr %s: %w", n.name, key, err)
	}
	return v, nil
}

func (n *node) attrBool(key string) bool { return n.attrs[key].B }

func (n *node) attrInts(key string) ([]int, error) {
	a := n.attrs[key]
	out := make([]int, len(a.List.I))
	for k, raw := range a.List.I {
		v, err := strconv.Atoi(strings.Trim(string(raw), `"`))
		if err != nil {
			return nil, fmt.Errorf("node %s: attr %s: %w", n.name, key, err)
		}
		out[k] = v
	}
	return out, nil
}

// attrType returns a TensorFlow DataType attribute mapped to a dtype.
func (n *node) attrType(key string) (dtype, error) {
	a, ok := n.attrs[key]
	if !ok {
		return 0, fmt.Errorf("node %s: missing attr %s", n.name, key)
	}
	s := strings.Trim(string(a.Type), `"`)
	switch s {
	case "1", "DT_FLOAT":
		return f32, nil
	case "3", "9", "DT_INT32", "DT_INT64": // TF.js runs int64 as int32
		return i32, nil
	case "10", "DT_BOOL":
		return boolean, nil
	}
	return 0, fmt.Errorf("node %s: attr %s: unsupported type %s", n.name, key, s)
}

// parseGraph reads model.json and binds the weights from the concatenated
// shards.
func parseGraph(modelJSON []byte, shards [][]byte, outputName string) (*graph, error) {
	var gj graphJSON
	if err := json.Unmarshal(modelJSON, &gj); err != nil {
		return nil, fmt.Errorf("model.json: %w (reinstall the model with scripts/fetch-model.sh)", err)
	}
	weights, err := readWeights(&gj, shards)
	if err != nil {
		return nil, err
	}
	g := &graph{inputs: map[string]int{}, output: -1}
	index := map[string]int{}
	for k, nj := range gj.ModelTopology.Node {
		n := &node{name: nj.Name, op: nj.Op, attrs: map[string]attrJSON{}}
		for key, raw := range nj.Attr {
			var a attrJSON
			if err := json.Unmarshal(raw, &a); err == nil {
				n.attrs[key] = a
			}
		}
		index[nj.Name] = k
		g.nodes = append(g.nodes, n)
		switch nj.Op {
		case "Const":
			w, ok := weights[nj.Name]
			if !ok {
				return nil, fmt.Errorf("model.json: Const node %s has no entry in weightsManifest", nj.Name)
			}
			n.value = w
		case "Placeholder":
			g.inputs[nj.Name] = k
		}
		if nj.Name == outputName {
			g.output = k
		}
	}
	if g.output < 0 {
		return nil, fmt.Errorf("model.json: output node %s not found", outputName)
	}
	for k, nj := range gj.ModelTopology.Node {
		for _, in := range nj.Input {
			if strings.HasPrefix(in, "^") {
				continue // control dependency
			}
			name, out := in, 0
			if c := strings.LastIndexByte(in, ':'); c > 0 {
				if v, err := strconv.Atoi(in[c+1:]); err == nil {
					name, out = in[:c], v
				}
			}
			src, ok := index[name]
			if !ok {
				return nil, fmt.Errorf("model.json: node %s: unknown input %s", nj.Name, in)
			}
			g.nodes[k].inputs = append(g.nodes[k].inputs, ref{src, out})
		}
	}
	if err := g.plan(); err != nil {
		return nil, err
	}
	return g, nil
}

// shardReader reads the weight bytes as one stream over the shard files
// without concatenating them (a weight may straddle two shards).
type shardReader struct {
	shards [][]byte
	cur    int
	pos    int
}

// next returns the next 4 bytes as a little-endian uint32.
func (r *shardReader) next() (uint32, bool) {
	var b [4]byte
	for k := 0; k < 4; k++ {
		for r.cur < len(r.shards) && r.pos >= len(r.shards[r.cur]) {
			r.cur, r.pos = r.cur+1, 0
		}
		if r.cur >= len(r.shards) {
			return 0, false
		}
		if k == 0 && r.pos+4 <= len(r.shards[r.cur]) {
			v := binary.LittleEndian.Uint32(r.shards[r.cur][r.pos:])
			r.pos += 4
			return v, true
		}
		b[k] = r.shards[r.cur][r.pos]
		r.pos++
	}
	return binary.LittleEndian.Uint32(b[:]), true
}

// readWeights decodes the shard bytes into tensors named as in the manifest.
func readWeights(gj *graphJSON, shards [][]byte) (map[string]*tensor, error) {
	total := 0
	for _, s := range shards {
		total += len(s)
	}
	r := &shardReader{shards: shards}
	out := map[string]*tensor{}
	off := 0
	for _, group := range gj.WeightsManifest {
		for _, w := range group.Weights {
			if len(w.Quantization) > 0 && string(w.Quantization) != "null" {
				return nil, fmt.Errorf("model.json: weight %s is quantised, which this runner does not support", w.Name)
			}
			n := numel(w.Shape)
			if off+4*n > total {
				return nil, fmt.Errorf("weight shards: %s needs bytes %d..%d but the shards hold %d (reinstall the model with scripts/fetch-model.sh)", w.Name, off, off+4*n, total)
			}
			off += 4 * n
			var t *tensor
			switch w.Dtype {
			case "float32":
				t = &tensor{dt: f32, shape: w.Shape, f: make([]float32, n)}
				for k := range t.f {
					v, _ := r.next()
					t.f[k] = math.Float32frombits(v)
				}
			case "int32":
				t = newI32(w.Shape...)
				for k := range t.i {
					v, _ := r.next()
					t.i[k] = int32(v)
				}
			default:
				return nil, fmt.Errorf("model.json: weight %s has dtype %s, want float32 or int32", w.Name, w.Dtype)
			}
			out[w.Name] = t
		}
	}
	if off != total {
		return nil, fmt.Errorf("weight shards: manifest covers %d bytes but the shards hold %d (reinstall the model with scripts/fetch-model.sh)", off, total)
	}
	return out, nil
}

// plan orders the nodes the output depends on and checks every op is known.
func (g *graph) plan() error {
	state := make([]uint8, len(g.nodes)) // 0 new, 1 visiting, 2 done
	var visit func(k int) error
	visit = func(k int) error {
		switch state[k] {
		case 1:
			return fmt.Errorf("model.json: cycle at node %s", g.nodes[k].name)
		case 2:
			return nil
		}
		state[k] = 1
		for _, in := range g.nodes[k].inputs {
			if err := visit(in.node); err != nil {
				return err
			}
		}
		state[k] = 2
		n := g.nodes[k]
		if n.op == "Const" || n.op == "Placeholder" {
			return nil
		}
		if _, ok := ops[n.op]; !ok {
			return fmt.Errorf("model.json: node %s uses op %s, which this runner does not implement", n.name, n.op)
		}
		g.order = append(g.order, k)
		return nil
	}
	if err := visit(g.output); err != nil {
		return err
	}
	g.lastUse = make([]int, len(g.nodes))
	for step, k := range g.order {
		for _, in := range g.nodes[k].inputs {
			g.lastUse[in.node] = step
		}
	}
	g.lastUse[g.output] = len(g.order)
	// Pack the constant right-hand sides of the matrix products once.
	for _, k := range g.order {
		n := g.nodes[k]
		if n.op != "MatMul" && n.op != "Conv2D" {
			continue
		}
		w := g.nodes[n.inputs[1].node]
		if w.value == nil || w.value.dt != f32 || n.attrBool("transpose_a") || n.attrBool("transpose_b") {
			continue
		}
		s := w.value.shape
		rows, cols := 0, 0
		switch {
		case n.op == "MatMul" && len(s) == 2:
			rows, cols = s[0], s[1]
		case n.op == "Conv2D" && len(s) == 4 && s[0] == 1 && s[1] == 1:
			rows, cols = s[2], s[3]
		default:
			continue
		}
		n.packed = packMatrix(w.value.f, rows, cols)
	}
	// A weight used only through its packed copy need not be kept twice;
	// its node keeps the shape (the ops read n.packed, never the data).
	users := make([]int, len(g.nodes))
	packedUsers := make([]int, len(g.nodes))
	for _, k := range g.order {
		n := g.nodes[k]
		for idx, in := range n.inputs {
			users[in.node]++
			if idx == 1 && n.packed != nil {
				packedUsers[in.node]++
			}
		}
	}
	for k, n := range g.nodes {
		if n.value != nil && users[k] > 0 && users[k] == packedUsers[k] {
			n.value = &tensor{dt: f32, shape: n.value.shape}
		}
	}
	return nil
}

// run executes the graph with the given placeholder values and returns the
// output tensor.
func (g *graph) run(feeds map[string]*tensor) (*tensor, error) {
	vals := make([][]*tensor, len(g.nodes))
	// refs counts the live values that use each recyclable buffer (views
	// share their source's buffer); a buffer whose count drops to zero goes
	// back to the pool. Constants and the output are never recycled.
	refs := map[*float32]int{}
	keep := map[*float32]bool{}
	for _, n := range g.nodes {
		if key := bufKey(n.value); key != nil {
			keep[key] = true
		}
	}
	for name, t := range feeds {
		k, ok := g.inputs[name]
		if !ok {
			return nil, fmt.Errorf("model: no input named %s", name)
		}
		vals[k] = []*tensor{t}
	}
	args := make([]*tensor, 0, 8)
	for step, k := range g.order {
		n := g.nodes[k]
		args = args[:0]
		for _, in := range n.inputs {
			src := g.nodes[in.node]
			var t *tensor
			if src.value != nil {
				t = src.value
			} else if v := vals[in.node]; in.out < len(v) {
				t = v[in.out]
			}
			if t == nil {
				return nil, fmt.Errorf("model: node %s: input %s has no value", n.name, src.name)
			}
			args = append(args, t)
		}
		out, err := ops[n.op](n, args)
		if err != nil {
			return nil, fmt.Errorf("model: node %s (%s): %w", n.name, n.op, err)
		}
		vals[k] = out
		for _, t := range out {
			if key := bufKey(t); key != nil {
				refs[key]++
			}
		}
		for _, in := range n.inputs {
			if g.lastUse[in.node] != step || g.nodes[in.node].value != nil || vals[in.node] == nil {
				continue
			}
			for _, t := range vals[in.node] {
				key := bufKey(t)
				if key == nil {
					continue
				}
				refs[key]--
				if refs[key] == 0 && !keep[key] {
					delete(refs, key)
					putF32(t.f)
				}
			}
			vals[in.node] = nil
		}
	}
	v := vals[g.output]
	if len(v) == 0 {
		return nil, fmt.Errorf("model: output %s was not computed", g.nodes[g.output].name)
	}
	return v[0], nil
}
