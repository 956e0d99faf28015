package protocol

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/reasonkit/desktop/internal/llm"
)

// jsonRun is the exported JSON shape of a run (`think --json`, `ask --json`,
// `runs show --json`).
type jsonRun struct {
	RunID            string            `json:"run_id"`
	Kind             string            `json:"kind"`
	Protocol         string            `json:"protocol,omitempty"`
	Profile          string            `json:"profile,omitempty"`
	Status           string            `json:"status"`
	Error            string            `json:"error,omitempty"`
	Answer           string            `json:"answer"`
	Confidence       *float64          `json:"confidence"`
	Band             string            `json:"band"`
	MinConfidence    *float64          `json:"min_confidence,omitempty"`
	Passed           *bool             `json:"passed,omitempty"`
	Inputs           map[string]string `json:"inputs"`
	Collection       string            `json:"collection,omitempty"`
	Provider         string            `json:"provider"`
	Model            string            `json:"model,omitempty"`
	Tokens           llm.Usage         `json:"tokens"`
	StartedAt        time.Time         `json:"started_at"`
	FinishedAt       time.Time         `json:"finished_at"`
	DurationMS       int64             `json:"duration_ms"`
	Citations        []jsonCitation    `json:"citations"`
	InvalidCitations []string          `json:"invalid_citations,omitempty"`
	Links            []*LinkResult     `json:"links,omitempty"`
	Steps            []jsonStep        `json:"steps"`
	Notes            []string          `json:"notes,omitempty"`
}

type jsonCitation struct {
	Source  string `json:"source"`
	Path    string `json:"path"`
	Page    *int   `json:"page"`
	Heading string `json:"heading,omitempty"`
	ChunkID int64  `json:"chunk_id"`
}

type jsonStep struct {
	ID               string         `json:"id"`
	Protocol         string         `json:"protocol"`
	Action           string         `json:"action"`
	Attempt          int            `json:"attempt"`
	Status           string         `json:"status"`
	Confidence       *float64       `json:"confidence"`
	ConfidenceNote   string         `json:"confidence_note,omitempty"`
	Output           string         `json:"output"`
	Items            []string       `json:"items,omitempty"`
	Rules            []RuleResult   `json:"rules,omitempty"`
	Decision         *Decision      `json:"decision,omitempty"`
	Prompt           string         `json:"prompt,omitempty"`
	Reply            string         `json:"reply,omitempty"`
	Tokens           llm.Usage      `json:"tokens"`
	DurationMS       int64          `json:"duration_ms"`
	Error            string         `json:"error,omitempty"`
	Citations        []jsonCitation `json:"citations,omitempty"`
	InvalidCitations []string       `json:"invalid_citations,omitempty"`
	Notes            []string       `json:"notes,omitempty"`
}

func toJSONCitations(cs []Citation) []jsonCitation {
	out := make([]jsonCitation, 0, len(cs))
	for _, c := range cs {
		jc := jsonCitation{Source: c.Source, Path: c.Path, Heading: c.Heading, ChunkID: c.ChunkID}
		if c.Page > 0 {
			p := c.Page
			jc.Page = &p
		}
		out = append(out, jc)
	}
	return out
}

// JSON renders the run as indented JSON: run_id, answer, confidence, band,
// steps[] (id, protocol, status, confidence, output, prompt, reply...) and
// citations[] (source, path, page, chunk_id).
func (r *Run) JSON() ([]byte, error) {
	jr := jsonRun{
		RunID: r.ID, Kind: r.Kind, Protocol: r.Protocol, Profile: r.Profile, Status: r.Status, Error: r.Error,
		Answer: r.Answer, Confidence: r.Confidence, Band: r.Band, MinConfidence: r.MinConfidence, Passed: r.Passed,
		Inputs: r.Inputs, Collection: r.Collection, Provider: r.Provider, Model: r.Model, Tokens: r.Tokens,
		StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, DurationMS: r.FinishedAt.Sub(r.StartedAt).Milliseconds(),
		Citations: toJSONCitations(r.Citations), InvalidCitations: r.InvalidCitations, Links: r.Links,
		Steps: make([]jsonStep, 0, len(r.Steps)), Notes: r.Notes,
	}
	for _, s := range r.Steps {
		js := jsonStep{
			ID: s.Step, Protocol: s.Protocol, Action: s.Action, Attempt: s.Attempt, Status: s.Status,
			Confidence: s.Confidence, ConfidenceNote: s.ConfidenceNote, Prompt: s.Prompt, Reply: s.Reply,
			Tokens: s.Tokens, DurationMS: s.Duration.Milliseconds(), Error: s.Error,
			InvalidCitations: s.InvalidCitations, Notes: s.Notes,
		}
		if len(s.Citations) > 0 {
			js.Citations = toJSONCitations(s.Citations)
		}
		if s.Output != nil {
			js.Output, js.Items, js.Rules, js.Decision = s.Output.Text, s.Output.Items, s.Output.Rules, s.Output.Decision
		}
		jr.Steps = append(jr.Steps, js)
	}
	return json.MarshalIndent(jr, "", "  ")
}

// Markdown renders the run as a readable report: the answer, its confidence
// and band, the citations resolved to files, then every step with its
// status, output, and the prompt and reply exactly as exchanged.
func (r *Run) Markdown() string {
	var b strings.Builder
	title := r.Protocol
	if r.Profile != "" {
		title = "profile " + r.Profile
	}
	fmt.Fprintf(&b, "# ReasonKit run %s (%s)\n\n", r.ID, title)
	fmt.Fprintf(&b, "- Status: %s\n", r.Status)
	if r.Error != "" {
		fmt.Fprintf(&b, "- Error: %s\n", oneLine(r.Error))
	}
	fmt.Fprintf(&b, "- Confidence: %s\n", confText(r.Confidence, r.Band))
	if r.MinConfidence != nil && r.Passed != nil {
		verdict := "not reached"
		if *r.Passed {
			verdict = "reached"
		}
		fmt.Fprintf(&b, "- Profile minimum %.2f: %s\n", *r.MinConfidence, verdict)
	}
	if r.Collection != "" {
		fmt.Fprintf(&b, "- Collection: %s (%d passages supplied)\n", r.Collection, len(r.Sources))
	}
	model := r.Model
	if model == "" {
		model = "provider default"
	}
	fmt.Fprintf(&b, "- Provider: %s, model %s\n", r.Provider, model)
	fmt.Fprintf(&b, "- Tokens: %d in, %d out\n", r.Tokens.InputTokens, r.Tokens.OutputTokens)
	if !r.FinishedAt.IsZero() {
		fmt.Fprintf(&b, "- Started %s, took %s\n", r.StartedAt.Format(time.RFC3339), r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond))
	}
	if len(r.Inputs) > 0 {
		b.WriteString("\n## Inputs\n\n")
		for _, k := range sortedKeys(r.Inputs) {
			fmt.Fprintf(&b, "**%s**\n\n%s\n", k, codeBlock(r.Inputs[k]))
		}
	}
	b.WriteString("\n## Answer\n\n")
	if r.Answer == "" {
		b.WriteString("(no answer)\n")
	} else {
		b.WriteString(strings.TrimSpace(r.Answer))
		b.WriteString("\n")
	}
	if len(r.Citations) > 0 || len(r.InvalidCitations) > 0 {
		b.WriteString("\n## Citations\n\n")
		for _, c := range r.Citations {
			fmt.Fprintf(&b, "- [%s] %s", c.Source, filepath.Base(c.Path))
			if c.Page > 0 {
				fmt.Fprintf(&b, ", page %d", c.Page)
			}
			if c.Heading != "" {
				fmt.Fprintf(&b, " (%s)", c.Heading)
			}
			fmt.Fprintf(&b, " - %s, chunk %d\n", c.Path, c.ChunkID)
		}
		for _, bad := range r.InvalidCitations {
			fmt.Fprintf(&b, "- [%s] cited but never supplied (flagged)\n", bad)
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n## Notes\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", oneLine(n))
		}
	}
	if len(r.Links) > 1 {
		b.WriteString("\n## Chain\n\n")
		for _, l := range r.Links {
			fmt.Fprintf(&b, "%d. %s: %s, confidence %s", l.Index+1, l.Protocol, l.Status, confText(l.Confidence, ""))
			if l.Reason != "" {
				fmt.Fprintf(&b, " (%s)", l.Reason)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\n## Steps\n")
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "\n### %d. %s / %s", s.Seq, s.Protocol, s.Step)
		if s.Attempt > 1 {
			fmt.Fprintf(&b, " (attempt %d)", s.Attempt)
		}
		fmt.Fprintf(&b, "\n\n- Status: %s\n- Confidence: %s\n", s.Status, confText(s.Confidence, ""))
		if s.ConfidenceNote != "" {
			fmt.Fprintf(&b, "- Confidence note: %s\n", oneLine(s.ConfidenceNote))
		}
		if s.Status != StepSkipped {
			fmt.Fprintf(&b, "- Tokens: %d in, %d out; %s\n", s.Tokens.InputTokens, s.Tokens.OutputTokens, s.Duration.Round(time.Millisecond))
		}
		if s.Error != "" {
			fmt.Fprintf(&b, "- Error: %s\n", oneLine(s.Error))
		}
		for _, n := range s.Notes {
			fmt.Fprintf(&b, "- Note: %s\n", oneLine(n))
		}
		if s.Output != nil && s.Output.Text != "" {
			fmt.Fprintf(&b, "\n%s\n", strings.TrimSpace(s.Output.Text))
		}
		if s.Prompt != "" {
			fmt.Fprintf(&b, "\n<details><summary>Prompt as sent</summary>\n\n%s\n</details>\n", codeBlock(s.Prompt))
		}
		if s.Reply != "" {
			fmt.Fprintf(&b, "\n<details><summary>Raw reply</summary>\n\n%s\n</details>\n", codeBlock(s.Reply))
		}
	}
	return b.String()
}

func confText(c *float64, band string) string {
	if c == nil {
		return "missing"
	}
	if band != "" {
		return fmt.Sprintf("%.2f (%s)", *c, band)
	}
	return fmt.Sprintf("%.2f", *c)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// codeBlock fences s with more backticks than any run inside it, so text
// from a prompt or reply can never end the block early.
func codeBlock(s string) string {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			if run > longest {
				longest = run
			}
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", max(3, longest+1))
	return fence + "text\n" + strings.TrimRight(s, "\n") + "\n" + fence
}
