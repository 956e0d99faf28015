package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func extractFixture(t *testing.T, name string) *Document {
	t.Helper()
	doc, err := File(context.Background(), filepath.Join("testdata", name), Limits{})
	if err != nil {
		t.Fatalf("File(%s): %v", name, err)
	}
	return doc
}

// want describes one expected section: its heading, page and words it holds.
type want struct {
	heading  string
	page     int
	contains []string
}

func TestFormats(t *testing.T) {
	tests := []struct {
		file, format, title string
		sections            []want
		absent              []string // words that must not appear anywhere
	}{
		{"sample.txt", "text", "sample", []want{
			{"", 0, []string{"Notes on bread baking.", "Knead for ten minutes", "bake at 230 degrees."}},
		}, nil},
		{"sample.go", "code", "sample", []want{
			{"", 0, []string{"package sample", "func Greet(name string) string {\n\treturn"}},
		}, nil},
		{"Makefile", "code", "Makefile", []want{
			{"", 0, []string{"all:\n\t$(CC) -o hello hello.c"}},
		}, nil},
		{"sample.md", "markdown", "Install Guide", []want{
			{"", 0, []string{"Intro paragraph before any heading."}},
			{"Install", 0, []string{"Install\n\nDownload the archive"}},
			{"Install > Linux", 0, []string{"```sh\n# this is a shell comment, not a heading\n./install.sh --prefix=/opt/app\n```"}},
			{"Install > Setext Heading", 0, []string{"Text under a setext heading."}},
			{"Install > macOS", 0, []string{"macOS\n\nDrag the app to Applications."}},
		}, []string{"author: tests", "##"}},
		{"sample.html", "html", "Tide Tables & Harbours", []want{
			{"Tides", 0, []string{"Tides\n\nThe tide rises and falls twice a day. High water at the harbour is about fifty minutes later each day."}},
			{"Tides > Spring tides", 0, []string{"Spring tides happen", "Largest range\nStrongest currents", "time   height\n06:12  4.8 m"}},
			{"Tides > Spring tides > Safety", 0, []string{"Check the table before walking on the flats."}},
		}, []string{"secret-style-word", "trackingScriptWord", "injectedScriptWord", "navigationlinkword", "Site map", "sidebarwordshouldgo", "footerword", "¶"}},
		{"sample.pdf", "pdf", "Field Guide to Lighthouses", []want{
			{"", 1, []string{"Introduction\nLighthouses guide ships along dangerous coasts. The keeper trimmed\nthe wick every evening"}},
			{"", 2, []string{"Fresnel Lenses", "concentric prisms. A first-order\nlens focuses light"}},
			{"", 3, []string{"Automation", "Solar panels\nnow power many lanterns"}},
		}, nil},
		{"ownerlocked.pdf", "pdf", "Field Guide to Lighthouses", []want{
			{"", 1, []string{"Lighthouses guide ships"}},
			{"", 2, []string{"Fresnel Lenses"}},
			{"", 3, []string{"Automation"}},
		}, nil},
		{"sample.docx", "docx", "Service Agreement", []want{
			{"", 0, []string{"Service Agreement\n\nThis agreement is made between the Provider and the Customer."}},
			{"Term", 0, []string{"Term\n\nThe agreement starts on signature and runs for twelve months."}},
			{"Term > Termination", 0, []string{"notice period of thirty days.\tNotices go by registered mail."}},
			{"Fees", 0, []string{"Monthly fee\n\n400 EUR"}},
		}, []string{"deleted words"}},
		{"sample.epub", "epub", "The Orchard Year", []want{
			{"Spring", 0, []string{"Spring\n\nApple trees blossom in April."}},
			{"Spring > Pruning", 0, []string{"Prune before the buds open"}},
			{"Autumn", 0, []string{"Harvest starts when the seeds turn brown."}},
			{"Storage", 0, []string{"Keep apples cool and dark"}},
		}, []string{"font-family"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			doc := extractFixture(t, tc.file)
			if doc.Format != tc.format || doc.Title != tc.title {
				t.Errorf("format, title = %q, %q; want %q, %q", doc.Format, doc.Title, tc.format, tc.title)
			}
			if len(doc.Sections) != len(tc.sections) {
				for _, s := range doc.Sections {
					t.Logf("section page=%d heading=%q text=%q", s.Page, s.Heading, s.Text)
				}
				t.Fatalf("got %d sections, want %d", len(doc.Sections), len(tc.sections))
			}
			var all strings.Builder
			for i, w := range tc.sections {
				s := doc.Sections[i]
				all.WriteString(s.Text)
				if s.Heading != w.heading || s.Page != w.page {
					t.Errorf("section %d: heading, page = %q, %d; want %q, %d", i, s.Heading, s.Page, w.heading, w.page)
				}
				for _, c := range w.contains {
					if !strings.Contains(s.Text, c) {
						t.Errorf("section %d (%q) lacks %q; text:\n%s", i, s.Heading, c, s.Text)
					}
				}
				if s.Text != strings.TrimSpace(s.Text) || s.Text == "" {
					t.Errorf("section %d text is empty or not trimmed: %q", i, s.Text)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(all.String(), a) {
					t.Errorf("text contains %q, which should have been dropped", a)
				}
			}
		})
	}
}

func TestEncodings(t *testing.T) {
	tests := []struct{ file, want string }{
		{"legacy-cp1252.txt", "Café crème for € 5 in Latin-1 / Windows-1252."},
		{"broken-utf8.txt", "Valid café then a broken byte \uFFFD here."},
		{"utf16.txt", "UTF-16 text: naïve café"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			doc := extractFixture(t, tc.file)
			if got := doc.Sections[0].Text; got != tc.want {
				t.Errorf("text = %q, want %q", got, tc.want)
			}
		})
	}
	// CRLF and a UTF-8 byte order mark.
	if got := decodeText([]byte("\xEF\xBB\xBFa\r\nb\rc")); got != "a\nb\nc" {
		t.Errorf("decodeText(BOM, CRLF) = %q", got)
	}
}

func TestSupported(t *testing.T) {
	yes := []string{"a.txt", "B.MD", "x/y/index.html", "r.pdf", "c.docx", "b.epub", "main.go", "m.py", "x.ts",
		"lib.rs", "A.java", "c.c", "h.h", "x.cpp", "s.rb", "run.sh", "q.sql", "c.yaml", "c.yml", "c.toml",
		"p.json", "s.ini", "s.cfg", "d.csv", "r.rst", "t.tex", "x.xml", "Makefile", "Dockerfile", "README", "LICENSE"}
	no := []string{"photo.jpg", "a.exe", "archive.zip", "noext", "movie.mp4", "lib.so", "doc.doc"}
	for _, p := range yes {
		if !Supported(p) {
			t.Errorf("Supported(%q) = false, want true", p)
		}
	}
	for _, p := range no {
		if Supported(p) {
			t.Errorf("Supported(%q) = true, want false", p)
		}
	}
}

// writeFile writes data to name in dir and returns the path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	pdfData, err := os.ReadFile("testdata/sample.pdf")
	if err != nil {
		t.Fatal(err)
	}
	docx, err := os.ReadFile("testdata/sample.docx")
	if err != nil {
		t.Fatal(err)
	}
	epub, err := os.ReadFile("testdata/sample.epub")
	if err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.txt") // 1 GiB, sparse: refused by size, never read
	if err := os.WriteFile(huge, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 1<<30); err != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(dir, "loop.txt")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	olePDF := append(append([]byte{}, oleMagic...), make([]byte, 600)...)

	tests := []struct {
		name, path, reason string
		lim                Limits
	}{
		{"zero bytes", writeFile(t, dir, "empty.md", nil), "empty file", Limits{}},
		{"binary named .txt", writeFile(t, dir, "bin.txt", append([]byte("MZ\x90\x00\x03"), make([]byte, 100)...)),
			"looks binary (NUL bytes in the first 8 KiB)", Limits{}},
		{"binary named .html", writeFile(t, dir, "bin.html", []byte("<p>\x00\x01\x02</p>")), "looks binary", Limits{}},
		{"truncated PDF", writeFile(t, dir, "trunc.pdf", pdfData[:len(pdfData)/2]), "truncated or damaged PDF", Limits{}},
		{"encrypted PDF", "testdata/encrypted.pdf", "encrypted PDF: remove the password and index again", Limits{}},
		{"not a PDF", writeFile(t, dir, "fake.pdf", []byte("hello, I am text")), "not a PDF file", Limits{}},
		{"corrupt DOCX", writeFile(t, dir, "bad.docx", docx[:len(docx)/2]), "corrupt DOCX", Limits{}},
		{"encrypted DOCX", writeFile(t, dir, "locked.docx", olePDF), "password-protected or legacy", Limits{}},
		{"corrupt EPUB", writeFile(t, dir, "bad.epub", epub[:len(epub)-30]), "corrupt EPUB", Limits{}},
		{"EPUB without container", writeFile(t, dir, "nocontainer.epub", zipOf(t, map[string]string{"mimetype": "application/epub+zip"})),
			"corrupt EPUB (META-INF/container.xml is missing", Limits{}},
		{"DRM EPUB", writeFile(t, dir, "drm.epub", zipOf(t, map[string]string{"mimetype": "application/epub+zip",
			"META-INF/encryption.xml": `<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
  <enc:EncryptedData><enc:CipherData><enc:CipherReference URI="OEBPS/fonts/a.otf"/></enc:CipherData></enc:EncryptedData>
  <enc:EncryptedData><enc:CipherData><enc:CipherReference URI="OEBPS/text/chapter1.xhtml"/></enc:CipherData></enc:EncryptedData>
</encryption>`})), "DRM-protected EPUB", Limits{}},
		{"DOCX without document.xml", writeFile(t, dir, "nodoc.docx", zipOf(t, map[string]string{"word/styles.xml": "<x/>"})),
			"word/document.xml is missing", Limits{}},
		{"over the size limit", writeFile(t, dir, "big.txt", bytes.Repeat([]byte("a "), 600)), "larger than the 1.0 KiB limit", Limits{MaxBytes: 1024}},
		{"1 GiB file", huge, "file is 1.0 GiB, larger than the 256.0 MiB limit", Limits{}},
		{"symlink loop", loop, "symlink loop", Limits{}},
		{"missing file", filepath.Join(dir, "gone.txt"), "file not found", Limits{}},
		{"directory", mkdir(t, dir, "folder.md"), "is a directory", Limits{}},
		{"unsupported", writeFile(t, dir, "photo.jpg", []byte{0xFF, 0xD8}), "unsupported file type", Limits{}},
		{"whitespace only", writeFile(t, dir, "blank.txt", []byte(" \n\t\n")), "no text found", Limits{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := File(context.Background(), tc.path, tc.lim)
			if err == nil {
				t.Fatalf("no error; got %d sections", len(doc.Sections))
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is %T, not *Error: %v", err, err)
			}
			if e.Path != tc.path || !strings.HasPrefix(err.Error(), tc.path+": ") {
				t.Errorf("error %q does not start with the path", err)
			}
			if !strings.Contains(e.Reason, tc.reason) {
				t.Errorf("reason = %q, want it to contain %q", e.Reason, tc.reason)
			}
		})
	}
}

// TestUnreadableFile checks a file its reader may not open. Root reads any
// file, so when the tests run as root (as in CI) the check runs in a copy of
// this test binary started as the unprivileged user "nobody".
func TestUnreadableFile(t *testing.T) {
	if p := os.Getenv("EXTRACT_UNREADABLE_HELPER"); p != "" {
		_, err := File(context.Background(), p, Limits{})
		fmt.Println("RESULT:", err)
		return
	}
	dir, err := os.MkdirTemp("", "extract-perm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, dir, "secret.txt", []byte("hidden"))
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	var msg string
	if os.Geteuid() != 0 {
		_, err := File(context.Background(), p, Limits{})
		msg = fmt.Sprint(err)
	} else {
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		bin, err := os.ReadFile(exe)
		if err != nil {
			t.Fatal(err)
		}
		copyExe := filepath.Join(dir, "extract.test")
		if err := os.WriteFile(copyExe, bin, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(copyExe, "-test.run=^TestUnreadableFile$")
		cmd.Env = append(os.Environ(), "EXTRACT_UNREADABLE_HELPER="+p)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("helper as nobody: %v\n%s", err, out)
		}
		msg = string(out)
	}
	want := p + ": permission denied: make the file readable (chmod u+r) and index again"
	if !strings.Contains(msg, want) {
		t.Fatalf("got %q, want it to contain %q", msg, want)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := File(ctx, "testdata/sample.pdf", Limits{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("File with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestLongSingleLine(t *testing.T) {
	// A 10 MB file on one line: read, decoded and returned as one section.
	line := bytes.Repeat([]byte("lorem ipsum dolor sit amet "), 10<<20/27+1)
	p := writeFile(t, t.TempDir(), "oneline.txt", line)
	doc, err := File(context.Background(), p, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Sections) != 1 || len(doc.Sections[0].Text) != len(bytes.TrimSpace(line)) {
		t.Fatalf("got %d sections", len(doc.Sections))
	}
}

func mkdir(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.Mkdir(p, 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

// zipOf builds a zip archive holding files (name -> content).
func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
