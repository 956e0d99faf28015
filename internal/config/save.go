package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"
)

// savedHeader opens every config.toml written by Save. The encoder cannot
// keep a hand-edited file's comments, so the header says where to find them.
const savedHeader = `# ReasonKit Desktop configuration, saved by the Settings screen.
# Comments of an earlier hand-edited version are not kept (that file is now
# config.toml.bak). ` + "`reasonkit config init`" + ` writes a sample with every key and its
# comment; to see it without touching this file, run
# ` + "`reasonkit --config /tmp/reasonkit-sample/config.toml config init`" + `.
# API keys never go in this file: they live in the OS keychain or in the
# provider's environment variable.

`

// FilePath is where Save writes cfg: the file it was loaded from, or
// <ConfigDir>/config.toml when it came from the built-in defaults.
func (c *Config) FilePath() (string, error) {
	if c.Path != "" {
		return c.Path, nil
	}
	if c.ConfigDir == "" {
		return "", errors.New("save config: no config file or config directory is known (set REASONKIT_CONFIG)")
	}
	return filepath.Join(c.ConfigDir, "config.toml"), nil
}

// Validate checks every value the way Load does and returns all problems as
// Errors whose Key names the field (for example providers.x.temperature).
func (c *Config) Validate() error {
	problems := c.validate()
	if len(problems) == 0 {
		return nil
	}
	file, _ := c.FilePath()
	errs := make(Errors, len(problems))
	for i, p := range problems {
		p.File = file
		errs[i] = p
	}
	return errs
}

// Save validates cfg and writes it to its config.toml atomically (a temp
// file in the same directory, fsynced, then renamed), mode 0600 in a
// directory created 0700. The previous file is kept as config.toml.bak. An
// invalid config writes nothing and returns Errors naming each field. On
// success cfg.Path is set to the file written.
func Save(cfg *Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	path, err := cfg.FilePath()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString(savedHeader)
	if err := toml.NewEncoder(&buf).Encode(cfg); err != nil {
		return fmt.Errorf("save config %s: encode: %w", path, err)
	}
	// What we write must read back as the same config; refuse otherwise.
	if _, err := Parse(path, buf.Bytes()); err != nil {
		return fmt.Errorf("save config %s: the encoded file does not read back: %w", path, err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save config: create %s: %w", dir, err)
	}
	if old, err := os.ReadFile(path); err == nil {
		if err := writeAtomic(path+".bak", old); err != nil {
			return fmt.Errorf("save config: keep the previous file as %s.bak: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("save config: read the previous %s: %w", path, err)
	}
	if err := writeAtomic(path, buf.Bytes()); err != nil {
		return fmt.Errorf("save config %s: %w", path, err)
	}
	cfg.Path = path
	return nil
}

// writeAtomic replaces path with data (mode 0600) so a reader sees either
// the old file or the new one, never a partial write.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name) // a no-op after a successful rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(name, path)
}
