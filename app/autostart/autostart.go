// Package autostart starts LanIM when the user signs in to their computer, the way each OS
// expects of a desktop app: an XDG autostart entry on Linux, the HKCU Run key on Windows (the
// same value the installer writes), a LaunchAgent on macOS. An office works while its computers
// run LanIM, so the app turns this on for a new install; the profile page turns it off.
//
// The OS files are built by pure functions (desktopEntry, runValue, launchAgent) that every
// platform's tests run; only the few lines that read and write the OS's store are build-tagged.
package autostart

import (
	"fmt"
	"strings"
)

// Name is the entry's name: the XDG file's base name, the Run key's value name and the
// LaunchAgent's label end. The Windows installer writes the same Run value.
const Name = "LanIM"

// Entry is one program to start at sign-in: the running binary and its arguments (the data dir
// when it is not the default one).
type Entry struct {
	// Exec is the binary's absolute path.
	Exec string
	// Args follow it (e.g. --data DIR).
	Args []string
	// dir overrides where the entry is written (tests); "" is the OS's place.
	dir string
}

// New is the entry for exec with args. exec must be absolute: a sign-in has no working dir or
// PATH of the user's shell to resolve it with.
func New(exec string, args ...string) (*Entry, error) {
	if !isAbs(exec) {
		return nil, fmt.Errorf("autostart: %q is not an absolute path", exec)
	}
	return &Entry{Exec: exec, Args: args}, nil
}

// isAbs accepts a Unix path or a Windows drive or UNC path, whichever OS builds the entry, so
// the pure builders are tested everywhere.
func isAbs(p string) bool {
	return strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\\`) ||
		len(p) > 2 && p[1] == ':' && (p[2] == '\\' || p[2] == '/')
}

// Enabled reports whether the OS starts this entry at sign-in.
func (e *Entry) Enabled() (bool, error) { return e.enabled() }

// SetEnabled turns the start at sign-in on (writing the entry, replacing an older one) or off
// (removing it); doing either twice is the same as once.
func (e *Entry) SetEnabled(on bool) error {
	if on {
		return e.enable()
	}
	return e.disable()
}
