package cli

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/reasonkit/desktop/internal/embed"
)

func runCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	dir := t.TempDir()
	io := &IO{
		In:  strings.NewReader(stdin),
		Out: &out,
		Err: &errb,
		// No config and no data dir: the command must not need them.
		Getenv: func(k string) string {
			switch k {
			case "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME":
				return dir
			}
			return ""
		},
	}
	code := Main(args, io, nil)
	return out.String(), errb.String(), code
}

func TestEmbedJSONReproducesReferenceSimilarities(t *testing.T) {
	out, errs, code := runCLI(t, "", "embed", "--json",
		"The cat sits on the mat.", "A kitten is lying on a rug.", "The stock market crashed today.")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	var got struct {
		Model   string      `json:"model"`
		Dim     int         `json:"dim"`
		Vectors [][]float32 `json:"vectors"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if got.Model != "local:use-lite@512" || got.Dim != 512 || len(got.Vectors) != 3 {
		t.Fatalf("model %q dim %d vectors %d", got.Model, got.Dim, len(got.Vectors))
	}
	// Values from RECIPES.md, measured with the reference TF.js runtime.
	tests := []struct {
		a, b int
		want float64
	}{{0, 1, 0.7060}, {0, 2, 0.1126}, {1, 2, 0.2262}}
	for _, tc := range tests {
		if c := embed.Cosine(got.Vectors[tc.a], got.Vectors[tc.b]); math.Abs(c-tc.want) > 1e-3 {
			t.Errorf("cos(%d, %d) = %.4f, want %.4f", tc.a, tc.b, c, tc.want)
		}
	}
}

func TestEmbedStdinLines(t *testing.T) {
	out, errs, code := runCLI(t, "first line\r\nsecond line\n\nlast\n", "embed")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines, want 4 (one per input line, the empty one included)", len(lines))
	}
	for i, l := range lines {
		fields := strings.Fields(l)
		if len(fields) != 512 {
			t.Fatalf("line %d has %d numbers, want 512", i, len(fields))
		}
		var norm float64
		for _, f := range fields {
			x, err := strconv.ParseFloat(f, 32)
			if err != nil {
				t.Fatalf("line %d: %v", i, err)
			}
			norm += x * x
		}
		if math.Abs(norm-1) > 1e-4 {
			t.Errorf("line %d: squared norm %.6f, want 1", i, norm)
		}
	}
	// The same text as an argument gives the same numbers.
	arg, _, _ := runCLI(t, "", "embed", "second line")
	if strings.TrimSpace(arg) != lines[1] {
		t.Errorf("argument and stdin vectors differ for the same text")
	}
}

func TestEmbedUsageErrors(t *testing.T) {
	tests := []struct {
		name  string
		stdin string
		args  []string
	}{
		{"no input", "", []string{"embed"}},
		{"unknown flag", "", []string{"embed", "--nope", "x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, code := runCLI(t, tc.stdin, tc.args...)
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d; stderr %s", code, ExitUsage, errs)
			}
			if errs == "" {
				t.Error("no message on stderr")
			}
		})
	}
}
