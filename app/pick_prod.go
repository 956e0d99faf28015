//go:build !dev

package app

// testPick is the dev-build hook for end-to-end tests (see pick_dev.go); in
// every other build the native pickers always answer.
func testPick(bool) ([]string, bool) { return nil, false }
