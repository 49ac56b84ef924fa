package ui

import (
	"image"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"lanim/ui/style"
)

// inkOf is the box of the pixels of a capture that match.
func inkOf(img image.Image, match func(r, g, b uint32) bool) image.Rectangle {
	var box image.Rectangle
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if match(r, g, b) {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return box
}

// drawn captures one line of text at (10, 10) on the light theme's white.
func drawn(line string) image.Image {
	text := canvas.NewText(line, theme.Color(theme.ColorNameForeground))
	w := test.NewWindow(container.NewWithoutLayout(text))
	defer w.Close()
	w.SetPadded(false)
	text.Move(fyne.NewPos(10, 10))
	text.Resize(text.MinSize())
	w.Resize(fyne.NewSize(200, 50))
	return w.Canvas().Capture()
}

// Emoji are drawn at the text's size, inside their own advance: in the composer and in
// bubbles they used to shrink to half the text's height and sit over the letter before them
// (issue 13, bug 5). Narrow glyphs showed it most.
func TestEmojiDrawnAtTextSize(t *testing.T) {
	NewTestApp(t).Settings().SetTheme(&style.Theme{Mode: style.ModeLight})
	style.FixEmoji() // what NewWindow does
	size := theme.TextSize()
	notWhite := func(r, g, b uint32) bool { return min(r, g, b) < 0xf000 }
	coloured := func(r, g, b uint32) bool { return max(r, g, b)-min(r, g, b) > 0x3000 } // not the grey text
	for _, e := range []string{"😀", "👍", "💡", "✌", "🔥"} {
		if h := float32(inkOf(drawn(e), notWhite).Dy()); h < 0.8*size {
			t.Errorf("%s drawn %v px high with %v px text", e, h, size)
		}
		// Within its advance: after the letters before it, before the ones after it.
		ink := inkOf(drawn("Hi "+e+" there"), coloured)
		start := 10 + fyne.MeasureText("Hi ", size, fyne.TextStyle{}).Width
		end := 10 + fyne.MeasureText("Hi "+e, size, fyne.TextStyle{}).Width
		if ink.Empty() || float32(ink.Min.X) < start-1 || float32(ink.Max.X) > end+1 {
			t.Errorf("%s drawn over x %d..%d, its advance is %v..%v", e, ink.Min.X, ink.Max.X, start, end)
		}
	}
}
