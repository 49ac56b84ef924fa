package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/ui/style"
	"lanim/ui/widgets"
)

// profilePage is the user's own card: picture, name, theme, sign out.
type profilePage struct {
	c       *Controller
	content fyne.CanvasObject
	body    *fyne.Container
}

func newProfilePage(c *Controller) *profilePage {
	p := &profilePage{c: c, body: container.NewStack()}
	p.content = container.NewStack(widgets.NewSurface(theme.ColorNameBackground), p.body)
	p.refresh()
	return p
}

func (p *profilePage) refresh() {
	c := p.c
	self := c.self
	av := widgets.NewAvatar(c.pics, self.UserID, self.Nickname, self.FaceURL, 112)
	changeFace := widget.NewButtonWithIcon("Change picture", theme.ColorPaletteIcon(), func() {
		pickFace(c, self.UserID, self.Nickname, self.FaceURL, func(face string) {
			nick := self.Nickname
			c.try("change your picture", func(ctx context.Context) error { return c.be.UpdateSelf(ctx, nick, face) },
				c.reloadSelf)
		})
	})
	nickname := widget.NewEntry()
	nickname.SetText(self.Nickname)
	save := widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), nil)
	save.Importance = widget.HighImportance
	save.OnTapped = func() {
		nick := strings.TrimSpace(nickname.Text)
		if nick == "" || nick == self.Nickname {
			return
		}
		face := self.FaceURL
		c.try("change your name", func(ctx context.Context) error { return c.be.UpdateSelf(ctx, nick, face) }, func() {
			c.toast("Saved.")
			c.reloadSelf()
		})
	}
	nickname.OnSubmitted = func(string) { save.OnTapped() }

	mode := widget.NewRadioGroup([]string{"Follow the system", "Light", "Dark"}, nil)
	mode.Horizontal = false // three choices side by side made the page 650 wide
	mode.SetSelected(map[style.Mode]string{style.ModeSystem: "Follow the system", style.ModeLight: "Light",
		style.ModeDark: "Dark"}[currentThemeMode(c)])
	mode.OnChanged = func(s string) {
		m := map[string]style.Mode{"Follow the system": style.ModeSystem, "Light": style.ModeLight, "Dark": style.ModeDark}[s]
		if m != "" && m != currentThemeMode(c) {
			setThemeMode(c, m)
		}
	}
	signOut := widget.NewButtonWithIcon("Sign out", theme.LogoutIcon(), func() {
		dialog.ShowConfirm("Sign out?", "You will need your password to sign in again.", func(ok bool) {
			if ok {
				c.SignOut()
			}
		}, c.win)
	})
	signOut.Importance = widget.DangerImportance

	form := widget.NewForm(
		widget.NewFormItem("Name", container.NewBorder(nil, nil, nil, save, nickname)),
		widget.NewFormItem("Status", statusField(c)),
		widget.NewFormItem("User ID", widget.NewLabel(self.UserID)),
		widget.NewFormItem("Theme", mode),
	)
	if c.opts.StartAtLogin != nil {
		form.Append("Start", startAtLoginField(c))
	}
	card := container.NewVBox(
		container.NewCenter(av),
		container.NewCenter(widgets.Heading(self.Nickname)),
		container.NewCenter(changeFace),
		widget.NewSeparator(),
		form,
		widget.NewSeparator(),
		container.NewCenter(signOut),
	)
	p.body.Objects = []fyne.CanvasObject{detailPage("Profile", nil, card)}
	p.body.Refresh()
}

// StartAtLogin is the OS's start at sign-in (app/autostart's Entry).
type StartAtLogin interface {
	Enabled() (bool, error)
	SetEnabled(on bool) error
}

// startAtLoginField is the profile's switch for starting LanIM at sign-in: the office works
// while its computers run LanIM, so a new install has it on. It reads and writes a local file
// or registry value, quick enough for the UI goroutine.
func startAtLoginField(c *Controller) fyne.CanvasObject {
	on, err := c.opts.StartAtLogin.Enabled()
	if err != nil {
		c.log.Warn("start at sign-in: read", "err", err)
	}
	check := widget.NewCheck("Start LanIM when I sign in to this computer", nil)
	check.SetChecked(on)
	var changed func(bool)
	changed = func(v bool) {
		if err := c.opts.StartAtLogin.SetEnabled(v); err != nil {
			c.fail("change the start at sign-in", err)
			now, _ := c.opts.StartAtLogin.Enabled()
			check.OnChanged = nil // show what holds without writing again
			check.SetChecked(now)
			check.OnChanged = changed
		}
	}
	check.OnChanged = changed
	return container.NewVBox(check, wrapped(widgets.Subtle(
		"On a desktop with a tray, closing the window keeps LanIM running there, so the office and your messages reach this computer; Quit is in the tray's menu and the LanIM menu.")))
}

// faceChoices are the emoji faces a user or group can pick (an emoji on the colour of the ID),
// besides a picture of their own.
var faceChoices = []string{"🦊", "🐼", "🐨", "🐯", "🦁", "🐸", "🐙", "🦉", "🐳", "🦄", "🐝", "🐢",
	"🌵", "🌻", "🍀", "🌈", "🌙", "🔥", "🎧", "🎨", "🚀", "⚽", "🎲", "☕"}

// pickFace offers a picture file, the face choices and "initials"; chosen gets the new faceURL.
func pickFace(c *Controller, id, name, current string, chosen func(face string)) {
	grid := container.NewGridWithColumns(6)
	var d dialog.Dialog
	add := func(face string) {
		av := widgets.NewAvatar(c.pics, id, name, face, 48)
		t := widgets.NewTapArea(container.NewPadded(av), func() {
			d.Hide()
			if face != current {
				chosen(face)
			}
		})
		t.SetSelected(face == current)
		grid.Add(t)
	}
	add("")
	for _, e := range faceChoices {
		add(widgets.EmojiFacePrefix + e)
	}
	upload := widget.NewButtonWithIcon("Upload a picture…", theme.FileImageIcon(), func() {
		d.Hide()
		c.pickPicture(func(path string) { c.uploadFace(path, chosen) })
	})
	upload.Importance = widget.HighImportance
	body := container.NewVBox(container.NewCenter(upload), widgets.Subtle("Or an emoji on a colour:"), grid)
	d = dialog.NewCustom("Choose a picture", "Cancel", body, c.win)
	d.Show()
}
