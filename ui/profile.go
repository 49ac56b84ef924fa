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
