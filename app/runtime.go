package app

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"sync"

	wails "github.com/wailsapp/wails/v2/pkg/runtime"
)

// Host is what the services need from the window around them: sending
// events to the UI, native dialogs and handing a file to the OS. The desktop
// build uses WailsHost; tests use a recorder.
type Host interface {
	Emit(name string, data any)
	ChooseDirectory(title string) (string, error)
	ChooseFiles(title string) ([]string, error)
	OpenPath(path string) error
}

// WailsHost implements Host with the Wails runtime. It is usable once
// Startup has handed it the application context.
type WailsHost struct {
	mu  sync.Mutex
	ctx context.Context
}

// Startup stores the Wails application context (call from OnStartup).
func (h *WailsHost) Startup(ctx context.Context) {
	h.mu.Lock()
	h.ctx = ctx
	h.mu.Unlock()
}

func (h *WailsHost) context() context.Context {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ctx
}

// Emit sends an event to the UI; before startup it is dropped.
func (h *WailsHost) Emit(name string, data any) {
	if ctx := h.context(); ctx != nil {
		wails.EventsEmit(ctx, name, data)
	}
}

// ChooseDirectory shows the native folder picker; "" means cancelled.
func (h *WailsHost) ChooseDirectory(title string) (string, error) {
	if p, ok := testPick(true); ok {
		return p[0], nil
	}
	ctx := h.context()
	if ctx == nil {
		return "", fmt.Errorf("the window is not ready yet; try again in a moment")
	}
	return wails.OpenDirectoryDialog(ctx, wails.OpenDialogOptions{Title: title, CanCreateDirectories: false})
}

// ChooseFiles shows the native multi-file picker; nil means cancelled.
func (h *WailsHost) ChooseFiles(title string) ([]string, error) {
	if p, ok := testPick(false); ok {
		return p, nil
	}
	ctx := h.context()
	if ctx == nil {
		return nil, fmt.Errorf("the window is not ready yet; try again in a moment")
	}
	return wails.OpenMultipleFilesDialog(ctx, wails.OpenDialogOptions{
		Title: title,
		Filters: []wails.FileFilter{
			{DisplayName: "Documents", Pattern: "*.pdf;*.md;*.markdown;*.txt;*.html;*.htm;*.docx;*.epub;*.rst;*.org;*.csv;*.json;*.toml;*.yaml;*.yml"},
			{DisplayName: "All files", Pattern: "*"},
		},
	})
}

// OpenPath opens a file with the application the OS associates with it.
func (h *WailsHost) OpenPath(path string) error {
	return OpenWithOS(path)
}

// OpenWithOS starts the OS's "open" command for path (xdg-open, open, or the
// Windows shell) without waiting for the application to exit.
func OpenWithOS(path string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", path)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", path)
	default:
		cmd = exec.Command("xdg-open", path)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open %s with the system: %w", path, err)
	}
	go cmd.Wait() //nolint:errcheck // the opener's exit status says nothing useful
	return nil
}
