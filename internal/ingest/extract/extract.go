// Package extract turns one document file (plain text, Markdown, HTML, PDF,
// DOCX, EPUB, source code or config) into plain text sections that keep their
// page number and heading path. It never loads a file larger than the caller's
// limit, refuses binary files that only look like text by name, and reports
// every problem as an *Error that says what is wrong and what to do.
package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
)

// Section is a run of document text with its location.
type Section struct {
	Text    string
	Page    int    // 1-based for paged formats (PDF), else 0
	Heading string // nearest heading path, e.g. "Install > Linux"; "" if none
}

// Document is the extracted text of one file.
type Document struct {
	Title    string
	Format   string // "text", "markdown", "html", "pdf", "docx", "epub", "code"
	Sections []Section
}

// Limits bounds what File is willing to read.
type Limits struct {
	MaxBytes int64 // files larger than this are refused before reading; <= 0 means DefaultMaxBytes
}

// DefaultMaxBytes is the size limit used when Limits.MaxBytes is not set.
const DefaultMaxBytes = 256 << 20

// Error is a per-file extraction failure. Reason says what is wrong and, where
// the user can do something about it, what to do.
type Error struct {
	Path   string
	Reason string
	Err    error // underlying cause, if any (for errors.Is/As); not shown
}

// Error returns "<path>: <reason>".
func (e *Error) Error() string { return e.Path + ": " + e.Reason }

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

func fail(path, format string, args ...any) *Error {
	return &Error{Path: path, Reason: fmt.Sprintf(format, args...)}
}

// Heading paths join heading levels with this separator.
const headingSep = " > "

// extractor reads one format from data already loaded (bounded by Limits).
type extractor func(ctx context.Context, path string, data []byte, lim Limits) (*Document, error)

// formats maps a lower-case extension (with dot) to its format name.
var formats = map[string]string{
	".txt": "text", ".text": "text", ".log": "text",
	".md": "markdown", ".markdown": "markdown", ".mdown": "markdown", ".mkd": "markdown",
	".html": "html", ".htm": "html", ".xhtml": "html",
	".pdf":  "pdf",
	".docx": "docx",
	".epub": "epub",
}

// codeExts lists source code and config extensions indexed as "code".
var codeExts = []string{
	".go", ".py", ".pyi", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".rs", ".java", ".kt", ".kts",
	".scala", ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".cs", ".fs", ".swift", ".m", ".mm",
	".rb", ".php", ".pl", ".pm", ".lua", ".r", ".jl", ".hs", ".ml", ".mli", ".ex", ".exs", ".erl",
	".clj", ".dart", ".zig", ".nim", ".vue", ".svelte", ".css", ".scss", ".less",
	".sh", ".bash", ".zsh", ".fish", ".ps1", ".bat", ".cmd", ".sql", ".graphql", ".proto",
	".yaml", ".yml", ".toml", ".json", ".jsonl", ".ini", ".cfg", ".conf", ".properties", ".env",
	".csv", ".tsv", ".rst", ".adoc", ".org", ".tex", ".bib", ".xml", ".xsd", ".svg", ".gradle",
	".cmake", ".mk", ".dockerfile", ".tf", ".hcl", ".nix", ".vim", ".el", ".lisp", ".scm",
}

// codeNames lists file names without a telling extension that are indexed as "code".
var codeNames = map[string]bool{
	"makefile": true, "gnumakefile": true, "dockerfile": true, "containerfile": true,
	"jenkinsfile": true, "vagrantfile": true, "gemfile": true, "rakefile": true, "procfile": true,
	"cmakelists.txt": true, "readme": true, "license": true, "copying": true, "authors": true,
	"changelog": true, "news": true, "todo": true, "install": true, "go.mod": true,
}

func init() {
	for _, e := range codeExts {
		formats[e] = "code"
	}
}

// formatOf returns the format for a path by its name, or "".
func formatOf(path string) string {
	base := strings.ToLower(filepath.Base(path))
	if codeNames[base] {
		if strings.HasPrefix(base, "readme") || base == "license" || base == "copying" ||
			base == "authors" || base == "changelog" || base == "news" || base == "todo" || base == "install" {
			return "text"
		}
		return "code"
	}
	return formats[strings.ToLower(filepath.Ext(base))]
}

// Supported reports whether a path's extension (or name, e.g. Makefile,
// Dockerfile) is a format we index. It looks only at the name; File also
// checks the content.
func Supported(path string) bool { return formatOf(path) != "" }

var extractors = map[string]extractor{
	"text":     extractText,
	"code":     extractText,
	"markdown": extractMarkdown,
	"html":     extractHTMLFile,
	"pdf":      extractPDF,
	"docx":     extractDOCX,
	"epub":     extractEPUB,
}

// File extracts path. The file is refused by size (Limits.MaxBytes) before
// anything is read. Errors are *Error values saying what is wrong and what to
// do; a panic inside a parser is turned into an *Error too.
func File(ctx context.Context, path string, lim Limits) (doc *Document, err error) {
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = DefaultMaxBytes
	}
	format := formatOf(path)
	if format == "" {
		return nil, fail(path, "unsupported file type %q: not indexed", filepath.Ext(path))
	}
	if err := ctx.Err(); err != nil {
		return nil, &Error{Path: path, Reason: "cancelled", Err: err}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, &Error{Path: path, Reason: "cannot stat: " + err.Error(), Err: err}
	}
	switch {
	case fi.IsDir():
		return nil, fail(path, "is a directory, not a file")
	case !fi.Mode().IsRegular():
		return nil, fail(path, "not a regular file (device, pipe or socket): not indexed")
	case fi.Size() == 0:
		return nil, fail(path, "empty file")
	case fi.Size() > lim.MaxBytes:
		return nil, fail(path, "file is %s, larger than the %s limit: raise the size limit or split the file",
			humanBytes(fi.Size()), humanBytes(lim.MaxBytes))
	}
	// Read at most MaxBytes+1 so a file that grows after Stat is still bounded.
	// Sized to the file so a big file is not copied while the buffer grows.
	buf := bytes.NewBuffer(make([]byte, 0, fi.Size()+bytes.MinRead))
	_, err = buf.ReadFrom(io.LimitReader(f, lim.MaxBytes+1))
	data := buf.Bytes()
	if err != nil {
		return nil, &Error{Path: path, Reason: "read failed: " + err.Error(), Err: err}
	}
	if int64(len(data)) > lim.MaxBytes {
		return nil, fail(path, "file grew past the %s limit while reading: index it again when it is finished",
			humanBytes(lim.MaxBytes))
	}
	if len(data) == 0 {
		return nil, fail(path, "empty file")
	}

	defer func() {
		if r := recover(); r != nil {
			doc = nil
			err = &Error{Path: path, Reason: fmt.Sprintf("malformed %s: parser failed (%v); the file may be damaged", format, r),
				Err: fmt.Errorf("panic: %v\n%s", r, debug.Stack())}
		}
	}()
	doc, err = extractors[format](ctx, path, data, lim)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, e
		}
		if ctx.Err() != nil {
			return nil, &Error{Path: path, Reason: "cancelled", Err: ctx.Err()}
		}
		return nil, &Error{Path: path, Reason: err.Error(), Err: err}
	}
	if doc.Title == "" {
		doc.Title = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	doc.Format = format
	doc.Sections = dropEmpty(doc.Sections)
	if len(doc.Sections) == 0 {
		return nil, fail(path, "no text found in this %s file (scanned images need OCR, which is not supported)", format)
	}
	return doc, nil
}

func openError(path string, err error) *Error {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return &Error{Path: path, Reason: "permission denied: make the file readable (chmod u+r) and index again", Err: err}
	case errors.Is(err, fs.ErrNotExist):
		return &Error{Path: path, Reason: "file not found (removed, or a broken symlink)", Err: err}
	}
	if errors.Is(err, syscall.ELOOP) {
		return &Error{Path: path, Reason: "symlink loop: fix or remove the link", Err: err}
	}
	return &Error{Path: path, Reason: "cannot open: " + err.Error(), Err: err}
}

// dropEmpty removes sections whose text is only whitespace and trims the rest.
func dropEmpty(secs []Section) []Section {
	out := secs[:0]
	for _, s := range secs {
		s.Text = strings.TrimSpace(s.Text)
		if s.Text != "" {
			out = append(out, s)
		}
	}
	return out
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
