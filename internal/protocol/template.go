package protocol

import (
	"fmt"
	"regexp"
	"strings"
)

// Template is a parsed prompt template. The language is deliberately small:
//
//	{{name}}            an input's value
//	{{step_id}}         a previous step's whole output
//	{{step_id.field}}   one field of a previous step's output
//	{{#if name}}...{{else}}...{{/if}}   may span lines and nest
//
// Every inserted value is written once, literally and fenced as
// <data name="...">...</data>; values are never parsed as templates.
type Template struct {
	src   string
	nodes []tnode
}

type tkind int

const (
	tText tkind = iota
	tValue
	tIf
)

// tnode is one piece of a parsed template.
type tnode struct {
	kind tkind
	text string // tText: literal text; tValue, tIf: the placeholder name
	pos  int    // byte offset of the tag in the source
	then []tnode
	els  []tnode
}

// TemplateError is a problem in a template at a byte offset.
type TemplateError struct {
	Pos int
	Msg string
}

func (e *TemplateError) Error() string { return e.Msg }

var placeholderRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$`)

// ParseTemplate parses src. It reports every structural problem it finds
// (unclosed tags, unbalanced {{#if}}/{{else}}/{{/if}}, malformed names).
func ParseTemplate(src string) (*Template, []*TemplateError) {
	type frame struct {
		node   *tnode
		inElse bool
	}
	var errs []*TemplateError
	root := []tnode{}
	var stack []*frame
	// appendNode adds n to the innermost open block.
	appendNode := func(n tnode) {
		if len(stack) == 0 {
			root = append(root, n)
			return
		}
		f := stack[len(stack)-1]
		if f.inElse {
			f.node.els = append(f.node.els, n)
		} else {
			f.node.then = append(f.node.then, n)
		}
	}
	// Open if-nodes are built detached and attached to their parent when
	// closed, so pointers in the stack stay valid.
	i := 0
	for i < len(src) {
		open := strings.Index(src[i:], "{{")
		if open < 0 {
			appendNode(tnode{kind: tText, text: src[i:], pos: i})
			break
		}
		open += i
		if open > i {
			appendNode(tnode{kind: tText, text: src[i:open], pos: i})
		}
		end := strings.Index(src[open+2:], "}}")
		if end < 0 {
			errs = append(errs, &TemplateError{Pos: open, Msg: "\"{{\" is never closed with \"}}\""})
			break
		}
		end += open + 2
		if strings.Contains(src[open+2:end], "{{") || strings.Contains(src[open+2:end], "\n") {
			errs = append(errs, &TemplateError{Pos: open, Msg: "\"{{\" is never closed with \"}}\""})
			appendNode(tnode{kind: tText, text: "{{", pos: open})
			i = open + 2
			continue
		}
		tag := strings.TrimSpace(src[open+2 : end])
		i = end + 2
		switch {
		case strings.HasPrefix(tag, "#if"):
			name := strings.TrimSpace(strings.TrimPrefix(tag, "#if"))
			if !placeholderRE.MatchString(name) {
				errs = append(errs, &TemplateError{Pos: open, Msg: fmt.Sprintf("{{#if %s}}: the condition must be one input or step name like {{#if context}}", name)})
			}
			stack = append(stack, &frame{node: &tnode{kind: tIf, text: name, pos: open}})
		case tag == "else":
			if len(stack) == 0 {
				errs = append(errs, &TemplateError{Pos: open, Msg: "{{else}} outside any {{#if}}"})
				continue
			}
			f := stack[len(stack)-1]
			if f.inElse {
				errs = append(errs, &TemplateError{Pos: open, Msg: "a second {{else}} in the same {{#if}}"})
			}
			f.inElse = true
		case tag == "/if":
			if len(stack) == 0 {
				errs = append(errs, &TemplateError{Pos: open, Msg: "{{/if}} without a matching {{#if}}"})
				continue
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			appendNode(*f.node)
		case strings.HasPrefix(tag, "#") || strings.HasPrefix(tag, "/"):
			errs = append(errs, &TemplateError{Pos: open, Msg: fmt.Sprintf("{{%s}}: unknown block; only {{#if name}}, {{else}} and {{/if}} exist", tag)})
		default:
			if !placeholderRE.MatchString(tag) {
				errs = append(errs, &TemplateError{Pos: open, Msg: fmt.Sprintf("{{%s}}: a placeholder is an input or step id in lower case, optionally with .field", tag)})
				continue
			}
			appendNode(tnode{kind: tValue, text: tag, pos: open})
		}
	}
	for j := len(stack) - 1; j >= 0; j-- {
		f := stack[j]
		errs = append(errs, &TemplateError{Pos: f.node.pos, Msg: fmt.Sprintf("{{#if %s}} is never closed with {{/if}}", f.node.text)})
	}
	return &Template{src: src, nodes: root}, errs
}

// Ref is one placeholder used by a template, with its byte offset.
type Ref struct {
	Name string // "query", "step", or "step.field"
	Pos  int
}

// Refs lists every placeholder and {{#if}} condition in source order.
func (t *Template) Refs() []Ref {
	var out []Ref
	var walk func([]tnode)
	walk = func(ns []tnode) {
		for _, n := range ns {
			switch n.kind {
			case tValue:
				out = append(out, Ref{Name: n.text, Pos: n.pos})
			case tIf:
				out = append(out, Ref{Name: n.text, Pos: n.pos})
				walk(n.then)
				walk(n.els)
			}
		}
	}
	walk(t.nodes)
	return out
}

// LineOf returns how many newlines precede byte offset pos in the source.
func (t *Template) LineOf(pos int) int {
	if pos > len(t.src) {
		pos = len(t.src)
	}
	return strings.Count(t.src[:pos], "\n")
}

// Render writes the template to b. lookup returns a placeholder's value and
// whether it is set; an unset or blank value is false in {{#if}} and renders
// as an empty fence. Values are fenced and written literally.
func (t *Template) Render(b *strings.Builder, lookup func(name string) (string, bool)) {
	renderNodes(b, t.nodes, lookup)
}

func renderNodes(b *strings.Builder, ns []tnode, lookup func(string) (string, bool)) {
	for i := range ns {
		n := &ns[i]
		switch n.kind {
		case tText:
			b.WriteString(n.text)
		case tValue:
			v, _ := lookup(n.text)
			WriteFenced(b, n.text, v)
		case tIf:
			v, ok := lookup(n.text)
			if ok && strings.TrimSpace(v) != "" {
				renderNodes(b, n.then, lookup)
			} else {
				renderNodes(b, n.els, lookup)
			}
		}
	}
}

// WriteFenced writes value inside a <data name="name"> fence. Any text in
// value that could open or close a fence ("<data", "</data", also with
// spaces, a backslash or other letter case) has its "<" replaced by "&lt;",
// so a value can neither end its own fence early nor forge a new one.
func WriteFenced(b *strings.Builder, name, value string) {
	b.WriteString(`<data name="`)
	b.WriteString(name)
	b.WriteString("\">\n")
	writeNeutralised(b, value)
	b.WriteString("\n</data>")
}

func writeNeutralised(b *strings.Builder, s string) {
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '<' || !looksLikeFence(s[i+1:]) {
			continue
		}
		b.WriteString(s[start:i])
		b.WriteString("&lt;")
		start = i + 1
	}
	b.WriteString(s[start:])
}

// looksLikeFence reports whether rest (the text after a "<") starts with
// optional spaces, an optional "/" or "\", optional spaces and "data".
func looksLikeFence(rest string) bool {
	j := 0
	for j < len(rest) && isSpace(rest[j]) {
		j++
	}
	if j < len(rest) && (rest[j] == '/' || rest[j] == '\\') {
		j++
	}
	for j < len(rest) && isSpace(rest[j]) {
		j++
	}
	return len(rest)-j >= 4 && strings.EqualFold(rest[j:j+4], "data")
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
