package protocol

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Output is a step's parsed reply.
type Output struct {
	// Text is the reply without its CONFIDENCE line.
	Text string `json:"text"`
	// Items is the list of a generate, critique or cross_reference reply.
	Items []string `json:"items,omitempty"`
	// Rules holds a validate reply's per-rule results.
	Rules []RuleResult `json:"rules,omitempty"`
	// Decision holds a decide reply's structured decision.
	Decision *Decision `json:"decision,omitempty"`
	// Confidence is copied here so {{step.confidence}} can be rendered.
	Confidence *float64 `json:"-"`
}

// RuleResult is one rule checked by a validate step.
type RuleResult struct {
	Rule   string `json:"rule"`
	Pass   bool   `json:"pass"`
	Reason string `json:"reason,omitempty"`
}

// Decision is a decide step's structured answer.
type Decision struct {
	Decision  string `json:"decision"`
	Rationale string `json:"rationale,omitempty"`
}

// Field returns one field of the output for {{step.field}}.
func (o *Output) Field(name string) string {
	if o == nil {
		return ""
	}
	switch name {
	case "", "text":
		return o.Text
	case "confidence":
		if o.Confidence == nil {
			return ""
		}
		return strconv.FormatFloat(*o.Confidence, 'f', 2, 64)
	case "items":
		return numbered(o.Items)
	case "count":
		return strconv.Itoa(len(o.Items))
	case "results":
		var b strings.Builder
		for _, r := range o.Rules {
			fmt.Fprintf(&b, "- %s: %s", r.Rule, passFail(r.Pass))
			if r.Reason != "" {
				b.WriteString(" - " + r.Reason)
			}
			b.WriteByte('\n')
		}
		return strings.TrimRight(b.String(), "\n")
	case "passed", "failed":
		n := 0
		for _, r := range o.Rules {
			if r.Pass == (name == "passed") {
				n++
			}
		}
		return strconv.Itoa(n)
	case "verdict":
		if len(o.Rules) == 0 {
			return ""
		}
		for _, r := range o.Rules {
			if !r.Pass {
				return "FAIL"
			}
		}
		return "PASS"
	case "decision":
		if o.Decision == nil {
			return ""
		}
		return o.Decision.Decision
	case "rationale":
		if o.Decision == nil {
			return ""
		}
		return o.Decision.Rationale
	}
	return ""
}

func passFail(p bool) string {
	if p {
		return "PASS"
	}
	return "FAIL"
}

func numbered(items []string) string {
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(". ")
		b.WriteString(it)
	}
	return b.String()
}

// confidenceLineRE matches a CONFIDENCE line, allowing Markdown emphasis
// around the label or value: "CONFIDENCE: 0.85", "**Confidence:** 85%".
var confidenceLineRE = regexp.MustCompile(`(?i)^[\s*_>#-]*confidence[\s*_]*[:=][\s*_]*([0-9]*\.?[0-9]+)\s*(%?)[\s*_.]*$`)

// ParseConfidence finds the reply's last CONFIDENCE line and returns the
// value in 0..1, the reply without that line, and a note. ok is false when
// the line is missing or its value is not a number in 0..1 (or 0%..100%);
// the note then says which. No default is ever made up.
func ParseConfidence(reply string) (conf float64, text string, ok bool, note string) {
	lines := strings.Split(reply, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		line := strings.TrimSpace(lines[i])
		if !strings.Contains(strings.ToLower(line), "confidence") {
			continue
		}
		m := confidenceLineRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		text = strings.TrimSpace(strings.Join(append(append([]string{}, lines[:i]...), lines[i+1:]...), "\n"))
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			return 0, text, false, fmt.Sprintf("confidence line %q is not a number", line)
		}
		if m[2] == "%" {
			v /= 100
		}
		if v < 0 || v > 1 {
			return 0, text, false, fmt.Sprintf("confidence line %q is outside 0..1 (write 0.85 or 85%%)", line)
		}
		return v, text, true, ""
	}
	return 0, strings.TrimSpace(reply), false, "confidence missing: the reply has no CONFIDENCE line"
}

var (
	listItemRE = regexp.MustCompile(`^\s*(?:\d+[.)]|[-*•]|\(\d+\))\s+(.*)$`)
	ruleLineRE = regexp.MustCompile(`(?i)^[\s\-*•\d.)]*(.+?)\s*[:|]\s*\**\s*(pass|fail)(?:ed)?\b\**\s*(?:[-–—:|]+\s*(.*))?$`)
	labelRE    = regexp.MustCompile(`(?i)^[\s*_#-]*(decision|verdict|recommendation|rationale|reason|reasoning|why|most critical fix|critical fix)[\s*_]*:[\s*_]*(.*)$`)
)

// ParseList reads a numbered or bulleted list; lines that do not start an
// item continue the previous one. A reply without any list marker is read
// as one item per non-empty line.
func ParseList(text string) []string {
	var items []string
	marked := false
	for _, line := range strings.Split(text, "\n") {
		if m := listItemRE.FindStringSubmatch(line); m != nil {
			items = append(items, strings.TrimSpace(m[1]))
			marked = true
			continue
		}
		t := strings.TrimSpace(line)
		if t == "" {
			continue
		}
		if marked && len(items) > 0 && strings.HasPrefix(line, " ") {
			items[len(items)-1] += " " + t
		}
	}
	if marked {
		return items
	}
	for _, line := range strings.Split(text, "\n") {
		if t := strings.TrimSpace(line); t != "" {
			items = append(items, t)
		}
	}
	return items
}

// ParseRules reads "<rule>: PASS|FAIL - <reason>" lines.
func ParseRules(text string) []RuleResult {
	var out []RuleResult
	for _, line := range strings.Split(text, "\n") {
		m := ruleLineRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		out = append(out, RuleResult{
			Rule:   strings.Trim(strings.TrimSpace(m[1]), "*_`"),
			Pass:   strings.EqualFold(m[2], "pass"),
			Reason: strings.TrimSpace(m[3]),
		})
	}
	return out
}

// ParseDecision reads "DECISION: ..." (or VERDICT/RECOMMENDATION) and
// "RATIONALE: ..." lines; a label's value continues on following lines until
// the next label.
func ParseDecision(text string) *Decision {
	d := &Decision{}
	var cur *string
	for _, line := range strings.Split(text, "\n") {
		if m := labelRE.FindStringSubmatch(line); m != nil {
			switch strings.ToLower(m[1]) {
			case "decision", "verdict", "recommendation":
				if d.Decision != "" {
					cur = nil
					continue
				}
				cur = &d.Decision
			case "rationale", "reason", "reasoning", "why":
				cur = &d.Rationale
			default:
				cur = nil
				continue
			}
			*cur = strings.TrimSpace(strings.Trim(m[2], "*_ "))
			continue
		}
		if cur != nil && strings.TrimSpace(line) != "" && cur == &d.Rationale {
			*cur = strings.TrimSpace(*cur + " " + strings.TrimSpace(line))
		}
	}
	if d.Decision == "" {
		return nil
	}
	return d
}

// parseOutput interprets a reply for the given action. notes lists
// deviations from what the step asked for (too few items, no rule lines...).
func parseOutput(a Action, text string) (*Output, []string) {
	o := &Output{Text: text}
	var notes []string
	switch a.Type {
	case ActGenerate, ActCritique, ActCrossReference:
		o.Items = ParseList(text)
		n := len(o.Items)
		if a.MinCount > 0 && n < a.MinCount {
			notes = append(notes, fmt.Sprintf("expected at least %d items, got %d", a.MinCount, n))
		}
		if a.MaxCount > 0 && n > a.MaxCount {
			notes = append(notes, fmt.Sprintf("expected at most %d items, got %d", a.MaxCount, n))
		}
		if a.MinSources > 0 && n < a.MinSources {
			notes = append(notes, fmt.Sprintf("expected at least %d sources, got %d", a.MinSources, n))
		}
	case ActValidate:
		o.Rules = ParseRules(text)
		if len(o.Rules) == 0 {
			notes = append(notes, "no \"<rule>: PASS|FAIL\" lines found")
		}
	case ActDecide:
		o.Decision = ParseDecision(text)
		if o.Decision == nil {
			notes = append(notes, "no \"DECISION:\" line found")
		}
	}
	return o, notes
}

// formatInstructions tells the model how to lay out its reply for an action.
func formatInstructions(a Action) string {
	switch a.Type {
	case ActGenerate:
		switch {
		case a.MinCount > 0 && a.MaxCount > 0:
			return fmt.Sprintf("Answer with a numbered list of %d to %d items, one per line (\"1. ...\").", a.MinCount, a.MaxCount)
		case a.MinCount > 0:
			return fmt.Sprintf("Answer with a numbered list of at least %d items, one per line (\"1. ...\").", a.MinCount)
		}
		return "Answer with a numbered list, one item per line (\"1. ...\")."
	case ActCritique:
		s := "Answer with a numbered list of problems, one per line (\"1. ...\")."
		if a.Severity != "" {
			s += " Severity: " + a.Severity + "."
		}
		return s
	case ActCrossReference:
		s := "Answer with a numbered list of sources, one per line, each cited by its [S#] number."
		if a.MinSources > 0 {
			s += fmt.Sprintf(" Give at least %d if that many were supplied.", a.MinSources)
		}
		return s
	case ActValidate:
		s := "For each rule write one line \"<rule>: PASS - <reason>\" or \"<rule>: FAIL - <reason>\"."
		if len(a.Rules) > 0 {
			s += " Rules:\n- " + strings.Join(a.Rules, "\n- ")
		}
		return s
	case ActDecide:
		s := "Start with a line \"DECISION: <your decision>\", then a line \"RATIONALE: <why>\", then any detail."
		if a.Method != "" {
			s += " Method: " + strings.ReplaceAll(a.Method, "_", " ") + "."
		}
		return s
	case ActAnalyze:
		if len(a.Criteria) > 0 {
			return "Cover these criteria: " + strings.ReplaceAll(strings.Join(a.Criteria, ", "), "_", " ") + "."
		}
	case ActSynthesize:
		if a.Aggregation != "" {
			return "Aggregation: " + strings.ReplaceAll(a.Aggregation, "_", " ") + "."
		}
	}
	return ""
}
