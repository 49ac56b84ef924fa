//go:build ci

package ui

import "fyne.io/fyne/v2"

// screenSize is unknown under Fyne's headless test driver (the ci tag): no screen to ask.
func screenSize(fyne.App) fyne.Size { return fyne.Size{} }
