package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"io"
)

// encodeICO writes a Windows .ico holding imgs (square, at most 256 px). Images under 256 px are
// 32-bit bitmaps, which every Windows and resource compiler reads; the 256 px one is PNG, as
// Windows (since Vista) expects for that size and to keep the file small.
func encodeICO(w io.Writer, imgs []*image.NRGBA) error {
	const dirSize, entrySize = 6, 16
	data := make([][]byte, len(imgs))
	for i, img := range imgs {
		b := img.Bounds()
		if b.Dx() != b.Dy() || b.Dx() < 1 || b.Dx() > 256 {
			return fmt.Errorf("ico: image %d is %dx%d, want square up to 256 px", i, b.Dx(), b.Dy())
		}
		if b.Dx() == 256 {
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				return fmt.Errorf("ico: %w", err)
			}
			data[i] = buf.Bytes()
		} else {
			data[i] = dib(img)
		}
	}
	var out bytes.Buffer
	le := binary.LittleEndian
	out.Write(le.AppendUint16(nil, 0)) // reserved
	out.Write(le.AppendUint16(nil, 1)) // type: icon
	out.Write(le.AppendUint16(nil, uint16(len(imgs))))
	offset := dirSize + entrySize*len(imgs)
	for i, img := range imgs {
		n := img.Bounds().Dx()
		out.WriteByte(byte(n)) // width and height: 0 means 256
		out.WriteByte(byte(n))
		out.WriteByte(0)                   // palette size
		out.WriteByte(0)                   // reserved
		out.Write(le.AppendUint16(nil, 1)) // colour planes
		out.Write(le.AppendUint16(nil, 32))
		out.Write(le.AppendUint32(nil, uint32(len(data[i]))))
		out.Write(le.AppendUint32(nil, uint32(offset)))
		offset += len(data[i])
	}
	for _, d := range data {
		out.Write(d)
	}
	_, err := w.Write(out.Bytes())
	return err
}

// dib is an icon bitmap: a BITMAPINFOHEADER whose height counts the colour rows and the mask rows,
// the BGRA rows bottom-up, then the 1-bit AND mask (set where the pixel is fully transparent), each
// mask row padded to 4 bytes.
func dib(img *image.NRGBA) []byte {
	n := img.Bounds().Dx()
	maskStride := (n + 31) / 32 * 4
	le := binary.LittleEndian
	var b bytes.Buffer
	b.Write(le.AppendUint32(nil, 40)) // header size
	b.Write(le.AppendUint32(nil, uint32(n)))
	b.Write(le.AppendUint32(nil, uint32(2*n)))
	b.Write(le.AppendUint16(nil, 1))  // planes
	b.Write(le.AppendUint16(nil, 32)) // bits per pixel
	b.Write(le.AppendUint32(nil, 0))  // BI_RGB
	b.Write(le.AppendUint32(nil, uint32(n*n*4+maskStride*n)))
	b.Write(make([]byte, 16)) // resolution and palette counts: unused
	mask := make([]byte, maskStride*n)
	for row := 0; row < n; row++ {
		y := n - 1 - row
		for x := 0; x < n; x++ {
			c := img.NRGBAAt(x, y)
			b.Write([]byte{c.B, c.G, c.R, c.A})
			if c.A == 0 {
				mask[row*maskStride+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	b.Write(mask)
	return b.Bytes()
}
