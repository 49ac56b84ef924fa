package api

// The object API's routes outside the JSON envelope: GET of an object, PUT of a part, POST of a
// form-data upload, and their CORS preflights.

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"lanim/node/blob"
	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/store"
)

// serveObjectData serves the routes that are not JSON endpoints: GET/HEAD of an object, PUT of a
// part, POST of a form-data upload, and their CORS preflights. It reports whether r was one.
func (s *Server) serveObjectData(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	var serve func(w http.ResponseWriter, r *http.Request, rest string) error
	switch {
	case strings.HasPrefix(p, partPath):
		serve = s.putPart
	case strings.HasPrefix(p, formPath):
		serve = s.postForm
	case strings.HasPrefix(p, "/object/") && blob.ValidKey(strings.SplitN(p[len("/object/"):], "/", 2)[0]):
		serve = s.getObject
	default:
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "Content-Length, Content-Range, Content-Type, Content-Disposition, ETag, Accept-Ranges")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, PUT, POST, OPTIONS")
		// Allow what the browser asks for: the sign asks for no header beyond the usual ones, and a
		// client may add Content-Type, Content-MD5 or Range.
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		}
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	if s.cfg.Blobs == nil {
		s.writeDataErr(w, r, openim.ErrRecordNotFound.With("this node stores no files"))
		return true
	}
	func() {
		defer func() {
			if v := recover(); v != nil {
				s.cfg.Log.Error("panic in object route", "path", p, "panic", v)
				s.writeDataErr(w, r, openim.ErrInternal.With("internal error"))
			}
		}()
		if err := serve(w, r, p); err != nil {
			s.writeDataErr(w, r, err)
		}
	}()
	return true
}

// writeDataErr answers a data route's failure: an HTTP error status with the OpenIM envelope.
func (s *Server) writeDataErr(w http.ResponseWriter, r *http.Request, err error) {
	e := openim.AsError(err)
	if e.Code == openim.ErrInternal.Code {
		s.cfg.Log.Error("object request failed", "path", r.URL.Path, "err", err)
	}
	status := http.StatusInternalServerError
	switch e.Code {
	case openim.ErrArgs.Code:
		status = http.StatusBadRequest
	case openim.ErrNoPermission.Code:
		status = http.StatusForbidden
	case openim.ErrRecordNotFound.Code:
		status = http.StatusNotFound
	case openim.ErrFilesFull.Code:
		status = http.StatusInsufficientStorage
	}
	b, _ := json.Marshal(envelope{ErrCode: e.Code, ErrMsg: e.Msg, ErrDlt: e.Detail})
	h := w.Header()
	for _, k := range []string{"Content-Disposition", "ETag", "Cache-Control", "Last-Modified", "Accept-Ranges"} {
		h.Del(k)
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// putPart is PUT /object-part/<uploadID>/<n>?expires=&signature=: one part, streamed to disk, its
// size checked against the upload and its MD5 against Content-MD5 when the client sends one.
func (s *Server) putPart(w http.ResponseWriter, r *http.Request, p string) error {
	if r.Method != http.MethodPut {
		w.Header().Set("Allow", "PUT, OPTIONS")
		return openim.ErrArgs.With("PUT a part")
	}
	id, nStr, ok := strings.Cut(p[len(partPath):], "/")
	n, err := strconv.Atoi(nStr)
	if !ok || err != nil || n < 1 || n > MaxNumParts {
		return openim.ErrRecordNotFound.With("no such part URL")
	}
	if err := s.checkSign(r.URL.Query(), "part", id, n); err != nil {
		return err
	}
	up, err := s.readUpload(id)
	if err != nil {
		return err
	}
	if n > up.Parts || up.Form {
		return openim.ErrArgs.With("part %d: the upload has parts 1..%d", n, up.Parts)
	}
	return s.receivePart(w, r, id, up, n, r.Body, r.ContentLength)
}

// receivePart stores part n of an upload from body and answers its ETag (the part's MD5).
func (s *Server) receivePart(w http.ResponseWriter, r *http.Request, id string, up *upload, n int, body io.Reader,
	length int64) error {
	want := partLen(up.Size, up.PartSize, n)
	if length >= 0 && length != want {
		return openim.ErrArgs.With("part %d has %d bytes; it must have %d", n, length, want)
	}
	var wantMD5 string
	if cm := r.Header.Get("Content-MD5"); cm != "" {
		raw, derr := base64.StdEncoding.DecodeString(cm)
		if derr != nil || len(raw) != md5.Size {
			return openim.ErrArgs.With("part %d: Content-MD5 is not the base64 of an MD5", n)
		}
		wantMD5 = hex.EncodeToString(raw)
	}
	// The part lands at its place in the upload's file; the store checks its size and MD5 first.
	sum, err := s.cfg.Blobs.WritePart(id, n, int64(n-1)*up.PartSize, want, wantMD5, body)
	if err != nil {
		switch {
		case errors.Is(err, blob.ErrPartSize):
			return openim.ErrArgs.With("part %d is not %d bytes long", n, want)
		case errors.Is(err, blob.ErrPartMD5):
			return openim.ErrArgs.With("part %d does not match its Content-MD5", n)
		}
		return s.storageErr("store part", err)
	}
	w.Header().Set("ETag", `"`+sum+`"`)
	w.WriteHeader(http.StatusOK)
	return nil
}

// postForm is POST /object-form/<id>?expires=&signature=: a multipart/form-data body whose "file"
// field is the object, streamed to disk.
func (s *Server) postForm(w http.ResponseWriter, r *http.Request, p string) error {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		return openim.ErrArgs.With("POST the form")
	}
	id := p[len(formPath):]
	if err := s.checkSign(r.URL.Query(), "form", id, 1); err != nil {
		return err
	}
	up, err := s.readUpload(id)
	if err != nil {
		return err
	}
	if !up.Form {
		return openim.ErrArgs.With("upload %s takes parts, not a form", id)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return openim.ErrArgs.With("the body must be multipart/form-data: %v", err)
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return openim.ErrArgs.With("the form has no file field")
		}
		if err != nil {
			return openim.ErrArgs.With("read form: %v", err)
		}
		if part.FormName() == "file" {
			return s.receivePart(w, r, id, up, 1, part, -1)
		}
		io.Copy(io.Discard, io.LimitReader(part, 64<<10))
	}
}

// getObject is GET /object/<key>/<name>: the bytes, with Range and If-None-Match, or a thumbnail
// with ?type=image&width=&height=. Anyone with the URL may read it (upstream's URLs are presigned
// for anyone too); the key and name must both match a committed object.
func (s *Server) getObject(w http.ResponseWriter, r *http.Request, p string) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		return openim.ErrArgs.With("GET an object")
	}
	key, name, _ := strings.Cut(p[len("/object/"):], "/")
	o, err := im.Object(r.Context(), s.cfg.DB.Reader(), name, key)
	if err != nil {
		return err
	}
	if o == nil {
		return openim.ErrRecordNotFound.With("no such object")
	}
	q := r.URL.Query()
	h := w.Header()
	if an := q.Get("attachname"); an != "" {
		h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+extValue(an))
	}
	// User bytes are served from the API's origin: never let them run as a page there.
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	if q.Get("type") == "image" {
		return s.serveThumbnail(w, r, o, q)
	}
	h.Set("ETag", `"`+o.Key+`"`)
	h.Set("Content-Type", contentTypeOf(o))
	if r.Header.Get("Range") == "" && etagMatches(r, o.Key) {
		// The key is the content: a client holding it needs nothing, wherever the bytes are.
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	f, err := s.cfg.Blobs.Open(o.Key)
	if errors.Is(err, fs.ErrNotExist) {
		if r.Method == http.MethodHead && r.Header.Get("Range") == "" {
			// The answer's headers come from the metadata; no need for the bytes.
			h.Set("Content-Length", strconv.FormatInt(o.Size, 10))
			h.Set("Accept-Ranges", "bytes")
			w.WriteHeader(http.StatusOK)
			return nil
		}
		if r.Method == http.MethodGet && r.Header.Get("Range") == "" {
			return s.streamFetch(w, r, o)
		}
		f, err = s.fetchThenOpen(r.Context(), o.Key)
	}
	if err != nil {
		return s.blobErr(err)
	}
	defer f.Close()
	http.ServeContent(w, r, "", time.UnixMilli(o.CreateTime), f)
	return nil
}

// extValue percent-encodes s as an RFC 5987 ext-value (everything but attr-chars), for filename*.
func extValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func etagMatches(r *http.Request, key string) bool {
	inm := r.Header.Get("If-None-Match")
	return inm != "" && (strings.Contains(inm, `"`+key+`"`) || strings.TrimSpace(inm) == "*")
}

func contentTypeOf(o *store.Object) string {
	if o.ContentType == "" {
		return "application/octet-stream"
	}
	return o.ContentType
}

// blobErr answers a blob this node has not got and could not fetch.
func (s *Server) blobErr(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return openim.ErrRecordNotFound.With("the file is not on this computer and no computer of the office sent it")
	}
	return s.storageErr("read file", err)
}

// fetchThenOpen fetches a missing blob whole from the office, then opens the local copy.
func (s *Server) fetchThenOpen(ctx context.Context, key string) (*os.File, error) {
	if s.cfg.Fetcher == nil {
		return nil, fmt.Errorf("blob %s: %w", key, fs.ErrNotExist)
	}
	if err := s.cfg.Fetcher.FetchBlob(ctx, key, io.Discard); err != nil {
		return nil, err
	}
	return s.cfg.Blobs.Open(key)
}

// streamFetch answers a plain GET of a blob this node lacks while it is fetched from the office,
// so the first byte does not wait for the whole file. A failure after the first byte can only cut
// the answer short; its length tells the client.
func (s *Server) streamFetch(w http.ResponseWriter, r *http.Request, o *store.Object) error {
	if s.cfg.Fetcher == nil {
		return s.blobErr(fs.ErrNotExist)
	}
	w.Header().Set("Content-Length", strconv.FormatInt(o.Size, 10))
	w.Header().Set("Accept-Ranges", "bytes")
	lw := &lazyWriter{w: w, left: o.Size}
	err := s.cfg.Fetcher.FetchBlob(r.Context(), o.Key, lw)
	if err == nil && !lw.started {
		lw.w.WriteHeader(http.StatusOK) // an empty file
	}
	if err != nil && !lw.started {
		w.Header().Del("Content-Length")
		return s.blobErr(err)
	}
	if err != nil {
		s.cfg.Log.Warn("object fetch cut short", "key", o.Key, "err", err)
	}
	return nil
}

// lazyWriter sends the status line with the first byte, so a fetch that fails at once can still
// answer an error, and flushes the answer with its last byte: the viewer has the whole file while
// this node still syncs and keeps its copy.
type lazyWriter struct {
	w       http.ResponseWriter
	started bool
	left    int64 // bytes of the answer not yet written
}

func (l *lazyWriter) start() {
	if !l.started {
		l.started = true
		l.w.WriteHeader(http.StatusOK)
	}
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	l.start()
	k, err := l.w.Write(p)
	return k, l.wrote(int64(k), err)
}

// ReadFrom lets the HTTP server send a file it is given (the fetch's spool) with sendfile.
func (l *lazyWriter) ReadFrom(r io.Reader) (int64, error) {
	l.start()
	k, err := io.Copy(l.w, r)
	return k, l.wrote(k, err)
}

func (l *lazyWriter) wrote(k int64, err error) error {
	l.left -= k
	if err == nil && l.left == 0 {
		err = http.NewResponseController(l.w).Flush()
	}
	return err
}
