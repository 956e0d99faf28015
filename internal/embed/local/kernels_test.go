package local

import (
	"math"
	"math/rand/v2"
	"testing"
)

// setAVX2 switches the assembly kernels on or off and returns the previous
// setting (for tests and benchmarks of the portable path).
func setAVX2(on bool) bool {
	prev := useAVX2
	useAVX2 = on && cpuHasAVX2()
	return prev
}

func TestPackedMulMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := []struct{ m, k, n int }{
		{1, 1, 1}, {1, 8, 16}, {5, 3, 7}, {6, 16, 16}, {7, 33, 17}, {13, 256, 768}, {97, 64, 40}, {200, 512, 48},
	}
	for _, avx := range []bool{false, true} {
		prev := setAVX2(avx)
		for _, s := range shapes {
			a := make([]float32, s.m*s.k)
			b := make([]float32, s.k*s.n)
			for i := range a {
				a[i] = rng.Float32()*2 - 1
			}
			for i := range b {
				b[i] = rng.Float32()*2 - 1
			}
			got := make([]float32, s.m*s.n)
			for i := range got {
				got[i] = float32(math.NaN()) // mul must overwrite every cell
			}
			packMatrix(b, s.k, s.n).mul(a, s.m, got)
			for i := 0; i < s.m; i++ {
				for j := 0; j < s.n; j++ {
					var want float64
					for k := 0; k < s.k; k++ {
						want += float64(a[i*s.k+k]) * float64(b[k*s.n+j])
					}
					if d := math.Abs(float64(got[i*s.n+j]) - want); !(d <= 1e-4) {
						t.Fatalf("avx=%v %dx%dx%d: c[%d,%d] = %v, want %v", useAVX2, s.m, s.k, s.n, i, j, got[i*s.n+j], want)
					}
				}
			}
		}
		setAVX2(prev)
	}
}

func TestDotAxpy(t *testing.T) {
	for _, avx := range []bool{false, true} {
		prev := setAVX2(avx)
		for _, n := range []int{1, 7, 8, 9, 31, 32, 64, 100} {
			x := make([]float32, n)
			y := make([]float32, n)
			var want float64
			for i := range x {
				x[i] = float32(i%7) - 3
				y[i] = float32(i%5) * 0.5
				want += float64(x[i]) * float64(y[i])
			}
			if got := dot(x, y); math.Abs(float64(got)-want) > 1e-4 {
				t.Errorf("avx=%v dot n=%d = %v, want %v", useAVX2, n, got, want)
			}
			axpy(2, x, y)
			for i := range y {
				if w := float32(i%5)*0.5 + 2*x[i]; y[i] != w {
					t.Fatalf("avx=%v axpy n=%d: y[%d] = %v, want %v", useAVX2, n, i, y[i], w)
				}
			}
		}
		setAVX2(prev)
	}
}

// BenchmarkMatMul is the FFN's first product for a batch of 32 sentences of
// 60 tokens: (1920 x 512) times (512 x 1536).
func BenchmarkMatMul(b *testing.B) {
	const m, k, n = 1920, 512, 1536
	a := make([]float32, m*k)
	w := make([]float32, k*n)
	for i := range a {
		a[i] = float32(i%13) * 0.01
	}
	for i := range w {
		w[i] = float32(i%7) * 0.01
	}
	p := packMatrix(w, k, n)
	c := make([]float32, m*n)
	b.ResetTimer()
	for range b.N {
		p.mul(a, m, c)
	}
	b.ReportMetric(float64(b.N)*m*k*n/b.Elapsed().Seconds()/1e9, "GMAC/s")
}
