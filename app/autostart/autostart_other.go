//go:build !linux && !darwin && !windows

package autostart

import (
	"errors"
	"path/filepath"
)

// On the BSDs the desktops read XDG autostart too, but LanIM is not packaged for them: the
// entry is written only where a test puts it.
func (e *Entry) path() (string, error) {
	if e.dir != "" {
		return filepath.Join(e.dir, "lanim.desktop"), nil
	}
	return "", errors.New("autostart: not supported on this system")
}

func (e *Entry) content() string { return desktopEntry(e) }
