package autostart

import (
	"errors"
	"os"
	"path/filepath"
)

// path is $XDG_CONFIG_HOME/autostart/lanim.desktop ($HOME/.config when XDG_CONFIG_HOME is unset
// or not absolute, as the XDG Base Directory spec says), where desktop sessions look at sign-in.
func (e *Entry) path() (string, error) {
	if e.dir != "" {
		return filepath.Join(e.dir, "lanim.desktop"), nil
	}
	base := os.Getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(base) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", errors.New("autostart: no home directory for ~/.config/autostart")
		}
		base = filepath.Join(home, ".config")
	}
	return filepath.Join(base, "autostart", "lanim.desktop"), nil
}

func (e *Entry) content() string { return desktopEntry(e) }
