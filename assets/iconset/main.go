// Command iconset writes LanIM's icon (assets.Icon, 512 px) at the sizes the installers need; the
// packaging scripts run it at build time, so only the one PNG is kept in git.
//
//	go run ./assets/iconset -hicolor DIR   DIR/<N>x<N>/apps/com.lanim.app.png for N in 16..512 (the .deb)
//	go run ./assets/iconset -ico FILE      a Windows icon with 16, 32, 48 and 256 px images (the installer)
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"

	"golang.org/x/image/draw"

	"lanim/assets"
)

// iconName is the icon's name in the hicolor theme: the app ID, as the .desktop file's Icon= says.
const iconName = "com.lanim.app"

// hicolorSizes are the theme's usual fixed sizes up to the source's 512 px.
var hicolorSizes = []int{16, 22, 24, 32, 48, 64, 128, 256, 512}

// icoSizes are what Windows picks from: small and large icons at 100% scaling, 48 for the
// Explorer's medium view, 256 for large views and high DPI.
var icoSizes = []int{16, 32, 48, 256}

func main() {
	hicolor := flag.String("hicolor", "", "write the hicolor PNGs under this directory")
	ico := flag.String("ico", "", "write a Windows .ico to this file")
	flag.Parse()
	if err := run(*hicolor, *ico); err != nil {
		fmt.Fprintln(os.Stderr, "iconset:", err)
		os.Exit(1)
	}
}

func run(hicolorDir, icoPath string) error {
	if hicolorDir == "" && icoPath == "" {
		return errors.New("nothing to do: pass -hicolor DIR and/or -ico FILE")
	}
	src, err := png.Decode(bytes.NewReader(assets.Icon))
	if err != nil {
		return fmt.Errorf("decode assets/icon.png: %w", err)
	}
	if hicolorDir != "" {
		if err := writeHicolor(hicolorDir, src); err != nil {
			return err
		}
	}
	if icoPath != "" {
		imgs := make([]*image.NRGBA, 0, len(icoSizes))
		for _, n := range icoSizes {
			imgs = append(imgs, scale(src, n))
		}
		var buf bytes.Buffer
		if err := encodeICO(&buf, imgs); err != nil {
			return err
		}
		if err := os.WriteFile(icoPath, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", icoPath, err)
		}
	}
	return nil
}

func writeHicolor(dir string, src image.Image) error {
	for _, n := range hicolorSizes {
		var buf bytes.Buffer
		if err := png.Encode(&buf, scale(src, n)); err != nil {
			return fmt.Errorf("encode %d px: %w", n, err)
		}
		path := filepath.Join(dir, fmt.Sprintf("%dx%d", n, n), "apps", iconName+".png")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}

// scale resizes src to n×n with Catmull-Rom, which widens its kernel when shrinking, so a 16 px
// icon averages the source instead of sampling every 32nd pixel. NRGBA because both PNG and the
// .ico's bitmaps store straight (not premultiplied) alpha.
func scale(src image.Image, n int) *image.NRGBA {
	dst := image.NewNRGBA(image.Rect(0, 0, n, n))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}
