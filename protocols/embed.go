// Package protocols holds the built-in ThinkTools and profiles as TOML files,
// embedded into the binary. The format is described in shared/PROTOCOLS.md
// and at the top of profiles.toml; internal/protocol loads and validates it.
package protocols

import (
	"embed"
	"io/fs"
)

//go:embed *.toml
var files embed.FS

// FS returns the embedded protocol files (one *.toml per protocol, plus
// profiles.toml), at the top level of the returned file system.
func FS() fs.FS { return files }
