package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/reasonkit/desktop/internal/core"
	"github.com/reasonkit/desktop/internal/protocol"
	"github.com/reasonkit/desktop/protocols"
)

// ProtocolService is the Protocols screen's backend: list built-in and
// custom ThinkTools and profiles, show their TOML, import a custom file.
type ProtocolService struct {
	core *core.Core
	host Host
}

// NewProtocolService returns the service for c.
func NewProtocolService(c *core.Core, host Host) *ProtocolService {
	return &ProtocolService{core: c, host: host}
}

// ProtocolInput is one declared input.
type ProtocolInput struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Required    bool   `json:"required"`
}

// ProtocolInfo is one protocol or profile.
type ProtocolInfo struct {
	ID          string          `json:"id"`
	Kind        string          `json:"kind"` // thinktool | profile
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Builtin     bool            `json:"builtin"`
	Inputs      []ProtocolInput `json:"inputs"`
	Steps       []string        `json:"steps"`
	File        string          `json:"file"`
	Source      string          `json:"source"`
}

// ProtocolProblem is one validation error, at a line and field.
type ProtocolProblem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ImportResult is either the imported protocols or why the file was refused.
type ImportResult struct {
	Imported []string          `json:"imported"`
	Errors   []ProtocolProblem `json:"errors"`
}

func readSource(file string) string {
	if rest, ok := strings.CutPrefix(file, "protocols/"); ok {
		if b, err := fs.ReadFile(protocols.FS(), rest); err == nil {
			return string(b)
		}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	return string(b)
}

// ProtocolList is every protocol and profile, plus the problems of any
// broken custom file (which never hide the good ones).
type ProtocolList struct {
	Protocols []ProtocolInfo    `json:"protocols"`
	Problems  []ProtocolProblem `json:"problems"`
}

// List returns every protocol and profile, built-ins first.
func (s *ProtocolService) List() ProtocolList {
	reg, errs := s.core.Registry()
	problems := problemsOf(errs)
	out := []ProtocolInfo{}
	if reg == nil {
		return ProtocolList{Protocols: out, Problems: problems}
	}
	for _, p := range reg.Protocols() {
		info := ProtocolInfo{ID: p.ID, Kind: "thinktool", Name: p.Name, Description: p.Description, Builtin: p.Builtin,
			File: p.File, Source: readSource(p.File), Inputs: []ProtocolInput{}, Steps: []string{}}
		for _, n := range p.Input.Required {
			info.Inputs = append(info.Inputs, ProtocolInput{Name: n, Required: true})
		}
		for _, n := range p.Input.Optional {
			info.Inputs = append(info.Inputs, ProtocolInput{Name: n, Description: p.Input.Defaults[n]})
		}
		for _, st := range p.Steps {
			info.Steps = append(info.Steps, st.ID+" ("+st.Action.Type+")")
		}
		out = append(out, info)
	}
	for _, p := range reg.Profiles() {
		info := ProtocolInfo{ID: p.ID, Kind: "profile", Name: p.Name, Description: p.Description, Builtin: p.Builtin,
			File: p.File, Source: readSource(p.File), Inputs: []ProtocolInput{}, Steps: []string{}}
		for _, l := range p.Chain {
			info.Steps = append(info.Steps, l.Protocol)
		}
		out = append(out, info)
	}
	return ProtocolList{Protocols: out, Problems: problems}
}

func problemsOf(errs []error) []ProtocolProblem {
	out := []ProtocolProblem{}
	for _, err := range errs {
		var pe *protocol.Error
		var fe protocol.FileErrors
		switch {
		case errors.As(err, &fe):
			for _, e := range fe {
				out = append(out, ProtocolProblem{File: e.File, Line: e.Line, Field: e.Field, Message: e.Msg})
			}
		case errors.As(err, &pe):
			out = append(out, ProtocolProblem{File: pe.File, Line: pe.Line, Field: pe.Field, Message: pe.Msg})
		default:
			out = append(out, ProtocolProblem{Message: err.Error()})
		}
	}
	return out
}

// ChooseFile shows the file picker for a protocol TOML file ("" if cancelled).
func (s *ProtocolService) ChooseFile() (string, error) {
	files, err := s.host.ChooseFiles("Import a ThinkTool (TOML)")
	if err != nil || len(files) == 0 {
		return "", err
	}
	return files[0], nil
}

// Import validates a protocol file and, when it is valid, copies it into
// the custom protocols folder. Invalid files are refused with every
// problem at its line and field.
func (s *ProtocolService) Import(path string) (ImportResult, error) {
	res := ImportResult{Imported: []string{}, Errors: []ProtocolProblem{}}
	if !strings.EqualFold(filepath.Ext(path), ".toml") {
		res.Errors = append(res.Errors, ProtocolProblem{File: path, Message: "a protocol file must be a .toml file"})
		return res, nil
	}
	if errs := protocol.ValidateFile(path); len(errs) > 0 {
		res.Errors = problemsOf(errs)
		return res, nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return res, fmt.Errorf("read %s: %w", path, err)
	}
	dir := s.core.Config().ProtocolDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, fmt.Errorf("create the protocols folder %s: %w", dir, err)
	}
	dest := filepath.Join(dir, filepath.Base(path))
	if _, err := os.Stat(dest); err == nil {
		res.Errors = append(res.Errors, ProtocolProblem{File: dest, Message: "a custom protocol file with this name exists already; rename the file or remove the old one"})
		return res, nil
	}
	ps, ferrs := protocol.ParseFile(path, src)
	if len(ferrs) > 0 {
		res.Errors = problemsOf([]error{ferrs})
		return res, nil
	}
	if err := os.WriteFile(dest, src, 0o600); err != nil {
		return res, fmt.Errorf("save %s: %w", dest, err)
	}
	for _, p := range ps {
		res.Imported = append(res.Imported, p.ID)
	}
	return res, nil
}
