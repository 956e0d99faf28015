//go:build !desktop

package main

import "github.com/reasonkit/desktop/internal/cli"

// openWindow is nil without the desktop tag: the CLI says how to build the app.
var openWindow cli.OpenWindow
