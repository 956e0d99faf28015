package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultChatTitle names a chat created without a title.
const DefaultChatTitle = "New chat"

// previewRunes is how much of a chat's latest message ListChats returns.
const previewRunes = 120

// Message roles in a chat thread.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Chat is one chat thread as listed in the sidebar.
type Chat struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Messages  int       `json:"messages"`
	// Preview is the start of the latest message, on one line.
	Preview string `json:"preview"`
}

// ChatMessage is one turn of a chat thread.
type ChatMessage struct {
	ID         int64  `json:"id"`
	ChatID     int64  `json:"chat_id"`
	Role       string `json:"role"` // user | assistant
	Content    string `json:"content"`
	Mode       string `json:"mode"` // ask | protocol:<id> | profile:<id>
	Collection string `json:"collection"`
	// RunID links an assistant message to its run ("" when none was
	// recorded); RunStatus is that run's status ("" without a run).
	RunID     string    `json:"run_id"`
	RunStatus string    `json:"run_status"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateChat starts an empty thread and returns its id. An empty title
// becomes DefaultChatTitle.
func (s *Store) CreateChat(ctx context.Context, title string) (int64, error) {
	title = cleanTitle(title)
	now := time.Now().UnixNano()
	res, err := s.db.ExecContext(ctx, `INSERT INTO chats (title, created_ns, updated_ns) VALUES (?, ?, ?)`, title, now, now)
	if err != nil {
		return 0, fmt.Errorf("create chat %q: %w", title, err)
	}
	return res.LastInsertId()
}

func cleanTitle(title string) string {
	title = strings.Join(strings.Fields(title), " ")
	if title == "" {
		return DefaultChatTitle
	}
	return title
}

const chatColumns = `c.id, c.title, c.created_ns, c.updated_ns,
	(SELECT count(*) FROM messages m WHERE m.chat_id = c.id),
	coalesce((SELECT substr(m.content, 1, 600) FROM messages m WHERE m.chat_id = c.id ORDER BY m.id DESC LIMIT 1), '')`

func scanChat(row interface{ Scan(...any) error }) (Chat, error) {
	var c Chat
	var created, updated int64
	if err := row.Scan(&c.ID, &c.Title, &created, &updated, &c.Messages, &c.Preview); err != nil {
		return c, err
	}
	c.CreatedAt, c.UpdatedAt = time.Unix(0, created), time.Unix(0, updated)
	c.Preview = preview(c.Preview)
	return c, nil
}

// preview collapses whitespace and cuts text to previewRunes, marking a cut with "…".
func preview(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= previewRunes {
		return text
	}
	r := []rune(text)
	return strings.TrimRight(string(r[:previewRunes-1]), " ") + "…"
}

// ListChats lists every thread, the most recently updated first, with its
// message count and a preview of its latest message.
func (s *Store) ListChats(ctx context.Context) ([]Chat, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+chatColumns+` FROM chats c ORDER BY c.updated_ns DESC, c.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list chats: %w", err)
	}
	defer rows.Close()
	out := []Chat{}
	for rows.Next() {
		c, err := scanChat(rows)
		if err != nil {
			return nil, fmt.Errorf("list chats: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Chat returns one thread; ErrNotFound if there is none with that id.
func (s *Store) Chat(ctx context.Context, id int64) (*Chat, error) {
	c, err := scanChat(s.db.QueryRowContext(ctx, `SELECT `+chatColumns+` FROM chats c WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("chat %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("chat %d: %w", id, err)
	}
	return &c, nil
}

// RenameChat sets a thread's title (empty becomes DefaultChatTitle); it
// does not change the thread's place in the list.
func (s *Store) RenameChat(ctx context.Context, id int64, title string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE chats SET title = ? WHERE id = ?`, cleanTitle(title), id)
	if err != nil {
		return fmt.Errorf("rename chat %d: %w", id, err)
	}
	return affectedOne(res, id)
}

// DeleteChat deletes a thread with its messages (the runs stay in the
// audit trail).
func (s *Store) DeleteChat(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM chats WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete chat %d: %w", id, err)
	}
	return affectedOne(res, id)
}

func affectedOne(res sql.Result, id int64) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("chat %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("chat %d: %w", id, ErrNotFound)
	}
	return nil
}

// AppendMessage adds a turn to a thread and moves the thread to the top of
// the list. role is RoleUser or RoleAssistant; runID "" records no run.
func (s *Store) AppendMessage(ctx context.Context, chatID int64, role, content, mode, collection, runID string) (int64, error) {
	if role != RoleUser && role != RoleAssistant {
		return 0, fmt.Errorf("chat %d: message role %q is not %q or %q", chatID, role, RoleUser, RoleAssistant)
	}
	var run any
	if runID != "" {
		run = runID
	}
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := time.Now().UnixNano()
		// Keep updated_ns strictly increasing so the newest thread sorts first
		// even when two messages land within the clock's resolution.
		res, err := tx.ExecContext(ctx, `UPDATE chats SET updated_ns = max(?, updated_ns + 1) WHERE id = ?`, now, chatID)
		if err != nil {
			return err
		}
		if err := affectedOne(res, chatID); err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `INSERT INTO messages (chat_id, role, content, mode, collection, run_id, created_ns)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, chatID, role, content, mode, collection, run, now)
		if err != nil {
			if runID != "" && strings.Contains(err.Error(), "FOREIGN KEY") {
				return fmt.Errorf("run %s is not recorded: %w", runID, err)
			}
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return 0, err
		}
		return 0, fmt.Errorf("chat %d: append %s message: %w", chatID, role, err)
	}
	return id, nil
}

// Messages returns a thread's turns, oldest first; ErrNotFound if the
// thread does not exist.
func (s *Store) Messages(ctx context.Context, chatID int64) ([]ChatMessage, error) {
	if _, err := s.Chat(ctx, chatID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT m.id, m.chat_id, m.role, m.content, m.mode, m.collection,
		coalesce(m.run_id, ''), coalesce(r.status, ''), m.created_ns
		FROM messages m LEFT JOIN runs r ON r.id = m.run_id WHERE m.chat_id = ? ORDER BY m.id`, chatID)
	if err != nil {
		return nil, fmt.Errorf("chat %d: messages: %w", chatID, err)
	}
	defer rows.Close()
	out := []ChatMessage{}
	for rows.Next() {
		var m ChatMessage
		var created int64
		if err := rows.Scan(&m.ID, &m.ChatID, &m.Role, &m.Content, &m.Mode, &m.Collection, &m.RunID, &m.RunStatus, &created); err != nil {
			return nil, fmt.Errorf("chat %d: messages: %w", chatID, err)
		}
		m.CreatedAt = time.Unix(0, created)
		out = append(out, m)
	}
	return out, rows.Err()
}
