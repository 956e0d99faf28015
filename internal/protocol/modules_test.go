package protocol

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// modulesFile is a ReasonKit-style file with two modules.
const modulesFile = `version = "2.0.0"
schema  = "thinktool-v2"

[thinktool_modules.red_team]
name                = "Red Team"
description         = "Probe a plan for the ways an opponent would beat it"
category            = "adversarial"
tier                = "custom"
capabilities        = ["critique"]
typical_duration    = "10s"
token_cost_estimate = "low"

[thinktool_modules.red_team.thinking_pattern]
type  = "linear"
steps = ["weak_points", "counterplan"]

[[thinktool_modules.red_team.steps]]
id              = "weak_points"
action          = { type = "critique", severity = "brutal" }
output_format   = "list"
prompt_template = "Plan:\n{{query}}\nWhere would an opponent attack first?"

[[thinktool_modules.red_team.steps]]
id              = "counterplan"
action          = { type = "generate", min_count = 2, max_count = 4 }
output_format   = "list"
min_confidence  = 0.5
depends_on      = ["weak_points"]
prompt_template = """
Weak points:
{{weak_points}}
Propose defences.
"""

[thinktool_modules.summary]
id          = "one_line"
name        = "One Line"
category    = "convergent"

[[thinktool_modules.summary.steps]]
id              = "squeeze"
action          = { type = "synthesize" }
prompt_template = "{{query}}"
`

func TestReasonKitModules(t *testing.T) {
	ps, errs := ParseFile("rk.toml", []byte(modulesFile))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(ps) != 2 || ps[0].ID != "red_team" || ps[1].ID != "one_line" {
		t.Fatalf("protocols %v", ps)
	}
	rt := ps[0]
	if rt.Strategy != "adversarial" || ps[1].Strategy != "analytical" {
		t.Errorf("strategies %q %q", rt.Strategy, ps[1].Strategy)
	}
	if strings.Join(rt.Input.Required, ",") != "query" || strings.Join(rt.Input.Optional, ",") != "context" {
		t.Errorf("inputs %+v", rt.Input)
	}
	if rt.Steps[0].MinConfidence != 0.7 || rt.Steps[1].MinConfidence != 0.5 {
		t.Errorf("min confidences %v %v", rt.Steps[0].MinConfidence, rt.Steps[1].MinConfidence)
	}

	// It loads from a user folder and runs like any protocol.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rk.toml"), []byte(modulesFile), 0o600); err != nil {
		t.Fatal(err)
	}
	reg, lerrs := Load(dir)
	if len(lerrs) > 0 {
		t.Fatal(lerrs)
	}
	run, err := Execute(context.Background(), RunSpec{Protocol: "red_team", Query: "launch in March"}, Deps{Registry: reg, Provider: newFake(t)})
	if err != nil || run.Status != StatusCompleted || len(run.Steps) != 2 {
		t.Fatalf("run: %v %+v", err, run)
	}
	if errs := ValidateFile(filepath.Join(dir, "rk.toml")); errs != nil {
		t.Errorf("ValidateFile: %v", errs)
	}
}

func TestReasonKitModuleErrors(t *testing.T) {
	cases := []struct {
		name, old, new string
		line           int
		field, msg     string
	}{
		{"unknown placeholder in a later module", `prompt_template = "{{query}}"`, `prompt_template = "{{quer}}"`, 43, "thinktool_modules.summary.steps.squeeze.prompt_template", "unknown placeholder {{quer}}"},
		{"placeholder inside a multi-line template", "{{weak_points}}\nPropose", "{{weak_points}}\n{{budget}} Propose", 32, "thinktool_modules.red_team.steps.counterplan.prompt_template", "unknown placeholder {{budget}}"},
		{"unknown step key", `output_format   = "list"
prompt_template = "Plan`, `output_format   = "list"
retries = 3
prompt_template = "Plan`, 21, "thinktool_modules.red_team.steps.weak_points.retries", "unknown key"},
		{"unknown module key", `tier                = "custom"`, `tier                = "custom"
colour = "red"`, 9, "thinktool_modules.red_team.colour", "unknown key"},
		{"bad output format", `output_format   = "list"
min_confidence`, `output_format   = "table"
min_confidence`, 26, "thinktool_modules.red_team.steps.counterplan.output_format", "unknown output format"},
		{"bad category", `category    = "convergent"`, `category    = "sideways"`, 38, "thinktool_modules.summary.category", "unknown category"},
		{"unsupported schema", `schema  = "thinktool-v2"`, `schema  = "thinktool-v9"`, 2, "schema", "not supported"},
		{"min_count > max_count", `min_count = 2, max_count = 4`, `min_count = 5, max_count = 4`, 25, "thinktool_modules.red_team.steps.counterplan.action.min_count", "greater than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(modulesFile, c.old) {
				t.Fatalf("test bug: %q missing", c.old)
			}
			_, errs := ParseFile("rk.toml", []byte(strings.Replace(modulesFile, c.old, c.new, 1)))
			for _, e := range errs {
				if e.Line == c.line && e.Field == c.field && strings.Contains(e.Msg, c.msg) {
					return
				}
			}
			t.Errorf("want rk.toml:%d %s %q; got:\n%v", c.line, c.field, c.msg, errs)
		})
	}
}
