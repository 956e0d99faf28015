package local

import (
	"errors"
	"fmt"
	"math"
)

// opFunc computes a node's outputs from its input values.
type opFunc func(n *node, in []*tensor) ([]*tensor, error)

// ops holds every TensorFlow op the Universal Sentence Encoder Lite graph
// uses, with the semantics of TensorFlow (and TF.js) for the shapes and
// dtypes that graph feeds them.
var ops map[string]opFunc

func init() {
	ops = map[string]opFunc{
		"Add":           elementwise(opAdd, func(a, b int32) int32 { return a + b }),
		"Sub":           elementwise(opSub, func(a, b int32) int32 { return a - b }),
		"Mul":           elementwise(opMul, func(a, b int32) int32 { return a * b }),
		"RealDiv":       elementwise(opDiv, nil),
		"Maximum":       elementwise(opMax, func(a, b int32) int32 { return max(a, b) }),
		"Less":          compare(func(a, b float32) bool { return a < b }, func(a, b int32) bool { return a < b }),
		"Greater":       compare(func(a, b float32) bool { return a > b }, func(a, b int32) bool { return a > b }),
		"Square":        opSquare,
		"Rsqrt":         unary(func(x float32) float32 { return float32(1 / math.Sqrt(float64(x))) }),
		"Relu":          opRelu,
		"Tanh":          unary(func(x float32) float32 { return float32(math.Tanh(float64(x))) }),
		"Sin":           unary(func(x float32) float32 { return float32(math.Sin(float64(x))) }),
		"Cos":           unary(func(x float32) float32 { return float32(math.Cos(float64(x))) }),
		"LogicalNot":    opLogicalNot,
		"Cast":          opCast,
		"Shape":         opShape,
		"Reshape":       opReshape,
		"ExpandDims":    opExpandDims,
		"Squeeze":       opSqueeze,
		"Pack":          opPack,
		"ConcatV2":      opConcat,
		"SplitV":        opSplitV,
		"Slice":         opSlice,
		"StridedSlice":  opStridedSlice,
		"Transpose":     opTranspose,
		"GatherV2":      opGather,
		"GatherNd":      opGatherNd,
		"ScatterNd":     opScatterNd,
		"SparseToDense": opSparseToDense,
		"Where":         opWhere,
		"Range":         opRange,
		"Sum":           reduce("Sum"),
		"Mean":          reduce("Mean"),
		"Max":           reduce("Max"),
		"Prod":          reduce("Prod"),
		"BiasAdd":       opBiasAdd,
		"Softmax":       opSoftmax,
		"MatMul":        opMatMul,
		"Conv2D":        opConv2D,
		"BatchMatMul":   opBatchMatMul,
	}
}

func one(t *tensor) []*tensor { return []*tensor{t} }

func wantInputs(in []*tensor, n int) error {
	if len(in) < n {
		return fmt.Errorf("want %d inputs, got %d", n, len(in))
	}
	return nil
}

// broadcastShape returns the NumPy-style broadcast of a and b.
func broadcastShape(a, b []int) ([]int, error) {
	r := max(len(a), len(b))
	out := make([]int, r)
	for k := 0; k < r; k++ {
		da, db := 1, 1
		if j := k - (r - len(a)); j >= 0 {
			da = a[j]
		}
		if j := k - (r - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			out[k] = da
		case da == 1:
			out[k] = db
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast", a, b)
		}
	}
	return out, nil
}

// bstrides returns per-output-dimension strides into a tensor of shape s
// broadcast to out (0 along broadcast dimensions).
func bstrides(s, out []int) []int {
	st := make([]int, len(out))
	acc := 1
	for k := len(s) - 1; k >= 0; k-- {
		j := k + len(out) - len(s)
		if s[k] != 1 {
			st[j] = acc
		}
		acc *= s[k]
	}
	return st
}

// forBroadcast calls f(outOffset, aOffset, bOffset, n, aStep, bStep) for
// runs along the last dimension of the broadcast of shapes sa and sb.
func forBroadcast(sa, sb, out []int, f func(o, ia, ib, n, da, db int)) {
	r := len(out)
	if r == 0 {
		f(0, 0, 0, 1, 0, 0)
		return
	}
	stA, stB := bstrides(sa, out), bstrides(sb, out)
	last := out[r-1]
	if last == 0 || numel(out) == 0 {
		return
	}
	idx := make([]int, r-1)
	ia, ib := 0, 0
	for o := 0; o < numel(out); o += last {
		f(o, ia, ib, last, stA[r-1], stB[r-1])
		for k := r - 2; k >= 0; k-- {
			idx[k]++
			ia += stA[k]
			ib += stB[k]
			if idx[k] < out[k] {
				break
			}
			ia -= stA[k] * out[k]
			ib -= stB[k] * out[k]
			idx[k] = 0
		}
	}
}

// arith names the float32 arithmetic of an elementwise op, so that its
// inner loops are specialised instead of calling a function per element.
type arith uint8

const (
	opAdd arith = iota
	opSub
	opMul
	opDiv
	opMax
)

// runF32 computes out[o+k] = a[ia+k*da] (op) b[ib+k*db] for k < n.
func runF32(op arith, out, a, b []float32, o, ia, ib, n, da, db int) {
	out = out[o : o+n]
	switch {
	case da == 1 && db == 1:
		a, b = a[ia:ia+n], b[ib:ib+n]
		switch op {
		case opAdd:
			for k := range out {
				out[k] = a[k] + b[k]
			}
		case opSub:
			for k := range out {
				out[k] = a[k] - b[k]
			}
		case opMul:
			for k := range out {
				out[k] = a[k] * b[k]
			}
		case opDiv:
			for k := range out {
				out[k] = a[k] / b[k]
			}
		case opMax:
			for k := range out {
				out[k] = max(a[k], b[k])
			}
		}
	case da == 1 && db == 0:
		a, y := a[ia:ia+n], b[ib]
		switch op {
		case opAdd:
			for k := range out {
				out[k] = a[k] + y
			}
		case opSub:
			for k := range out {
				out[k] = a[k] - y
			}
		case opMul:
			for k := range out {
				out[k] = a[k] * y
			}
		case opDiv:
			for k := range out {
				out[k] = a[k] / y
			}
		case opMax:
			for k := range out {
				out[k] = max(a[k], y)
			}
		}
	default:
		for k := range out {
			x, y := a[ia+k*da], b[ib+k*db]
			switch op {
			case opAdd:
				out[k] = x + y
			case opSub:
				out[k] = x - y
			case opMul:
				out[k] = x * y
			case opDiv:
				out[k] = x / y
			case opMax:
				out[k] = max(x, y)
			}
		}
	}
}

func elementwise(op arith, fi func(a, b int32) int32) opFunc {
	return func(n *node, in []*tensor) ([]*tensor, error) {
		if err := wantInputs(in, 2); err != nil {
			return nil, err
		}
		a, b := in[0], in[1]
		if a.dt != b.dt {
			return nil, fmt.Errorf("dtypes %s and %s differ", a.dt, b.dt)
		}
		shape, err := broadcastShape(a.shape, b.shape)
		if err != nil {
			return nil, err
		}
		out := newOf(a.dt, shape)
		switch {
		case a.dt == f32:
			if len(a.f) == len(out.f) && len(b.f) == len(out.f) {
				runF32(op, out.f, a.f, b.f, 0, 0, 0, len(out.f), 1, 1)
				break
			}
			forBroadcast(a.shape, b.shape, shape, func(o, ia, ib, cnt, da, db int) {
				runF32(op, out.f, a.f, b.f, o, ia, ib, cnt, da, db)
			})
		case a.dt == i32 && fi != nil:
			ai, bi, oi := a.i, b.i, out.i
			forBroadcast(a.shape, b.shape, shape, func(o, ia, ib, cnt, da, db int) {
				for k := 0; k < cnt; k++ {
					oi[o+k] = fi(ai[ia+k*da], bi[ib+k*db])
				}
			})
		default:
			return nil, fmt.Errorf("unsupported dtype %s", a.dt)
		}
		return one(out), nil
	}
}

func compare(ff func(a, b float32) bool, fi func(a, b int32) bool) opFunc {
	return func(n *node, in []*tensor) ([]*tensor, error) {
		if err := wantInputs(in, 2); err != nil {
			return nil, err
		}
		a, b := in[0], in[1]
		if a.dt != b.dt {
			return nil, fmt.Errorf("dtypes %s and %s differ", a.dt, b.dt)
		}
		shape, err := broadcastShape(a.shape, b.shape)
		if err != nil {
			return nil, err
		}
		out := newBool(shape...)
		switch a.dt {
		case f32:
			forBroadcast(a.shape, b.shape, shape, func(o, ia, ib, cnt, da, db int) {
				for k := 0; k < cnt; k++ {
					out.b[o+k] = ff(a.f[ia+k*da], b.f[ib+k*db])
				}
			})
		case i32:
			forBroadcast(a.shape, b.shape, shape, func(o, ia, ib, cnt, da, db int) {
				for k := 0; k < cnt; k++ {
					out.b[o+k] = fi(a.i[ia+k*da], b.i[ib+k*db])
				}
			})
		default:
			return nil, fmt.Errorf("unsupported dtype %s", a.dt)
		}
		return one(out), nil
	}
}

func unary(f func(float32) float32) opFunc {
	return func(n *node, in []*tensor) ([]*tensor, error) {
		if err := wantInputs(in, 1); err != nil {
			return nil, err
		}
		x := in[0]
		if x.dt != f32 {
			return nil, fmt.Errorf("want float32, got %s", x.dt)
		}
		out := newF32(x.shape...)
		for k, v := range x.f {
			out.f[k] = f(v)
		}
		return one(out), nil
	}
}

func opSquare(n *node, in []*tensor) ([]*tensor, error) {
	x := in[0]
	if x.dt != f32 {
		return nil, fmt.Errorf("want float32, got %s", x.dt)
	}
	out := newF32(x.shape...)
	for k, v := range x.f {
		out.f[k] = v * v
	}
	return one(out), nil
}

func opRelu(n *node, in []*tensor) ([]*tensor, error) {
	x := in[0]
	if x.dt != f32 {
		return nil, fmt.Errorf("want float32, got %s", x.dt)
	}
	out := newF32(x.shape...)
	for k, v := range x.f {
		out.f[k] = max(v, 0)
	}
	return one(out), nil
}

func opLogicalNot(n *node, in []*tensor) ([]*tensor, error) {
	x := in[0]
	if x.dt != boolean {
		return nil, fmt.Errorf("want bool, got %s", x.dt)
	}
	out := newBool(x.shape...)
	for k, v := range x.b {
		out.b[k] = !v
	}
	return one(out), nil
}

func opCast(n *node, in []*tensor) ([]*tensor, error) {
	to, err := n.attrType("DstT")
	if err != nil {
		return nil, err
	}
	x := in[0]
	out := newOf(to, x.shape)
	get := func(k int) float64 {
		switch x.dt {
		case f32:
			return float64(x.f[k])
		case i32:
			return float64(x.i[k])
		}
		if x.b[k] {
			return 1
		}
		return 0
	}
	for k := 0; k < x.size(); k++ {
		v := get(k)
		switch to {
		case f32:
			out.f[k] = float32(v)
		case i32:
			out.i[k] = int32(v)
		default:
			out.b[k] = v != 0
		}
	}
	return one(out), nil
}

func opShape(n *node, in []*tensor) ([]*tensor, error) {
	out := newI32(len(in[0].shape))
	for k, d := range in[0].shape {
		out.i[k] = int32(d)
	}
	return one(out), nil
}

func opReshape(n *node, in []*tensor) ([]*tensor, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, err
	}
	shape, err := in[1].ints()
	if err != nil {
		return nil, err
	}
	known, free := 1, -1
	for k, d := range shape {
		if d == -1 {
			if free >= 0 {
				return nil, errors.New("more than one -1 in the new shape")
			}
			free = k
			continue
		}
		known *= d
	}
	size := in[0].size()
	if free >= 0 {
		if known == 0 || size%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v to %v", in[0].shape, shape)
		}
		shape[free] = size / known
	} else if known != size {
		return nil, fmt.Errorf("cannot reshape %v to %v", in[0].shape, shape)
	}
	return one(in[0].withShape(shape)), nil
}

func axisOf(a, rank int) (int, error) {
	if a < 0 {
		a += rank
	}
	if a < 0 || a >= rank {
		return 0, fmt.Errorf("axis %d out of range for rank %d", a, rank)
	}
	return a, nil
}

func scalarInt(t *tensor) (int, error) {
	v, err := t.ints()
	if err != nil {
		return 0, err
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("want one value, got %d", len(v))
	}
	return v[0], nil
}

func opExpandDims(n *node, in []*tensor) ([]*tensor, error) {
	d, err := scalarInt(in[1])
	if err != nil {
		return nil, err
	}
	x := in[0]
	d, err = axisOf(d, len(x.shape)+1)
	if err != nil {
		return nil, err
	}
	shape := append(append(append([]int{}, x.shape[:d]...), 1), x.shape[d:]...)
	return one(x.withShape(shape)), nil
}

func opSqueeze(n *node, in []*tensor) ([]*tensor, error) {
	dims, err := n.attrInts("squeeze_dims")
	if err != nil {
		return nil, err
	}
	x := in[0]
	drop := make([]bool, len(x.shape))
	for _, d := range dims {
		a, err := axisOf(d, len(x.shape))
		if err != nil {
			return nil, err
		}
		if x.shape[a] != 1 {
			return nil, fmt.Errorf("cannot squeeze dimension %d of %v", a, x.shape)
		}
		drop[a] = true
	}
	var shape []int
	for k, d := range x.shape {
		if len(dims) == 0 && d == 1 || drop[k] {
			continue
		}
		shape = append(shape, d)
	}
	return one(x.withShape(shape)), nil
}

func opPack(n *node, in []*tensor) ([]*tensor, error) {
	axis, err := n.attrInt("axis", 0)
	if err != nil {
		return nil, err
	}
	if axis != 0 {
		return nil, fmt.Errorf("Pack on axis %d is not supported", axis)
	}
	first := in[0]
	shape := append([]int{len(in)}, first.shape...)
	out := newOf(first.dt, shape)
	step := first.size()
	for k, t := range in {
		if t.dt != first.dt || t.size() != step {
			return nil, errors.New("Pack inputs differ in dtype or shape")
		}
		copyElems(out, k*step, t, 0, step)
	}
	return one(out), nil
}

func opConcat(n *node, in []*tensor) ([]*tensor, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, err
	}
	parts := in[:len(in)-1]
	axis, err := scalarInt(in[len(in)-1])
	if err != nil {
		return nil, err
	}
	first := parts[0]
	axis, err = axisOf(axis, len(first.shape))
	if err != nil {
		return nil, err
	}
	shape := append([]int{}, first.shape...)
	shape[axis] = 0
	for _, p := range parts {
		if p.dt != first.dt || len(p.shape) != len(first.shape) {
			return nil, errors.New("ConcatV2 inputs differ in dtype or rank")
		}
		shape[axis] += p.shape[axis]
	}
	out := newOf(first.dt, shape)
	outer := numel(shape[:axis])
	inner := numel(shape[axis+1:])
	o := 0
	for r := 0; r < outer; r++ {
		for _, p := range parts {
			w := p.shape[axis] * inner
			copyElems(out, o, p, r*w, w)
			o += w
		}
	}
	return one(out), nil
}

func opSplitV(n *node, in []*tensor) ([]*tensor, error) {
	if err := wantInputs(in, 3); err != nil {
		return nil, err
	}
	x := in[0]
	sizes, err := in[1].ints()
	if err != nil {
		return nil, err
	}
	axis, err := scalarInt(in[2])
	if err != nil {
		return nil, err
	}
	axis, err = axisOf(axis, len(x.shape))
	if err != nil {
		return nil, err
	}
	total, free := 0, -1
	for k, s := range sizes {
		if s == -1 {
			free = k
			continue
		}
		total += s
	}
	if free >= 0 {
		sizes[free] = x.shape[axis] - total
	}
	outer := numel(x.shape[:axis])
	inner := numel(x.shape[axis+1:])
	outs := make([]*tensor, len(sizes))
	start := 0
	for k, s := range sizes {
		shape := append([]int{}, x.shape...)
		shape[axis] = s
		t := newOf(x.dt, shape)
		for r := 0; r < outer; r++ {
			copyElems(t, r*s*inner, x, (r*x.shape[axis]+start)*inner, s*inner)
		}
		outs[k] = t
		start += s
	}
	return outs, nil
}

// takeBox copies the sub-array of x given by per-dimension index lists.
func takeBox(x *tensor, idx [][]int) *tensor {
	shape := make([]int, len(idx))
	for k, l := range idx {
		shape[k] = len(l)
	}
	out := newOf(x.dt, shape)
	if numel(shape) == 0 {
		return out
	}
	strides := make([]int, len(x.shape))
	acc := 1
	for k := len(x.shape) - 1; k >= 0; k-- {
		strides[k] = acc
		acc *= x.shape[k]
	}
	pos := make([]int, len(idx))
	for o := 0; o < numel(shape); o++ {
		src := 0
		for k, p := range pos {
			src += idx[k][p] * strides[k]
		}
		copyElems(out, o, x, src, 1)
		for k := len(pos) - 1; k >= 0; k-- {
			pos[k]++
			if pos[k] < shape[k] {
				break
			}
			pos[k] = 0
		}
	}
	return out
}

func opSlice(n *node, in []*tensor) ([]*tensor, error) {
	if err := wantInputs(in, 3); err != nil {
		return nil, err
	}
	x := in[0]
	begin, err := in[1].ints()
	if err != nil {
		return nil, err
	}
	size, err := in[2].ints()
	if err != nil {
		return nil, err
	}
	if len(begin) != len(x.shape) || len(size) != len(x.shape) {
		return nil, fmt.Errorf("begin %v / size %v do not match rank of %v", begin, size, x.shape)
	}
	idx := make([][]int, len(x.shape))
	for k := range x.shape {
		s := size[k]
		if s == -1 {
			s = x.shape[k] - begin[k]
		}
		if begin[k] < 0 || begin[k]+s > x.shape[k] {
			return nil, fmt.Errorf("slice %d+%d out of range for dimension %d of %v", begin[k], s, k, x.shape)
		}
		for j := 0; j < s; j++ {
			idx[k] = append(idx[k], begin[k]+j)
		}
	}
	return one(takeBox(x, idx)), nil
}

func opStridedSlice(n *node, in []*tensor) ([]*tensor, error) {
	if err := wantInputs(in, 4); err != nil {
		return nil, err
	}
	x := in[0]
	begin, err := in[1].ints()
	if err != nil {
		return nil, err
	}
	end, err := in[2].ints()
	if err != nil {
		return nil, err
	}
	strides, err := in[3].ints()
	if err != nil {
		return nil, err
	}
	masks := map[string]int{}
	for _, k := range []string{"begin_mask", "end_mask", "shrink_axis_mask", "ellipsis_mask", "new_axis_mask"} {
		if masks[k], err = n.attrInt(k, 0); err != nil {
			return nil, err
		}
	}
	if masks["ellipsis_mask"] != 0 || masks["new_axis_mask"] != 0 {
		return nil, errors.New("ellipsis_mask and new_axis_mask are not supported")
	}
	idx := make([][]int, len(x.shape))
	var outShape []int
	for k, dim := range x.shape {
		if k >= len(begin) {
			for j := 0; j < dim; j++ {
				idx[k] = append(idx[k], j)
			}
			outShape = append(outShape, dim)
			continue
		}
		st := strides[k]
		if st == 0 {
			return nil, errors.New("stride 0")
		}
		b, e := begin[k], end[k]
		if masks["shrink_axis_mask"]&(1<<k) != 0 {
			if b < 0 {
				b += dim
			}
			if b < 0 || b >= dim {
				return nil, fmt.Errorf("index %d out of range for dimension %d of %v", begin[k], k, x.shape)
			}
			idx[k] = []int{b}
			continue
		}
		clamp := func(v, lo, hi int) int { return min(max(v, lo), hi) }
		if st > 0 {
			if masks["begin_mask"]&(1<<k) != 0 {
				b = 0
			} else if b < 0 {
				b += dim
			}
			if masks["end_mask"]&(1<<k) != 0 {
				e = dim
			} else if e < 0 {
				e += dim
			}
			b, e = clamp(b, 0, dim), clamp(e, 0, dim)
			for j := b; j < e; j += st {
				idx[k] = append(idx[k], j)
			}
		} else {
			if masks["begin_mask"]&(1<<k) != 0 {
				b = dim - 1
			} else if b < 0 {
				b += dim
			}
			if masks["end_mask"]&(1<<k) != 0 {
				e = -1
			} else if e < 0 {
				e += dim
			}
			b, e = clamp(b, -1, dim-1), clamp(e, -1, dim-1)
			for j := b; j > e; j += st {
				idx[k] = append(idx[k], j)
			}
		}
		outShape = append(outShape, len(idx[k]))
	}
	return one(takeBox(x, idx).withShape(outShape)), nil
}

func opTranspose(n *node, in []*tensor) ([]*tensor, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, err
	}
	x := in[0]
	perm, err := in[1].ints()
	if err != nil {
		return nil, err
	}
	r := len(x.shape)
	if len(perm) != r {
		return nil, fmt.Errorf("perm %v does not match rank of %v", perm, x.shape)
	}
	shape := make([]int, r)
	for k, p := range perm {
		shape[k] = x.shape[p]
	}
	strides := make([]int, r)
	acc := 1
	for k := r - 1; k >= 0; k-- {
		strides[k] = acc
		acc *= x.shape[k]
	}
	out := newOf(x.dt, shape)
	if out.size() == 0 {
		return one(out), nil
	}
	// Copy runs along the last output dimension; when the last axis stays
	// last these are contiguous blocks.
	last := shape[r-1]
	lastStride := strides[perm[r-1]]
	pos := make([]int, r-1)
	for o := 0; o < out.size(); o += last {
		src := 0
		for k, p := range pos {
			src += p * strides[perm[k]]
		}
		if lastStride == 1 {
			copyElems(out, o, x, src, last)
		} else {
			for j := 0; j < last; j++ {
				copyElems(out, o+j, x, src+j*lastStride, 1)
			}
		}
		for k := r - 2; k >= 0; k-- {
			pos[k]++
			if pos[k] < shape[k] {
				break
			}
			pos[k] = 0
		}
	}
	return one(out), nil
}

func opGather(n *node, in []*tensor) ([]*tensor, error) {
	if err := wantInputs(in, 3); err != nil {
		return nil, err
	}
	params, indices := in[0], in[1]
	if bd, _ := n.attrInt("batch_dims", 0); bd != 0 {
		return nil, fmt.Errorf("batch_dims %d is not supported", bd)
	}
	axis, err := scalarInt(in[2])
	if err != nil {
		return nil, err
	}
	axis, err = axisOf(axis, len(params.shape))
	if err != nil {
		return nil, err
	}
	ids, err := indices.ints()
	if err != nil {
		return nil, err
	}
	shape := append(append(append([]int{}, params.shape[:axis]...), indices.shape...), params.shape[axis+1:]...)
	out := newOf(params.dt, shape)
	outer := numel(params.shape[:axis])
	inner := numel(params.shape[axis+1:])
	dim := params.shape[axis]
	o := 0
	for r := 0; r < outer; r++ {
		for _, id := range ids {
			if id < 0 || id >= dim {
				return nil, fmt.Errorf("index %d out of range [0, %d)", id, dim)
			}
			copyElems(out, o, params, (r*dim+id)*inner, inner)
			o += inner
		}
	}
	return one(out), nil
}

// ndOffsets turns an [n, k] index tensor into flat offsets of k-dim slices
// of a tensor of the given shape, and returns the slice size.
func ndOffsets(indices *tensor, shape []int) ([]int, int, error) {
	if len(indices.shape) != 2 {
		return nil, 0, fmt.Errorf("want [n, k] indices, got %v", indices.shape)
	}
	cnt, k := indices.shape[0], indices.shape[1]
	if k > len(shape) {
		return nil, 0, fmt.Errorf("indices of depth %d for shape %v", k, shape)
	}
	inner := numel(shape[k:])
	offs := make([]int, cnt)
	for r := 0; r < cnt; r++ {
		off := 0
		for j := 0; j < k; j++ {
			v := int(indices.i[r*k+j])
			if v < 0 || v >= shape[j] {
				return nil, 0, fmt.Errorf("index %d out of range for dimension %d of %v", v, j, shape)
			}
			off = off*shape[j] + v
		}
		offs[r] = off * inner
	}
	return offs, inner, nil
}

func opGatherNd(n *node, in []*tensor) ([]*tensor, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, err
	}
	params, indices := in[0], in[1]
	offs, inner, err := ndOffsets(indices, params.shape)
	if err != nil {
		return nil, err
	}
	shape := append([]int{len(offs)}, params.shape[indices.shape[1]:]...)
	out := newOf(params.dt, shape)
	for r, off := range offs {
		copyElems(out, r*inner, params, off, inner)
	}
	return one(out), nil
}

func opScatterNd(n *node, in []*tensor) ([]*tensor, error) {
	if err := wantInputs(in, 3); err != nil {
		return nil, err
	}
	indices, updates := in[0], in[1]
	shape, err := in[2].ints()
	if err != nil {
		return nil, err
	}
	if updates.dt != f32 {
		return nil, fmt.Errorf("want float32 updates, got %s", updates.dt)
	}
	offs, inner, err := ndOffsets(indices, shape)
	if err != nil {
		return nil, err
	}
	if updates.size() != len(offs)*inner {
		return nil, fmt.Errorf("updates %v do not fit %d slices of %d", updates.shape, len(offs), inner)
	}
	out := newF32(shape...)
	for r, off := range offs {
		dst := out.f[off : off+inner]
		src := updates.f[r*inner : (r+1)*inner]
		for j := range dst {
			dst[j] += src[j]
		}
	}
	return one(out), nil
}

func opSparseToDense(n *node, in []*tensor) ([]*tensor, error) {
	if err := wantInputs(in, 4); err != nil {
		return nil, err
	}
	indices, values, def := in[0], in[2], in[3]
	shape, err := in[1].ints()
	if err != nil {
		return nil, err
	}
	if values.dt != i32 || def.dt != i32 || indices.dt != i32 {
		return nil, errors.New("only int32 SparseToDense is supported")
	}
	if len(indices.shape) == 1 {
		indices = indices.withShape([]int{indices.shape[0], 1})
	}
	offs, _, err := ndOffsets(indices, shape)
	if err != nil {
		return nil, err
	}
	out := newI32(shape...)
	for k := range out.i {
		out.i[k] = def.i[0]
	}
	for r, off := range offs {
		v := values.i[0]
		if values.size() > 1 {
			v = values.i[r]
		}
		out.i[off] = v
	}
	return one(out), nil
}

func opWhere(n *node, in []*tensor) ([]*tensor, error) {
	x := in[0]
	if x.dt != boolean {
		return nil, fmt.Errorf("want bool, got %s", x.dt)
	}
	r := len(x.shape)
	var coords []int32
	pos := make([]int, r)
	for _, v := range x.b {
		if v {
			for _, p := range pos {
				coords = append(coords, int32(p))
			}
		}
		for j := r - 1; j >= 0; j-- {
			pos[j]++
			if pos[j] < x.shape[j] {
				break
			}
			pos[j] = 0
		}
	}
	if coords == nil {
		coords = []int32{}
	}
	return one(&tensor{dt: i32, shape: []int{len(coords) / max(r, 1), r}, i: coords}), nil
}

func opRange(n *node, in []*tensor) ([]*tensor, error) {
	if err := wantInputs(in, 3); err != nil {
		return nil, err
	}
	var v [3]int
	for k := range v {
		s, err := scalarInt(in[k])
		if err != nil {
			return nil, err
		}
		v[k] = s
	}
	if v[2] == 0 {
		return nil, errors.New("delta 0")
	}
	var vals []int32
	for x := v[0]; (v[2] > 0 && x < v[1]) || (v[2] < 0 && x > v[1]); x += v[2] {
		vals = append(vals, int32(x))
	}
	return one(&tensor{dt: i32, shape: []int{len(vals)}, i: append([]int32{}, vals...)}), nil
}

// reduce implements Sum, Mean, Max and Prod over a contiguous run of axes.
func reduce(kind string) opFunc {
	return func(n *node, in []*tensor) ([]*tensor, error) {
		if err := wantInputs(in, 2); err != nil {
			return nil, err
		}
		x := in[0]
		axes, err := in[1].ints()
		if err != nil {
			return nil, err
		}
		r := len(x.shape)
		lo, hi := r, -1
		seen := map[int]bool{}
		for _, a := range axes {
			a, err := axisOf(a, r)
			if err != nil {
				return nil, err
			}
			seen[a] = true
			lo, hi = min(lo, a), max(hi, a)
		}
		if len(seen) == 0 {
			return one(x), nil
		}
		if hi-lo+1 != len(seen) {
			return nil, fmt.Errorf("non-contiguous reduction axes %v", axes)
		}
		outer, mid, inner := numel(x.shape[:lo]), numel(x.shape[lo:hi+1]), numel(x.shape[hi+1:])
		var shape []int
		for k, d := range x.shape {
			if !seen[k] {
				shape = append(shape, d)
			} else if n.attrBool("keep_dims") {
				shape = append(shape, 1)
			}
		}
		out := newOf(x.dt, shape)
		if mid == 0 && (kind == "Max" || kind == "Mean") {
			return nil, fmt.Errorf("%s over an empty axis", kind)
		}
		for o := 0; o < outer; o++ {
			for j := 0; j < inner; j++ {
				base := o*mid*inner + j
				switch x.dt {
				case f32:
					acc := reduceAxis(kind, mid, math.Inf(-1), func(m int) float64 { return float64(x.f[base+m*inner]) })
					out.f[o*inner+j] = float32(acc)
				case i32:
					acc := reduceAxis(kind, mid, int64(math.MinInt64), func(m int) int64 { return int64(x.i[base+m*inner]) })
					out.i[o*inner+j] = int32(acc)
				default:
					return nil, fmt.Errorf("unsupported dtype %s", x.dt)
				}
			}
		}
		return one(out), nil
	}
}

func opBiasAdd(n *node, in []*tensor) ([]*tensor, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, err
	}
	x, b := in[0], in[1]
	c := len(b.f)
	if x.dt != f32 || b.dt != f32 || len(x.shape) == 0 || x.shape[len(x.shape)-1] != c {
		return nil, fmt.Errorf("bias %v does not fit %v", b.shape, x.shape)
	}
	out := newF32(x.shape...)
	for o := 0; o < len(x.f); o += c {
		dst, src := out.f[o:o+c], x.f[o:o+c]
		for j := range dst {
			dst[j] = src[j] + b.f[j]
		}
	}
	return one(out), nil
}

func opSoftmax(n *node, in []*tensor) ([]*tensor, error) {
	x := in[0]
	if x.dt != f32 || len(x.shape) == 0 {
		return nil, fmt.Errorf("want float32 with rank >= 1, got %s %v", x.dt, x.shape)
	}
	c := x.shape[len(x.shape)-1]
	out := newF32(x.shape...)
	for o := 0; o < len(x.f); o += c {
		row, dst := x.f[o:o+c], out.f[o:o+c]
		m := float32(math.Inf(-1))
		for _, v := range row {
			m = max(m, v)
		}
		var s float32
		for j, v := range row {
			e := float32(math.Exp(float64(v - m)))
			dst[j] = e
			s += e
		}
		inv := 1 / s
		for j := range dst {
			dst[j] *= inv
		}
	}
	return one(out), nil
}

func opMatMul(n *node, in []*tensor) ([]*tensor, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, err
	}
	a, b := in[0], in[1]
	if a.dt != f32 || b.dt != f32 || len(a.shape) != 2 || len(b.shape) != 2 {
		return nil, fmt.Errorf("want two float32 matrices, got %v and %v", a.shape, b.shape)
	}
	if n.attrBool("transpose_a") || n.attrBool("transpose_b") {
		return nil, errors.New("transposed MatMul is not supported")
	}
	m, k, cols := a.shape[0], a.shape[1], b.shape[1]
	if b.shape[0] != k {
		return nil, fmt.Errorf("inner dimensions differ: %v x %v", a.shape, b.shape)
	}
	p := n.packed
	if p == nil {
		p = packMatrix(b.f, k, cols)
	}
	out := newF32(m, cols)
	p.mul(a.f, m, out.f)
	return one(out), nil
}

func opConv2D(n *node, in []*tensor) ([]*tensor, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, err
	}
	x, w := in[0], in[1]
	if len(x.shape) != 4 || len(w.shape) != 4 || w.shape[0] != 1 || w.shape[1] != 1 {
		return nil, fmt.Errorf("only 1x1 NHWC convolutions are supported, got input %v kernel %v", x.shape, w.shape)
	}
	st, err := n.attrInts("strides")
	if err != nil {
		return nil, err
	}
	for _, s := range st {
		if s != 1 {
			return nil, fmt.Errorf("strides %v are not supported", st)
		}
	}
	c, o := w.shape[2], w.shape[3]
	if x.shape[3] != c {
		return nil, fmt.Errorf("input channels %d, kernel wants %d", x.shape[3], c)
	}
	p := n.packed
	if p == nil {
		p = packMatrix(w.f, c, o)
	}
	rows := x.shape[0] * x.shape[1] * x.shape[2]
	out := newF32(x.shape[0], x.shape[1], x.shape[2], o)
	p.mul(x.f, rows, out.f)
	return one(out), nil
}

func opBatchMatMul(n *node, in []*tensor) ([]*tensor, error) {
	if err := wantInputs(in, 2); err != nil {
		return nil, err
	}
	x, y := in[0], in[1]
	r := len(x.shape)
	if x.dt != f32 || y.dt != f32 || r < 2 || len(y.shape) != r {
		return nil, fmt.Errorf("want float32 tensors of equal rank, got %v and %v", x.shape, y.shape)
	}
	for k := 0; k < r-2; k++ {
		if x.shape[k] != y.shape[k] {
			return nil, fmt.Errorf("batch dimensions differ: %v and %v", x.shape, y.shape)
		}
	}
	adjX, adjY := n.attrBool("adj_x"), n.attrBool("adj_y")
	if adjX {
		return nil, errors.New("adj_x is not supported")
	}
	m, k := x.shape[r-2], x.shape[r-1]
	var cols int
	if adjY {
		cols = y.shape[r-2]
		if y.shape[r-1] != k {
			return nil, fmt.Errorf("inner dimensions differ: %v x %v^T", x.shape, y.shape)
		}
	} else {
		cols = y.shape[r-1]
		if y.shape[r-2] != k {
			return nil, fmt.Errorf("inner dimensions differ: %v x %v", x.shape, y.shape)
		}
	}
	shape := append(append([]int{}, x.shape[:r-2]...), m, cols)
	out := newF32(shape...)
	batches := numel(x.shape[:r-2])
	for bi := 0; bi < batches; bi++ {
		xs := x.f[bi*m*k : (bi+1)*m*k]
		ys := y.f[bi*k*cols : (bi+1)*k*cols]
		os := out.f[bi*m*cols : (bi+1)*m*cols]
		if adjY {
			for i := 0; i < m; i++ {
				xr := xs[i*k : (i+1)*k]
				for j := 0; j < cols; j++ {
					os[i*cols+j] = dot(xr, ys[j*k:(j+1)*k])
				}
			}
		} else {
			for i := 0; i < m; i++ {
				orow := os[i*cols : (i+1)*cols]
				for kk := 0; kk < k; kk++ {
					axpy(xs[i*k+kk], ys[kk*cols:(kk+1)*cols], orow)
				}
			}
		}
	}
	return one(out), nil
}

// reduceAxis folds mid values, read through at, with kind (Sum, Mean, Max
// or Prod); lowest is the identity of Max for T.
func reduceAxis[T float64 | int64](kind string, mid int, lowest T, at func(m int) T) T {
	var acc T
	switch kind {
	case "Max":
		acc = lowest
	case "Prod":
		acc = 1
	}
	for m := 0; m < mid; m++ {
		v := at(m)
		switch kind {
		case "Sum", "Mean":
			acc += v
		case "Max":
			acc = max(acc, v)
		case "Prod":
			acc *= v
		}
	}
	if kind == "Mean" {
		acc /= T(mid)
	}
	return acc
}
