package core

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/reasonkit/desktop/internal/llm"
	"github.com/reasonkit/desktop/internal/protocol"
	"github.com/reasonkit/desktop/internal/store"
)

// ChatHistoryTurns caps how many earlier question-and-answer pairs of a
// thread go with an ask as history (the newest ones), bounding the prompt.
const ChatHistoryTurns = 10

// chatTitleRunes is how much of a thread's first message becomes its title.
const chatTitleRunes = 60

// ChatRequest is one user message in a chat thread.
type ChatRequest struct {
	// Mode is "ask" (or ""), "protocol:<id>" or "profile:<id>".
	Mode       string `json:"mode"`
	Text       string `json:"text"`
	Collection string `json:"collection"` // "" answers without documents
	Provider   string `json:"provider"`   // "" for [general] default_provider
	Model      string `json:"model"`      // "" for the provider's model
}

// CreateChat starts an empty thread ("" titles it store.DefaultChatTitle;
// the first message then names it).
func (c *Core) CreateChat(ctx context.Context, title string) (int64, error) {
	return c.store.CreateChat(ctx, title)
}

// Chats lists threads, the most recently updated first.
func (c *Core) Chats(ctx context.Context) ([]store.Chat, error) {
	return c.store.ListChats(ctx)
}

// RenameChat retitles a thread.
func (c *Core) RenameChat(ctx context.Context, id int64, title string) error {
	return c.store.RenameChat(ctx, id, title)
}

// DeleteChat deletes a thread and its messages (runs stay in the audit trail).
func (c *Core) DeleteChat(ctx context.Context, id int64) error {
	return c.store.DeleteChat(ctx, id)
}

// ChatMessages returns a thread's messages, oldest first.
func (c *Core) ChatMessages(ctx context.Context, id int64) ([]store.ChatMessage, error) {
	return c.store.Messages(ctx, id)
}

// parseMode splits a chat mode into a protocol or profile id; both empty
// means ask.
func parseMode(mode string) (protocolID, profileID string, err error) {
	m := strings.TrimSpace(mode)
	if m == "" || m == "ask" {
		return "", "", nil
	}
	kind, id, _ := strings.Cut(m, ":")
	if id = strings.TrimSpace(id); id != "" {
		switch kind {
		case "protocol":
			return id, "", nil
		case "profile":
			return "", id, nil
		}
	}
	return "", "", fmt.Errorf("chat mode %q is not \"ask\", \"protocol:<id>\" or \"profile:<id>\"", mode)
}

// Chat sends a user message in a chat thread: it records the message, runs
// Ask (mode "ask", with the thread's earlier turns as llm.Message history),
// or Think (mode "protocol:<id>" / "profile:<id>"), streams events to
// onEvent, records the assistant's answer linked to the run, bumps the
// chat's updated time, and returns the run. A failed or cancelled run still
// records an assistant message saying so. A thread still carrying the
// default title is named after its first message.
func (c *Core) Chat(ctx context.Context, chatID int64, req ChatRequest, onEvent func(protocol.Event)) (*protocol.Run, error) {
	text := strings.TrimSpace(req.Text)
	if text == "" {
		return nil, errors.New("chat: the message is empty")
	}
	proto, profile, err := parseMode(req.Mode)
	if err != nil {
		return nil, err
	}
	mode := "ask"
	switch {
	case proto != "":
		mode = "protocol:" + proto
	case profile != "":
		mode = "profile:" + profile
	}
	// The message was sent even if Stop comes at once: record it regardless.
	rec := context.WithoutCancel(ctx)
	chat, err := c.store.Chat(rec, chatID)
	if err != nil {
		return nil, err
	}
	earlier, err := c.store.Messages(rec, chatID)
	if err != nil {
		return nil, err
	}
	if _, err := c.store.AppendMessage(rec, chatID, store.RoleUser, text, mode, req.Collection, ""); err != nil {
		return nil, err
	}
	if len(earlier) == 0 && chat.Title == store.DefaultChatTitle {
		if err := c.store.RenameChat(rec, chatID, titleFrom(text)); err != nil {
			return nil, err
		}
	}

	rr := RunRequest{Protocol: proto, Profile: profile, Query: text, Collection: req.Collection, Provider: req.Provider, Model: req.Model}
	var (
		run     *protocol.Run
		partial strings.Builder // an ask's streamed answer, kept for a Stop midway
	)
	if mode == "ask" {
		rr.History = chatHistory(earlier, ChatHistoryTurns)
		run, err = c.Ask(ctx, rr, func(e protocol.Event) {
			switch e.Kind {
			case protocol.EventStepStarted:
				partial.Reset()
			case protocol.EventDelta:
				partial.WriteString(e.Text)
			}
			if onEvent != nil {
				onEvent(e)
			}
		})
	} else {
		run, err = c.Think(ctx, rr, onEvent)
	}

	// Record the outcome even when ctx was cancelled (Stop).
	answer := answerText(run, partial.String(), err)
	var aerr error
	if run != nil && run.ID != "" {
		_, aerr = c.store.AppendMessage(rec, chatID, store.RoleAssistant, answer, mode, req.Collection, run.ID)
	}
	if run == nil || run.ID == "" || aerr != nil {
		// No run, or its record is missing: keep the answer unlinked.
		_, aerr = c.store.AppendMessage(rec, chatID, store.RoleAssistant, answer, mode, req.Collection, "")
	}
	if aerr != nil {
		return run, errors.Join(err, aerr)
	}
	return run, err
}

// chatHistory turns earlier messages into llm history: each user message
// with the completed answer that follows it, at most turns pairs (the
// newest). Questions whose run failed or was stopped are left out.
func chatHistory(msgs []store.ChatMessage, turns int) []llm.Message {
	var pairs [][2]llm.Message
	for i := 0; i+1 < len(msgs); i++ {
		q, a := msgs[i], msgs[i+1]
		if q.Role != store.RoleUser || a.Role != store.RoleAssistant || a.RunStatus != protocol.StatusCompleted {
			continue
		}
		pairs = append(pairs, [2]llm.Message{{Role: llm.RoleUser, Content: q.Content}, {Role: llm.RoleAssistant, Content: a.Content}})
		i++
	}
	if len(pairs) > turns {
		pairs = pairs[len(pairs)-turns:]
	}
	out := make([]llm.Message, 0, 2*len(pairs))
	for _, p := range pairs {
		out = append(out, p[0], p[1])
	}
	return out
}

// answerText is the assistant message recorded for a run's outcome;
// partial is the text streamed so far, used when the run stopped before
// its answer was complete.
func answerText(run *protocol.Run, partial string, err error) string {
	if run == nil {
		return "The run could not start: " + errText(err)
	}
	answer := strings.TrimSpace(run.Answer)
	if answer == "" && run.Status != protocol.StatusCompleted {
		answer = strings.TrimSpace(partial)
	}
	switch run.Status {
	case protocol.StatusCompleted:
		if answer == "" {
			return "(The run finished without an answer.)"
		}
		return answer
	case protocol.StatusCancelled:
		if answer == "" {
			return "Stopped before an answer was written."
		}
		return "Stopped before the answer was finished. What was written so far:\n\n" + answer
	case protocol.StatusBudgetExceeded:
		msg := "The run stopped at its budget: " + firstNonEmpty(run.Error, errText(err))
		if answer != "" {
			msg += "\n\nWhat was written so far:\n\n" + answer
		}
		return msg
	default:
		return "The run failed: " + firstNonEmpty(run.Error, errText(err))
	}
}

func errText(err error) string {
	if err == nil {
		return "no reason given"
	}
	return err.Error()
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// titleFrom names a thread after its first message: one line, cut at a
// word boundary.
func titleFrom(text string) string {
	t := strings.Join(strings.Fields(text), " ")
	r := []rune(t)
	if len(r) <= chatTitleRunes {
		return t
	}
	cut := string(r[:chatTitleRunes])
	if i := strings.LastIndex(cut, " "); i > chatTitleRunes/2 {
		cut = cut[:i]
	}
	return cut + "…"
}
