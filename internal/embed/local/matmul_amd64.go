package local

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly kernels; they need AVX2 and FMA, which the
// CPU is asked about once at start.
var useAVX2 = cpuHasAVX2()

func cpuHasAVX2() bool { return cpu.X86.HasAVX2 && cpu.X86.HasFMA }

//go:noescape
func kern6x16(k int, a *float32, lda int, b *float32, c *float32, ldc int)

//go:noescape
func kern1x16(k int, a *float32, b *float32, c *float32)

//go:noescape
func dotAVX(n int, x, y *float32) float32

//go:noescape
func axpyAVX(n int, alpha float32, x, y *float32)

func kernel6(k int, a []float32, lda int, panel []float32, c []float32, ldc int) {
	if useAVX2 {
		// Bounds the assembly relies on, checked here once per call.
		_ = a[(kernelRows-1)*lda+k-1]
		_ = panel[k*panelWidth-1]
		_ = c[(kernelRows-1)*ldc+panelWidth-1]
		kern6x16(k, &a[0], lda, &panel[0], &c[0], ldc)
		return
	}
	kernel6Go(k, a, lda, panel, c, ldc)
}

func kernel1(k int, a []float32, panel []float32, c []float32) {
	if useAVX2 {
		_ = a[k-1]
		_ = panel[k*panelWidth-1]
		_ = c[panelWidth-1]
		kern1x16(k, &a[0], &panel[0], &c[0])
		return
	}
	kernel1Go(k, a, panel, c)
}

func dot(x, y []float32) float32 {
	if useAVX2 && len(x) >= 8 {
		_ = y[len(x)-1]
		return dotAVX(len(x), &x[0], &y[0])
	}
	return dotGo(x, y)
}

func axpy(alpha float32, x, y []float32) {
	if useAVX2 && len(x) >= 8 {
		_ = y[len(x)-1]
		axpyAVX(len(x), alpha, &x[0], &y[0])
		return
	}
	axpyGo(alpha, x, y)
}
