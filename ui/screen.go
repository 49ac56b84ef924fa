//go:build !ci

package ui

import (
	"fyne.io/fyne/v2"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// screenSize is the primary screen's size in device-independent units at the user's scale
// (FYNE_SCALE or Fyne's settings), or zero when it cannot be learnt. Fyne has no screen API:
// GLFW, which Fyne's desktop driver runs on, is asked directly. It must run on the main
// thread after the first window was made (Fyne initialises GLFW then).
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
	if mode == nil {
		return fyne.Size{}
	}
	scale := a.Settings().Scale()
	if scale <= 0 {
		scale = 1
	}
	return fyne.NewSize(float32(mode.Width)/scale, float32(mode.Height)/scale)
}
