// Package style holds LanIM's look: the theme (colours, sizes, light and dark), the app's own
// colour names and the icons Fyne's set lacks. It needs nothing from the rest of the GUI.
package style

import (
	"hash/fnv"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// The app's own colour names, for surfaces Fyne has no name for.
const (
	ColorRail        fyne.ThemeColorName = "lanim.rail"        // the navigation rail
	ColorRailIcon    fyne.ThemeColorName = "lanim.railIcon"    // rail icons and text
	ColorRailActive  fyne.ThemeColorName = "lanim.railActive"  // the selected rail item
	ColorPanel       fyne.ThemeColorName = "lanim.panel"       // list pane
	ColorChat        fyne.ThemeColorName = "lanim.chat"        // behind the messages
	ColorBubbleOwn   fyne.ThemeColorName = "lanim.bubbleOwn"   // the user's messages
	ColorBubbleText  fyne.ThemeColorName = "lanim.bubbleText"  // text on the user's messages
	ColorBubblePeer  fyne.ThemeColorName = "lanim.bubblePeer"  // everyone else's
	ColorBadge       fyne.ThemeColorName = "lanim.badge"       // unread count
	ColorBadgeMuted  fyne.ThemeColorName = "lanim.badgeMuted"  // unread count of a muted conversation
	ColorSubtle      fyne.ThemeColorName = "lanim.subtle"      // secondary text
	ColorPinned      fyne.ThemeColorName = "lanim.pinned"      // pinned conversation rows
	ColorBannerBg    fyne.ThemeColorName = "lanim.banner"      // the offline banner
	ColorBannerText  fyne.ThemeColorName = "lanim.bannerText"  // text on it
	ColorNoticePill  fyne.ThemeColorName = "lanim.noticePill"  // day separators, event lines
	ColorOnlineDot   fyne.ThemeColorName = "lanim.online"      // presence dot
	ColorCardBorder  fyne.ThemeColorName = "lanim.cardBorder"  // cards and peer bubbles
	ColorOnboardBack fyne.ThemeColorName = "lanim.onboardBack" // behind the onboarding card
)

// Mode is the user's choice of light or dark; ModeSystem follows the desktop.
type Mode string

const (
	ModeSystem Mode = "system"
	ModeLight  Mode = "light"
	ModeDark   Mode = "dark"
)

// Theme is Fyne's default theme with LanIM's colours (the blue-teal of the icon) and
// slightly rounder, roomier widgets. Mode forces a variant unless it is ModeSystem.
type Theme struct {
	Mode Mode
}

var _ fyne.Theme = (*Theme)(nil)

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
		ColorRail:                          rgb(0x1D2633),
		ColorRailIcon:                      rgb(0xAEB8C6),
		ColorRailActive:                    rgb(0x2C8BE0),
		ColorPanel:                         rgb(0xF7F8FA),
		ColorChat:                          rgb(0xF0F2F5),
		ColorBubbleOwn:                     rgb(0x1877C9),
		ColorBubbleText:                    rgb(0xFFFFFF),
		ColorBubblePeer:                    rgb(0xFFFFFF),
		ColorBadge:                         rgb(0xE5484D),
		ColorBadgeMuted:                    rgb(0xA3AAB5),
		ColorSubtle:                        rgb(0x5F6670),
		ColorPinned:                        rgb(0xEDF2F8),
		ColorBannerBg:                      rgb(0xFFF1D6),
		ColorBannerText:                    rgb(0x7A4B00),
		ColorNoticePill:                    rgba(0x000000, 0x0F),
		ColorOnlineDot:                     rgb(0x2EB872),
		ColorCardBorder:                    rgb(0xE3E6EB),
		ColorOnboardBack:                   rgb(0xE9EEF4),
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
		ColorRail:                          rgb(0x111419),
		ColorRailIcon:                      rgb(0x8D97A5),
		ColorRailActive:                    rgb(0x3A9BEA),
		ColorPanel:                         rgb(0x1F2329),
		ColorChat:                          rgb(0x16191E),
		ColorBubbleOwn:                     rgb(0x2A72B5),
		ColorBubbleText:                    rgb(0xFFFFFF),
		ColorBubblePeer:                    rgb(0x2A2F38),
		ColorBadge:                         rgb(0xE5484D),
		ColorBadgeMuted:                    rgb(0x5C6470),
		ColorSubtle:                        rgb(0x9AA2AE),
		ColorPinned:                        rgb(0x252A33),
		ColorBannerBg:                      rgb(0x4A3512),
		ColorBannerText:                    rgb(0xFFD98A),
		ColorNoticePill:                    rgba(0xFFFFFF, 0x12),
		ColorOnlineDot:                     rgb(0x3DBA70),
		ColorCardBorder:                    rgb(0x2E333D),
		ColorOnboardBack:                   rgb(0x13161A),
		theme.ColorNameForegroundOnPrimary: rgb(0xFFFFFF),
	},
}

func (t *Theme) variant(v fyne.ThemeVariant) fyne.ThemeVariant {
	switch t.Mode {
	case ModeLight:
		return theme.VariantLight
	case ModeDark:
		return theme.VariantDark
	}
	if v != theme.VariantLight {
		return theme.VariantDark // as Fyne's own theme: anything but light is dark
	}
	return v
}

func (t *Theme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	v = t.variant(v)
	if c, ok := palette[v][n]; ok {
		return c
	}
	return theme.DefaultTheme().Color(n, v)
}

func (t *Theme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

func (t *Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

func (t *Theme) Size(n fyne.ThemeSizeName) float32 {
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

// Color is a colour of the current theme and variant.
func Color(n fyne.ThemeColorName) color.Color { return theme.Color(n) }

// avatarColors are the backgrounds of pictureless avatars, picked by a hash of the ID so a person
// keeps one colour everywhere.
var avatarColors = []color.NRGBA{
	rgb(0x3B82F6), rgb(0x10B981), rgb(0xF59E0B), rgb(0xEF4444), rgb(0x8B5CF6),
	rgb(0xEC4899), rgb(0x14B8A6), rgb(0x6366F1), rgb(0xF97316), rgb(0x0EA5E9),
}

// AvatarColor is the background of a pictureless avatar for an ID: the same in both variants.
func AvatarColor(id string) color.NRGBA {
	h := fnv.New32a()
	h.Write([]byte(id))
	return avatarColors[h.Sum32()%uint32(len(avatarColors))]
}
