package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // thumbnails of GIFs
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/image/draw"

	"lanim/node/openim"
	"lanim/node/store"
)

// serveThumbnail answers ?type=image&width=W&height=H[&format=jpeg|png]: the picture scaled to fit
// W×H (0: no bound), made once and kept as a derived blob; the original when it is not larger,
// not a picture this node decodes, or too large to decode.
func (s *Server) serveThumbnail(w http.ResponseWriter, r *http.Request, o *store.Object, q url.Values) error {
	tw, err1 := strconv.Atoi(q.Get("width"))
	th, err2 := strconv.Atoi(q.Get("height"))
	if q.Get("width") == "" {
		tw, err1 = 0, nil
	}
	if q.Get("height") == "" {
		th, err2 = 0, nil
	}
	if err1 != nil || err2 != nil || tw < 0 || th < 0 || tw > MaxThumbSide || th > MaxThumbSide {
		return openim.ErrArgs.With("width and height must be 0..%d", MaxThumbSide)
	}
	format := strings.ToLower(q.Get("format"))
	switch format {
	case "", "jpeg", "jpg", "png":
	default:
		return openim.ErrArgs.With("format %q: use jpeg or png", format)
	}
	src, err := s.cfg.Blobs.Open(o.Key)
	if errors.Is(err, fs.ErrNotExist) {
		src, err = s.fetchThenOpen(r.Context(), o.Key)
	}
	if err != nil {
		return s.blobErr(err)
	}
	defer src.Close()
	derived := fmt.Sprintf("thumb_%dx%d_%s", tw, th, format)
	f, ct, err := s.thumbnail(r.Context(), o, src, derived, tw, th, format)
	if err != nil {
		return err
	}
	if f == nil { // the original
		w.Header().Set("ETag", `"`+o.Key+`"`)
		w.Header().Set("Content-Type", contentTypeOf(o))
		http.ServeContent(w, r, "", time.UnixMilli(o.CreateTime), src)
		return nil
	}
	defer f.Close()
	w.Header().Set("ETag", `"`+o.Key+"-"+derived+`"`)
	w.Header().Set("Content-Type", ct)
	http.ServeContent(w, r, "", time.UnixMilli(o.CreateTime), f)
	return nil
}

// thumbnail returns the derived thumbnail file and its type, making it the first time; a nil file
// means: serve the original.
func (s *Server) thumbnail(ctx context.Context, o *store.Object, src *os.File, derived string, tw, th int,
	format string) (*os.File, string, error) {
	cfg, kind, err := image.DecodeConfig(src)
	if err != nil || (tw == 0 && th == 0) || cfg.Width*cfg.Height > MaxThumbSourcePixels {
		src.Seek(0, io.SeekStart)
		return nil, "", nil
	}
	if format == "" {
		format = "jpeg"
		if kind == "png" || kind == "gif" {
			format = "png" // keeps transparency
		}
	}
	ct := "image/jpeg"
	if format == "png" {
		ct = "image/png"
	}
	dw, dh := fitBox(cfg.Width, cfg.Height, tw, th)
	if dw >= cfg.Width && dh >= cfg.Height {
		src.Seek(0, io.SeekStart)
		return nil, "", nil
	}
	if f, err := s.cfg.Blobs.OpenDerived(o.Key, derived); err == nil {
		return f, ct, nil
	}
	select {
	case s.obj.thumbs <- struct{}{}:
		defer func() { <-s.obj.thumbs }()
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
	if f, err := s.cfg.Blobs.OpenDerived(o.Key, derived); err == nil {
		return f, ct, nil // made while this request waited
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return nil, "", s.storageErr("read file", err)
	}
	img, _, err := image.Decode(src)
	if err != nil {
		src.Seek(0, io.SeekStart)
		return nil, "", nil
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
	var buf bytes.Buffer
	if format == "png" {
		err = png.Encode(&buf, dst)
	} else {
		err = jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 85})
	}
	if err != nil {
		return nil, "", fmt.Errorf("encode thumbnail: %w", err)
	}
	if _, err := s.cfg.Blobs.PutDerived(o.Key, derived, &buf); err != nil {
		return nil, "", s.storageErr("store thumbnail", err)
	}
	f, err := s.cfg.Blobs.OpenDerived(o.Key, derived)
	if err != nil {
		return nil, "", s.storageErr("read thumbnail", err)
	}
	return f, ct, nil
}

// fitBox scales w×h to fit in bw×bh (0: unbounded) keeping the aspect ratio, never to 0.
func fitBox(w, h, bw, bh int) (int, int) {
	scale := 1.0
	if bw > 0 && w > bw {
		scale = float64(bw) / float64(w)
	}
	if bh > 0 && float64(h)*scale > float64(bh) {
		scale = float64(bh) / float64(h)
	}
	return max(1, int(float64(w)*scale+0.5)), max(1, int(float64(h)*scale+0.5))
}
