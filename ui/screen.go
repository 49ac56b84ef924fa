//go:build !ci

package ui

import (
	"os"
	"strconv"

	"fyne.io/fyne/v2"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// baselineDPI is the screen density Fyne draws at scale 1; a denser screen scales up.
const baselineDPI = 120

// screenSize is the primary screen's size in device-independent units, or zero when it cannot
// be learnt. Fyne has no screen API: GLFW, which Fyne's desktop driver runs on, is asked
// directly. It must run on the main thread after the first window was made (Fyne initialises
// GLFW then). The scale is Fyne's: the user's (FYNE_SCALE, else the settings) times the
// screen's density over baselineDPI.
func screenSize(a fyne.App) (size fyne.Size) {
	defer func() {
		if recover() != nil { // go-gl panics on a GLFW error (no display): size unknown
			size = fyne.Size{}
		}
	}()
	m := glfw.GetPrimaryMonitor()
	if m == nil {
		return fyne.Size{}
	}
	mode := m.GetVideoMode()
	if mode == nil || mode.Width <= 0 || mode.Height <= 0 {
		return fyne.Size{}
	}
	scale := userScale(a)
	if mm, _ := m.GetPhysicalSize(); mm > 0 {
		if dpi := float32(mode.Width) / (float32(mm) / 25.4); dpi >= 10 && dpi <= 1000 {
			scale *= max(1, dpi/baselineDPI)
		}
	}
	return fyne.NewSize(float32(mode.Width)/scale, float32(mode.Height)/scale)
}

// userScale is the scale the user asked for: FYNE_SCALE, else Fyne's settings, else 1.
func userScale(a fyne.App) float32 {
	if s, err := strconv.ParseFloat(os.Getenv("FYNE_SCALE"), 32); err == nil && s > 0 {
		return float32(s)
	}
	if s := a.Settings().Scale(); s > 0 {
		return s
	}
	return 1
}
