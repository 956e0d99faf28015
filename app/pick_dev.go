//go:build dev

package app

import (
	"os"
	"strings"
)

// testPick lets the end-to-end tests, which drive `wails dev` (build tag
// dev) from a headless browser, answer the native pickers: a GTK dialog
// cannot be clicked from there. REASONKIT_TEST_PICK_DIR answers the folder
// picker and REASONKIT_TEST_PICK_FILES (paths joined by the OS list
// separator) the file picker. Production builds do not contain this file.
func testPick(folder bool) (paths []string, ok bool) {
	if folder {
		d := os.Getenv("REASONKIT_TEST_PICK_DIR")
		return []string{d}, d != ""
	}
	f := os.Getenv("REASONKIT_TEST_PICK_FILES")
	if f == "" {
		return nil, false
	}
	return strings.Split(f, string(os.PathListSeparator)), true
}
