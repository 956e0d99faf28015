package extract

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParserPanicBecomesError(t *testing.T) {
	saved := extractors["text"]
	t.Cleanup(func() { extractors["text"] = saved })
	extractors["text"] = func(context.Context, string, []byte, Limits) (*Document, error) {
		var m map[string]int
		m["boom"]++ // a nil-map write: the kind of bug a third-party parser can have
		return nil, nil
	}
	_, err := File(context.Background(), "testdata/sample.txt", Limits{})
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Reason, "malformed text: parser failed") {
		t.Fatalf("got %v, want a *Error saying the parser failed", err)
	}
}

// TestDamagedFiles feeds the PDF, DOCX and EPUB fixtures with bytes flipped,
// cut or duplicated: each run returns text or an *Error, never a panic or a
// hang, and a returned document always has text.
func TestDamagedFiles(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	dir := t.TempDir()
	for _, name := range []string{"sample.pdf", "ownerlocked.pdf", "sample.docx", "sample.epub"} {
		orig, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 150; i++ {
			data := append([]byte(nil), orig...)
			switch i % 3 {
			case 0: // flip a few bytes
				for k := 0; k < 1+rng.Intn(8); k++ {
					data[rng.Intn(len(data))] ^= byte(1 + rng.Intn(255))
				}
			case 1: // cut the end off
				data = data[:1+rng.Intn(len(data)-1)]
			case 2: // duplicate a slice in the middle
				a := rng.Intn(len(data))
				b := a + rng.Intn(len(data)-a)
				data = append(data[:b:b], append(append([]byte(nil), data[a:b]...), data[b:]...)...)
			}
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
			doc, err := File(context.Background(), p, Limits{})
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Reason == "" {
					t.Fatalf("%s variant %d: error %T %v is not an *Error with a reason", name, i, err, err)
				}
				continue
			}
			if len(doc.Sections) == 0 {
				t.Fatalf("%s variant %d: document without sections and without error", name, i)
			}
		}
	}
}

func FuzzFile(f *testing.F) {
	for _, name := range []string{"sample.pdf", "sample.docx", "sample.epub", "sample.html", "sample.md"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, filepath.Ext(name))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, ext string) {
		if !Supported("x"+ext) || strings.ContainsAny(ext, "/\\\x00") {
			return
		}
		p := filepath.Join(dir, "fuzz"+ext)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		doc, err := File(context.Background(), p, Limits{MaxBytes: 1 << 20})
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("error %T is not an *Error: %v", err, err)
		}
		if err == nil && len(doc.Sections) == 0 {
			t.Fatal("no sections and no error")
		}
	})
}

// minimalPDF writes a PDF with the given objects (numbered from 1), a
// correct cross-reference table, and extra entries in the trailer; "%XREF%"
// in extra is replaced by the xref table's own offset.
func minimalPDF(objs []string, extra string) []byte {
	var b strings.Builder
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	extra = strings.ReplaceAll(extra, "%XREF%", fmt.Sprint(xref))
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, extra, xref)
	return []byte(b.String())
}

func TestHandmadePDFs(t *testing.T) {
	dir := t.TempDir()
	page := "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
	content := "<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 720 Td (Hello loops) Tj ET\n\nendstream"
	font := "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
	tests := []struct {
		name, reason string
		data         []byte
	}{
		{"readable control", "", minimalPDF([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, content, font}, "")},
		{"PDF 2.0 header", "", []byte(strings.Replace(string(minimalPDF([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, content, font}, "")), "%PDF-1.4", "%PDF-2.0", 1))},
		{"page tree points to itself", "page tree nested too deeply",
			minimalPDF([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [2 0 R] /Count 5 >>"}, "")},
		{"page tree branches into itself", "page tree",
			minimalPDF([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [2 0 R 2 0 R 2 0 R] /Count 5 >>"}, "")},
		{"xref Prev points to itself", "loop",
			minimalPDF([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, content, font}, "/Prev %XREF%")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "loop.pdf")
			if err := os.WriteFile(p, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			doc, err := File(context.Background(), p, Limits{})
			if tc.reason == "" {
				if err != nil || doc.Sections[0].Text != "Hello loops" || doc.Sections[0].Page != 1 {
					t.Fatalf("got %+v, %v", doc, err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(e.Reason, tc.reason) {
				t.Fatalf("got %v, want a *Error containing %q", err, tc.reason)
			}
		})
	}
}

func TestEncryptsText(t *testing.T) {
	fontsOnly := `<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
<enc:EncryptedData><enc:CipherData><enc:CipherReference URI="fonts/Serif.OTF"/></enc:CipherData></enc:EncryptedData></encryption>`
	if encryptsText([]byte(fontsOnly)) {
		t.Error("font obfuscation alone was taken for DRM")
	}
	withText := strings.Replace(fontsOnly, "fonts/Serif.OTF", "text/ch1.xhtml", 1)
	if !encryptsText([]byte(withText)) {
		t.Error("an encrypted chapter was not detected")
	}
}

func TestTeXFontCodes(t *testing.T) {
	tests := []struct {
		m         map[byte]string
		raw, want string
	}{
		{ot1, "\x0Cxed", "fixed"},
		{ot1, "di\x0Berent \x5Cquoted\x22 \x7B dash", "different “quoted” – dash"},
		{ot1, "plain", "plain"},
		{cmsy, "a\x00b\x02c", "a−b×c"},
	}
	for _, tc := range tests {
		if got := (texEncoding{identityEncoding{}, tc.m}).Decode(tc.raw); got != tc.want {
			t.Errorf("Decode(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}
