package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// sessionFile is what the app keeps between runs, in the node's data dir (so two instances with
// their own data dirs keep their own users). The token is a bearer secret: mode 0600.
type sessionFile struct {
	// Session is the signed-in user; nil after signing out.
	Session *Session `json:"session"`
	// UserID is the last user who signed in, to fill in the sign-in form.
	UserID string `json:"userID"`
}

func readSessionFile(path string) (*sessionFile, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	var f sessionFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("read session %s: %w", path, err)
	}
	return &f, nil
}

// loadSession returns the saved session, nil when there is none.
func loadSession(path string) (*Session, error) {
	f, err := readSessionFile(path)
	if f == nil || err != nil {
		return nil, err
	}
	return f.Session, nil
}

// lastUserID is the user who last signed in on this data dir.
func lastUserID(path string) string {
	f, _ := readSessionFile(path)
	if f == nil {
		return ""
	}
	return f.UserID
}

// stateSeen reports whether someone has signed in on this data dir before: then the office is
// not new and the app asks to sign in rather than to set up.
func stateSeen(path string) bool {
	f, _ := readSessionFile(path)
	return f != nil && f.UserID != ""
}

// SaveSession keeps s for the next start; nil forgets it but keeps the user ID. The demo writes
// its user's, so the app opens signed in.
func SaveSession(path string, s *Session) error {
	if path == "" {
		return nil
	}
	f, err := readSessionFile(path)
	if err != nil || f == nil {
		f = &sessionFile{}
	}
	f.Session = s
	if s != nil {
		f.UserID = s.UserID
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return os.Rename(tmp, path)
}
