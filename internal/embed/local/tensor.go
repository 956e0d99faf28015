package local

import (
	"fmt"
	"math/bits"
	"sync"
)

// dtype is the element type of a tensor.
type dtype uint8

const (
	f32 dtype = iota
	i32
	boolean
)

func (d dtype) String() string {
	switch d {
	case f32:
		return "float32"
	case i32:
		return "int32"
	default:
		return "bool"
	}
}

// tensor is a dense row-major array; exactly one of f, i, b is used.
type tensor struct {
	dt    dtype
	shape []int
	f     []float32
	i     []int32
	b     []bool
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func newF32(shape ...int) *tensor {
	return &tensor{dt: f32, shape: shape, f: getF32(numel(shape))}
}

// poolMin is the smallest float buffer, in elements, that is recycled
// between graph runs; activations of a batch are mostly far larger.
const poolMin = 1 << 14

// f32Pools recycles activation buffers by capacity class (a power of two),
// so a run reuses the memory of earlier runs instead of asking the
// collector for megabytes per op.
var f32Pools [48]sync.Pool

// getF32 returns a zeroed float slice of length n.
func getF32(n int) []float32 {
	if n < poolMin {
		return make([]float32, n)
	}
	c := bits.Len(uint(n - 1))
	if v, ok := f32Pools[c].Get().(*[]float32); ok {
		s := (*v)[:n]
		clear(s)
		return s
	}
	return make([]float32, n, 1<<c)
}

// putF32 hands a buffer from getF32 back for reuse; the caller must hold
// no other reference to it.
func putF32(s []float32) {
	c := cap(s)
	if c < poolMin || c&(c-1) != 0 {
		return
	}
	s = s[:0]
	f32Pools[bits.Len(uint(c-1))].Put(&s)
}

// bufKey identifies a float buffer shared by a tensor and its views.
func bufKey(t *tensor) *float32 {
	if t == nil || t.dt != f32 || cap(t.f) < poolMin {
		return nil
	}
	return &t.f[:1][0]
}

func newI32(shape ...int) *tensor {
	return &tensor{dt: i32, shape: shape, i: make([]int32, numel(shape))}
}

func newBool(shape ...int) *tensor {
	return &tensor{dt: boolean, shape: shape, b: make([]bool, numel(shape))}
}

func newOf(dt dtype, shape []int) *tensor {
	switch dt {
	case f32:
		return newF32(shape...)
	case i32:
		return newI32(shape...)
	default:
		return newBool(shape...)
	}
}

func (t *tensor) size() int { return numel(t.shape) }

// ints returns the values of an int32 tensor as ints (for shapes, axes).
func (t *tensor) ints() ([]int, error) {
	if t.dt != i32 {
		return nil, fmt.Errorf("want an int32 tensor, got %s", t.dt)
	}
	out := make([]int, len(t.i))
	for k, v := range t.i {
		out[k] = int(v)
	}
	return out, nil
}

// withShape returns a view of t with another shape of the same size.
func (t *tensor) withShape(shape []int) *tensor {
	c := *t
	c.shape = shape
	return &c
}

// copyElems copies n elements from src[so:] to dst[do:] (same dtype).
func copyElems(dst *tensor, do int, src *tensor, so, n int) {
	switch src.dt {
	case f32:
		copy(dst.f[do:do+n], src.f[so:so+n])
	case i32:
		copy(dst.i[do:do+n], src.i[so:so+n])
	default:
		copy(dst.b[do:do+n], src.b[so:so+n])
	}
}

func shapeString(s []int) string { return fmt.Sprint(s) }
