package protocol

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/reasonkit/desktop/protocols"
)

// validProtocol is the PROTOCOLS.md example; each malformed case below edits
// one thing in it.
const validProtocol = `id          = "premortem"
name        = "Pre-Mortem"
shortcode   = "pm"
version     = "1.0.0"
description = "Assume the plan failed; find causes and guards"
strategy    = "adversarial"

[input]
required = ["query"]
optional = ["context", "horizon"]
defaults = { horizon = "one year" }

[[steps]]
id             = "failure_story"
action         = { type = "generate", min_count = 4, max_count = 8 }
min_confidence = 0.6
prompt_template = """
It is {{horizon}} later and this plan has failed:
{{query}}
{{#if context}}Relevant notes from the user's documents:
{{context}}{{/if}}
Write 4-8 concrete failure stories as a numbered list.
"""

[[steps]]
id         = "guards"
action     = { type = "decide", method = "expected_value" }
depends_on = ["failure_story"]
branch     = { type = "confidence_above", threshold = 0.3 }
prompt_template = "For the three worst stories below, propose an early warning and a mitigation.\n{{failure_story}}"
`

func TestParseValidProtocol(t *testing.T) {
	p, errs := ParseProtocol("premortem.toml", []byte(validProtocol))
	if len(errs) > 0 {
		t.Fatalf("valid protocol rejected: %v", errs)
	}
	if p.ID != "premortem" || len(p.Steps) != 2 || p.Steps[1].Branch.Threshold != 0.3 {
		t.Fatalf("decoded wrongly: %+v", p)
	}
	if got := strings.Join(p.Steps[1].Deps(), ","); got != "failure_story" {
		t.Errorf("guards deps = %q", got)
	}
}

// edit replaces old with new in validProtocol, failing loudly if old is
// missing so the table cannot silently test the valid file.
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(validProtocol, old) {
		t.Fatalf("test bug: %q not in the valid protocol", old)
	}
	return strings.Replace(validProtocol, old, new, 1)
}

func TestMalformedProtocols(t *testing.T) {
	cases := []struct {
		name  string
		old   string
		new   string
		line  int
		field string
		msg   string
	}{
		{"unknown root key", `strategy    = "adversarial"`, "strategy = \"adversarial\"\ncolour = \"red\"", 7, "colour", "unknown key"},
		{"unknown step key", `min_confidence = 0.6`, "min_confidence = 0.6\ntemperature = 0.2", 17, "steps.failure_story.temperature", "unknown key"},
		{"unknown input key", `required = ["query"]`, "required = [\"query\"]\nmandatory = [\"x\"]", 10, "input.mandatory", "unknown key"},
		{"unknown action param", `{ type = "generate", min_count = 4, max_count = 8 }`, `{ type = "generate", min_count = 4, max_count = 8, rules = ["x"] }`, 15, "steps.failure_story.action.rules", "unknown key for a \"generate\" action"},
		{"bad id pattern", `id          = "premortem"`, `id          = "Pre Mortem!"`, 1, "id", "not a valid id"},
		{"missing id", `id          = "premortem"`, `# no id`, 0, "id", "missing"},
		{"bad step id", `id             = "failure_story"`, `id             = "Failure-Story"`, 14, "steps[1].id", "not a valid step id"},
		{"unknown placeholder", `It is {{horizon}} later`, `It is {{horizn}} later`, 18, "steps.failure_story.prompt_template", "unknown placeholder {{horizn}}"},
		{"unknown placeholder on later template line", `Write 4-8 concrete`, `{{budget}} Write 4-8 concrete`, 22, "steps.failure_story.prompt_template", "unknown placeholder {{budget}}"},
		{"unknown field of a step", `\n{{failure_story}}"`, `\n{{failure_story.verdict}}"`, 30, "steps.guards.prompt_template", "has no field \"verdict\""},
		{"field of an input", `{{query}}`, `{{query.text}}`, 19, "steps.failure_story.prompt_template", "has no fields"},
		{"forward reference", `{{#if context}}Relevant`, `{{guards}}{{#if context}}Relevant`, 20, "steps.failure_story.prompt_template", "forward reference to a later step"},
		{"self reference", `\n{{failure_story}}"`, `\n{{guards}}"`, 30, "steps.guards.prompt_template", "refers to this step itself"},
		{"duplicate step ids", `id         = "guards"`, `id         = "failure_story"`, 26, "steps.failure_story.id", "duplicate step id"},
		{"dependency cycle", `min_confidence = 0.6`, "min_confidence = 0.6\ndepends_on = [\"guards\"]", 29, "steps.guards.depends_on", "dependency cycle failure_story -> guards -> failure_story"},
		{"unknown dependency", `depends_on = ["failure_story"]`, `depends_on = ["failure_stories"]`, 28, "steps.guards.depends_on", "unknown step \"failure_stories\""},
		{"min_count > max_count", `min_count = 4, max_count = 8`, `min_count = 9, max_count = 8`, 15, "steps.failure_story.action.min_count", "greater than max_count"},
		{"min_confidence above 1", `min_confidence = 0.6`, `min_confidence = 1.5`, 16, "steps.failure_story.min_confidence", "outside 0..1"},
		{"min_confidence below 0", `min_confidence = 0.6`, `min_confidence = -0.1`, 16, "steps.failure_story.min_confidence", "outside 0..1"},
		{"threshold outside 0..1", `threshold = 0.3`, `threshold = 30`, 29, "steps.guards.branch.threshold", "outside 0..1"},
		{"unknown action type", `type = "decide"`, `type = "ponder"`, 27, "steps.guards.action.type", "unknown action type \"ponder\""},
		{"unknown branch type", `type = "confidence_above"`, `type = "sometimes"`, 29, "steps.guards.branch.type", "unknown branch type \"sometimes\""},
		{"unbalanced if", `{{context}}{{/if}}`, `{{context}}`, 20, "steps.failure_story.prompt_template", "never closed with {{/if}}"},
		{"stray /if", `Write 4-8 concrete`, `{{/if}}Write 4-8 concrete`, 22, "steps.failure_story.prompt_template", "without a matching {{#if}}"},
		{"unclosed placeholder", `{{query}}`, `{{query`, 19, "steps.failure_story.prompt_template", "never closed"},
		{"default for undeclared input", `defaults = { horizon = "one year" }`, `defaults = { horizon = "one year", mood = "grim" }`, 11, "input.defaults.mood", "not a declared input"},
		{"strategy unknown", `strategy    = "adversarial"`, `strategy    = "vibes"`, 6, "strategy", "not a strategy"},
		{"type error", `min_confidence = 0.6`, `min_confidence = "high"`, 16, "steps.min_confidence", "incompatible types"},
		{"syntax error", `name        = "Pre-Mortem"`, `name        = "Pre-Mortem`, 2, "", "fix the TOML syntax"},
		{"confidence branch without deps", "depends_on = [\"failure_story\"]\nbranch     = { type = \"confidence_above\", threshold = 0.3 }\nprompt_template = \"For the three worst stories below, propose an early warning and a mitigation.\\n{{failure_story}}\"", "branch     = { type = \"confidence_above\", threshold = 0.3 }\nprompt_template = \"Propose guards.\"", 28, "steps.guards.branch", "add depends_on"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := edit(t, c.old, c.new)
			_, errs := ParseProtocol("bad.toml", []byte(src))
			if len(errs) == 0 {
				t.Fatalf("accepted:\n%s", src)
			}
			for _, e := range errs {
				if e.Line == c.line && (c.field == "" || e.Field == c.field) && strings.Contains(e.Msg, c.msg) {
					if e.File != "bad.toml" {
						t.Errorf("error names file %q", e.File)
					}
					want := fmt.Sprintf("bad.toml:%d", c.line)
					if c.line > 0 && !strings.HasPrefix(e.Error(), want) {
						t.Errorf("Error() = %q, want prefix %q", e.Error(), want)
					}
					return
				}
			}
			t.Errorf("want line %d field %q msg containing %q; got:\n%v", c.line, c.field, c.msg, errs)
		})
	}
}

func TestEveryProblemIsReported(t *testing.T) {
	src := edit(t, `min_count = 4, max_count = 8 }
min_confidence = 0.6`, `min_count = 9, max_count = 8 }
min_confidence = 7
colour = "red"`)
	src = strings.Replace(src, "{{horizon}}", "{{horizn}}", 1)
	src = strings.Replace(src, `type = "decide"`, `type = "ponder"`, 1)
	_, errs := ParseProtocol("many.toml", []byte(src))
	want := []string{"greater than max_count", "outside 0..1", "unknown key", "unknown placeholder", "unknown action type"}
	got := errs.Error()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in:\n%s", w, got)
		}
	}
	for i := 1; i < len(errs); i++ {
		if errs[i].Line < errs[i-1].Line {
			t.Errorf("errors not ordered by line:\n%s", got)
		}
	}
}

func TestBuiltinsLoadAndValidate(t *testing.T) {
	reg, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"gt": "gigathink", "ll": "laserlogic", "br": "bedrock", "pg": "proofguard", "bh": "brutalhonesty"}
	for short, id := range want {
		p := reg.Lookup(short)
		if p == nil || p.ID != id || reg.Lookup(id) != p {
			t.Errorf("lookup %s/%s failed", short, id)
			continue
		}
		if len(p.Steps) != 3 || !p.Builtin {
			t.Errorf("%s: %d steps, builtin %v", id, len(p.Steps), p.Builtin)
		}
	}
	for _, id := range []string{"quick", "balanced", "deep", "paranoid", "decide"} {
		if reg.Profile(id) == nil {
			t.Errorf("profile %s missing", id)
		}
	}
	// The shipped files validate cleanly through the same path users use.
	dir := t.TempDir()
	names, _ := filepathGlob(t, dir)
	for _, n := range names {
		if errs := ValidateFile(n); len(errs) > 0 {
			t.Errorf("%s: %v", n, errs)
		}
	}
	ll := reg.Lookup("ll")
	if d := ll.Step("detect_fallacies").Deps(); len(d) != 1 || d[0] != "extract_claims" {
		t.Errorf("detect_fallacies deps = %v", d)
	}
}

// filepathGlob copies the embedded built-in files to dir and lists them.
func filepathGlob(t *testing.T, dir string) ([]string, error) {
	t.Helper()
	fsys := protocols.FS()
	names, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	if len(out) != 6 {
		t.Fatalf("expected 5 protocols + profiles.toml, found %d files", len(out))
	}
	return out, nil
}

func TestLoadDirKeepsGoodFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("premortem.toml", validProtocol)
	write("broken.toml", strings.Replace(validProtocol, "{{horizon}}", "{{horizn}}", 1))
	write("notes.txt", "not a protocol")
	ps, errs := LoadDir(dir)
	if len(ps) != 1 || ps[0].ID != "premortem" || ps[0].Builtin {
		t.Fatalf("good protocols = %v", ps)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), filepath.Join(dir, "broken.toml")+":18") {
		t.Fatalf("errors = %v", errs)
	}
	// Missing folder: nothing, no error.
	if ps, errs := LoadDir(filepath.Join(dir, "absent")); ps != nil || errs != nil {
		t.Errorf("missing dir: %v %v", ps, errs)
	}
	reg, errs := Load(dir)
	if len(errs) != 1 || reg.Lookup("pm") == nil || reg.Lookup("gt") == nil {
		t.Errorf("Load: errs %v", errs)
	}
}

func TestCustomCannotReplaceBuiltin(t *testing.T) {
	dir := t.TempDir()
	clash := strings.Replace(validProtocol, `id          = "premortem"`, `id          = "gigathink"`, 1)
	shortClash := strings.Replace(validProtocol, `shortcode   = "pm"`, `shortcode   = "ll"`, 1)
	for name, body := range map[string]string{"a.toml": clash, "b.toml": shortClash} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	reg, errs := Load(dir)
	if len(errs) != 2 {
		t.Fatalf("want 2 conflicts, got %v", errs)
	}
	if !strings.Contains(errs[0].Error(), "a.toml:1: id: \"gigathink\" is already used by the built-in protocol gigathink") {
		t.Errorf("id clash error: %v", errs[0])
	}
	if !strings.Contains(errs[1].Error(), "b.toml:3: shortcode") {
		t.Errorf("shortcode clash error: %v", errs[1])
	}
	if !reg.Lookup("gigathink").Builtin {
		t.Error("built-in was replaced")
	}
	verrs := ValidateFile(filepath.Join(dir, "a.toml"))
	if len(verrs) != 1 || !strings.Contains(verrs[0].Error(), "a.toml:1: id") {
		t.Errorf("ValidateFile: %v", verrs)
	}
	// A user's own id is fine.
	okFile := filepath.Join(dir, "ok.toml")
	if err := os.WriteFile(okFile, []byte(validProtocol), 0o600); err != nil {
		t.Fatal(err)
	}
	if errs := ValidateFile(okFile); errs != nil {
		t.Errorf("valid file: %v", errs)
	}
}

func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"premortem.toml": {Data: []byte(validProtocol)},
		"profiles.toml":  {Data: []byte("this is not read as a protocol")},
		"bad.toml":       {Data: []byte("id = ")},
	}
	ps, errs := LoadFS(fsys, true)
	if len(ps) != 1 || !ps[0].Builtin {
		t.Fatalf("protocols: %v", ps)
	}
	var fe FileErrors
	if len(errs) != 1 || !errors.As(errs[0], &fe) || fe[0].File != "bad.toml" || fe[0].Line != 1 {
		t.Fatalf("errors: %v", errs)
	}
}

const validProfiles = `[profiles.check]
name           = "Check"
min_confidence = 0.7

[[profiles.check.chain]]
protocol = "gt"
input    = { query = "input.query" }

[[profiles.check.chain]]
protocol    = "laserlogic"
input       = { argument = ["steps.gigathink.synthesize.text", "input.query"] }
when        = { type = "confidence_below", threshold = 0.9 }
temperature = 0.2
max_tokens  = 500
`

func TestMalformedProfiles(t *testing.T) {
	reg, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if ps, errs := ParseProfiles("p.toml", []byte(validProfiles), reg.Lookup); len(errs) > 0 || len(ps) != 1 {
		t.Fatalf("valid profiles rejected: %v", errs)
	}
	cases := []struct {
		name, old, new string
		line           int
		msg            string
	}{
		{"unknown protocol", `protocol = "gt"`, `protocol = "gx"`, 6, "unknown protocol \"gx\""},
		{"unknown link key", `max_tokens  = 500`, "max_tokens  = 500\nretries = 2", 15, "unknown key"},
		{"unknown profile key", `min_confidence = 0.7`, "min_confidence = 0.7\nspeed = 1", 4, "unknown key"},
		{"min_confidence outside", `min_confidence = 0.7`, `min_confidence = 70`, 3, "outside 0..1"},
		{"threshold outside", `threshold = 0.9`, `threshold = 9`, 12, "outside 0..1"},
		{"bad condition type", `type = "confidence_below"`, `type = "output_contains"`, 12, "not a link condition"},
		{"mapping to later link", `query = "input.query"`, `query = "steps.laserlogic.extract_claims"`, 7, "no earlier link runs protocol"},
		{"mapping to unknown step", `steps.gigathink.synthesize.text`, `steps.gigathink.summary`, 11, "has no step \"summary\""},
		{"mapping to unknown field", `steps.gigathink.synthesize.text`, `steps.gigathink.synthesize.items`, 11, "has no field \"items\""},
		{"bad source", `"input.query" }`, `"query" }`, 7, "is not a source"},
		{"input the protocol lacks", `query = "input.query"`, `query = "input.query", claim = "input.query"`, 7, "has no input \"claim\""},
		{"required input unmapped", `input    = { query = "input.query" }`, `input    = { constraints = "input.query" }`, 6, "required input \"query\""},
		{"condition on first link", `input    = { query = "input.query" }`, "input    = { query = \"input.query\" }\nwhen = { type = \"confidence_above\", threshold = 0.5 }", 8, "first link"},
		{"temperature outside", `temperature = 0.2`, `temperature = 3.5`, 13, "outside 0..2"},
		{"answer from an input", `min_confidence = 0.7`, "min_confidence = 0.7\nanswer = \"input.query\"", 4, "must come from a step"},
		{"answer from a protocol not in the chain", `min_confidence = 0.7`, "min_confidence = 0.7\nanswer = [\"steps.bedrock.reconstruct\"]", 4, "no link runs protocol \"bedrock\""},
		{"answer of the wrong type", `min_confidence = 0.7`, "min_confidence = 0.7\nanswer = 3", 4, "must be a string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(validProfiles, c.old) {
				t.Fatalf("test bug: %q missing", c.old)
			}
			src := strings.Replace(validProfiles, c.old, c.new, 1)
			_, errs := ParseProfiles("p.toml", []byte(src), reg.Lookup)
			for _, e := range errs {
				if e.Line == c.line && strings.Contains(e.Msg, c.msg) {
					return
				}
			}
			t.Errorf("want line %d with %q; got:\n%v", c.line, c.msg, errs)
		})
	}
}
