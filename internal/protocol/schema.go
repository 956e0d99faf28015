// Package protocol loads, validates and runs ThinkTools: TOML files that turn
// one ad-hoc prompt into an auditable chain of LLM steps (see
// shared/PROTOCOLS.md). It also loads profiles (chains of protocols), renders
// prompt templates with untrusted values fenced, executes runs against an
// llm.Provider, scores confidence, checks citations and exports a run's trace
// as Markdown or JSON. It never knows which provider is used.
package protocol

import (
	"fmt"
	"sort"
	"strings"
)

// Protocol is one ThinkTool, as written in its TOML file.
type Protocol struct {
	ID          string  `toml:"id"`
	Name        string  `toml:"name"`
	Shortcode   string  `toml:"shortcode"`
	Version     string  `toml:"version"`
	Description string  `toml:"description"`
	Strategy    string  `toml:"strategy"`
	Input       Input   `toml:"input"`
	Steps       []*Step `toml:"steps"`

	// Builtin is true for the protocols shipped in the binary.
	Builtin bool `toml:"-"`
	// File is where the protocol was read from.
	File  string `toml:"-"`
	src   []byte
	table string // the TOML table holding it ("" unless from a ReasonKit-style file)
}

// Input declares the values a protocol takes.
type Input struct {
	Required []string          `toml:"required"`
	Optional []string          `toml:"optional"`
	Defaults map[string]string `toml:"defaults"`
}

// Step is one LLM call in a protocol.
type Step struct {
	ID             string   `toml:"id"`
	Action         Action   `toml:"action"`
	MinConfidence  float64  `toml:"min_confidence"`
	DependsOn      []string `toml:"depends_on"`
	Branch         *Branch  `toml:"branch"`
	PromptTemplate string   `toml:"prompt_template"`
	// OutputFormat is read from ReasonKit-style files only; replies are
	// parsed by action type either way.
	OutputFormat string `toml:"output_format"`

	tmpl *Template
	// deps is DependsOn plus every earlier step the template or branch
	// refers to: a step cannot render before those have finished.
	deps []string
}

// Action says what a step does and how its reply is parsed.
type Action struct {
	Type        string   `toml:"type"`
	MinCount    int      `toml:"min_count"`
	MaxCount    int      `toml:"max_count"`
	Criteria    []string `toml:"criteria"`
	Aggregation string   `toml:"aggregation"`
	Rules       []string `toml:"rules"`
	Severity    string   `toml:"severity"`
	Method      string   `toml:"method"`
	MinSources  int      `toml:"min_sources"`
}

// Branch is a condition deciding whether a step (or a profile link) runs.
type Branch struct {
	Type      string  `toml:"type"`
	Threshold float64 `toml:"threshold"`
	Step      string  `toml:"step"`
	Value     string  `toml:"value"`
}

// Action types.
const (
	ActGenerate       = "generate"
	ActAnalyze        = "analyze"
	ActSynthesize     = "synthesize"
	ActValidate       = "validate"
	ActCritique       = "critique"
	ActDecide         = "decide"
	ActCrossReference = "cross_reference"
)

// Branch types.
const (
	BranchAlways          = "always"
	BranchConfidenceBelow = "confidence_below"
	BranchConfidenceAbove = "confidence_above"
	BranchOutputContains  = "output_contains"
)

// actionParams lists the keys each action type accepts besides "type".
var actionParams = map[string][]string{
	ActGenerate:       {"min_count", "max_count"},
	ActAnalyze:        {"criteria"},
	ActSynthesize:     {"aggregation"},
	ActValidate:       {"rules"},
	ActCritique:       {"severity"},
	ActDecide:         {"method"},
	ActCrossReference: {"min_sources"},
}

// branchParams lists the keys each branch type accepts besides "type".
var branchParams = map[string][]string{
	BranchAlways:          {},
	BranchConfidenceBelow: {"threshold"},
	BranchConfidenceAbove: {"threshold"},
	BranchOutputContains:  {"step", "value"},
}

var strategies = []string{"expansive", "deductive", "analytical", "adversarial", "verification", "decision"}

// commonFields are available on every step's output.
var commonFields = []string{"text", "confidence"}

// outputFields lists the extra fields {{step.field}} may name per action.
var outputFields = map[string][]string{
	ActGenerate:       {"items", "count"},
	ActCritique:       {"items", "count"},
	ActCrossReference: {"items", "count"},
	ActValidate:       {"results", "passed", "failed", "verdict"},
	ActDecide:         {"decision", "rationale"},
	ActAnalyze:        {},
	ActSynthesize:     {},
}

// FieldsFor returns the fields a step of this action type exposes.
func FieldsFor(actionType string) []string {
	return append(append([]string{}, commonFields...), outputFields[actionType]...)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Step returns the step with this id, or nil.
func (p *Protocol) Step(id string) *Step {
	for _, s := range p.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// HasInput reports whether name is a declared input.
func (p *Protocol) HasInput(name string) bool {
	return contains(p.Input.Required, name) || contains(p.Input.Optional, name)
}

// PrimaryInput is the first required input (where a bare query goes).
func (p *Protocol) PrimaryInput() string {
	if len(p.Input.Required) > 0 {
		return p.Input.Required[0]
	}
	if len(p.Input.Optional) > 0 {
		return p.Input.Optional[0]
	}
	return "query"
}

// Deps returns the steps this step waits for: its depends_on plus every
// step its template or branch refers to.
func (s *Step) Deps() []string { return s.deps }

// Template returns the parsed prompt template.
func (s *Step) Template() *Template { return s.tmpl }

// Error is one problem in a protocol or profiles file, located by file, line
// and field.
type Error struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// FileErrors is every problem found in one file.
type FileErrors []*Error

func (es FileErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}
