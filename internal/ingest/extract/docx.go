package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// oleMagic starts legacy Office files and password-protected OOXML files.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// openZip opens data as a zip archive, with a clear reason when it is not one.
func openZip(path, kind string, data []byte) (*zip.Reader, error) {
	if bytes.HasPrefix(data, oleMagic) {
		return nil, fail(path, "password-protected or legacy (pre-2007) Office file, not a %s zip: remove the password or save it as %s, then index again", kind, kind)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, &Error{Path: path, Reason: fmt.Sprintf("corrupt %s (not a readable zip archive: %v): download or save it again", kind, err), Err: err}
	}
	return zr, nil
}

// readZipEntry reads one archive member, refusing more than limit bytes once
// decompressed (a defence against zip bombs). ok is false if it is absent.
func readZipEntry(zr *zip.Reader, name string, limit int64) (data []byte, ok bool, err error) {
	for _, f := range zr.File {
		if f.Name != name {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, true, fmt.Errorf("%s: %w", name, err)
		}
		defer rc.Close()
		data, err = io.ReadAll(io.LimitReader(rc, limit+1))
		if err != nil {
			return nil, true, fmt.Errorf("%s: %w", name, err)
		}
		if int64(len(data)) > limit {
			return nil, true, fmt.Errorf("%s decompresses to more than %s", name, humanBytes(limit))
		}
		return data, true, nil
	}
	return nil, false, nil
}

// extractDOCX reads word/document.xml: one section per heading, headings
// taken from paragraph styles (Heading 1-9, by name or outline level, as
// declared in word/styles.xml), the title from docProps/core.xml.
func extractDOCX(ctx context.Context, path string, data []byte, lim Limits) (*Document, error) {
	zr, err := openZip(path, "DOCX", data)
	if err != nil {
		return nil, err
	}
	body, ok, err := readZipEntry(zr, "word/document.xml", lim.MaxBytes)
	if err != nil {
		return nil, &Error{Path: path, Reason: "corrupt DOCX (" + err.Error() + "): download or save it again", Err: err}
	}
	if !ok {
		return nil, fail(path, "not a Word document: word/document.xml is missing from the archive")
	}
	levels := map[string]int{}
	if styles, ok, err := readZipEntry(zr, "word/styles.xml", lim.MaxBytes); ok && err == nil {
		levels = docxStyleLevels(styles)
	}
	doc := &Document{}
	if core, ok, err := readZipEntry(zr, "docProps/core.xml", 1<<20); ok && err == nil {
		doc.Title = xmlElementText(core, "title")
	}

	var (
		hp      headingPath
		heading string
		sec     strings.Builder
		para    strings.Builder
		inText  bool
		style   string
		outline = -1
		count   int
	)
	flush := func() {
		doc.Sections = append(doc.Sections, Section{Text: sec.String(), Heading: heading})
		sec.Reset()
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &Error{Path: path, Reason: "corrupt DOCX (word/document.xml: " + err.Error() + "): download or save it again", Err: err}
		}
		if count++; count%8192 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "p":
				para.Reset()
				style, outline = "", -1
			case "pStyle":
				style = xmlAttr(t, "val")
			case "outlineLvl":
				if n, err := strconv.Atoi(xmlAttr(t, "val")); err == nil {
					outline = n
				}
			case "t":
				inText = true
			case "tab":
				para.WriteByte('\t')
			case "br", "cr":
				para.WriteByte('\n')
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				text := strings.TrimSpace(para.String())
				if text == "" {
					continue
				}
				level := levels[style]
				if level == 0 {
					level = headingFromStyleName(style)
				}
				if outline >= 0 && outline < 9 {
					level = outline + 1
				}
				if strings.EqualFold(style, "Title") && doc.Title == "" {
					doc.Title = text
				}
				if level > 0 {
					flush()
					hp.set(level, text)
					heading = hp.String()
				}
				if sec.Len() > 0 {
					sec.WriteString("\n\n")
				}
				sec.WriteString(text)
			}
		case xml.CharData:
			if inText {
				para.Write(t)
			}
		}
	}
	flush()
	return doc, nil
}

// docxStyleLevels maps style ids to heading levels (1-9) from styles.xml,
// using the style name ("heading 2") or its outline level.
func docxStyleLevels(styles []byte) map[string]int {
	out := map[string]int{}
	dec := xml.NewDecoder(bytes.NewReader(styles))
	id := ""
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "style":
			id = xmlAttr(se, "styleId")
		case "name":
			if l := headingFromStyleName(xmlAttr(se, "val")); l > 0 && id != "" {
				out[id] = l
			}
		case "outlineLvl":
			if n, err := strconv.Atoi(xmlAttr(se, "val")); err == nil && n < 9 && id != "" {
				if _, set := out[id]; !set {
					out[id] = n + 1
				}
			}
		}
	}
}

// headingFromStyleName returns N for "heading N" / "HeadingN", else 0.
func headingFromStyleName(name string) int {
	n := strings.ToLower(strings.ReplaceAll(name, " ", ""))
	if !strings.HasPrefix(n, "heading") {
		return 0
	}
	l, err := strconv.Atoi(n[len("heading"):])
	if err != nil || l < 1 || l > 9 {
		return 0
	}
	return l
}

func xmlAttr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// xmlElementText returns the trimmed text of the first element with the
// given local name, or "".
func xmlElementText(data []byte, local string) string {
	dec := xml.NewDecoder(bytes.NewReader(data))
	depth := 0
	var b strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			return strings.TrimSpace(b.String())
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth > 0 || t.Name.Local == local {
				depth++
			}
		case xml.EndElement:
			if depth > 0 {
				depth--
				if depth == 0 {
					return strings.TrimSpace(b.String())
				}
			}
		case xml.CharData:
			if depth > 0 {
				b.Write(t)
			}
		}
	}
}
