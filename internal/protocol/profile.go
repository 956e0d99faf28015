package protocol

import (
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/reasonkit/desktop/internal/tomlpos"
)

// ProfilesFile is the name of the profiles file inside a protocols folder.
const ProfilesFile = "profiles.toml"

// Profile is a chain of protocols run one after another (see the comment at
// the top of protocols/profiles.toml for the format).
type Profile struct {
	ID            string  `toml:"-"`
	Name          string  `toml:"name"`
	Description   string  `toml:"description"`
	MinConfidence float64 `toml:"min_confidence"`
	// Answer names the step output that answers the user's question, as
	// "steps.<protocol>.<step>[.<field>]" or a list of fallbacks. Without it
	// the answer is the last step of the last link that ran.
	Answer any     `toml:"answer"`
	Chain  []*Link `toml:"chain"`

	Builtin bool   `toml:"-"`
	File    string `toml:"-"`

	answer []mapping
}

// Link is one protocol in a profile's chain.
type Link struct {
	// Protocol is a protocol id or short code.
	Protocol string `toml:"protocol"`
	// Input maps the protocol's inputs to their sources: "input.<name>" (a
	// run input) or "steps.<protocol>.<step>[.<field>]" (an earlier link's
	// output). A list gives fallbacks, the first available one wins.
	Input map[string]any `toml:"input"`
	// When is a condition on the previous link's confidence (confidence_below,
	// confidence_above or always); nil means always.
	When *Branch `toml:"when"`
	// Temperature and MaxTokens override the request settings for every step
	// of this link.
	Temperature *float64 `toml:"temperature"`
	MaxTokens   int      `toml:"max_tokens"`

	proto    *Protocol
	mappings map[string][]mapping
}

// mapping is one parsed input source.
type mapping struct {
	raw      string
	input    string // "input.<name>"
	protocol string // "steps.<protocol>.<step>[.<field>]"
	step     string
	field    string
}

// ProtocolOf returns the protocol this link runs (after validation).
func (l *Link) ProtocolOf() *Protocol { return l.proto }

var (
	profileKeys = []string{"name", "description", "min_confidence", "answer", "chain"}
	linkKeys    = []string{"protocol", "input", "when", "temperature", "max_tokens"}
	whenKeys    = []string{"type", "threshold"}
)

// ParseProfiles parses and validates a profiles file. lookup resolves a
// protocol id or short code; every problem is returned, ordered by line.
func ParseProfiles(file string, src []byte, lookup func(string) *Protocol) ([]*Profile, FileErrors) {
	loc := tomlpos.New(src)
	pr := &problems{file: file, loc: loc}
	var raw map[string]any
	if _, err := toml.Decode(string(src), &raw); err != nil {
		return nil, FileErrors{decodeErr(file, loc, err)}
	}
	for _, k := range sortedKeys(raw) {
		if k != "profiles" {
			pr.add(loc.Line("", 0, k), k, "unknown key; a profiles file has only [profiles.<id>] tables")
		}
	}
	rawProfiles, _ := raw["profiles"].(map[string]any)
	for _, id := range sortedKeys(rawProfiles) {
		rp, ok := rawProfiles[id].(map[string]any)
		if !ok {
			continue
		}
		table := "profiles." + id
		for _, k := range sortedKeys(rp) {
			if !contains(profileKeys, k) {
				pr.add(loc.Line(table, 0, k), table+"."+k, "unknown key; a profile has only %s", strings.Join(profileKeys, ", "))
			}
		}
		chain, _ := rp["chain"].([]map[string]any)
		for i, l := range chain {
			for _, k := range sortedKeys(l) {
				if !contains(linkKeys, k) {
					pr.add(loc.Line(table+".chain", i, k), fmt.Sprintf("%s.chain[%d].%s", table, i+1, k), "unknown key; a chain link has only %s", strings.Join(linkKeys, ", "))
				}
			}
			if w, ok := l["when"].(map[string]any); ok {
				for _, k := range sortedKeys(w) {
					if !contains(whenKeys, k) {
						pr.add(loc.Line(table+".chain", i, "when"), fmt.Sprintf("%s.chain[%d].when.%s", table, i+1, k), "unknown key; when has only type and threshold")
					}
				}
			}
		}
	}
	var decoded struct {
		Profiles map[string]*Profile `toml:"profiles"`
	}
	if _, err := toml.Decode(string(src), &decoded); err != nil {
		pr.errs = append(pr.errs, decodeErr(file, loc, err))
		return nil, pr.sorted()
	}
	var out []*Profile
	for _, id := range sortedKeys(decoded.Profiles) {
		p := decoded.Profiles[id]
		if p == nil {
			continue
		}
		p.ID, p.File = id, file
		validateProfile(pr, p, lookup)
		out = append(out, p)
	}
	if len(pr.errs) > 0 {
		return nil, pr.sorted()
	}
	return out, nil
}

func validateProfile(pr *problems, p *Profile, lookup func(string) *Protocol) {
	loc := pr.loc
	table := "profiles." + p.ID
	if !protocolIDRE.MatchString(p.ID) {
		pr.add(loc.Line(table, 0, ""), table, "%q is not a valid profile id; use only a-z, 0-9, _ and -", p.ID)
	}
	if p.MinConfidence < 0 || p.MinConfidence > 1 {
		pr.add(loc.Line(table, 0, "min_confidence"), table+".min_confidence", "%g is outside 0..1", p.MinConfidence)
	}
	if len(p.Chain) == 0 {
		pr.add(loc.Line(table, 0, ""), table+".chain", "a profile needs at least one [[%s.chain]] link", table)
		return
	}
	var earlier []*Protocol
	for i, l := range p.Chain {
		field := func(k string) string { return fmt.Sprintf("%s.chain[%d].%s", table, i+1, k) }
		line := func(k string) int { return loc.Line(table+".chain", i, k) }
		l.proto = lookup(l.Protocol)
		if l.proto == nil {
			pr.add(line("protocol"), field("protocol"), "unknown protocol %q; use a protocol id or short code from `reasonkit protocols list`", l.Protocol)
		}
		if l.Temperature != nil && (*l.Temperature < 0 || *l.Temperature > 2) {
			pr.add(line("temperature"), field("temperature"), "%g is outside 0..2", *l.Temperature)
		}
		if l.MaxTokens < 0 {
			pr.add(line("max_tokens"), field("max_tokens"), "must not be negative")
		}
		if w := l.When; w != nil {
			switch w.Type {
			case BranchAlways:
			case BranchConfidenceBelow, BranchConfidenceAbove:
				if w.Threshold < 0 || w.Threshold > 1 {
					pr.add(line("when"), field("when.threshold"), "%g is outside 0..1", w.Threshold)
				}
				if i == 0 {
					pr.add(line("when"), field("when"), "the first link has no previous link whose confidence it could test")
				}
			default:
				pr.add(line("when"), field("when.type"), "%q is not a link condition; use always, confidence_below or confidence_above", w.Type)
			}
		}
		l.mappings = map[string][]mapping{}
		for _, name := range sortedKeys(l.Input) {
			var sources []string
			switch v := l.Input[name].(type) {
			case string:
				sources = []string{v}
			case []any:
				for _, s := range v {
					str, ok := s.(string)
					if !ok {
						pr.add(line("input"), field("input."+name), "a list of sources must hold only strings")
						continue
					}
					sources = append(sources, str)
				}
			default:
				pr.add(line("input"), field("input."+name), "must be a string like \"input.query\" or a list of them")
			}
			if l.proto != nil && !l.proto.HasInput(name) {
				pr.add(line("input"), field("input."+name), "protocol %s has no input %q; its inputs are %s", l.proto.ID, name, strings.Join(append(append([]string{}, l.proto.Input.Required...), l.proto.Input.Optional...), ", "))
			}
			for _, s := range sources {
				m, msg := parseMapping(s, earlier)
				if msg != "" {
					pr.add(line("input"), field("input."+name), "%s", msg)
					continue
				}
				l.mappings[name] = append(l.mappings[name], m)
			}
		}
		if l.proto != nil {
			for _, req := range l.proto.Input.Required {
				if _, ok := l.mappings[req]; !ok {
					if _, given := l.Input[req]; !given {
						pr.add(line("protocol"), field("input"), "required input %q of %s is not mapped; add input = { %s = \"input.query\" } or a steps.<protocol>.<step> source", req, l.proto.ID, req)
					}
				}
			}
			earlier = append(earlier, l.proto)
		}
	}
	if p.Answer != nil {
		line := loc.Line(table, 0, "answer")
		var sources []string
		switch v := p.Answer.(type) {
		case string:
			sources = []string{v}
		case []any:
			for _, x := range v {
				if str, ok := x.(string); ok {
					sources = append(sources, str)
				}
			}
		}
		if len(sources) == 0 {
			pr.add(line, table+".answer", "must be a string like \"steps.gigathink.synthesize\" or a list of them")
		}
		for _, src := range sources {
			m, msg := parseMapping(src, earlier)
			switch {
			case msg != "":
				pr.add(line, table+".answer", "%s", strings.Replace(msg, "no earlier link runs", "no link runs", 1))
			case m.input != "":
				pr.add(line, table+".answer", "%q: the answer must come from a step, not an input", src)
			default:
				p.answer = append(p.answer, m)
			}
		}
	}
}

// parseMapping checks one input source against the links before it.
func parseMapping(s string, earlier []*Protocol) (mapping, string) {
	parts := strings.Split(s, ".")
	switch {
	case len(parts) == 2 && parts[0] == "input" && nameRE.MatchString(parts[1]):
		return mapping{raw: s, input: parts[1]}, ""
	case (len(parts) == 3 || len(parts) == 4) && parts[0] == "steps":
		var proto *Protocol
		for j := len(earlier) - 1; j >= 0; j-- {
			if earlier[j].ID == parts[1] || (earlier[j].Shortcode != "" && earlier[j].Shortcode == parts[1]) {
				proto = earlier[j]
				break
			}
		}
		if proto == nil {
			return mapping{}, fmt.Sprintf("%q: no earlier link runs protocol %q; a link can only use outputs of links before it", s, parts[1])
		}
		st := proto.Step(parts[2])
		if st == nil {
			return mapping{}, fmt.Sprintf("%q: protocol %s has no step %q; its steps are %s", s, proto.ID, parts[2], strings.Join(stepIDs(proto), ", "))
		}
		m := mapping{raw: s, protocol: proto.ID, step: st.ID}
		if len(parts) == 4 {
			if fields := FieldsFor(st.Action.Type); !contains(fields, parts[3]) {
				return mapping{}, fmt.Sprintf("%q: a %q step has no field %q; it has %s", s, st.Action.Type, parts[3], strings.Join(fields, ", "))
			}
			m.field = parts[3]
		}
		return m, ""
	}
	return mapping{}, fmt.Sprintf("%q is not a source; use \"input.<name>\" or \"steps.<protocol>.<step>[.<field>]\"", s)
}
