package extract

import (
	"context"
	"strings"
)

// headingPath tracks the current heading at each level 1-6.
type headingPath struct{ levels [7]string }

// set records a heading at level (1-6) and forgets deeper ones.
func (h *headingPath) set(level int, text string) {
	level = max(1, min(level, 6))
	h.levels[level] = text
	for i := level + 1; i < len(h.levels); i++ {
		h.levels[i] = ""
	}
}

// String joins the non-empty levels, e.g. "Install > Linux".
func (h *headingPath) String() string {
	var parts []string
	for _, l := range h.levels[1:] {
		if l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, headingSep)
}

// extractMarkdown splits a Markdown file into one section per heading. The
// heading line is kept (without its '#' marks) as the first line of its
// section so keyword search finds it; code fences are kept verbatim and '#'
// lines inside them are not headings. A YAML front matter block is dropped
// from the text, and its title: field becomes the title.
func extractMarkdown(ctx context.Context, path string, data []byte, _ Limits) (*Document, error) {
	if err := checkText(path, data); err != nil {
		return nil, err
	}
	text := decodeText(data)
	doc := &Document{}
	lines := strings.Split(text, "\n")
	start := 0
	if len(lines) > 1 && strings.TrimSpace(lines[0]) == "---" {
		for i := 1; i < len(lines); i++ {
			l := strings.TrimSpace(lines[i])
			if l == "---" || l == "..." {
				for _, fm := range lines[1:i] {
					if k, v, ok := strings.Cut(fm, ":"); ok && strings.TrimSpace(k) == "title" {
						doc.Title = strings.Trim(strings.TrimSpace(v), `"'`)
					}
				}
				start = i + 1
				break
			}
		}
	}

	var (
		hp      headingPath
		body    []string
		fence   string // the opening fence marker while inside a code block
		heading string
	)
	flush := func() {
		doc.Sections = append(doc.Sections, Section{Text: strings.Join(body, "\n"), Heading: heading})
		body = body[:0]
	}
	startHeading := func(level int, title string) {
		flush()
		hp.set(level, title)
		heading = hp.String()
		if doc.Title == "" && level == 1 {
			doc.Title = title
		}
		body = append(body, title)
	}
	for i := start; i < len(lines); i++ {
		if i%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		line := lines[i]
		trimmed := strings.TrimLeft(line, " ")
		if fence != "" {
			body = append(body, line)
			if strings.HasPrefix(trimmed, fence) && strings.TrimSpace(strings.TrimLeft(trimmed, fence[:1])) == "" {
				fence = ""
			}
			continue
		}
		if len(line)-len(trimmed) <= 3 {
			if f := fenceMarker(trimmed); f != "" {
				fence = f
				body = append(body, line)
				continue
			}
			if level, title, ok := atxHeading(trimmed); ok {
				startHeading(level, title)
				continue
			}
			// Setext: a lone text line followed by === (h1) or --- (h2).
			prevBlank := i == start || strings.TrimSpace(lines[i-1]) == "" || (len(body) == 1 && heading != "")
			if prevBlank && strings.TrimSpace(line) != "" && i+1 < len(lines) && isSetextRule(lines[i+1]) {
				level := 1
				if strings.TrimSpace(lines[i+1])[0] == '-' {
					level = 2
				}
				startHeading(level, strings.TrimSpace(line))
				i++
				continue
			}
		}
		body = append(body, line)
	}
	flush()
	return doc, nil
}

// fenceMarker returns the fence ("```" or "~~~", possibly longer) that line
// opens, or "".
func fenceMarker(line string) string {
	for _, c := range []string{"`", "~"} {
		n := len(line) - len(strings.TrimLeft(line, c))
		if n >= 3 {
			return strings.Repeat(c, n)
		}
	}
	return ""
}

// atxHeading parses "## Title ##" into (2, "Title").
func atxHeading(line string) (int, string, bool) {
	n := len(line) - len(strings.TrimLeft(line, "#"))
	if n < 1 || n > 6 || (len(line) > n && line[n] != ' ' && line[n] != '\t') {
		return 0, "", false
	}
	title := strings.TrimSpace(line[n:])
	if t := strings.TrimRight(title, "#"); t != title && (t == "" || strings.HasSuffix(t, " ")) {
		title = strings.TrimSpace(t)
	}
	if title == "" {
		return 0, "", false
	}
	return n, title, true
}

// isSetextRule reports whether line is a run of '=' or '-' (at least 2).
func isSetextRule(line string) bool {
	t := strings.TrimSpace(line)
	if len(t) < 2 {
		return false
	}
	return strings.Trim(t, "=") == "" || strings.Trim(t, "-") == ""
}
