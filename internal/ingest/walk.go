package ingest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/reasonkit/desktop/internal/ingest/extract"
)

// skipDirs are folders never worth indexing.
var skipDirs = map[string]bool{"node_modules": true, "__pycache__": true}

// target is one file found by the scan.
type target struct {
	path string
	// explicit files were named by the user: unsupported formats are an
	// error for them rather than silently skipped.
	explicit bool
}

// scan expands roots into the files to consider. Folders are walked without
// following symbolic links to folders (so a link loop cannot trap the walk);
// hidden folders and dependency folders are skipped. Problems that concern
// one path are returned as FileErrors; the walk goes on.
func scan(roots []string) (files []target, dirs []string, failed []FileError) {
	seen := map[string]bool{}
	add := func(t target) {
		if !seen[t.path] {
			seen[t.path] = true
			files = append(files, t)
		}
	}
	for _, root := range roots {
		abs, err := filepath.Abs(root)
		if err != nil {
			failed = append(failed, FileError{Path: root, Reason: err.Error()})
			continue
		}
		st, err := os.Stat(abs)
		if err != nil {
			failed = append(failed, FileError{Path: abs, Reason: statReason(err)})
			continue
		}
		if !st.IsDir() {
			add(target{path: abs, explicit: true})
			continue
		}
		dirs = append(dirs, abs)
		_ = filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				failed = append(failed, FileError{Path: path, Reason: statReason(err)})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			name := d.Name()
			if d.IsDir() {
				if path != abs && (strings.HasPrefix(name, ".") || skipDirs[name]) {
					return fs.SkipDir
				}
				return nil
			}
			if strings.HasPrefix(name, ".") || !extract.Supported(path) {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				st, err := os.Stat(path)
				if err != nil {
					failed = append(failed, FileError{Path: path, Reason: statReason(err)})
					return nil
				}
				if st.IsDir() {
					return nil // links to folders are not followed
				}
			} else if !d.Type().IsRegular() {
				return nil // sockets, devices, pipes
			}
			add(target{path: path})
			return nil
		})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	return files, dirs, failed
}

// statReason turns a file-system error into a short reason a person can act on.
func statReason(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "file not found"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied: make it readable by your user (chmod u+r) or remove it from the folder"
	case strings.Contains(err.Error(), "too many levels of symbolic links"):
		return "symbolic link loop: the link points back to itself"
	default:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return fmt.Sprintf("%s: %v", pe.Op, pe.Err)
		}
		return err.Error()
	}
}

// under reports whether path lies inside dir.
func under(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+string(filepath.Separator))
}
