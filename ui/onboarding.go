package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"
	"lanim/ui/style"
	"lanim/ui/widgets"
)

// The screens before sign-in: welcome (create or join an office), sign in, sign up. Each is a
// card in the middle of the window.

// onboardCard centres a card with the app icon, a title and a line of explanation over body.
func (c *Controller) onboardCard(title, subtitle string, body fyne.CanvasObject) fyne.CanvasObject {
	var top []fyne.CanvasObject
	if c.opts.Icon != nil {
		logo := canvas.NewImageFromResource(c.opts.Icon)
		logo.FillMode = canvas.ImageFillContain
		logo.SetMinSize(fyne.NewSquareSize(64))
		top = append(top, container.NewCenter(logo))
	}
	t := widgets.StyledText(title, theme.ColorNameForeground, theme.SizeNameHeadingText, fyne.TextStyle{Bold: true})
	t.Segments[0].(*widget.TextSegment).Style.Alignment = fyne.TextAlignCenter
	t.Segments[0].(*widget.TextSegment).Style.Inline = false
	top = append(top, t)
	if subtitle != "" {
		s := widgets.StyledText(subtitle, style.ColorSubtle, theme.SizeNameText, fyne.TextStyle{})
		s.Segments[0].(*widget.TextSegment).Style.Alignment = fyne.TextAlignCenter
		s.Segments[0].(*widget.TextSegment).Style.Inline = false
		s.Wrapping = fyne.TextWrapWord
		top = append(top, s)
	}
	top = append(top, widget.NewSeparator(), body)
	inner := container.New(layout.NewCustomPaddedLayout(28, 28, 32, 32), container.NewVBox(top...))
	card := container.NewStack(widgets.NewCard(14), inner)
	return container.NewStack(widgets.NewSurface(style.ColorOnboardBack),
		container.NewVScroll(container.New(widgets.AtTop(40), container.New(widgets.FixedWidth(460), card))))
}

// formError is the red line under a form.
func formError() *widget.Label {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return l
}

func showFormError(l *widget.Label, msg string) {
	l.SetText(msg)
	l.Show()
}

// formKeys makes Enter in any of a form's entries submit it, and hides its error as soon as a
// field is edited: the error was about what was typed before.
func formKeys(errLine *widget.Label, submit func(), entries ...*widget.Entry) {
	for _, e := range entries {
		e.OnSubmitted = func(string) { submit() }
		e.OnChanged = func(string) { errLine.Hide() }
	}
}

// busy disables a button while its action runs and puts a spinner beside it.
type busy struct {
	btn  *widget.Button
	spin *widget.Activity
	text string
}

func newBusy(btn *widget.Button) *busy {
	s := widget.NewActivity()
	s.Hide()
	return &busy{btn: btn, spin: s, text: btn.Text}
}

func (b *busy) start(text string) {
	b.btn.Disable()
	b.btn.SetText(text)
	b.spin.Show()
	b.spin.Start()
}

func (b *busy) stop() {
	b.btn.Enable()
	b.btn.SetText(b.text)
	b.spin.Stop()
	b.spin.Hide()
}

func (b *busy) row() fyne.CanvasObject {
	return container.NewBorder(nil, nil, nil, b.spin, b.btn)
}

// linkButton is a flat text button for the secondary ways out of a form.
func linkButton(text string, tapped func()) *widget.Button {
	b := widget.NewButton(text, tapped)
	b.Importance = widget.LowImportance
	return b
}

// passwordRule is the new-password field's placeholder.
var passwordRule = fmt.Sprintf("At least %d characters", openim.MinPasswordLen)

// accountFields are the fields of a new account, in the sign-up and the create-office forms.
type accountFields struct{ nickname, userID, password, confirm *widget.Entry }

func newAccountFields() accountFields {
	f := accountFields{nickname: widget.NewEntry(), userID: widget.NewEntry(), password: widget.NewPasswordEntry(),
		confirm: widget.NewPasswordEntry()}
	f.nickname.SetPlaceHolder("Your name, as others see it")
	f.userID.SetPlaceHolder("Sign-in ID: letters, digits, _")
	f.password.SetPlaceHolder(passwordRule) // the rule shows before the first try
	return f
}

// check validates the fields; "" when they are fine.
func (f accountFields) check() string {
	return accountCheck(f.userID.Text, f.nickname.Text, f.password.Text, f.confirm.Text)
}

// entries are the fields in form order.
func (f accountFields) entries() []*widget.Entry {
	return []*widget.Entry{f.nickname, f.userID, f.password, f.confirm}
}

// items are the form's rows.
func (f accountFields) items() []*widget.FormItem {
	return []*widget.FormItem{widget.NewFormItem("Your name", f.nickname), widget.NewFormItem("User ID", f.userID),
		widget.NewFormItem("Password", f.password), widget.NewFormItem("Confirm", f.confirm)}
}

// accountCheck validates a sign-up form; "" when it is fine.
func accountCheck(userID, nickname, password, confirm string) string {
	switch {
	case !openim.ValidID(userID):
		return fmt.Sprintf("User ID: use letters, digits and _ only (at most %d).", openim.MaxIDLen)
	case utf8.RuneCountInString(nickname) > openim.MaxNameLen:
		return "Your name is too long."
	case utf8.RuneCountInString(password) < openim.MinPasswordLen:
		return fmt.Sprintf("Password: at least %d characters.", openim.MinPasswordLen)
	case password != confirm:
		return "The passwords do not match."
	}
	return ""
}

// signInError explains a failed sign-in or sign-up.
func signInError(err error) string {
	switch openim.Code(err) {
	case openim.ErrNoPermission.Code:
		return "Wrong password."
	case openim.ErrRecordNotFound.Code, openim.ErrUserIDNotFound.Code:
		return "There is no account with this user ID in this office."
	case openim.ErrRegisteredAlready.Code:
		return "This user ID is taken; pick another."
	case openim.ErrNoQuorum.Code:
		return "The office is out of reach (no quorum). Try again when the other computers are back."
	case openim.ErrRateLimited.Code:
		return "Too many wrong passwords for this user ID. Wait a few seconds before the next try."
	}
	return "Could not sign in: " + errorText(err)
}

// showOnboarding is the first start on a fresh office: create it or join another. It offers no
// sign-in: it shows only while the office has no account.
func (c *Controller) showOnboarding(info *OfficeInfo) {
	create := newChoice(theme.ContentAddIcon(), "Create a new office",
		"Start an office on this computer, then invite the others with a join code.",
		func() { c.showCreateOffice(info) })
	join := newChoice(theme.LoginIcon(), "Join an office",
		"Pick an office on this network and paste a join code from one of its office admins.",
		func() { c.showJoinOffice(info) })
	body := container.NewVBox(create, join)
	c.setContent(c.onboardCard("Welcome to LanIM",
		"Office chat with no server: every computer in the office keeps a copy of the conversation.", body))
}

// newChoice is a large tappable option with an icon, a title and a sentence.
func newChoice(icon fyne.Resource, title, text string, tapped func()) fyne.CanvasObject {
	ic := widget.NewIcon(style.Colored(icon, theme.ColorNamePrimary))
	desc := widgets.StyledText(text, style.ColorSubtle, theme.SizeNameText, fyne.TextStyle{})
	desc.Wrapping = fyne.TextWrapWord
	desc.Segments[0].(*widget.TextSegment).Style.Inline = false
	body := container.NewBorder(nil, nil, container.NewCenter(container.New(widgets.FixedWidth(32), ic)), nil,
		container.NewVBox(widgets.Bold(title), desc))
	row := container.NewStack(widgets.NewCard(10), container.NewPadded(container.NewPadded(body)))
	return widgets.NewTapArea(row, tapped)
}

// showCreateOffice names the office this node made and creates the first account.
func (c *Controller) showCreateOffice(info *OfficeInfo) {
	office := widget.NewEntry()
	office.SetPlaceHolder("e.g. Acme Design Studio")
	acct := newAccountFields()
	errLine := formError()
	var b *busy
	submit := func() {
		name := strings.TrimSpace(office.Text)
		if msg := officeNameCheck(name); msg != "" {
			showFormError(errLine, msg)
			return
		}
		if msg := acct.check(); msg != "" {
			showFormError(errLine, msg)
			return
		}
		errLine.Hide()
		b.start("Creating the office…")
		id, nick, pw := acct.userID.Text, strings.TrimSpace(acct.nickname.Text), acct.password.Text
		call(c, func(ctx context.Context) (*Session, error) {
			if err := c.be.NameOffice(ctx, name); err != nil && !errors.Is(err, ErrNotSupported) {
				return nil, &officeNameError{err}
			}
			s, err := c.be.SignUp(ctx, id, nick, pw)
			if err != nil {
				return nil, err
			}
			// The account that creates the office runs it: it invites computers, renames the
			// office and grants the role to others, from any computer.
			if err := c.be.SetOfficeAdmin(ctx, id, true); err != nil && !errors.Is(err, ErrNotSupported) {
				c.log.Warn("make the office's creator an office admin", "err", err)
			}
			return s, nil
		}, func(s *Session) { c.signedIn(s) }, func(err error) {
			b.stop()
			var nameErr *officeNameError
			if errors.As(err, &nameErr) {
				showFormError(errLine, "Could not name the office: "+errorText(nameErr.err))
				return
			}
			showFormError(errLine, signInError(err))
		})
	}
	btn := widget.NewButtonWithIcon("Create office", theme.ConfirmIcon(), submit)
	btn.Importance = widget.HighImportance
	b = newBusy(btn)
	formKeys(errLine, submit, append([]*widget.Entry{office}, acct.entries()...)...)
	form := widget.NewForm(append([]*widget.FormItem{widget.NewFormItem("Office name", office)}, acct.items()...)...)
	back := linkButton("Back", func() { c.showOnboarding(info) })
	body := container.NewVBox(form, errLine, b.row(), container.NewCenter(back))
	c.setContent(c.onboardCard("Create your office", "You will be its first member.", body))
	c.win.Canvas().Focus(office)
}

// officeNameCheck validates an office name; "" when it is fine.
func officeNameCheck(name string) string {
	switch name = strings.TrimSpace(name); {
	case name == "":
		return "Give the office a name."
	case utf8.RuneCountInString(name) > openim.MaxOfficeNameLen:
		return fmt.Sprintf("The office name is too long (at most %d characters).", openim.MaxOfficeNameLen)
	}
	return ""
}

// officeNameError is a failure to name the office, told apart from the sign-up's.
type officeNameError struct{ err error }

func (e *officeNameError) Error() string { return e.err.Error() }
func (e *officeNameError) Unwrap() error { return e.err }

// showJoinOffice joins this node to an office: the user picks it among the offices found on the
// network (or not, the code carries addresses) and pastes a join code from one of its admins.
func (c *Controller) showJoinOffice(info *OfficeInfo) {
	code := widget.NewEntry()
	code.SetPlaceHolder("K7QM-3XTP-9HRW-2DFA, or a long lanim1-… code")
	errLine := formError()
	// What a join does while it runs goes on its own wrapping line: the button keeps a short label.
	joining := wrapped(widgets.Subtle("This computer copies the office: it can take a minute."))
	joining.Hide()
	var picked *OfficeAd
	var b *busy
	submit := func() {
		text := strings.TrimSpace(code.Text)
		if text == "" {
			showFormError(errLine, "Paste a join code first.")
			return
		}
		errLine.Hide()
		b.start("Joining…")
		joining.Show()
		var via *OfficeAd
		if picked != nil {
			cp := *picked
			via = &cp
		}
		call(c, func(ctx context.Context) (*OfficeInfo, error) {
			if err := c.be.JoinOffice(ctx, text, via); err != nil {
				return nil, err
			}
			return c.be.OfficeInfo(ctx)
		}, func(joined *OfficeInfo) {
			name := "the office"
			if joined.Name != "" {
				name = joined.Name
			}
			c.showSignIn(joined, "This computer joined "+name+". Sign in, or create your account.")
		}, func(err error) {
			b.stop()
			joining.Hide()
			if errors.Is(err, ErrNotSupported) {
				showFormError(errLine, "This window uses another computer's node (--connect-api), so it cannot "+
					"join an office. Start LanIM without it, or run: lanim --data NEWDIR --join-code CODE.")
				return
			}
			showFormError(errLine, "Could not join: "+errorText(err))
		})
	}
	code.OnSubmitted = func(string) { submit() }
	btn := widget.NewButtonWithIcon("Join office", theme.LoginIcon(), submit)
	btn.Importance = widget.HighImportance
	b = newBusy(btn)

	found := widget.NewLabel("Looking for offices on this network…")
	found.Wrapping = fyne.TextWrapWord
	step2 := widgets.Bold("Type or paste the join code")
	lan := container.NewVBox()
	var ads []OfficeAd
	var render func()
	render = func() {
		lan.RemoveAll()
		for i := range ads {
			ad := ads[i]
			sel := picked != nil && picked.ID == ad.ID
			lan.Add(officeAdRow(ad, sel, func() {
				if picked != nil && picked.ID == ad.ID {
					picked = nil
				} else {
					picked = &ad
				}
				render()
				c.win.Canvas().Focus(code)
			}))
		}
		if picked != nil {
			step2.Segments[0].(*widget.TextSegment).Text = "Type or paste the join code of " + displayOfficeName(*picked)
		} else {
			step2.Segments[0].(*widget.TextSegment).Text = "Type or paste the join code"
		}
		step2.Refresh()
		// The list changed size: lay the card out again (a nested container's Add does not).
		if cv := c.win.Canvas(); cv != nil && cv.Content() != nil {
			cv.Content().Refresh()
		}
	}
	var rescan *widget.Button
	refresh := func() {
		rescan.Show()
		found.SetText("Looking for offices on this network…")
		ads, picked = nil, nil
		render()
		call(c, c.be.Discover, func(got []OfficeAd) {
			ads = got
			switch len(ads) {
			case 0:
				found.SetText("No other office answered on this network. Paste a join code: it carries the " +
					"addresses of the office's computers.")
			case 1:
				found.SetText("Pick your office (one found on this network):")
				picked = &ads[0]
			default:
				found.SetText("Pick your office (" + plural(len(ads), "office") + " found on this network):")
			}
			render()
		}, func(err error) {
			if errors.Is(err, ErrNoDiscovery) || errors.Is(err, ErrNotSupported) {
				rescan.Hide() // searching again would not search either
			}
			switch {
			case errors.Is(err, ErrNoDiscovery):
				found.SetText("This computer does not search the network for offices. Paste a join code: it " +
					"carries the addresses of the office's computers.")
			case errors.Is(err, ErrNotSupported):
				found.SetText("This node cannot search the network; paste a join code.")
			default:
				found.SetText("Could not search the network: " + errorText(err))
			}
		})
	}
	rescan = linkButton("Search again", refresh)
	refresh()
	back := linkButton("Back", func() { c.showOnboarding(info) })
	note := widgets.Subtle("An office admin gets the code on the Office page (Add a computer): the short one works " +
		"on this network, the long one anywhere. It works once.")
	note.Wrapping = fyne.TextWrapWord
	body := container.NewVBox(found, lan, container.NewHBox(rescan), widget.NewSeparator(), step2, code, note,
		errLine, b.row(), joining, container.NewHBox(layout.NewSpacer(), back))
	c.setContent(c.onboardCard("Join an office",
		"This computer becomes part of the office and keeps its own copy.", body))
	c.win.Canvas().Focus(code)
}

// displayOfficeName is an office's name, or its ID when it announces none.
func displayOfficeName(ad OfficeAd) string {
	if ad.Name != "" {
		return ad.Name
	}
	return "office " + ad.ID
}

// officeAdRow is one office found on the LAN: its initials, name and computers; a tick when picked.
func officeAdRow(ad OfficeAd, selected bool, tapped func()) fyne.CanvasObject {
	name := displayOfficeName(ad)
	detail := plural(len(ad.Addrs), "computer")
	if len(ad.Addrs) > 0 {
		detail += " · " + strings.Join(ad.Addrs[:min(len(ad.Addrs), 3)], ", ")
	}
	var mark fyne.CanvasObject = layout.NewSpacer()
	if selected {
		mark = widget.NewIcon(style.Colored(theme.ConfirmIcon(), theme.ColorNamePrimary))
	}
	row := container.NewBorder(nil, nil, widgets.NewAvatar(nil, ad.ID, name, "", 36), container.NewCenter(mark),
		widgets.Tight(widgets.Bold(name), widgets.Truncated(widgets.Subtle(detail))))
	card := widgets.NewCard(10)
	if selected {
		card.SetFill(theme.ColorNameSelection)
	}
	t := widgets.NewTapArea(container.NewStack(card, container.NewPadded(row)), tapped)
	t.SetSelected(selected)
	return t
}

// showSignIn asks for user ID and password; note is a line above the form (why the user is
// here).
func (c *Controller) showSignIn(info *OfficeInfo, note string) {
	userID := widget.NewEntry()
	userID.SetPlaceHolder("User ID")
	userID.SetText(lastUserID(c.opts.SessionPath))
	password := widget.NewPasswordEntry()
	password.SetPlaceHolder("Password")
	errLine := formError()
	var b *busy
	submit := func() {
		if userID.Text == "" || password.Text == "" {
			showFormError(errLine, "Enter your user ID and password.")
			return
		}
		errLine.Hide()
		b.start("Signing in…")
		id, pw := strings.TrimSpace(userID.Text), password.Text
		call(c, func(ctx context.Context) (*Session, error) {
			return c.be.SignIn(ctx, id, pw)
		}, func(s *Session) { c.signedIn(s) }, func(err error) {
			b.stop()
			showFormError(errLine, signInError(err))
		})
	}
	password.OnSubmitted = func(string) { submit() }
	userID.OnSubmitted = func(string) { c.win.Canvas().Focus(password) }
	btn := widget.NewButtonWithIcon("Sign in", theme.LoginIcon(), submit)
	btn.Importance = widget.HighImportance
	b = newBusy(btn)
	signUp := linkButton("Create an account", func() { c.showSignUp(info) })
	join := linkButton("Join another office", func() { c.showJoinOffice(info) })
	items := []fyne.CanvasObject{}
	if note != "" {
		l := widget.NewLabel(note)
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		items = append(items, l)
	}
	items = append(items, userID, password, errLine, b.row(), container.NewHBox(signUp, layout.NewSpacer(), join))
	sub := "Office chat with no server."
	if info != nil && info.Name != "" {
		sub = info.Name
	}
	c.setContent(c.onboardCard("Sign in to LanIM", sub, container.NewVBox(items...)))
	if userID.Text == "" {
		c.win.Canvas().Focus(userID)
	} else {
		c.win.Canvas().Focus(password)
	}
}

// showSignUp creates an account in this node's office.
func (c *Controller) showSignUp(info *OfficeInfo) {
	acct := newAccountFields()
	errLine := formError()
	var b *busy
	submit := func() {
		if msg := acct.check(); msg != "" {
			showFormError(errLine, msg)
			return
		}
		errLine.Hide()
		b.start("Creating your account…")
		id, nick, pw := acct.userID.Text, strings.TrimSpace(acct.nickname.Text), acct.password.Text
		call(c, func(ctx context.Context) (*Session, error) {
			return c.be.SignUp(ctx, id, nick, pw)
		}, func(s *Session) { c.signedIn(s) }, func(err error) {
			b.stop()
			showFormError(errLine, signInError(err))
		})
	}
	formKeys(errLine, submit, acct.entries()...)
	btn := widget.NewButtonWithIcon("Create account", theme.ConfirmIcon(), submit)
	btn.Importance = widget.HighImportance
	b = newBusy(btn)
	form := widget.NewForm(acct.items()...)
	back := linkButton("I have an account: sign in", func() { c.showSignIn(info, "") })
	sub := "Your password is kept hashed and copied to every computer in the office."
	if info != nil && info.Name != "" {
		sub = "Join " + info.Name + ". " + sub
	}
	c.setContent(c.onboardCard("Create your account", sub,
		container.NewVBox(form, errLine, b.row(), container.NewCenter(back))))
	c.win.Canvas().Focus(acct.nickname)
}
