package local

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func f32t(shape []int, v ...float32) *tensor { return &tensor{dt: f32, shape: shape, f: v} }
func i32t(shape []int, v ...int32) *tensor   { return &tensor{dt: i32, shape: shape, i: v} }

// testNode builds a node with attributes written as TF.js JSON.
func testNode(t *testing.T, op, attrs string) *node {
	t.Helper()
	n := &node{name: "test/" + op, op: op, attrs: map[string]attrJSON{}}
	if attrs != "" {
		if err := json.Unmarshal([]byte(attrs), &n.attrs); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

func TestOps(t *testing.T) {
	tests := []struct {
		name   string
		op     string
		attrs  string
		in     []*tensor
		shape  []int
		floats []float32
		ints   []int32
		bools  []bool
	}{
		{"broadcast add", "Add", "", []*tensor{f32t([]int{2, 1, 3}, 1, 2, 3, 4, 5, 6), f32t([]int{2, 1}, 10, 20)},
			[]int{2, 2, 3}, []float32{11, 12, 13, 21, 22, 23, 14, 15, 16, 24, 25, 26}, nil, nil},
		{"scalar mul", "Mul", "", []*tensor{f32t([]int{}, 2), f32t([]int{3}, 1, 2, 3)},
			[]int{3}, []float32{2, 4, 6}, nil, nil},
		{"int maximum", "Maximum", "", []*tensor{i32t([]int{}, 1), i32t([]int{3}, 0, 5, -2)},
			[]int{3}, nil, []int32{1, 5, 1}, nil},
		{"less", "Less", "", []*tensor{i32t([]int{1, 3}, 0, 1, 2), i32t([]int{2, 1}, 1, 3)},
			[]int{2, 3}, nil, nil, []bool{true, false, false, true, true, true}},
		{"strided slice column with shrink", "StridedSlice",
			`{"begin_mask":{"i":"1"},"end_mask":{"i":"1"},"shrink_axis_mask":{"i":"2"}}`,
			[]*tensor{i32t([]int{3, 2}, 0, 10, 1, 11, 2, 12), i32t([]int{2}, 0, 1), i32t([]int{2}, 0, 2), i32t([]int{2}, 1, 1)},
			[]int{3}, nil, []int32{10, 11, 12}, nil},
		{"strided slice reversed", "StridedSlice", `{"begin_mask":{"i":"1"},"end_mask":{"i":"1"}}`,
			[]*tensor{i32t([]int{5}, 0, 1, 2, 3, 4), i32t([]int{1}, 0), i32t([]int{1}, 0), i32t([]int{1}, -2)},
			[]int{3}, nil, []int32{4, 2, 0}, nil},
		{"strided slice tail", "StridedSlice", `{"end_mask":{"i":"1"}}`,
			[]*tensor{i32t([]int{4}, 7, 8, 9, 6), i32t([]int{1}, -2), i32t([]int{1}, 0), i32t([]int{1}, 1)},
			[]int{2}, nil, []int32{9, 6}, nil},
		{"transpose heads", "Transpose", "",
			[]*tensor{f32t([]int{1, 2, 2, 2}, 1, 2, 3, 4, 5, 6, 7, 8), i32t([]int{4}, 0, 2, 1, 3)},
			[]int{1, 2, 2, 2}, []float32{1, 2, 5, 6, 3, 4, 7, 8}, nil, nil},
		{"transpose matrix", "Transpose", "",
			[]*tensor{f32t([]int{2, 3}, 1, 2, 3, 4, 5, 6), i32t([]int{2}, 1, 0)},
			[]int{3, 2}, []float32{1, 4, 2, 5, 3, 6}, nil, nil},
		{"gather axis 1", "GatherV2", "",
			[]*tensor{f32t([]int{2, 3}, 1, 2, 3, 4, 5, 6), i32t([]int{2}, 2, 0), i32t([]int{}, 1)},
			[]int{2, 2}, []float32{3, 1, 6, 4}, nil, nil},
		{"gather nd rows", "GatherNd", "",
			[]*tensor{f32t([]int{2, 2, 2}, 1, 2, 3, 4, 5, 6, 7, 8), i32t([]int{2, 2}, 1, 0, 0, 1)},
			[]int{2, 2}, []float32{5, 6, 3, 4}, nil, nil},
		{"scatter nd sums duplicates", "ScatterNd", "",
			[]*tensor{i32t([]int{3, 1}, 1, 1, 0), f32t([]int{3, 2}, 1, 2, 3, 4, 5, 6), i32t([]int{2}, 3, 2)},
			[]int{3, 2}, []float32{5, 6, 4, 6, 0, 0}, nil, nil},
		{"sparse to dense", "SparseToDense", "",
			[]*tensor{i32t([]int{2, 2}, 0, 1, 1, 0), i32t([]int{2}, 2, 2), i32t([]int{2}, 7, 9), i32t([]int{}, -1)},
			[]int{2, 2}, nil, []int32{-1, 7, 9, -1}, nil},
		{"where", "Where", "", []*tensor{{dt: boolean, shape: []int{2, 2}, b: []bool{false, true, true, false}}},
			[]int{2, 2}, nil, []int32{0, 1, 1, 0}, nil},
		{"mean keep dims", "Mean", `{"keep_dims":{"b":true}}`,
			[]*tensor{f32t([]int{2, 2}, 1, 3, 5, 9), i32t([]int{}, -1)},
			[]int{2, 1}, []float32{2, 7}, nil, nil},
		{"int sum", "Sum", "", []*tensor{i32t([]int{2, 3}, 1, 1, 0, 1, 0, 0), i32t([]int{1}, 1)},
			[]int{2}, nil, []int32{2, 1}, nil},
		{"prod", "Prod", "", []*tensor{i32t([]int{3}, 2, 3, 4), i32t([]int{1}, 0)},
			[]int{}, nil, []int32{24}, nil},
		{"concat axis 1", "ConcatV2", "",
			[]*tensor{f32t([]int{2, 1}, 1, 2), f32t([]int{2, 2}, 3, 4, 5, 6), i32t([]int{}, 1)},
			[]int{2, 3}, []float32{1, 3, 4, 2, 5, 6}, nil, nil},
		{"pack scalars", "Pack", `{"axis":{"i":"0"}}`, []*tensor{i32t([]int{}, 4), i32t([]int{}, 5)},
			[]int{2}, nil, []int32{4, 5}, nil},
		{"reshape with -1", "Reshape", "", []*tensor{f32t([]int{2, 2}, 1, 2, 3, 4), i32t([]int{2}, -1, 1)},
			[]int{4, 1}, []float32{1, 2, 3, 4}, nil, nil},
		{"slice to end", "Slice", "", []*tensor{i32t([]int{4}, 5, 6, 7, 8), i32t([]int{1}, 1), i32t([]int{1}, -1)},
			[]int{3}, nil, []int32{6, 7, 8}, nil},
		{"range", "Range", "", []*tensor{i32t([]int{}, 0), i32t([]int{}, 4), i32t([]int{}, 1)},
			[]int{4}, nil, []int32{0, 1, 2, 3}, nil},
		{"softmax", "Softmax", "", []*tensor{f32t([]int{1, 2}, 0, 0)},
			[]int{1, 2}, []float32{0.5, 0.5}, nil, nil},
		{"cast bool to float", "Cast", `{"DstT":{"type":1}}`,
			[]*tensor{{dt: boolean, shape: []int{2}, b: []bool{true, false}}},
			[]int{2}, []float32{1, 0}, nil, nil},
		{"batch matmul adj_y", "BatchMatMul", `{"adj_y":{"b":true}}`,
			[]*tensor{f32t([]int{1, 1, 2}, 1, 2), f32t([]int{1, 2, 2}, 3, 4, 5, 6)},
			[]int{1, 1, 2}, []float32{11, 17}, nil, nil},
		{"matmul", "MatMul", "", []*tensor{f32t([]int{1, 2}, 1, 2), f32t([]int{2, 2}, 3, 4, 5, 6)},
			[]int{1, 2}, []float32{13, 16}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := ops[tc.op](testNode(t, tc.op, tc.attrs), tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got := out[0]
			if !slices.Equal(got.shape, tc.shape) {
				t.Fatalf("shape %v, want %v", got.shape, tc.shape)
			}
			switch {
			case tc.floats != nil && !slices.Equal(got.f, tc.floats):
				t.Errorf("got %v, want %v", got.f, tc.floats)
			case tc.ints != nil && !slices.Equal(got.i, tc.ints):
				t.Errorf("got %v, want %v", got.i, tc.ints)
			case tc.bools != nil && !slices.Equal(got.b, tc.bools):
				t.Errorf("got %v, want %v", got.b, tc.bools)
			}
		})
	}
}

func TestSplitV(t *testing.T) {
	out, err := ops["SplitV"](testNode(t, "SplitV", ""), []*tensor{
		f32t([]int{2, 3}, 1, 2, 3, 4, 5, 6), i32t([]int{2}, 1, -1), i32t([]int{}, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || !slices.Equal(out[0].f, []float32{1, 4}) || !slices.Equal(out[1].f, []float32{2, 3, 5, 6}) {
		t.Fatalf("got %v and %v", out[0].f, out[1].f)
	}
}

func TestOpErrors(t *testing.T) {
	tests := []struct {
		name, op, attrs string
		in              []*tensor
		want            string
	}{
		{"no broadcast", "Add", "", []*tensor{f32t([]int{2}, 1, 2), f32t([]int{3}, 1, 2, 3)}, "do not broadcast"},
		{"bad reshape", "Reshape", "", []*tensor{f32t([]int{3}, 1, 2, 3), i32t([]int{1}, 2)}, "cannot reshape"},
		{"gather out of range", "GatherV2", "", []*tensor{f32t([]int{2}, 1, 2), i32t([]int{1}, 5), i32t([]int{}, 0)}, "out of range"},
		{"non-1x1 conv", "Conv2D", "", []*tensor{f32t([]int{1, 1, 1, 1}, 1), f32t([]int{3, 3, 1, 1}, 1, 1, 1, 1, 1, 1, 1, 1, 1)}, "1x1"},
		{"ellipsis", "StridedSlice", `{"ellipsis_mask":{"i":"1"}}`,
			[]*tensor{i32t([]int{1}, 1), i32t([]int{1}, 0), i32t([]int{1}, 1), i32t([]int{1}, 1)}, "ellipsis"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ops[tc.op](testNode(t, tc.op, tc.attrs), tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestParseGraphErrors(t *testing.T) {
	tests := []struct{ name, model, want string }{
		{"not json", `{`, "model.json"},
		{"unknown op", `{"modelTopology":{"node":[{"name":"x","op":"Placeholder"},{"name":"y","op":"Frobnicate","input":["x"]}]},"weightsManifest":[]}`,
			"op Frobnicate"},
		{"missing output", `{"modelTopology":{"node":[{"name":"x","op":"Placeholder"}]},"weightsManifest":[]}`, "output node y not found"},
		{"unknown input", `{"modelTopology":{"node":[{"name":"y","op":"Relu","input":["nope"]}]},"weightsManifest":[]}`, "unknown input nope"},
		{"const without weight", `{"modelTopology":{"node":[{"name":"y","op":"Const"}]},"weightsManifest":[]}`, "no entry in weightsManifest"},
		{"short shards", `{"modelTopology":{"node":[{"name":"y","op":"Const"}]},"weightsManifest":[{"paths":["s"],"weights":[{"name":"y","shape":[4],"dtype":"float32"}]}]}`,
			"needs bytes 0..16"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var shards [][]byte
			if tc.name == "short shards" {
				shards = [][]byte{make([]byte, 8)}
			}
			_, err := parseGraph([]byte(tc.model), shards, "y")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
