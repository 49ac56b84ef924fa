package ui

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"
	"lanim/node/pb"

	"lanim/ui/widgets"
)

// Away and the status text. OpenIM's presence is only which platforms a user is connected on
// (WS 2005's onlinePlatformIDs; get_users_online_status 0 or 1): it has no "away". So LanIM keeps
// presence as it is (a third-party client still sees an away colleague online, which they are)
// and writes away and the status text into the user's `ex`, the free field upstream keeps on
// every user (update_user_info_ex, replicated, read with get_users_info), under one key of a
// JSON object so what other clients keep in ex stays.

const (
	// awayAfter is how long without input makes the user away.
	awayAfter = 10 * time.Minute
	// awayCheckEvery is how often the app looks at the idle time.
	awayCheckEvery = 30 * time.Second
	// maxStatusLen bounds the status text (runes), so it fits a list row.
	maxStatusLen = 80
	// exKey is LanIM's key in the user's ex object.
	exKey = "lanim"
)

// userStatus is LanIM's part of a user's ex.
type userStatus struct {
	Away bool   `json:"away,omitempty"`
	Text string `json:"status,omitempty"`
}

// statusOf reads LanIM's status from a user's ex; anything else (empty, not JSON, another
// client's shape) is no status.
func statusOf(ex string) userStatus {
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(ex), &obj) != nil {
		return userStatus{}
	}
	var s userStatus
	if raw, ok := obj[exKey]; ok && json.Unmarshal(raw, &s) != nil {
		return userStatus{}
	}
	return s
}

// withStatus returns ex with LanIM's status set, keeping the other keys of a JSON object; ok is
// false when ex holds something else, which LanIM leaves alone.
func withStatus(ex string, s userStatus) (string, bool) {
	obj := map[string]json.RawMessage{}
	if strings.TrimSpace(ex) != "" && json.Unmarshal([]byte(ex), &obj) != nil {
		return ex, false
	}
	if s == (userStatus{}) {
		delete(obj, exKey)
	} else {
		b, err := json.Marshal(s)
		if err != nil {
			return ex, false
		}
		obj[exKey] = b
	}
	if len(obj) == 0 {
		return "", true
	}
	b, err := json.Marshal(obj) // map keys sorted: the same status gives the same ex
	if err != nil {
		return ex, false
	}
	return string(b), true
}

// noteInput records that the user did something in the window; an away user is back.
func (c *Controller) noteInput() {
	c.lastInput = c.clock.now()
	if c.session != nil && statusOf(c.self.GetEx()).Away {
		c.checkAway()
	}
}

// awayNow is the away rule: away while the screen is locked, or after awayAfter without input
// in the window and, when the desktop tells its idle time, anywhere on the desktop (typing in
// another program is being at the computer). The desktop's reading is aged by the time since it
// was taken, and a keystroke in the window newer than the reading counts too.
func awayNow(now, lastInput time.Time, r idleReading) bool {
	if r.locked {
		return true
	}
	idle := now.Sub(lastInput)
	if r.known {
		idle = min(idle, r.idle+now.Sub(r.at))
	}
	return idle >= awayAfter
}

// checkAway sets the user away or back by awayNow, from the window's last input and the idle
// source's last reading. It writes only on a change.
func (c *Controller) checkAway() {
	if c.session == nil || c.self == nil || c.awayWriting {
		return
	}
	away := awayNow(c.clock.now(), c.lastInput, c.idle)
	s := statusOf(c.self.Ex)
	if s.Away == away {
		return
	}
	s.Away = away
	c.setStatus(s, "")
}

// SetStatusText sets the user's status text (the profile's "Status"), trimmed to one line.
func (c *Controller) SetStatusText(text string) {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) > maxStatusLen {
		text = string([]rune(text)[:maxStatusLen])
	}
	s := statusOf(c.self.Ex)
	s.Text = text
	c.setStatus(s, "set your status")
}

// setStatus writes the status into the user's ex through the node. what names a user's action
// for its error; the automatic away change fails quietly and is tried again at the next check.
func (c *Controller) setStatus(s userStatus, what string) {
	ex, ok := withStatus(c.self.Ex, s)
	if !ok {
		if what != "" {
			c.toast("Your profile's extra field belongs to another app: LanIM leaves it as it is.")
		}
		return
	}
	c.awayWriting = true
	call(c, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, c.be.SetEx(ctx, ex)
	}, func(struct{}) {
		c.awayWriting = false
		c.self.Ex = ex
		c.refreshTray()
		if c.shell != nil {
			c.shell.selfChanged()
		}
	}, func(err error) {
		c.awayWriting = false
		if what != "" {
			c.fail(what, err)
		} else {
			c.log.Info("away: status not written", "err", err)
		}
	})
}

// watchAway checks the idle time every awayCheckEvery until the controller stops (also while
// the window is hidden: the user is away or back all the same).
func (c *Controller) watchAway() {
	c.every(awayCheckEvery, func() bool {
		c.pollIdle()
		return false
	})
}

// pollIdle reads the idle source (off the UI goroutine) and applies the reading.
func (c *Controller) pollIdle() {
	r := readIdle(c.ctx, c.opts.Idle)
	c.post(func() {
		r.at = c.clock.now()
		c.idle = r
		c.checkAway()
		c.reloadOnlineProfiles()
	})
}

// presenceOf is a user's presence for an avatar dot: 2 away (online, and their status says
// away), 1 online, -1 offline, 0 unknown.
func (c *Controller) presenceOf(id string) int {
	p := c.online(id)
	if p == 1 {
		if u := c.users[id]; u != nil && statusOf(u.Ex).Away {
			return 2
		}
	}
	return p
}

// presenceWords says a presence in words, with the status text when there is one.
func (c *Controller) presenceWords(id string) string {
	var w string
	switch c.presenceOf(id) {
	case 2:
		w = "away"
	case 1:
		w = "online"
	case -1:
		w = "offline"
	}
	if u := c.users[id]; u != nil {
		if t := statusOf(u.Ex).Text; t != "" {
			if w != "" {
				return w + " · " + t
			}
			return t
		}
	}
	return w
}

// statusField is the profile's status text: Enter or Set saves it, an empty text clears it.
func statusField(c *Controller) fyne.CanvasObject {
	e := newKeyEntry(c)
	e.SetPlaceHolder("What you are up to, e.g. In a meeting until 3")
	e.SetText(statusOf(c.self.GetEx()).Text)
	e.Validator = nil
	set := widget.NewButtonWithIcon("Set", theme.ConfirmIcon(), func() { c.SetStatusText(e.Text) })
	e.OnSubmitted = func(string) { c.SetStatusText(e.Text) }
	box := container.NewVBox(container.NewBorder(nil, nil, nil, set, e))
	if statusOf(c.self.GetEx()).Away {
		box.Add(wrapped(widgets.Subtle("You show as away: no input for 10 minutes, or the screen is locked.")))
	}
	return box
}

// reloadOnlineProfiles re-reads the profiles of the people online (only they can be away), so
// their away and status text show without a push: upstream notifies an ex change to the user
// alone.
func (c *Controller) reloadOnlineProfiles() {
	if c.session == nil || !c.focused || c.hidden {
		return
	}
	var ids []string
	for id, on := range c.presence {
		if on && len(ids) < openim.MaxBatch {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	slices.Sort(ids)
	call(c, func(ctx context.Context) ([]*pb.UserInfo, error) { return c.be.Users(ctx, ids) },
		func(us []*pb.UserInfo) {
			changed := false
			for _, u := range us {
				if old := c.users[u.UserID]; old == nil || old.Ex != u.Ex {
					changed = true
					if old != nil {
						old.Ex = u.Ex
					} else {
						c.users[u.UserID] = u
					}
				}
			}
			if changed {
				c.refreshPresence()
			}
		}, func(err error) { c.log.Info("away: profiles not read", "err", err) })
}
