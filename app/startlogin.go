package app

import (
	"log/slog"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"

	"lanim/app/autostart"
	"lanim/ui"
)

// prefStartAtLoginSet remembers (in the app's preferences) that this user's install has had its
// start at sign-in set once, so a new install turns it on and the user's choice stands after.
const prefStartAtLoginSet = "autostart.set"

// startAtLogin is the start at sign-in the profile page switches: the running binary, with
// --data when a data dir was chosen on the command line (a sign-in must open the same office).
// A new install turns it on: the office works while its computers run LanIM. Only an installed
// app (a release build: fyne package --release, whose metadata says Release) on the default data
// dir does so by itself; a build from a checkout (make run), a second app on another dir or a
// test's leaves the user's entry alone unless switched on in its profile. nil when the binary's
// path is unknown.
func startAtLogin(a fyne.App, installed bool, dataDir string, dataGiven bool, log *slog.Logger) ui.StartAtLogin {
	exe, err := os.Executable()
	if err != nil {
		log.Warn("start at sign-in: own binary", "err", err)
		return nil
	}
	var args []string
	if dataGiven {
		abs, err := filepath.Abs(dataDir)
		if err != nil {
			log.Warn("start at sign-in: data dir", "err", err)
			return nil
		}
		args = []string{"--data", abs}
	}
	e, err := autostart.New(exe, args...)
	if err != nil {
		log.Warn("start at sign-in", "err", err)
		return nil
	}
	prefs := a.Preferences()
	if installed && !dataGiven && !prefs.Bool(prefStartAtLoginSet) {
		if err := e.SetEnabled(true); err != nil {
			log.Warn("start at sign-in: turning it on for a new install", "err", err)
		} else {
			log.Info("start at sign-in turned on (a new install); the profile page turns it off", "exec", exe)
		}
		prefs.SetBool(prefStartAtLoginSet, true)
	}
	return e
}
