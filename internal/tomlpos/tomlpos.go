// Package tomlpos finds the line on which a TOML key is written, so that
// validation errors found after decoding can still name file:line.
package tomlpos

import (
	"strings"
)

// Locator answers "which line defines this key?" for one TOML document.
// It understands [table], [[array.of.tables]], dotted keys and inline
// tables well enough for the files this project reads; when it cannot tell,
// it returns 0 and callers fall back to naming the key alone.
type Locator struct {
	lines []string
}

// New returns a Locator over src.
func New(src []byte) *Locator {
	return &Locator{lines: strings.Split(string(src), "\n")}
}

// Line returns the 1-based line of key inside table. table is the dotted
// table name ("" for the root); index selects the n-th (0-based) occurrence
// of an array of tables such as [[steps]], and is ignored for plain tables.
// If key is empty, the line of the table header itself is returned.
func (l *Locator) Line(table string, index int, key string) int {
	current := ""
	seen := map[string]int{}
	currentIndex := -1
	headerLine := 0
	for i, raw := range l.lines {
		line := strings.TrimSpace(stripComment(raw))
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "[[") && strings.HasSuffix(line, "]]") {
			current = normalise(line[2 : len(line)-2])
			currentIndex = seen[current]
			seen[current]++
			if current == table && currentIndex == index {
				headerLine = i + 1
				if key == "" {
					return headerLine
				}
			}
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			current = normalise(line[1 : len(line)-1])
			currentIndex = 0
			if current == table && key == "" {
				return i + 1
			}
			continue
		}
		inTable := current == table && (currentIndex == index || seen[current] == 0)
		if table == "" {
			inTable = current == ""
		}
		if !inTable {
			// A dotted key in an enclosing table: [a] b.c = 1 defines a.b.c.
			if table != "" && strings.HasPrefix(table, current+".") || current == "" && table != "" {
				prefix := strings.TrimPrefix(table, current)
				prefix = strings.TrimPrefix(prefix, ".")
				if k := keyOf(line); k == prefix+"."+key || (key == "" && strings.HasPrefix(k, prefix+".")) {
					return i + 1
				}
			}
			continue
		}
		if k := keyOf(line); k == key || strings.HasPrefix(k, key+".") {
			return i + 1
		}
	}
	if key != "" && headerLine > 0 {
		return headerLine
	}
	return 0
}

// keyOf returns the normalised key of a "key = value" line, or "".
func keyOf(line string) string {
	eq := strings.IndexByte(line, '=')
	if eq <= 0 {
		return ""
	}
	return normalise(line[:eq])
}

// normalise removes spaces and quotes from a dotted key.
func normalise(k string) string {
	parts := strings.Split(k, ".")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		p = strings.Trim(p, `"'`)
		parts[i] = p
	}
	return strings.Join(parts, ".")
}

// stripComment drops a trailing # comment that is not inside a string.
func stripComment(s string) string {
	inStr := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr != 0 && c == '\\' && inStr == '"':
			i++
		case inStr != 0 && c == inStr:
			inStr = 0
		case inStr == 0 && (c == '"' || c == '\''):
			inStr = c
		case inStr == 0 && c == '#':
			return s[:i]
		}
	}
	return s
}

// ValueLine returns the file line of a position inside a string value: the
// key is found as with Line, and nl is the number of newlines in the decoded
// value before the position. A multi-line string (basic or literal)
// whose opening delimiter ends its line starts on the following line, as
// TOML drops that first newline. For single-line strings nl is ignored.
// It returns 0 when the key cannot be found.
func (l *Locator) ValueLine(table string, index int, key string, nl int) int {
	line := l.Line(table, index, key)
	if line <= 0 || line > len(l.lines) {
		return line
	}
	raw := l.lines[line-1]
	eq := strings.IndexByte(raw, '=')
	if eq < 0 {
		return line
	}
	val := strings.TrimSpace(raw[eq+1:])
	for _, delim := range []string{`"""`, `'''`} {
		if strings.HasPrefix(val, delim) {
			if strings.TrimSpace(val[len(delim):]) == "" {
				return line + 1 + nl
			}
			return line + nl
		}
	}
	return line
}
