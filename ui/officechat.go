package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"lanim/ui/widgets"
)

// chatRuleSection is the office's choice whether a single chat needs a friendship: off by default
// (colleagues message each other), an office admin turns it on. The node checks it on every send.
func (p *officePage) chatRuleSection(st *ClusterStatus) fyne.CanvasObject {
	c := p.c
	check := widget.NewCheck("Chats need a friendship", nil)
	check.SetChecked(st.RequireFriendship)
	check.OnChanged = func(on bool) {
		what := "let colleagues chat without a friendship"
		if on {
			what = "make chats need a friendship"
		}
		check.Disable() // until the node answers
		call(c, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, c.be.SetRequireFriendship(ctx, on)
		}, func(struct{}) {
			c.dir.needFriend = on
			if c.shell != nil {
				c.shell.people.refresh()
			}
			p.reload()
		}, func(err error) {
			c.fail(what, err)
			p.reload() // the box shows the office's setting again
		})
	}
	explain := "Off: anyone in the office can message anyone (the People page lists everyone). " +
		"On: two people chat only once they are friends."
	body := container.NewVBox(widget.NewLabel(""), widgets.Bold("Chats"), check, wrapped(widgets.Subtle(explain)))
	if !p.canRun() {
		check.Disable()
		body.Add(wrapped(widgets.Subtle("Only an office admin changes this: ask " + p.adminNames() + ".")))
	}
	return body
}
