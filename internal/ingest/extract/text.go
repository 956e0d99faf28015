package extract

import (
	"bytes"
	"context"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// sniffLen is how much of a file is checked for NUL bytes.
const sniffLen = 8 << 10

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// checkText refuses data that is not text: a NUL byte in the first 8 KiB
// (unless the file starts with a UTF-16 byte order mark).
func checkText(path string, data []byte) error {
	if bytes.HasPrefix(data, bomUTF16LE) || bytes.HasPrefix(data, bomUTF16BE) {
		return nil
	}
	head := data[:min(len(data), sniffLen)]
	if bytes.IndexByte(head, 0) >= 0 {
		return fail(path, "looks binary (NUL bytes in the first 8 KiB): not indexed as text; rename it if it has a different format")
	}
	return nil
}

// decodeText turns file bytes into valid UTF-8 text with "\n" line ends.
//
// The policy, in order: a UTF-8 byte order mark is dropped; a UTF-16 byte
// order mark means UTF-16 and the text is transcoded; valid UTF-8 is kept; a
// file that is not valid UTF-8 and contains no multi-byte UTF-8 sequence at all
// is taken to be a legacy 8-bit file and transcoded from Windows-1252 (a
// superset of Latin-1 in printable text); otherwise it is UTF-8 with damage,
// and each invalid byte becomes U+FFFD. Nothing here is fatal.
func decodeText(data []byte) string {
	var s string
	switch {
	case bytes.HasPrefix(data, bomUTF8):
		s = string(data[3:])
	case bytes.HasPrefix(data, bomUTF16LE):
		s = decodeUTF16(data[2:], false)
	case bytes.HasPrefix(data, bomUTF16BE):
		s = decodeUTF16(data[2:], true)
	default:
		s = string(data)
	}
	if !utf8.ValidString(s) {
		if !hasMultibyteUTF8(s) {
			s = decodeWindows1252(data)
		} else {
			s = repairUTF8(s)
		}
	}
	return normalizeNewlines(s)
}

func decodeUTF16(b []byte, bigEndian bool) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		if bigEndian {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		} else {
			u = append(u, uint16(b[i+1])<<8|uint16(b[i]))
		}
	}
	return string(utf16.Decode(u))
}

// hasMultibyteUTF8 reports whether s contains at least one valid multi-byte
// UTF-8 sequence.
func hasMultibyteUTF8(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || n > 1 {
			return true
		}
		i += n
	}
	return false
}

// repairUTF8 replaces each invalid byte with U+FFFD, keeping valid text.
func repairUTF8(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// cp1252 maps bytes 0x80-0x9F of Windows-1252; other bytes are Latin-1.
var cp1252 = [32]rune{
	'€', '\uFFFD', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\uFFFD', 'Ž', '\uFFFD',
	'\uFFFD', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\uFFFD', 'ž', 'Ÿ',
}

func decodeWindows1252(data []byte) string {
	if bytes.HasPrefix(data, bomUTF8) {
		data = data[3:]
	}
	var b strings.Builder
	b.Grow(len(data) + len(data)/4)
	for _, c := range data {
		switch {
		case c < 0x80:
			b.WriteByte(c)
		case c < 0xA0:
			b.WriteRune(cp1252[c-0x80])
		default:
			b.WriteRune(rune(c))
		}
	}
	return b.String()
}

// normalizeNewlines turns "\r\n" and lone "\r" into "\n".
func normalizeNewlines(s string) string {
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// extractText handles plain text and source code: the whole file is one
// section (the chunker finds paragraphs and lines inside it).
func extractText(ctx context.Context, path string, data []byte, _ Limits) (*Document, error) {
	if err := checkText(path, data); err != nil {
		return nil, err
	}
	return &Document{Sections: []Section{{Text: decodeText(data)}}}, nil
}
