// Package sample is a tiny Go file used as an extraction fixture.
package sample

// Greet returns a friendly greeting for name.
func Greet(name string) string {
	return "hello, " + name
}
