package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/ui/widgets"
)

// listPage is the frame the Contacts and Groups pages share: a heading with its buttons and a
// search field over the list at the left, the picked item at the right.
type listPage struct {
	content fyne.CanvasObject
	search  *keyEntry
	list    *fyne.Container
	detail  *fyne.Container
}

// newListPage builds the frame; typing in the search field calls refreshList.
func newListPage(c *Controller, title, placeholder string, refreshList func(), buttons ...*widget.Button) listPage {
	p := listPage{list: container.NewVBox(), detail: container.NewStack()}
	p.search = newKeyEntry(c)
	p.search.SetPlaceHolder(placeholder)
	p.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	p.search.OnChanged = func(string) { refreshList() }
	var right []fyne.CanvasObject
	for _, b := range buttons {
		b.Importance = widget.LowImportance
		right = append(right, b)
	}
	var bar fyne.CanvasObject = right[0]
	if len(right) > 1 {
		bar = container.NewHBox(right...)
	}
	header := container.NewBorder(nil, nil, nil, bar, widgets.Heading(title))
	top := container.NewVBox(container.NewPadded(header), container.NewPadded(p.search))
	left := widgets.TopThen(top, container.NewVScroll(container.NewPadded(p.list)))
	p.content = listThen(left, container.NewStack(widgets.NewSurface(theme.ColorNameBackground), p.detail))
	return p
}

// query is the search text as the list matches it: lower case, trimmed ("" lists everything).
func (p *listPage) query() string { return strings.ToLower(strings.TrimSpace(p.search.Text)) }

// listRow is one row of the list: an avatar, a title and a line under it; tapping shows it.
func listRow(av *widgets.Avatar, title string, sub *widget.RichText, selected bool,
	tapped func()) *widgets.TapArea {
	row := widgets.NewTapArea(container.NewPadded(container.NewBorder(nil, nil, av, nil,
		widgets.Tight(widgets.Truncated(widgets.Bold(title)), sub))), tapped)
	row.SetSelected(selected)
	return row
}

// endList finishes a rebuilt list of n rows: an empty list says none, or noMatch (a format for
// the search text) when a search found nothing.
func (p *listPage) endList(n int, none, noMatch string) {
	if n == 0 {
		l := widgets.EmptyNote(none)
		if p.query() != "" {
			widgets.SetText(l, fmt.Sprintf(noMatch, p.search.Text))
		}
		p.list.Add(l)
	}
	p.list.Refresh()
}

func (p *listPage) setDetail(o fyne.CanvasObject) {
	p.detail.Objects = []fyne.CanvasObject{o}
	p.detail.Refresh()
}

// showHint is the detail pane while nothing is picked: the page's name and what to do.
func (p *listPage) showHint(title, hint string) {
	p.setDetail(hintBox(centred(widgets.Heading(title)), centred(widgets.Subtle(hint))))
}

// hintWidth is how wide a hint's lines run before they wrap.
const hintWidth = 400

// hintBox centres lines of a hint in a pane; wrapped lines (centred) make it narrow with the
// window instead of widening it.
func hintBox(lines ...fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(layout.NewSpacer(), container.New(widgets.MaxWidth(hintWidth), container.NewVBox(lines...)),
		layout.NewSpacer())
}
