package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// The .ico holds 16, 32, 48 and 256 px images; each reads back as the scaled icon: bitmaps with
// the same straight-alpha pixels bottom-up and the AND mask set on the transparent corners, the
// 256 px image as PNG.
func TestICO(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lanim.ico")
	if err := run("", path); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	if le.Uint16(raw[0:]) != 0 || le.Uint16(raw[2:]) != 1 || int(le.Uint16(raw[4:])) != len(icoSizes) {
		t.Fatalf("ICONDIR % x, want type 1 and %d images", raw[:6], len(icoSizes))
	}
	src, err := png.Decode(bytes.NewReader(mustRead(t, "../icon.png")))
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range icoSizes {
		e := raw[6+16*i:]
		w, h := int(e[0]), int(e[1])
		if w == 0 && h == 0 { // a byte says 256 as 0
			w, h = 256, 256
		}
		size, off := le.Uint32(e[8:]), le.Uint32(e[12:])
		if w != n || h != n || le.Uint16(e[6:]) != 32 || int(off+size) > len(raw) {
			t.Fatalf("entry %d: %dx%d, %d bpp, %d bytes at %d; want %d px, 32 bpp, inside the %d-byte file",
				i, w, h, le.Uint16(e[6:]), size, off, n, len(raw))
		}
		want := scale(src, n)
		data := raw[off : off+size]
		if n == 256 {
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("256 px image is not a PNG: %v", err)
			}
			if img.Bounds().Dx() != 256 || img.At(128, 128) != want.At(128, 128) {
				t.Fatalf("256 px image: %v, centre %v, want %v", img.Bounds(), img.At(128, 128), want.At(128, 128))
			}
			continue
		}
		if le.Uint32(data) != 40 || int(le.Uint32(data[4:])) != n || int(le.Uint32(data[8:])) != 2*n {
			t.Fatalf("%d px: BITMAPINFOHEADER % x", n, data[:12])
		}
		pixels := data[40:]
		maskStride := (n + 31) / 32 * 4
		mask := pixels[n*n*4:]
		if len(mask) != maskStride*n {
			t.Fatalf("%d px: mask of %d bytes, want %d", n, len(mask), maskStride*n)
		}
		for _, p := range []image.Point{{0, 0}, {n / 2, n / 2}, {n / 3, n - 2}, {n - 1, n - 1}} {
			row := n - 1 - p.Y // bottom-up
			px := pixels[(row*n+p.X)*4:]
			c := want.NRGBAAt(p.X, p.Y)
			if px[0] != c.B || px[1] != c.G || px[2] != c.R || px[3] != c.A {
				t.Fatalf("%d px at %v: BGRA % x, want %v", n, p, px[:4], c)
			}
			masked := mask[row*maskStride+p.X/8]&(0x80>>(p.X%8)) != 0
			if masked != (c.A == 0) {
				t.Fatalf("%d px at %v: mask bit %v with alpha %d", n, p, masked, c.A)
			}
		}
		if want.NRGBAAt(0, 0).A != 0 || want.NRGBAAt(n/2, n/2).A != 255 {
			t.Fatalf("%d px: corner %v and centre %v: the icon should be transparent in the corner and opaque inside",
				n, want.NRGBAAt(0, 0), want.NRGBAAt(n/2, n/2))
		}
	}
}

// -hicolor writes one PNG per theme size at the theme's path, each n×n.
func TestHicolor(t *testing.T) {
	dir := t.TempDir()
	if err := run(dir, ""); err != nil {
		t.Fatal(err)
	}
	for _, n := range hicolorSizes {
		path := filepath.Join(dir, fmt.Sprintf("%dx%d", n, n), "apps", "com.lanim.app.png")
		img, err := png.Decode(bytes.NewReader(mustRead(t, path)))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if b := img.Bounds(); b.Dx() != n || b.Dy() != n {
			t.Fatalf("%s is %v, want %d px", path, b, n)
		}
	}
	if err := run("", ""); err == nil {
		t.Fatal("run with nothing to do: no error")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
