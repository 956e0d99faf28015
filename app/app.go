package app

import (
	"github.com/reasonkit/desktop/internal/core"
)

// Services are the objects bound into the window. Only their exported
// methods are callable from the web UI, so lifecycle hooks live here.
type Services struct {
	Library   *LibraryService
	Settings  *SettingsService
	Chat      *ChatService
	Protocols *ProtocolService
}

// New builds the services over an open core.
func New(c *core.Core, host Host, version string) *Services {
	s := &Services{
		Library:   NewLibraryService(c, host, version),
		Settings:  NewSettingsService(c),
		Chat:      NewChatService(c, host),
		Protocols: NewProtocolService(c, host),
	}
	return s
}

// Start resumes background work remembered from the last session (watched
// folders). Call once the window is up (OnDomReady), so events reach it.
func (s *Services) Start() {
	s.Library.resumeWatches()
}

// Bindings lists the objects to pass to Wails' Bind option. They appear in
// the UI as window.go.app.<TypeName>.
func (s *Services) Bindings() []any {
	return []any{s.Library, s.Settings, s.Chat, s.Protocols}
}

// Shutdown stops background work before the core is closed.
func (s *Services) Shutdown() {
	s.Chat.shutdown()
	s.Library.shutdown()
}
