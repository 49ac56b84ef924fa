package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/ui/style"
)

// StyledText is one run of text in a theme colour and size; it follows theme changes, which a
// canvas.Text does not.
func StyledText(s string, c fyne.ThemeColorName, size fyne.ThemeSizeName, ts fyne.TextStyle) *widget.RichText {
	t := widget.NewRichText(&widget.TextSegment{Text: s, Style: widget.RichTextStyle{ColorName: c, SizeName: size,
		TextStyle: ts, Inline: true}})
	return t
}

// SetText changes the text of a StyledText.
func SetText(t *widget.RichText, s string) {
	seg := t.Segments[0].(*widget.TextSegment)
	if seg.Text == s {
		return
	}
	seg.Text = s
	t.Refresh()
}

// SetTextColor changes the colour of a StyledText.
func SetTextColor(t *widget.RichText, c fyne.ThemeColorName) {
	seg := t.Segments[0].(*widget.TextSegment)
	if seg.Style.ColorName == c {
		return
	}
	seg.Style.ColorName = c
	t.Refresh()
}

// Truncated makes a StyledText end in an ellipsis when it does not fit.
func Truncated(t *widget.RichText) *widget.RichText {
	t.Truncation = fyne.TextTruncateEllipsis
	return t
}

// EmptyNote is the word-wrapped line a page shows when it has nothing to list: secondary text,
// not the disabled colour a low-importance label takes (too faint to read, 1.4:1).
func EmptyNote(s string) *widget.RichText {
	t := StyledText(s, style.ColorSubtle, theme.SizeNameText, fyne.TextStyle{})
	t.Wrapping = fyne.TextWrapWord
	return t
}

func Subtle(s string) *widget.RichText {
	return StyledText(s, style.ColorSubtle, theme.SizeNameCaptionText, fyne.TextStyle{})
}

func Bold(s string) *widget.RichText {
	return StyledText(s, theme.ColorNameForeground, theme.SizeNameText, fyne.TextStyle{Bold: true})
}

func Heading(s string) *widget.RichText {
	return StyledText(s, theme.ColorNameForeground, theme.SizeNameSubHeadingText, fyne.TextStyle{Bold: true})
}
