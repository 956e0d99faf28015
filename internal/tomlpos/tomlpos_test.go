package tomlpos

import "testing"

func TestLine(t *testing.T) {
	src := []byte(`# comment
id = "x"   # trailing
[input]
required = ["query"]

[[steps]]
id = "a"
min_confidence = 0.5

[[steps]]
id = "b"
"min_confidence" = 2
[embedding]
batch_size = 0
[providers.openai]
kind = "openai"
`)
	l := New(src)
	cases := []struct {
		table string
		index int
		key   string
		want  int
	}{
		{"", 0, "id", 2},
		{"input", 0, "required", 4},
		{"steps", 0, "min_confidence", 8},
		{"steps", 1, "min_confidence", 12},
		{"steps", 1, "id", 11},
		{"steps", 1, "", 10},
		{"steps", 1, "missing", 10},
		{"embedding", 0, "batch_size", 14},
		{"providers.openai", 0, "kind", 16},
		{"nowhere", 0, "x", 0},
	}
	for _, c := range cases {
		if got := l.Line(c.table, c.index, c.key); got != c.want {
			t.Errorf("Line(%q,%d,%q) = %d, want %d", c.table, c.index, c.key, got, c.want)
		}
	}
}

func TestValueLine(t *testing.T) {
	src := []byte(`id = "x"
[[steps]]
id = "a"
prompt_template = """
first
second {{bad}}
"""
[[steps]]
id = "b"
prompt_template = """inline start
next {{bad}}"""
[[steps]]
id = "c"
prompt_template = "one line\n{{bad}}"
`)
	l := New(src)
	cases := []struct {
		index, nl, want int
	}{
		{0, 0, 5},
		{0, 1, 6},
		{1, 0, 10},
		{1, 1, 11},
		{2, 1, 14},
	}
	for _, c := range cases {
		if got := l.ValueLine("steps", c.index, "prompt_template", c.nl); got != c.want {
			t.Errorf("ValueLine(steps,%d,prompt_template,%d) = %d, want %d", c.index, c.nl, got, c.want)
		}
	}
	if got := l.ValueLine("steps", 0, "nothing_here", 0); got != 2 {
		t.Errorf("missing key falls back to the table header: got %d, want 2", got)
	}
}
