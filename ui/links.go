package ui

import (
	"image/color"
	"net/url"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/ui/style"
)

// Links in message text. Only web and mail links open: a message is written by someone else, so
// file:, javascript: or a custom scheme never reaches the system's URL handler from a click.

// linkSchemes are the prefixes a link starts with, as typed.
var linkSchemes = []string{"https://", "http://", "mailto:"}

// trailingPunct ends a sentence rather than a URL ("see https://x.org/a." links to /a).
const trailingPunct = ".,;:!?)]}'\"»”’"

// textPart is a run of message text; url is set when the run is a link.
type textPart struct {
	text string
	url  *url.URL
}

// splitLinks cuts text into plain runs and links; joining the runs gives text back unchanged.
func splitLinks(text string) []textPart {
	var parts []textPart
	plainFrom := 0
	for i := 0; i < len(text); {
		if i > 0 && !isSpaceByte(text[i-1]) && !strings.ContainsRune("(<[\"'", rune(text[i-1])) {
			i++
			continue
		}
		end := linkEnd(text[i:])
		if end == 0 {
			i++
			continue
		}
		u := parseLink(text[i : i+end])
		if u == nil {
			i += end
			continue
		}
		if plainFrom < i {
			parts = append(parts, textPart{text: text[plainFrom:i]})
		}
		parts = append(parts, textPart{text: text[i : i+end], url: u})
		i += end
		plainFrom = i
	}
	if plainFrom < len(text) {
		parts = append(parts, textPart{text: text[plainFrom:]})
	}
	return parts
}

func isSpaceByte(b byte) bool { return b == ' ' || b == '\n' || b == '\t' || b == '\r' }

// linkEnd is the length of the link starting s, 0 when s starts none.
func linkEnd(s string) int {
	lower := strings.ToLower(s)
	for _, p := range linkSchemes {
		if strings.HasPrefix(lower, p) {
			n := strings.IndexAny(s, " \n\t\r<>\"")
			if n < 0 {
				n = len(s)
			}
			for n > len(p) && strings.ContainsRune(trailingPunct, rune(s[n-1])) {
				n--
			}
			if n == len(p) {
				return 0
			}
			return n
		}
	}
	return 0
}

// parseLink is the URL a link opens: http and https with a host, mailto with an address.
func parseLink(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		return nil
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return nil
		}
	case "mailto":
		if u.Opaque == "" {
			return nil
		}
	default:
		return nil
	}
	return u
}

// richTextWithLinks is text as rich text segments of one colour, each link a hyperlink that
// open opens.
func richTextWithLinks(text string, color fyne.ThemeColorName, open func(*url.URL)) []widget.RichTextSegment {
	parts := splitLinks(text)
	if len(parts) == 0 {
		parts = []textPart{{}}
	}
	segs := make([]widget.RichTextSegment, 0, len(parts))
	for i, p := range parts {
		last := i == len(parts)-1
		if p.url != nil {
			u := p.url
			segs = append(segs, &widget.HyperlinkSegment{Text: p.text, URL: u, OnTapped: func() { open(u) }})
			continue
		}
		segs = append(segs, &widget.TextSegment{Text: p.text,
			Style: widget.RichTextStyle{ColorName: color, Inline: !last}})
	}
	return segs
}

// ownBubbleTheme draws links in the text colour of the user's own bubbles, whose fill is the
// primary colour links otherwise take.
type ownBubbleTheme struct{}

func (ownBubbleTheme) current() fyne.Theme { return fyne.CurrentApp().Settings().Theme() }

func (t ownBubbleTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameHyperlink {
		n = style.ColorBubbleText
	}
	return t.current().Color(n, v)
}
func (t ownBubbleTheme) Font(s fyne.TextStyle) fyne.Resource     { return t.current().Font(s) }
func (t ownBubbleTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return t.current().Icon(n) }
func (t ownBubbleTheme) Size(n fyne.ThemeSizeName) float32       { return t.current().Size(n) }

// openLink opens a link of a message in the system's browser or mail program.
func (c *Controller) openLink(u *url.URL) {
	if parseLink(u.String()) == nil {
		return
	}
	if err := c.opts.OpenURL(u); err != nil {
		c.fail("open the link", err)
	}
}
