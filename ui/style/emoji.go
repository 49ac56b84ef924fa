package style

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"github.com/go-text/typesetting/font"
)

// Why emoji drew small: Fyne (2.7) draws text with go-text/render, which rasterises an
// OpenType-SVG glyph (Fyne's bundled emoji font is one) into the glyph's ink box, fitting the
// SVG's whole viewBox (the em square) into it with its aspect kept. A round face's ink box is
// nearly the em square and looks right; a narrow glyph (👍, 💡, ✌) shrinks to a fraction of the
// text's height, and the drawing lands off its place in the line. FixEmoji rewrites each
// glyph's SVG so its viewBox is the glyph's own ink box: the renderer's fit is then exact and
// every emoji is drawn at the font's size, inside its advance.

var emojiOnce sync.Once

// FixEmoji replaces the content of Fyne's bundled emoji font with the rewritten one, once per
// process, before any text is drawn (the app calls it when it makes its window; a call while
// another runs waits for it). Fyne reads
// the font from this resource each time it (re)builds its font cache, and offers no other way
// to give it an emoji font. A font it cannot rewrite is left as it is.
func FixEmoji() {
	emojiOnce.Do(func() {
		r, ok := theme.DefaultEmojiFont().(*fyne.StaticResource)
		if !ok || r == nil {
			return // built with no_emoji: system fonts draw emoji
		}
		fixed, err := fitEmojiSVG(r.StaticContent)
		if err != nil {
			fyne.LogError("emoji font left as it is", err)
			return
		}
		r.StaticContent = fixed
	})
}

// svgRoot finds the root element's start tag and its viewBox.
var (
	svgRoot    = regexp.MustCompile(`<svg\b[^>]*>`)
	svgViewBox = regexp.MustCompile(`\sviewBox\s*=\s*"([^"]*)"`)
)

// fitEmojiSVG returns the font with each single-glyph SVG document cropped to its glyph's
// ink box (see FixEmoji). The SVG's units map to the font's as OpenType-SVG fonts draw them:
// the viewBox's width is the em, x from the glyph's origin, y down from the ascender.
func fitEmojiSVG(otf []byte) ([]byte, error) {
	face, err := font.ParseTTF(bytes.NewReader(otf))
	if err != nil {
		return nil, fmt.Errorf("parse emoji font: %w", err)
	}
	ext, ok := face.FontHExtents()
	if !ok {
		return nil, errors.New("emoji font has no horizontal metrics")
	}
	upem := float32(face.Upem())
	tables, err := readTables(otf)
	if err != nil {
		return nil, err
	}
	svg, ok := tables["SVG "]
	if !ok {
		return nil, errors.New("emoji font has no SVG table")
	}
	if len(svg) < 10 {
		return nil, errors.New("SVG table too short")
	}
	list := svg[binary.BigEndian.Uint32(svg[2:6]):]
	if len(list) < 2 {
		return nil, errors.New("SVG document list too short")
	}
	n := int(binary.BigEndian.Uint16(list))
	if len(list) < 2+12*n {
		return nil, errors.New("SVG document records cut short")
	}
	var docs bytes.Buffer
	records := make([]byte, 2+12*n)
	copy(records, list[:2])
	dataStart := uint32(len(records))
	for i := range n {
		rec := list[2+12*i : 2+12*(i+1)]
		start, end := binary.BigEndian.Uint16(rec), binary.BigEndian.Uint16(rec[2:])
		off, size := binary.BigEndian.Uint32(rec[4:]), binary.BigEndian.Uint32(rec[8:])
		if uint64(off)+uint64(size) > uint64(len(list)) {
			return nil, fmt.Errorf("SVG document %d past the table's end", i)
		}
		doc := list[off : off+size]
		if start == end {
			if e, ok := face.GlyphExtents(font.GID(start)); ok && e.Width > 0 && e.Height < 0 {
				if d, err := cropSVG(doc, e, ext.Ascender, upem); err == nil {
					doc = d
				}
			}
		}
		out := records[2+12*i:]
		binary.BigEndian.PutUint16(out, start)
		binary.BigEndian.PutUint16(out[2:], end)
		binary.BigEndian.PutUint32(out[4:], dataStart+uint32(docs.Len()))
		binary.BigEndian.PutUint32(out[8:], uint32(len(doc)))
		docs.Write(doc)
	}
	table := make([]byte, 10, 10+len(records)+docs.Len())
	copy(table, svg[:2]) // version
	binary.BigEndian.PutUint32(table[2:], 10)
	table = append(append(table, records...), docs.Bytes()...)
	tables["SVG "] = table
	return writeTables(otf, tables), nil
}

// cropSVG sets an SVG document's viewBox to the glyph's ink box e (font units) and shifts its
// drawing to match. A gzipped document is unpacked.
func cropSVG(doc []byte, e font.GlyphExtents, ascender, upem float32) ([]byte, error) {
	if bytes.HasPrefix(doc, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(doc))
		if err != nil {
			return nil, err
		}
		if doc, err = io.ReadAll(io.LimitReader(zr, 1<<22)); err != nil {
			return nil, err
		}
	}
	s := string(doc)
	loc := svgRoot.FindStringIndex(s)
	if loc == nil || strings.HasSuffix(s[loc[0]:loc[1]], "/>") {
		return nil, errors.New("no svg root")
	}
	tag := s[loc[0]:loc[1]]
	vb := svgViewBox.FindStringSubmatch(tag)
	if vb == nil {
		return nil, errors.New("no viewBox")
	}
	f := strings.Fields(strings.ReplaceAll(vb[1], ",", " "))
	if len(f) != 4 {
		return nil, errors.New("bad viewBox")
	}
	w, err := strconv.ParseFloat(f[2], 32)
	if err != nil || w <= 0 {
		return nil, errors.New("bad viewBox width")
	}
	end := strings.LastIndex(s, "</svg>")
	if end < loc[1] {
		return nil, errors.New("no </svg>")
	}
	k := float32(w) / upem // SVG units per font unit
	x, y := e.XBearing*k, (ascender-e.YBearing)*k
	cw, ch := e.Width*k, -e.Height*k
	num := func(v float32) string { return strconv.FormatFloat(float64(v), 'f', 3, 32) }
	tag = strings.Replace(tag, vb[0], ` viewBox="0 0 `+num(cw)+" "+num(ch)+`"`, 1)
	return []byte(s[:loc[0]] + tag + `<g transform="translate(` + num(-x) + " " + num(-y) + `)">` +
		s[loc[1]:end] + "</g>" + s[end:]), nil
}

// readTables splits an OpenType file into its tables by tag.
func readTables(otf []byte) (map[string][]byte, error) {
	if len(otf) < 12 {
		return nil, errors.New("font file too short")
	}
	n := int(binary.BigEndian.Uint16(otf[4:]))
	if len(otf) < 12+16*n {
		return nil, errors.New("font table directory cut short")
	}
	tables := make(map[string][]byte, n)
	for i := range n {
		rec := otf[12+16*i:]
		off, size := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(size) > uint64(len(otf)) {
			return nil, fmt.Errorf("font table %q past the file's end", rec[:4])
		}
		tables[string(rec[:4])] = otf[off : off+size]
	}
	return tables, nil
}

// writeTables lays out an OpenType file with the original's header and directory order and
// the given tables, each 4-byte aligned with its checksum.
func writeTables(orig []byte, tables map[string][]byte) []byte {
	n := int(binary.BigEndian.Uint16(orig[4:]))
	head := 12 + 16*n
	out := make([]byte, head, len(orig)+len(tables["SVG "]))
	copy(out, orig[:head])
	for i := range n {
		rec := out[12+16*i:]
		t := tables[string(rec[:4])]
		binary.BigEndian.PutUint32(rec[4:], checksum(t))
		binary.BigEndian.PutUint32(rec[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(t)))
		out = append(out, t...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}

// checksum is OpenType's table checksum: the sum of its big-endian uint32s, zero-padded.
func checksum(t []byte) uint32 {
	var sum uint32
	for i := 0; i < len(t); i += 4 {
		var w [4]byte
		copy(w[:], t[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
