package config

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// AppName is the folder name used under the OS config and data directories.
const AppName = "reasonkit"

// DefaultConfigDir is the OS config directory for the app:
// $XDG_CONFIG_HOME/reasonkit on Linux, Application Support on macOS and
// %AppData% on Windows.
func DefaultConfigDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the config directory: %w (set REASONKIT_CONFIG)", err)
	}
	return filepath.Join(dir, AppName), nil
}

// DefaultDataDir is the OS data directory for the app: $XDG_DATA_HOME/reasonkit
// (default ~/.local/share/reasonkit) on Linux, Application Support on macOS and
// %LocalAppData% on Windows.
func DefaultDataDir() (string, error) {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, AppName), nil
		}
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the home directory: %w (set REASONKIT_DATA_DIR)", err)
		}
		return filepath.Join(home, "Library", "Application Support", AppName), nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, AppName), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the home directory: %w (set REASONKIT_DATA_DIR)", err)
	}
	return filepath.Join(home, ".local", "share", AppName), nil
}

// EnsurePrivateDir creates dir (and parents) with mode 0700 and tightens an
// existing dir to 0700.
func EnsurePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("restrict %s to its owner: %w", dir, err)
	}
	return nil
}
