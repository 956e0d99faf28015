package protocol

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/reasonkit/desktop/internal/tomlpos"
	"github.com/reasonkit/desktop/protocols"
)

// LoadFS reads every *.toml protocol file at the top of fsys (profiles.toml
// excepted). A broken file never stops the others: the good protocols are
// returned together with one FileErrors per broken file.
func LoadFS(fsys fs.FS, builtin bool) ([]*Protocol, []error) {
	return loadFS(fsys, builtin, func(name string) string { return name })
}

// LoadDir reads the user's protocols from dir (normally
// <config dir>/protocols). A missing folder is not an error.
func LoadDir(dir string) ([]*Protocol, []error) {
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil, nil
	}
	return loadFS(os.DirFS(dir), false, func(name string) string { return filepath.Join(dir, name) })
}

func loadFS(fsys fs.FS, builtin bool, display func(string) string) ([]*Protocol, []error) {
	names, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, []error{fmt.Errorf("list protocol files: %w", err)}
	}
	sort.Strings(names)
	var out []*Protocol
	var errs []error
	for _, name := range names {
		if name == ProfilesFile {
			continue
		}
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("read protocol %s: %w", display(name), err))
			continue
		}
		ps, ferrs := ParseFile(display(name), src)
		if len(ferrs) > 0 {
			errs = append(errs, ferrs)
			continue
		}
		for _, p := range ps {
			p.Builtin = builtin
			out = append(out, p)
		}
	}
	return out, errs
}

// Registry holds the protocols and profiles a run can use, looked up by id
// or short code.
type Registry struct {
	protocols map[string]*Protocol // by id
	short     map[string]*Protocol // by short code
	profiles  map[string]*Profile
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{protocols: map[string]*Protocol{}, short: map[string]*Protocol{}, profiles: map[string]*Profile{}}
}

// Add registers p. A protocol whose id or short code is already taken is
// refused with an error that names both files: a custom protocol can never
// silently replace a built-in one.
func (r *Registry) Add(p *Protocol) error {
	for _, key := range []string{p.ID, p.Shortcode} {
		if key == "" {
			continue
		}
		if old := r.Lookup(key); old != nil {
			kind := "custom"
			if old.Builtin {
				kind = "built-in"
			}
			return &Error{File: p.File, Line: idLine(p, key), Field: fieldFor(p, key), Msg: fmt.Sprintf("%q is already used by the %s protocol %s (%s); a protocol cannot replace another, so choose a different id and short code", key, kind, old.ID, old.File)}
		}
	}
	r.protocols[p.ID] = p
	if p.Shortcode != "" {
		r.short[p.Shortcode] = p
	}
	return nil
}

// Lookup finds a protocol by id or short code (nil if none).
func (r *Registry) Lookup(idOrShort string) *Protocol {
	if p, ok := r.protocols[idOrShort]; ok {
		return p
	}
	return r.short[idOrShort]
}

// Protocols lists every protocol, built-ins first, then by id.
func (r *Registry) Protocols() []*Protocol {
	out := make([]*Protocol, 0, len(r.protocols))
	for _, p := range r.protocols {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Builtin != out[j].Builtin {
			return out[i].Builtin
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Profile returns the profile with this id (nil if none).
func (r *Registry) Profile(id string) *Profile { return r.profiles[id] }

// Profiles lists every profile by id.
func (r *Registry) Profiles() []*Profile {
	out := make([]*Profile, 0, len(r.profiles))
	for _, p := range r.profiles {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// AddProfiles parses a profiles file against the protocols registered so far
// and adds its profiles. A profile id already taken is an error.
func (r *Registry) AddProfiles(file string, src []byte, builtin bool) error {
	profs, ferrs := ParseProfiles(file, src, r.Lookup)
	if len(ferrs) > 0 {
		return ferrs
	}
	var errs FileErrors
	for _, p := range profs {
		if old, ok := r.profiles[p.ID]; ok {
			errs = append(errs, &Error{File: file, Field: "profiles." + p.ID, Msg: fmt.Sprintf("profile %q is already defined in %s; choose a different id", p.ID, old.File)})
			continue
		}
		p.Builtin = builtin
		r.profiles[p.ID] = p
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

var (
	builtinOnce sync.Once
	builtinReg  *Registry
	builtinErr  error
)

// Builtin returns a fresh registry holding the built-in protocols and
// profiles embedded in the binary. An error here is a bug in protocols/.
func Builtin() (*Registry, error) {
	builtinOnce.Do(func() { builtinReg, builtinErr = loadBuiltin() })
	if builtinErr != nil {
		return nil, builtinErr
	}
	r := NewRegistry()
	for k, v := range builtinReg.protocols {
		r.protocols[k] = v
	}
	for k, v := range builtinReg.short {
		r.short[k] = v
	}
	for k, v := range builtinReg.profiles {
		r.profiles[k] = v
	}
	return r, nil
}

func loadBuiltin() (*Registry, error) {
	fsys := protocols.FS()
	r := NewRegistry()
	ps, errs := loadFS(fsys, true, func(n string) string { return "protocols/" + n })
	if len(errs) > 0 {
		return nil, fmt.Errorf("built-in protocols: %w", joinErrs(errs))
	}
	for _, p := range ps {
		if err := r.Add(p); err != nil {
			return nil, fmt.Errorf("built-in protocols: %w", err)
		}
	}
	src, err := fs.ReadFile(fsys, ProfilesFile)
	if err != nil {
		return nil, fmt.Errorf("built-in profiles: %w", err)
	}
	if err := r.AddProfiles("protocols/"+ProfilesFile, src, true); err != nil {
		return nil, fmt.Errorf("built-in profiles: %w", err)
	}
	return r, nil
}

// Load returns the built-in registry plus the user's protocols (and an
// optional profiles.toml) from dir. Every broken or conflicting user file is
// reported in the returned errors; the rest are usable.
func Load(dir string) (*Registry, []error) {
	r, err := Builtin()
	if err != nil {
		return nil, []error{err}
	}
	ps, errs := LoadDir(dir)
	for _, p := range ps {
		if err := r.Add(p); err != nil {
			errs = append(errs, err)
		}
	}
	if dir != "" {
		file := filepath.Join(dir, ProfilesFile)
		if src, err := os.ReadFile(file); err == nil {
			if err := r.AddProfiles(file, src, false); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return r, errs
}

// ValidateFile checks one protocol file (or a profiles.toml) and returns
// every problem with file, line and field; nil means it is valid. A protocol
// that reuses a built-in id or short code is reported, unless the file is
// that built-in itself.
func ValidateFile(file string) []error {
	src, err := os.ReadFile(file)
	if err != nil {
		return []error{fmt.Errorf("read %s: %w", file, err)}
	}
	reg, err := Builtin()
	if err != nil {
		return []error{err}
	}
	if filepath.Base(file) == ProfilesFile {
		_, ferrs := ParseProfiles(file, src, reg.Lookup)
		return flatten(ferrs)
	}
	ps, ferrs := ParseFile(file, src)
	if len(ferrs) > 0 {
		return flatten(ferrs)
	}
	var errs []error
	seen := map[string]string{}
	for _, p := range ps {
		for _, key := range []string{p.ID, p.Shortcode} {
			if key == "" {
				continue
			}
			if old := reg.Lookup(key); old != nil && !bytes.Equal(old.src, src) {
				errs = append(errs, &Error{File: file, Line: idLine(p, key), Field: fieldFor(p, key), Msg: fmt.Sprintf("%q is already used by the built-in protocol %s; a custom protocol cannot replace a built-in one, so choose a different value", key, old.ID)})
			}
			if other, dup := seen[key]; dup && other != p.ID {
				errs = append(errs, &Error{File: file, Line: idLine(p, key), Field: fieldFor(p, key), Msg: fmt.Sprintf("%q is used by two protocols in this file (%s and %s)", key, other, p.ID)})
			}
			seen[key] = p.ID
		}
	}
	return errs
}

func idLine(p *Protocol, key string) int {
	return tomlpos.New(p.src).Line(p.table, 0, fieldFor(p, key))
}

func fieldFor(p *Protocol, key string) string {
	if key == p.ID {
		return "id"
	}
	return "shortcode"
}

func flatten(ferrs FileErrors) []error {
	if len(ferrs) == 0 {
		return nil
	}
	out := make([]error, len(ferrs))
	for i, e := range ferrs {
		out[i] = e
	}
	return out
}

func joinErrs(errs []error) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%s", strings.Join(msgs, "\n"))
}
