package local

// panelWidth is how many output columns one packed panel (and one kernel
// call) covers: two 8-float AVX registers.
const panelWidth = 16

// kernelRows is how many rows of A the main kernel handles per call.
const kernelRows = 6

// rowBlock is how many rows of A are multiplied against every panel before
// moving on, so that block of A stays in the L2 cache.
const rowBlock = 96

// packedMatrix is a constant right-hand side B (k x n) stored as column
// panels of panelWidth floats: panel p holds B[0..k, 16p..16p+16) row by row,
// zero-padded past n. Each kernel call then streams one contiguous panel.
type packedMatrix struct {
	k, n   int
	panels int
	data   []float32
}

func packMatrix(b []float32, k, n int) *packedMatrix {
	p := &packedMatrix{k: k, n: n, panels: (n + panelWidth - 1) / panelWidth}
	p.data = make([]float32, p.panels*k*panelWidth)
	for pi := 0; pi < p.panels; pi++ {
		base := pi * k * panelWidth
		for r := 0; r < k; r++ {
			for j := 0; j < panelWidth; j++ {
				if c := pi*panelWidth + j; c < n {
					p.data[base+r*panelWidth+j] = b[r*n+c]
				}
			}
		}
	}
	return p
}

// mul sets c (m x n) to a (m x k) times p.
func (p *packedMatrix) mul(a []float32, m int, c []float32) {
	k, n := p.k, p.n
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		clear(c[:m*n])
		return
	}
	var tmp [kernelRows * panelWidth]float32
	for i0 := 0; i0 < m; i0 += rowBlock {
		i1 := min(i0+rowBlock, m)
		for pi := 0; pi < p.panels; pi++ {
			panel := p.data[pi*k*panelWidth : (pi+1)*k*panelWidth]
			col := pi * panelWidth
			full := col+panelWidth <= n
			i := i0
			for ; i+kernelRows <= i1; i += kernelRows {
				if full {
					kernel6(k, a[i*k:], k, panel, c[i*n+col:], n)
					continue
				}
				kernel6(k, a[i*k:], k, panel, tmp[:], panelWidth)
				for r := 0; r < kernelRows; r++ {
					copy(c[(i+r)*n+col:(i+r)*n+n], tmp[r*panelWidth:])
				}
			}
			for ; i < i1; i++ {
				if full {
					kernel1(k, a[i*k:], panel, c[i*n+col:])
					continue
				}
				kernel1(k, a[i*k:], panel, tmp[:])
				copy(c[i*n+col:i*n+n], tmp[:panelWidth])
			}
		}
	}
}

// kernel6Go sets c[r*ldc+j] = sum_t a[r*lda+t]*panel[t*16+j] for r < 6,
// j < 16.
func kernel6Go(k int, a []float32, lda int, panel []float32, c []float32, ldc int) {
	for r := 0; r < kernelRows; r++ {
		kernel1Go(k, a[r*lda:], panel, c[r*ldc:])
	}
}

// kernel1Go is kernel6Go for one row.
func kernel1Go(k int, a []float32, panel []float32, c []float32) {
	var acc [panelWidth]float32
	a = a[:k]
	for t, av := range a {
		row := panel[t*panelWidth : t*panelWidth+panelWidth]
		for j := range acc {
			acc[j] += av * row[j]
		}
	}
	copy(c[:panelWidth], acc[:])
}

// dotGo returns the dot product of x and y (len(y) >= len(x)).
func dotGo(x, y []float32) float32 {
	var s0, s1, s2, s3 float32
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return s0 + s1 + s2 + s3
}

// axpyGo adds alpha*x to y.
func axpyGo(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}
