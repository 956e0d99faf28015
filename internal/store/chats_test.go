package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/reasonkit/desktop/internal/protocol"
)

func TestChatThreadLifecycle(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	first, err := s.CreateChat(ctx, "  Acme   renewal ")
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.CreateChat(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	run := &protocol.Run{ID: "run-1", Kind: "ask", Inputs: map[string]string{"question": "Renew?"}, Status: protocol.StatusCompleted, StartedAt: time.Now()}
	if err := s.Runs().RunStarted(ctx, run); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendMessage(ctx, first, RoleUser, "Should we renew?", "ask", "contracts", ""); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("word ", 100) + "\n\nend"
	if _, err := s.AppendMessage(ctx, first, RoleAssistant, long, "ask", "contracts", "run-1"); err != nil {
		t.Fatal(err)
	}

	chats, err := s.ListChats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(chats) != 2 || chats[0].ID != first || chats[1].ID != second {
		t.Fatalf("order = %+v, want the chat with new messages first", chats)
	}
	if chats[0].Title != "Acme renewal" || chats[1].Title != DefaultChatTitle {
		t.Fatalf("titles = %q, %q", chats[0].Title, chats[1].Title)
	}
	if chats[0].Messages != 2 || chats[1].Messages != 0 || chats[1].Preview != "" {
		t.Fatalf("counts = %d, %d (preview %q)", chats[0].Messages, chats[1].Messages, chats[1].Preview)
	}
	if p := chats[0].Preview; utf8.RuneCountInString(p) != previewRunes || !strings.HasPrefix(p, "word word") || !strings.HasSuffix(p, "…") || strings.Contains(p, "\n") {
		t.Fatalf("preview = %q", p)
	}
	if !chats[0].UpdatedAt.After(chats[0].CreatedAt) {
		t.Fatal("appending did not bump the updated time")
	}

	msgs, err := s.Messages(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].Role != RoleUser || msgs[0].RunID != "" || msgs[0].Collection != "contracts" ||
		msgs[1].Role != RoleAssistant || msgs[1].RunID != "run-1" || msgs[1].RunStatus != protocol.StatusCompleted || msgs[1].Content != long {
		t.Fatalf("messages = %+v", msgs)
	}

	// A message in the older thread moves it back to the top; renaming does not.
	if _, err := s.AppendMessage(ctx, second, RoleUser, "Hello", "profile:balanced", "", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.RenameChat(ctx, first, "Renamed"); err != nil {
		t.Fatal(err)
	}
	chats, _ = s.ListChats(ctx)
	if chats[0].ID != second || chats[0].Preview != "Hello" || chats[1].Title != "Renamed" {
		t.Fatalf("after rename = %+v", chats)
	}

	if err := s.DeleteChat(ctx, first); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT count(*) FROM messages WHERE chat_id = ?`, first); n != 0 {
		t.Fatalf("%d messages left after deleting their chat", n)
	}
	if n := count(t, s, `SELECT count(*) FROM runs WHERE id = 'run-1'`); n != 1 {
		t.Fatal("deleting a chat deleted its run from the audit trail")
	}
	if _, err := s.Messages(ctx, first); !errors.Is(err, ErrNotFound) {
		t.Fatalf("messages of a deleted chat: %v", err)
	}
}

func TestChatErrors(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	id, err := s.CreateChat(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		call     func() error
		notFound bool
		want     string
	}{
		{"rename missing", func() error { return s.RenameChat(ctx, id+100, "x") }, true, "chat"},
		{"delete missing", func() error { return s.DeleteChat(ctx, id+100) }, true, "chat"},
		{"append to missing", func() error {
			_, err := s.AppendMessage(ctx, id+100, RoleUser, "x", "ask", "", "")
			return err
		}, true, "chat"},
		{"bad role", func() error {
			_, err := s.AppendMessage(ctx, id, "system", "x", "ask", "", "")
			return err
		}, false, `role "system"`},
		{"unknown run", func() error {
			_, err := s.AppendMessage(ctx, id, RoleAssistant, "x", "ask", "", "no-such-run")
			return err
		}, false, "run no-such-run is not recorded"},
		{"chat missing", func() error {
			_, err := s.Chat(ctx, id+100)
			return err
		}, true, "chat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || errors.Is(err, ErrNotFound) != tt.notFound || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want not-found=%v containing %q", err, tt.notFound, tt.want)
			}
		})
	}
	if n := count(t, s, `SELECT count(*) FROM messages`); n != 0 {
		t.Fatalf("%d messages stored by failed appends", n)
	}
}

func TestRunDeletionUnlinksChatMessage(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	id, _ := s.CreateChat(ctx, "t")
	run := &protocol.Run{ID: "gone", Kind: "ask", Inputs: map[string]string{}, Status: protocol.StatusFailed, StartedAt: time.Now()}
	if err := s.Runs().RunStarted(ctx, run); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendMessage(ctx, id, RoleAssistant, "The run failed.", "ask", "", "gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`DELETE FROM runs WHERE id = 'gone'`); err != nil {
		t.Fatal(err)
	}
	msgs, err := s.Messages(ctx, id)
	if err != nil || len(msgs) != 1 || msgs[0].RunID != "" || msgs[0].RunStatus != "" {
		t.Fatalf("messages after run deletion = %+v, %v", msgs, err)
	}
}
