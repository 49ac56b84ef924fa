package autostart

import (
	"errors"
	"os"
	"path/filepath"
)

// path is ~/Library/LaunchAgents/com.lanim.app.plist, which launchd loads at the next sign-in.
func (e *Entry) path() (string, error) {
	if e.dir != "" {
		return filepath.Join(e.dir, launchAgentLabel+".plist"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", errors.New("autostart: no home directory for ~/Library/LaunchAgents")
	}
	return filepath.Join(home, "Library", "LaunchAgents", launchAgentLabel+".plist"), nil
}

func (e *Entry) content() string { return launchAgent(e) }
