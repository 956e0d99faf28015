//go:build !amd64

package local

// useAVX2 is false off amd64: the portable Go kernels run.
var useAVX2 = false

func cpuHasAVX2() bool { return false }

func kernel6(k int, a []float32, lda int, panel []float32, c []float32, ldc int) {
	kernel6Go(k, a, lda, panel, c, ldc)
}

func kernel1(k int, a []float32, panel []float32, c []float32) { kernel1Go(k, a, panel, c) }

func dot(x, y []float32) float32 { return dotGo(x, y) }

func axpy(alpha float32, x, y []float32) { axpyGo(alpha, x, y) }
