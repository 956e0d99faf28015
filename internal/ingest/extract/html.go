package extract

import (
	"bytes"
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// dropped are elements whose content is never document text.
var dropped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Nav: true,
	atom.Svg: true, atom.Canvas: true, atom.Iframe: true, atom.Object: true,
	atom.Head: true, atom.Footer: true, atom.Button: true, atom.Select: true, atom.Input: true,
	atom.Textarea: true, atom.Dialog: true,
}

// droppedRoles are ARIA roles of page furniture rather than content.
var droppedRoles = map[string]bool{
	"navigation": true, "search": true, "banner": true, "contentinfo": true, "complementary": true,
}

// blocks are elements that end a paragraph.
var blocks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Section: true, atom.Article: true, atom.Main: true,
	atom.Header: true, atom.Aside: true, atom.Blockquote: true, atom.Pre: true, atom.Ul: true,
	atom.Ol: true, atom.Dl: true, atom.Dt: true, atom.Dd: true, atom.Table: true, atom.Tr: true,
	atom.Figure: true, atom.Figcaption: true, atom.Hr: true, atom.Address: true, atom.Details: true,
	atom.Summary: true, atom.Fieldset: true, atom.Caption: true, atom.Body: true,
}

// lines are elements that end a line but not a paragraph.
var lines = map[atom.Atom]bool{atom.Li: true, atom.Br: true, atom.Tbody: true, atom.Thead: true}

func headingLevel(a atom.Atom) int {
	switch a {
	case atom.H1:
		return 1
	case atom.H2:
		return 2
	case atom.H3:
		return 3
	case atom.H4:
		return 4
	case atom.H5:
		return 5
	case atom.H6:
		return 6
	}
	return 0
}

// extractHTMLFile reads an HTML file: the title, and the main text split into
// sections at h1-h6. Scripts, styles, navigation and footers are dropped.
func extractHTMLFile(ctx context.Context, path string, data []byte, _ Limits) (*Document, error) {
	if err := checkText(path, data); err != nil {
		return nil, err
	}
	root, err := html.Parse(strings.NewReader(decodeText(data)))
	if err != nil {
		return nil, fail(path, "malformed HTML: %v", err)
	}
	w := newHTMLWalker(ctx)
	title := w.document(root)
	if w.err != nil {
		return nil, w.err
	}
	return &Document{Title: title, Sections: w.sections}, nil
}

// htmlWalker turns an HTML tree into sections.
type htmlWalker struct {
	ctx      context.Context
	err      error
	visited  int
	hp       headingPath
	heading  string
	buf      strings.Builder
	pending  int // 0 nothing, 1 space, 2 newline, 3 paragraph break before the next text
	pre      int // depth inside <pre>
	sections []Section
}

func newHTMLWalker(ctx context.Context) *htmlWalker { return &htmlWalker{ctx: ctx} }

// document walks a whole page and returns its title.
func (w *htmlWalker) document(root *html.Node) string {
	title := ""
	if t := findFirst(root, func(n *html.Node) bool { return n.DataAtom == atom.Title }); t != nil {
		title = collapse(textOf(t))
	}
	content := findFirst(root, func(n *html.Node) bool {
		return n.DataAtom == atom.Main || attr(n, "role") == "main"
	})
	if content == nil {
		content = findFirst(root, func(n *html.Node) bool { return n.DataAtom == atom.Body })
	}
	if content == nil {
		content = root
	}
	w.walk(content)
	w.flush()
	if title == "" {
		if h := findFirst(content, func(n *html.Node) bool { return n.DataAtom == atom.H1 }); h != nil {
			title = collapse(textOf(h))
		}
	}
	return title
}

func (w *htmlWalker) flush() {
	w.sections = append(w.sections, Section{Text: w.buf.String(), Heading: w.heading})
	w.buf.Reset()
	w.pending = 0
}

func (w *htmlWalker) brk(level int) { w.pending = max(w.pending, level) }

func (w *htmlWalker) walk(n *html.Node) {
	if w.err != nil {
		return
	}
	if w.visited++; w.visited%4096 == 0 && w.ctx.Err() != nil {
		w.err = w.ctx.Err()
		return
	}
	switch n.Type {
	case html.TextNode:
		w.text(n.Data)
		return
	case html.ElementNode:
		if dropped[n.DataAtom] || droppedRoles[attr(n, "role")] || hasClass(n, "headerlink") {
			return
		}
		if lvl := headingLevel(n.DataAtom); lvl > 0 {
			title := strings.TrimRight(collapse(textOf(n)), "¶ ")
			if title != "" {
				w.flush()
				w.hp.set(lvl, title)
				w.heading = w.hp.String()
				w.buf.WriteString(title)
				w.brk(3)
				return
			}
		}
	case html.CommentNode, html.DoctypeNode:
		return
	}
	isBlock, isLine := blocks[n.DataAtom], lines[n.DataAtom]
	if isBlock {
		w.brk(3)
	} else if isLine {
		w.brk(2)
	} else if n.DataAtom == atom.Td || n.DataAtom == atom.Th {
		w.brk(1)
	}
	if n.DataAtom == atom.Pre {
		w.pre++
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c)
	}
	if n.DataAtom == atom.Pre {
		w.pre--
	}
	if isBlock {
		w.brk(3)
	} else if isLine {
		w.brk(2)
	} else if n.DataAtom == atom.Td || n.DataAtom == atom.Th {
		w.brk(1)
	}
}

// text appends a text node, collapsing white space outside <pre>.
func (w *htmlWalker) text(s string) {
	if w.pre > 0 {
		if s != "" {
			w.emitPending()
			w.buf.WriteString(s)
		}
		return
	}
	if s == "" {
		return
	}
	r, _ := utf8.DecodeRuneInString(s)
	if unicode.IsSpace(r) {
		w.brk(1)
	}
	fields := strings.Fields(s)
	for i, f := range fields {
		if i > 0 {
			w.brk(1)
		}
		w.emitPending()
		w.buf.WriteString(f)
	}
	if len(fields) > 0 {
		r, _ = utf8.DecodeLastRuneInString(s)
		if unicode.IsSpace(r) {
			w.brk(1)
		}
	}
}

func (w *htmlWalker) emitPending() {
	if w.buf.Len() > 0 {
		switch w.pending {
		case 1:
			w.buf.WriteByte(' ')
		case 2:
			w.buf.WriteByte('\n')
		case 3:
			w.buf.WriteString("\n\n")
		}
	}
	w.pending = 0
}

func findFirst(n *html.Node, match func(*html.Node) bool) *html.Node {
	if n.Type == html.ElementNode && match(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findFirst(c, match); f != nil {
			return f
		}
	}
	return nil
}

func textOf(n *html.Node) string {
	var b bytes.Buffer
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			return
		}
		if n.Type == html.ElementNode && (dropped[n.DataAtom] || hasClass(n, "headerlink")) {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return b.String()
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}
