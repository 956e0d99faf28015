package protocol

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/reasonkit/desktop/internal/tomlpos"
)

var (
	protocolIDRE = regexp.MustCompile(`^[a-z0-9_-]+$`)
	nameRE       = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// problems collects located errors for one file. base is the table that
// holds the protocol ("" for a native file, "thinktool_modules.<key>" for a
// ReasonKit-style one); lines and field names are found relative to it.
type problems struct {
	file string
	loc  *tomlpos.Locator
	base string
	errs FileErrors
}

func (p *problems) add(line int, field, format string, args ...any) {
	if p.base != "" && field != "" {
		field = p.base + "." + field
	}
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) table(t string) string {
	switch {
	case p.base == "":
		return t
	case t == "":
		return p.base
	}
	return p.base + "." + t
}

// at is the line of key in table (relative to base), or 0.
func (p *problems) at(table string, index int, key string) int {
	return p.loc.Line(p.table(table), index, key)
}

// valueAt is the line of the nl-th line inside key's string value.
func (p *problems) valueAt(table string, index int, key string, nl int) int {
	return p.loc.ValueLine(p.table(table), index, key, nl)
}

// sorted returns the errors ordered by line (stable for equal lines).
func (p *problems) sorted() FileErrors {
	sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
	return p.errs
}

// decodeErr turns a TOML decoding error into a located Error.
func decodeErr(file string, loc *tomlpos.Locator, err error) *Error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &Error{File: file, Line: pe.Position.Line, Field: pe.LastKey, Msg: pe.Message + "; fix the TOML syntax or the value's type"}
	}
	if m := typeErrRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Field: m[2], Msg: m[3] + "; fix the value's type"}
	}
	return &Error{File: file, Msg: err.Error()}
}

// typeErrRE matches the decoder's type errors, which carry a line and key
// in their text only.
var typeErrRE = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

// ParseProtocol parses and validates one protocol file's bytes. file names
// the source in errors. It returns every problem found, ordered by line.
func ParseProtocol(file string, src []byte) (*Protocol, FileErrors) {
	loc := tomlpos.New(src)
	pr := &problems{file: file, loc: loc}
	var raw map[string]any
	if _, err := toml.Decode(string(src), &raw); err != nil {
		return nil, FileErrors{decodeErr(file, loc, err)}
	}
	if _, ok := raw["thinktool_modules"]; ok {
		return nil, FileErrors{{File: file, Line: loc.Line("", 0, "thinktool_modules"), Msg: "this is a ReasonKit-style file with several [thinktool_modules.<key>] tables; read it with ParseFile"}}
	}
	p := &Protocol{File: file, src: src}
	checkUnknownProtocolKeys(pr, raw, nativeKeys)
	if _, err := toml.Decode(string(src), p); err != nil {
		pr.errs = append(pr.errs, decodeErr(file, loc, err))
		return nil, pr.sorted()
	}
	validateProtocol(pr, p)
	if len(pr.errs) > 0 {
		return nil, pr.sorted()
	}
	return p, nil
}

// ParseFile parses a protocol file in either format: one protocol per file
// (PROTOCOLS.md), or a ReasonKit-style file holding one protocol per
// [thinktool_modules.<key>] table. Every problem is returned, ordered by line.
func ParseFile(file string, src []byte) ([]*Protocol, FileErrors) {
	var raw map[string]any
	if _, err := toml.Decode(string(src), &raw); err != nil {
		return nil, FileErrors{decodeErr(file, tomlpos.New(src), err)}
	}
	if _, ok := raw["thinktool_modules"]; ok {
		return parseModules(file, src, raw)
	}
	p, errs := ParseProtocol(file, src)
	if len(errs) > 0 {
		return nil, errs
	}
	return []*Protocol{p}, nil
}

// keySet lists the keys a protocol table and its steps may hold.
type keySet struct {
	root, step []string
}

var (
	rootKeys   = []string{"id", "name", "shortcode", "version", "description", "strategy", "input", "steps"}
	inputKeys  = []string{"required", "optional", "defaults"}
	stepKeys   = []string{"id", "action", "min_confidence", "depends_on", "branch", "prompt_template"}
	nativeKeys = keySet{root: rootKeys, step: stepKeys}
	// moduleKeys adds ReasonKit's descriptive metadata, which is accepted
	// and ignored, and its per-step output_format.
	moduleKeys = keySet{
		root: append(append([]string{}, rootKeys...), "category", "tier", "capabilities", "typical_duration", "token_cost_estimate", "thinking_pattern"),
		step: append(append([]string{}, stepKeys...), "output_format"),
	}
	// categoryStrategy maps ReasonKit categories to strategies.
	categoryStrategy = map[string]string{
		"divergent": "expansive", "convergent": "analytical", "analytical": "analytical",
		"verification": "verification", "adversarial": "adversarial", "decision": "decision",
		"deductive": "deductive", "expansive": "expansive",
	}
	outputFormats = []string{"text", "list", "structured", "score", "boolean"}
)

// parseModules reads a ReasonKit-style file. Such modules declare no inputs,
// so unless a module has an [input] table it takes query (required) and
// context (optional); a step without min_confidence gets ReasonKit's 0.7.
func parseModules(file string, src []byte, raw map[string]any) ([]*Protocol, FileErrors) {
	loc := tomlpos.New(src)
	top := &problems{file: file, loc: loc}
	for _, k := range sortedKeys(raw) {
		if k != "version" && k != "schema" && k != "thinktool_modules" {
			top.add(loc.Line("", 0, k), k, "unknown key; a ReasonKit-style file has only version, schema and [thinktool_modules.<key>] tables")
		}
	}
	if sc, ok := raw["schema"].(string); ok && sc != "thinktool-v2" {
		top.add(loc.Line("", 0, "schema"), "schema", "%q is not supported; only \"thinktool-v2\" files can be read", sc)
	}
	var decoded struct {
		Modules map[string]*Protocol `toml:"thinktool_modules"`
	}
	if _, err := toml.Decode(string(src), &decoded); err != nil {
		top.errs = append(top.errs, decodeErr(file, loc, err))
		return nil, top.sorted()
	}
	rawMods, _ := raw["thinktool_modules"].(map[string]any)
	var out []*Protocol
	for _, key := range sortedKeys(decoded.Modules) {
		p := decoded.Modules[key]
		rm, _ := rawMods[key].(map[string]any)
		if p == nil || rm == nil {
			continue
		}
		pr := &problems{file: file, loc: loc, base: "thinktool_modules." + key}
		checkUnknownProtocolKeys(pr, rm, moduleKeys)
		p.File, p.src, p.table = file, src, pr.base
		if p.ID == "" {
			p.ID = key
		}
		if p.Strategy == "" {
			if cat, ok := rm["category"].(string); ok {
				if st, known := categoryStrategy[cat]; known {
					p.Strategy = st
				} else {
					pr.add(pr.at("", 0, "category"), "category", "unknown category %q; use one of divergent, convergent, analytical, verification, adversarial", cat)
				}
			}
		}
		if _, hasInput := rm["input"]; !hasInput {
			p.Input = Input{Required: []string{"query"}, Optional: []string{"context"}}
		}
		rawSteps, _ := rm["steps"].([]map[string]any)
		for i, st := range p.Steps {
			if i >= len(rawSteps) {
				break
			}
			if _, set := rawSteps[i]["min_confidence"]; !set {
				st.MinConfidence = 0.7
			}
			if f, ok := rawSteps[i]["output_format"].(string); ok && !contains(outputFormats, f) {
				pr.add(pr.at("steps", i, "output_format"), stepField(i, st.ID, "output_format"), "unknown output format %q; use one of %s", f, strings.Join(outputFormats, ", "))
			}
		}
		validateProtocol(pr, p)
		top.errs = append(top.errs, pr.errs...)
		out = append(out, p)
	}
	if len(out) == 0 && len(top.errs) == 0 {
		top.add(loc.Line("", 0, "thinktool_modules"), "thinktool_modules", "no modules defined; add a [thinktool_modules.<key>] table")
	}
	if len(top.errs) > 0 {
		return nil, top.sorted()
	}
	return out, nil
}

// stepField names a step's field in errors: steps.<id>.field, or
// steps[n].field when the step has no usable id.
func stepField(i int, id, field string) string {
	base := fmt.Sprintf("steps[%d]", i+1)
	if id != "" {
		base = "steps." + id
	}
	if field == "" {
		return base
	}
	return base + "." + field
}

// checkUnknownProtocolKeys reports every key the format does not define.
func checkUnknownProtocolKeys(pr *problems, raw map[string]any, keys keySet) {
	for _, k := range sortedKeys(raw) {
		if !contains(keys.root, k) {
			pr.add(pr.at("", 0, k), k, "unknown key; a protocol has only %s", strings.Join(keys.root, ", "))
		}
	}
	if in, ok := raw["input"].(map[string]any); ok {
		for _, k := range sortedKeys(in) {
			if !contains(inputKeys, k) {
				pr.add(pr.at("input", 0, k), "input."+k, "unknown key; [input] has only required, optional and defaults")
			}
		}
	}
	steps, _ := raw["steps"].([]map[string]any)
	for i, st := range steps {
		id, _ := st["id"].(string)
		for _, k := range sortedKeys(st) {
			if !contains(keys.step, k) {
				pr.add(pr.at("steps", i, k), stepField(i, id, k), "unknown key; a step has only %s", strings.Join(keys.step, ", "))
			}
		}
		if a, ok := st["action"].(map[string]any); ok {
			typ, _ := a["type"].(string)
			if params, known := actionParams[typ]; known {
				for _, k := range sortedKeys(a) {
					if k != "type" && !contains(params, k) {
						pr.add(pr.at("steps", i, "action"), stepField(i, id, "action."+k), "unknown key for a %q action; it takes %s", typ, listOrNone(params))
					}
				}
			}
		}
		if b, ok := st["branch"].(map[string]any); ok {
			typ, _ := b["type"].(string)
			if params, known := branchParams[typ]; known {
				for _, k := range sortedKeys(b) {
					if k != "type" && !contains(params, k) {
						pr.add(pr.at("steps", i, "branch"), stepField(i, id, "branch."+k), "unknown key for a %q branch; it takes %s", typ, listOrNone(params))
					}
				}
			}
		}
	}
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "no other keys"
	}
	return strings.Join(l, ", ")
}

func validateProtocol(pr *problems, p *Protocol) {
	switch {
	case p.ID == "":
		pr.add(pr.at("", 0, "id"), "id", "missing; give the protocol a unique id like \"premortem\"")
	case !protocolIDRE.MatchString(p.ID):
		pr.add(pr.at("", 0, "id"), "id", "%q is not a valid id; use only a-z, 0-9, _ and -", p.ID)
	}
	if p.Shortcode != "" && !protocolIDRE.MatchString(p.Shortcode) {
		pr.add(pr.at("", 0, "shortcode"), "shortcode", "%q is not a valid short code; use only a-z, 0-9, _ and -", p.Shortcode)
	}
	if strings.TrimSpace(p.Name) == "" {
		pr.add(pr.at("", 0, "name"), "name", "missing; give the protocol a human-readable name")
	}
	if p.Strategy != "" && !contains(strategies, p.Strategy) {
		pr.add(pr.at("", 0, "strategy"), "strategy", "%q is not a strategy; use one of %s", p.Strategy, strings.Join(strategies, ", "))
	}

	// Inputs.
	seen := map[string]string{}
	for _, list := range []struct {
		key   string
		names []string
	}{{"required", p.Input.Required}, {"optional", p.Input.Optional}} {
		for _, n := range list.names {
			line := pr.at("input", 0, list.key)
			if !nameRE.MatchString(n) {
				pr.add(line, "input."+list.key, "%q is not a valid input name; use lower case letters, digits and _", n)
			}
			if prev, dup := seen[n]; dup {
				pr.add(line, "input."+list.key, "input %q is declared twice (already in input.%s)", n, prev)
			}
			seen[n] = list.key
		}
	}
	for _, k := range sortedKeys(p.Input.Defaults) {
		switch seen[k] {
		case "":
			pr.add(pr.at("input", 0, "defaults"), "input.defaults."+k, "default for %q, which is not a declared input; add it to input.optional", k)
		case "required":
			pr.add(pr.at("input", 0, "defaults"), "input.defaults."+k, "input %q is required, so a default is never used; move it to input.optional", k)
		}
	}

	// Steps.
	if len(p.Steps) == 0 {
		pr.add(0, "steps", "a protocol needs at least one [[steps]] table")
		return
	}
	index := map[string]int{}
	for i, s := range p.Steps {
		if s == nil {
			continue
		}
		idLine := pr.at("steps", i, "id")
		switch {
		case s.ID == "":
			pr.add(idLine, stepField(i, "", "id"), "missing; every step needs an id")
		case !nameRE.MatchString(s.ID):
			pr.add(idLine, stepField(i, "", "id"), "%q is not a valid step id; use lower case letters, digits and _ (starting with a letter)", s.ID)
		default:
			if j, dup := index[s.ID]; dup {
				pr.add(idLine, stepField(i, s.ID, "id"), "duplicate step id; step %d already uses %q", j+1, s.ID)
			} else {
				index[s.ID] = i
			}
			if _, isInput := seen[s.ID]; isInput {
				pr.add(idLine, stepField(i, s.ID, "id"), "step id %q is also an input name, so {{%s}} would be ambiguous; rename one", s.ID, s.ID)
			}
		}
	}
	for i, s := range p.Steps {
		if s == nil {
			continue
		}
		validateStep(pr, p, i, s, index, seen)
	}
	checkCycles(pr, p, index)
}

func validateStep(pr *problems, p *Protocol, i int, s *Step, index map[string]int, inputs map[string]string) {
	f := func(field string) string { return stepField(i, s.ID, field) }
	deps := []string{}
	addDep := func(d string) {
		if !contains(deps, d) {
			deps = append(deps, d)
		}
	}

	// Action.
	actLine := pr.at("steps", i, "action")
	switch _, known := actionParams[s.Action.Type]; {
	case s.Action.Type == "":
		pr.add(actLine, f("action.type"), "missing; use one of %s", strings.Join(sortedKeys(actionParams), ", "))
	case !known:
		pr.add(actLine, f("action.type"), "unknown action type %q; use one of %s", s.Action.Type, strings.Join(sortedKeys(actionParams), ", "))
	}
	if s.Action.MinCount < 0 {
		pr.add(actLine, f("action.min_count"), "must not be negative")
	}
	if s.Action.MaxCount < 0 {
		pr.add(actLine, f("action.max_count"), "must not be negative")
	}
	if s.Action.MaxCount > 0 && s.Action.MinCount > s.Action.MaxCount {
		pr.add(actLine, f("action.min_count"), "min_count %d is greater than max_count %d", s.Action.MinCount, s.Action.MaxCount)
	}
	if s.Action.MinSources < 0 {
		pr.add(actLine, f("action.min_sources"), "must not be negative")
	}
	if s.MinConfidence < 0 || s.MinConfidence > 1 {
		pr.add(pr.at("steps", i, "min_confidence"), f("min_confidence"), "%g is outside 0..1", s.MinConfidence)
	}

	// depends_on.
	dLine := pr.at("steps", i, "depends_on")
	for _, d := range s.DependsOn {
		switch _, ok := index[d]; {
		case d == s.ID:
			pr.add(dLine, f("depends_on"), "a step cannot depend on itself")
		case !ok:
			pr.add(dLine, f("depends_on"), "unknown step %q; steps are %s", d, strings.Join(stepIDs(p), ", "))
		default:
			addDep(d)
		}
	}

	// Template.
	tLine := func(pos int) int {
		if s.tmpl == nil {
			return pr.at("steps", i, "prompt_template")
		}
		return pr.valueAt("steps", i, "prompt_template", s.tmpl.LineOf(pos))
	}
	if strings.TrimSpace(s.PromptTemplate) == "" {
		pr.add(pr.at("steps", i, "prompt_template"), f("prompt_template"), "missing; every step needs a prompt_template")
	} else {
		tmpl, terrs := ParseTemplate(s.PromptTemplate)
		s.tmpl = tmpl
		for _, te := range terrs {
			pr.add(tLine(te.Pos), f("prompt_template"), "%s", te.Msg)
		}
		for _, r := range tmpl.Refs() {
			head, field, _ := strings.Cut(r.Name, ".")
			if _, isInput := inputs[head]; isInput {
				if field != "" {
					pr.add(tLine(r.Pos), f("prompt_template"), "{{%s}}: input %q has no fields; use {{%s}}", r.Name, head, head)
				}
				continue
			}
			j, isStep := index[head]
			switch {
			case !isStep:
				pr.add(tLine(r.Pos), f("prompt_template"), "unknown placeholder {{%s}}: not a declared input (%s) nor a step id; declare it in [input] or fix the spelling", r.Name, listOrNone(sortedKeys(inputs)))
			case j == i:
				pr.add(tLine(r.Pos), f("prompt_template"), "{{%s}} refers to this step itself", r.Name)
			case j > i:
				pr.add(tLine(r.Pos), f("prompt_template"), "{{%s}} is a forward reference to a later step; a template may only use earlier steps", r.Name)
			default:
				if field != "" {
					fields := FieldsFor(p.Steps[j].Action.Type)
					if !contains(fields, field) {
						pr.add(tLine(r.Pos), f("prompt_template"), "{{%s}}: a %q step has no field %q; it has %s", r.Name, p.Steps[j].Action.Type, field, strings.Join(fields, ", "))
					}
				}
				addDep(head)
			}
		}
	}

	// Branch.
	if b := s.Branch; b != nil {
		bLine := pr.at("steps", i, "branch")
		switch b.Type {
		case BranchAlways:
		case BranchConfidenceBelow, BranchConfidenceAbove:
			if b.Threshold < 0 || b.Threshold > 1 {
				pr.add(bLine, f("branch.threshold"), "%g is outside 0..1", b.Threshold)
			}
		case BranchOutputContains:
			_, ok := index[b.Step]
			switch {
			case b.Step == "":
				pr.add(bLine, f("branch.step"), "missing; name the step whose output to search")
			case b.Step == s.ID:
				pr.add(bLine, f("branch.step"), "a step cannot branch on its own output")
			case !ok:
				pr.add(bLine, f("branch.step"), "unknown step %q", b.Step)
			default:
				addDep(b.Step)
			}
			if b.Value == "" {
				pr.add(bLine, f("branch.value"), "missing; give the text to look for")
			}
		case "":
			pr.add(bLine, f("branch.type"), "missing; use one of %s", strings.Join(sortedKeys(branchParams), ", "))
		default:
			pr.add(bLine, f("branch.type"), "unknown branch type %q; use one of %s", b.Type, strings.Join(sortedKeys(branchParams), ", "))
		}
		if (b.Type == BranchConfidenceBelow || b.Type == BranchConfidenceAbove) && len(deps) == 0 {
			pr.add(bLine, f("branch"), "a %s branch tests the confidence of the steps this one depends on, but it has none; add depends_on", b.Type)
		}
	}
	s.deps = deps
}

func stepIDs(p *Protocol) []string {
	out := make([]string, 0, len(p.Steps))
	for _, s := range p.Steps {
		if s != nil && s.ID != "" {
			out = append(out, s.ID)
		}
	}
	return out
}

// checkCycles reports each dependency cycle once.
func checkCycles(pr *problems, p *Protocol, index map[string]int) {
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(p.Steps))
	var path []int
	var visit func(i int)
	visit = func(i int) {
		color[i] = grey
		path = append(path, i)
		for _, d := range p.Steps[i].deps {
			j, ok := index[d]
			if !ok {
				continue
			}
			switch color[j] {
			case white:
				visit(j)
			case grey:
				// Found a cycle: the path from j to i, then back to j.
				k := len(path) - 1
				for k > 0 && path[k] != j {
					k--
				}
				names := []string{}
				for _, n := range path[k:] {
					names = append(names, p.Steps[n].ID)
				}
				names = append(names, p.Steps[j].ID)
				pr.add(pr.at("steps", i, "depends_on"), stepField(i, p.Steps[i].ID, "depends_on"),
					"dependency cycle %s; remove one of these dependencies", strings.Join(names, " -> "))
			}
		}
		path = path[:len(path)-1]
		color[i] = black
	}
	for i, s := range p.Steps {
		if s != nil && color[i] == white {
			visit(i)
		}
	}
}
