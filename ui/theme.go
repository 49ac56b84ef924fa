package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// The app's own colour names, for surfaces Fyne has no name for.
const (
	colorRail        fyne.ThemeColorName = "lanim.rail"        // the navigation rail
	colorRailIcon    fyne.ThemeColorName = "lanim.railIcon"    // rail icons and text
	colorRailActive  fyne.ThemeColorName = "lanim.railActive"  // the selected rail item
	colorPanel       fyne.ThemeColorName = "lanim.panel"       // list pane
	colorChat        fyne.ThemeColorName = "lanim.chat"        // behind the messages
	colorBubbleOwn   fyne.ThemeColorName = "lanim.bubbleOwn"   // the user's messages
	colorBubbleText  fyne.ThemeColorName = "lanim.bubbleText"  // text on the user's messages
	colorBubblePeer  fyne.ThemeColorName = "lanim.bubblePeer"  // everyone else's
	colorBadge       fyne.ThemeColorName = "lanim.badge"       // unread count
	colorBadgeMuted  fyne.ThemeColorName = "lanim.badgeMuted"  // unread count of a muted conversation
	colorSubtle      fyne.ThemeColorName = "lanim.subtle"      // secondary text
	colorPinned      fyne.ThemeColorName = "lanim.pinned"      // pinned conversation rows
	colorBannerBg    fyne.ThemeColorName = "lanim.banner"      // the offline banner
	colorBannerText  fyne.ThemeColorName = "lanim.bannerText"  // text on it
	colorNoticePill  fyne.ThemeColorName = "lanim.noticePill"  // day separators, event lines
	colorOnlineDot   fyne.ThemeColorName = "lanim.online"      // presence dot
	colorCardBorder  fyne.ThemeColorName = "lanim.cardBorder"  // cards and peer bubbles
	colorOnboardBack fyne.ThemeColorName = "lanim.onboardBack" // behind the onboarding card
)

// ThemeMode is the user's choice of light or dark; ThemeSystem follows the desktop.
type ThemeMode string

const (
	ThemeSystem ThemeMode = "system"
	ThemeLight  ThemeMode = "light"
	ThemeDark   ThemeMode = "dark"
)

// lanimTheme is Fyne's default theme with LanIM's colours (the blue-teal of the icon) and
// slightly rounder, roomier widgets. mode forces a variant unless it is ThemeSystem.
type lanimTheme struct {
	mode ThemeMode
}

var _ fyne.Theme = (*lanimTheme)(nil)

func rgb(hex uint32) color.NRGBA {
	return color.NRGBA{R: uint8(hex >> 16), G: uint8(hex >> 8), B: uint8(hex), A: 0xff}
}

func rgba(hex uint32, a uint8) color.NRGBA {
	c := rgb(hex)
	c.A = a
	return c
}

// palette holds one variant's colours.
var palette = map[fyne.ThemeVariant]map[fyne.ThemeColorName]color.Color{
	theme.VariantLight: {
		theme.ColorNamePrimary:             rgb(0x1877C9),
		theme.ColorNameBackground:          rgb(0xFFFFFF),
		theme.ColorNameForeground:          rgb(0x1F2329),
		theme.ColorNameButton:              rgb(0xEEF1F5),
		theme.ColorNameInputBackground:     rgb(0xF2F4F7),
		theme.ColorNameInputBorder:         rgb(0xD5DAE1),
		theme.ColorNameSeparator:           rgb(0xE6E9EE),
		theme.ColorNameHover:               rgba(0x1877C9, 0x14),
		theme.ColorNameSelection:           rgba(0x1877C9, 0x26),
		theme.ColorNameFocus:               rgba(0x1877C9, 0x55),
		theme.ColorNameHeaderBackground:    rgb(0xF6F7F9),
		theme.ColorNameMenuBackground:      rgb(0xFFFFFF),
		theme.ColorNameOverlayBackground:   rgb(0xFFFFFF),
		theme.ColorNamePlaceHolder:         rgb(0x646B76),
		theme.ColorNameScrollBar:           rgba(0x000000, 0x40),
		theme.ColorNameSuccess:             rgb(0x2E9E5B),
		theme.ColorNameError:               rgb(0xD64545),
		theme.ColorNameWarning:             rgb(0xE59A1A),
		colorRail:                          rgb(0x1D2633),
		colorRailIcon:                      rgb(0xAEB8C6),
		colorRailActive:                    rgb(0x2C8BE0),
		colorPanel:                         rgb(0xF7F8FA),
		colorChat:                          rgb(0xF0F2F5),
		colorBubbleOwn:                     rgb(0x1877C9),
		colorBubbleText:                    rgb(0xFFFFFF),
		colorBubblePeer:                    rgb(0xFFFFFF),
		colorBadge:                         rgb(0xE5484D),
		colorBadgeMuted:                    rgb(0xA3AAB5),
		colorSubtle:                        rgb(0x5F6670),
		colorPinned:                        rgb(0xEDF2F8),
		colorBannerBg:                      rgb(0xFFF1D6),
		colorBannerText:                    rgb(0x7A4B00),
		colorNoticePill:                    rgba(0x000000, 0x0F),
		colorOnlineDot:                     rgb(0x2EB872),
		colorCardBorder:                    rgb(0xE3E6EB),
		colorOnboardBack:                   rgb(0xE9EEF4),
		theme.ColorNameForegroundOnPrimary: rgb(0xFFFFFF),
	},
	theme.VariantDark: {
		theme.ColorNamePrimary:             rgb(0x3A9BEA),
		theme.ColorNameBackground:          rgb(0x1B1E24),
		theme.ColorNameForeground:          rgb(0xE6E8EB),
		theme.ColorNameButton:              rgb(0x2B3039),
		theme.ColorNameInputBackground:     rgb(0x252932),
		theme.ColorNameInputBorder:         rgb(0x3A404C),
		theme.ColorNameSeparator:           rgb(0x2C313A),
		theme.ColorNameHover:               rgba(0xFFFFFF, 0x10),
		theme.ColorNameSelection:           rgba(0x3A9BEA, 0x38),
		theme.ColorNameFocus:               rgba(0x3A9BEA, 0x66),
		theme.ColorNameHeaderBackground:    rgb(0x22262D),
		theme.ColorNameMenuBackground:      rgb(0x262A32),
		theme.ColorNameOverlayBackground:   rgb(0x22262D),
		theme.ColorNamePlaceHolder:         rgb(0xA0A8B4),
		theme.ColorNameScrollBar:           rgba(0xFFFFFF, 0x40),
		theme.ColorNameSuccess:             rgb(0x3DBA70),
		theme.ColorNameError:               rgb(0xF06262),
		theme.ColorNameWarning:             rgb(0xF0AD3C),
		colorRail:                          rgb(0x111419),
		colorRailIcon:                      rgb(0x8D97A5),
		colorRailActive:                    rgb(0x3A9BEA),
		colorPanel:                         rgb(0x1F2329),
		colorChat:                          rgb(0x16191E),
		colorBubbleOwn:                     rgb(0x2A72B5),
		colorBubbleText:                    rgb(0xFFFFFF),
		colorBubblePeer:                    rgb(0x2A2F38),
		colorBadge:                         rgb(0xE5484D),
		colorBadgeMuted:                    rgb(0x5C6470),
		colorSubtle:                        rgb(0x9AA2AE),
		colorPinned:                        rgb(0x252A33),
		colorBannerBg:                      rgb(0x4A3512),
		colorBannerText:                    rgb(0xFFD98A),
		colorNoticePill:                    rgba(0xFFFFFF, 0x12),
		colorOnlineDot:                     rgb(0x3DBA70),
		colorCardBorder:                    rgb(0x2E333D),
		colorOnboardBack:                   rgb(0x13161A),
		theme.ColorNameForegroundOnPrimary: rgb(0xFFFFFF),
	},
}

func (t *lanimTheme) variant(v fyne.ThemeVariant) fyne.ThemeVariant {
	switch t.mode {
	case ThemeLight:
		return theme.VariantLight
	case ThemeDark:
		return theme.VariantDark
	}
	if v != theme.VariantLight {
		return theme.VariantDark // as Fyne's own theme: anything but light is dark
	}
	return v
}

func (t *lanimTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	v = t.variant(v)
	if c, ok := palette[v][n]; ok {
		return c
	}
	return theme.DefaultTheme().Color(n, v)
}

func (t *lanimTheme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

func (t *lanimTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

func (t *lanimTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameInputRadius, theme.SizeNameSelectionRadius:
		return 6
	case theme.SizeNameScrollBarRadius:
		return 4
	case theme.SizeNameText:
		return 14
	case theme.SizeNameHeadingText:
		return 22
	case theme.SizeNameSubHeadingText:
		return 17
	}
	return theme.DefaultTheme().Size(n)
}

// themeColor is a colour of the current theme and variant.
func themeColor(n fyne.ThemeColorName) color.Color { return theme.Color(n) }
