package ui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // pictures people send: PNG, JPEG, GIF
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

	"lanim/node/openim"
	"lanim/node/pb"
)

// Pictures and files in messages: the OpenIM elements (section 7 of the object notes), sending
// (upload, then the message that carries the URL) and receiving (thumbnails, open, save as).

// pictureInfo is one size of a picture element.
type pictureInfo struct {
	UUID   string `json:"uuid"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	Width  int32  `json:"width"`
	Height int32  `json:"height"`
	URL    string `json:"url"`
}

// pictureElem is a picture message's content: the SDKs set the source and big picture to the
// uploaded URL and the snapshot to the URL plus the node's thumbnail query.
type pictureElem struct {
	SourcePath      string      `json:"sourcePath"`
	SourcePicture   pictureInfo `json:"sourcePicture"`
	BigPicture      pictureInfo `json:"bigPicture"`
	SnapshotPicture pictureInfo `json:"snapshotPicture"`
}

// fileElem is a file message's content.
type fileElem struct {
	FilePath  string `json:"filePath"`
	UUID      string `json:"uuid"`
	SourceURL string `json:"sourceUrl"`
	FileName  string `json:"fileName"`
	FileSize  int64  `json:"fileSize"`
	FileType  string `json:"fileType"`
}

func pictureOf(m *pb.MsgData) (pictureElem, bool) {
	var e pictureElem
	return e, m.ContentType == openim.Picture && json.Unmarshal(m.Content, &e) == nil
}

func fileOf(m *pb.MsgData) (fileElem, bool) {
	var e fileElem
	return e, m.ContentType == openim.File && json.Unmarshal(m.Content, &e) == nil
}

// thumbSize is the box of the thumbnail the bubble asks the node for (the SDKs' snapshot size,
// so the node's cached thumbnail serves every client).
const thumbSize = 640

// thumbnailURL is the URL of a picture's thumbnail: the node serves it for the object URL plus
// ?type=image&width&height.
func thumbnailURL(u string) string {
	return fmt.Sprintf("%s?type=image&width=%d&height=%d", u, thumbSize, thumbSize)
}

// Limits of what the app sends and shows.
const (
	maxAttachment  = 2 << 30  // the node's default largest object
	maxPictureLoad = 64 << 20 // a picture decoded for display
)

// attachment is a picture or file the user is sending: where its bytes are (a file on disk, or
// a pasted image in memory) and how far its upload got.
type attachment struct {
	name, mime    string
	size          int64
	path          string // the file on disk ("" for a pasted image)
	data          []byte // a pasted image
	picture       bool
	width, height int
	url           string // set once uploaded
	done          int64  // bytes uploaded so far
	uploading     bool
}

// source is an attachment's bytes for an upload, which reads them twice (hash, then parts).
type source interface {
	io.ReaderAt
	io.Reader
	io.Closer
}

type memSource struct{ *bytes.Reader }

func (memSource) Close() error { return nil }

func (a *attachment) open() (source, error) {
	if a.data != nil {
		return memSource{bytes.NewReader(a.data)}, nil
	}
	return os.Open(a.path)
}

// fileAttachment reads what an attachment needs from a file: its size and type, and for a
// picture its dimensions.
func fileAttachment(path string) (*attachment, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	switch {
	case err != nil:
		return nil, err
	case st.IsDir():
		return nil, fmt.Errorf("%s is a folder: send files one by one", filepath.Base(path))
	case st.Size() == 0:
		return nil, fmt.Errorf("%s is empty", filepath.Base(path))
	case st.Size() > maxAttachment:
		return nil, fmt.Errorf("%s is larger than %s", filepath.Base(path), humanSize(maxAttachment))
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	a := &attachment{name: filepath.Base(path), path: path, size: st.Size(), mime: mimeOf(path, head[:n])}
	if strings.HasPrefix(a.mime, "image/") {
		if _, err := f.Seek(0, io.SeekStart); err == nil {
			a.sniffPicture(f)
		}
	}
	return a, nil
}

// imageAttachment is a picture held in memory (a pasted screenshot).
func imageAttachment(name string, data []byte) (*attachment, error) {
	a := &attachment{name: name, data: data, size: int64(len(data)), mime: http.DetectContentType(data)}
	a.sniffPicture(bytes.NewReader(data))
	if !a.picture {
		return nil, errors.New("the clipboard's picture is in a format LanIM cannot show")
	}
	return a, nil
}

// sniffPicture makes the attachment a picture when its header decodes.
func (a *attachment) sniffPicture(r io.Reader) {
	cfg, format, err := image.DecodeConfig(r)
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return
	}
	a.picture, a.width, a.height = true, cfg.Width, cfg.Height
	a.mime = "image/" + format
}

func mimeOf(path string, head []byte) string {
	if t := mime.TypeByExtension(strings.ToLower(filepath.Ext(path))); t != "" {
		t, _, _ = strings.Cut(t, ";")
		return t
	}
	return strings.SplitN(http.DetectContentType(head), ";", 2)[0]
}

// objectName is the name a message's upload gets (the SDK core's pattern: the user's ID first,
// then the kind and the clientMsgID, so names never collide).
func (a *attachment) objectName(userID, clientMsgID string) string {
	if a.picture {
		return userID + "/msg_picture_" + clientMsgID + a.pictureExt()
	}
	return userID + "/msg_file_" + clientMsgID + "/" + a.name
}

// pictureExt is a picture's file extension, from its name or its format.
func (a *attachment) pictureExt() string {
	if ext := strings.ToLower(filepath.Ext(a.name)); ext != "" {
		return ext
	}
	return "." + strings.TrimPrefix(a.mime, "image/")
}

// content is the message element for the attachment (its URL empty until the upload is done).
// The local path fields stay empty: where the file sat on the sender's disk is nobody's business.
func (a *attachment) content() []byte {
	var e any
	if a.picture {
		p := pictureInfo{Type: a.mime, Size: a.size, Width: int32(a.width), Height: int32(a.height), URL: a.url}
		snap := p
		if a.url != "" {
			snap.URL = thumbnailURL(a.url)
		}
		e = pictureElem{SourcePicture: p, BigPicture: p, SnapshotPicture: snap}
	} else {
		e = fileElem{SourceURL: a.url, FileName: a.name, FileSize: a.size, FileType: a.mime}
	}
	b, _ := json.Marshal(e) // plain structs never fail to encode
	return b
}

// SendAttachment sends bytes held in memory as a picture (when they decode as one) or a file message,
// the way the composer does: upload under the message's object name, then the message with the
// URL. It serves callers without a window (the demo's sample office).
func SendAttachment(ctx context.Context, be Backend, self *pb.UserInfo, conv *Conversation, name string, data []byte,
	now int64) (*pb.MsgData, error) {
	a, err := imageAttachment(name, data)
	if err != nil { // not a picture: a file
		a = &attachment{name: name, data: data, size: int64(len(data)), mime: mimeOf(name, data)}
	}
	ct := openim.File
	if a.picture {
		ct = openim.Picture
	}
	m := newMessage(self, conv, ct, now)
	if a.url, err = be.Upload(ctx, a.objectName(self.UserID, m.ClientMsgID), a.mime, bytes.NewReader(data),
		a.size, nil); err != nil {
		return nil, fmt.Errorf("upload %s: %w", name, err)
	}
	m.Content = a.content()
	return be.Send(ctx, m)
}

// SendFiles sends files (picked, dropped or pasted paths) to a conversation, one message each.
func (c *Controller) SendFiles(conv *Conversation, paths []string) {
	for _, p := range paths {
		a, err := fileAttachment(p)
		if err != nil {
			c.toast("Could not send " + filepath.Base(p) + ": " + err.Error())
			continue
		}
		c.SendAttachment(conv, a)
	}
}

// SendAttachment shows the message at once and uploads its bytes; the message itself goes out
// when the upload is done. A failed upload leaves it with Retry, like a failed send.
func (c *Controller) SendAttachment(conv *Conversation, a *attachment) {
	ct := openim.File
	if a.picture {
		ct = openim.Picture
	}
	m := newMessage(c.self, conv, ct, c.clock.now().UnixMilli())
	m.Content = a.content()
	o := &outMsg{msg: m, att: a}
	c.outgoing[conv.ID] = append(c.outgoing[conv.ID], o)
	if cur := c.convs[conv.ID]; cur != nil {
		cur.LastMsg, cur.LastTime = m, m.CreateTime
		c.conversationsChanged()
	}
	if c.shell != nil {
		c.shell.chat.received(m)
	}
	c.upload(conv.ID, o)
}

// transferEvery spaces progress updates: a bar does not need more than a few redraws a second.
const transferEvery = 100 * time.Millisecond

// upload stores the attachment's bytes on the node, then sends the message with its URL.
func (c *Controller) upload(convID string, o *outMsg) {
	a, epoch := o.att, c.epoch
	a.uploading, a.done = true, 0
	name := a.objectName(c.self.UserID, o.msg.ClientMsgID)
	progress := c.throttled(func(done, _ int64) {
		a.done = done
		c.transferChanged(o.msg.ClientMsgID)
	})
	go func() {
		url, err := func() (string, error) {
			r, err := a.open()
			if err != nil {
				return "", err
			}
			defer r.Close()
			return c.be.Upload(c.ctx, name, a.mime, r, a.size, progress)
		}()
		if c.ctx.Err() != nil {
			return
		}
		c.post(func() {
			if c.epoch != epoch {
				return
			}
			a.uploading = false
			defer c.transferChanged(o.msg.ClientMsgID)
			if err != nil {
				c.log.Warn("upload failed", "name", name, "err", err)
				c.toast("Could not upload " + a.name + ": " + errorText(err))
				c.sent(convID, o, nil, fmt.Errorf("upload: %w", err))
				return
			}
			a.url, a.done = url, a.size
			o.msg.Content = a.content()
			c.send(convID, o)
		})
	}()
}

// throttled wraps a progress callback of a transfer goroutine: it runs fn on the UI goroutine,
// at most every transferEvery, and always for the last bytes.
func (c *Controller) throttled(fn func(done, total int64)) func(done, total int64) {
	var last time.Time
	return func(done, total int64) {
		if now := time.Now(); now.Sub(last) >= transferEvery || done == total {
			last = now
			c.post(func() { fn(done, total) })
		}
	}
}

// transferChanged redraws the bubble of a message whose upload or download moved.
func (c *Controller) transferChanged(clientMsgID string) {
	if c.shell != nil {
		if r := c.shell.chat.rows[clientMsgID]; r != nil {
			r.updateAttachment()
		}
	}
}

// attachmentOf is the user's attachment of a message still being sent, or nil.
func (c *Controller) attachmentOf(convID, clientMsgID string) *attachment {
	for _, o := range c.outgoing[convID] {
		if o.msg.ClientMsgID == clientMsgID {
			return o.att
		}
	}
	return nil
}

// download is a file being fetched for Open or Save as.
type download struct {
	done, total int64
}

// downloadsDir is where opened files are kept: next to the session, in the app's data dir.
func (c *Controller) downloadsDir() string {
	if c.opts.SessionPath != "" {
		return filepath.Join(filepath.Dir(c.opts.SessionPath), "downloads")
	}
	return filepath.Join(os.TempDir(), "lanim-downloads")
}

// localCopy is the path Open keeps a file's download at: one folder per message, so two files
// with one name do not overwrite each other. Both parts come from the sender: the folder is a
// hash of the message's ID and the name loses any folder, so nothing lands outside downloadsDir.
func (c *Controller) localCopy(clientMsgID, name string) string {
	sum := sha256.Sum256([]byte(clientMsgID))
	return filepath.Join(c.downloadsDir(), hex.EncodeToString(sum[:12]), safeFileName(name))
}

// safeFileName is a sender's file name without folders, usable as a file name here.
func safeFileName(name string) string {
	base := filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	if base == "." || base == ".." || base == "/" || base == "" {
		return "file"
	}
	return base
}

// OpenFile downloads a file message's file (once) and opens it with the system's handler.
func (c *Controller) OpenFile(m *pb.MsgData) {
	f, ok := fileOf(m)
	if !ok || f.SourceURL == "" {
		return
	}
	path := c.localCopy(m.ClientMsgID, f.FileName)
	if st, err := os.Stat(path); err == nil && st.Size() == f.FileSize {
		c.openPath(path)
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		c.fail("open "+f.FileName, err)
		return
	}
	c.fetch(m.ClientMsgID, f.SourceURL, f.FileName, func() (io.WriteCloser, error) {
		return os.Create(path + ".part")
	}, func() error { return os.Rename(path+".part", path) }, func() { c.openPath(path) })
}

// SaveFileAs asks where to save a file (or a picture) and downloads it there.
func (c *Controller) SaveFileAs(clientMsgID, url, name string) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			c.fail("save "+name, err)
			return
		}
		if w == nil {
			return // cancelled
		}
		c.rememberDir(w.URI())
		c.fetch(clientMsgID, url, name, func() (io.WriteCloser, error) { return w, nil }, nil, func() {
			c.toast("Saved " + w.URI().Name())
		})
	}, c.win)
	d.SetFileName(safeFileName(name))
	if dir := c.lastDir(); dir != nil {
		d.SetLocation(dir)
	}
	d.Show()
}

// fetch downloads url into the writer create opens, with the bubble showing the progress; commit
// runs (off the UI goroutine) once the bytes are complete, then done on the UI goroutine.
func (c *Controller) fetch(clientMsgID, url, name string, create func() (io.WriteCloser, error), commit func() error, done func()) {
	if c.files.downloads[clientMsgID] != nil {
		return // already on its way
	}
	dl := &download{total: -1}
	c.files.downloads[clientMsgID] = dl
	c.transferChanged(clientMsgID)
	progress := c.throttled(func(d, t int64) {
		dl.done, dl.total = d, t
		c.transferChanged(clientMsgID)
	})
	epoch := c.epoch
	go func() {
		err := func() error {
			w, err := create()
			if err != nil {
				return err
			}
			_, err = c.be.Download(c.ctx, url, w, progress)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			if err == nil && commit != nil {
				err = commit()
			}
			return err
		}()
		if c.ctx.Err() != nil {
			return
		}
		c.post(func() {
			delete(c.files.downloads, clientMsgID)
			c.transferChanged(clientMsgID)
			if c.epoch != epoch {
				return
			}
			if err != nil {
				c.fail("download "+name, err)
				return
			}
			done()
		})
	}()
}

// openPath opens a downloaded file with the system's handler for its type.
func (c *Controller) openPath(path string) {
	u, err := url.Parse(storage.NewFileURI(path).String())
	if err == nil {
		err = c.opts.OpenURL(u)
	}
	if err != nil {
		c.fail("open "+filepath.Base(path), err)
	}
}

// PickFiles shows the file dialog and sends the file picked to the conversation.
func (c *Controller) PickFiles(conv *Conversation) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			c.fail("open the file", err)
			return
		}
		if r == nil {
			return
		}
		r.Close() // the upload opens the file itself, so a retry can read it again
		c.rememberDir(r.URI())
		c.SendFiles(conv, []string{r.URI().Path()})
	}, c.win)
	if dir := c.lastDir(); dir != nil {
		d.SetLocation(dir)
	}
	d.Resize(fyne.NewSize(760, 520))
	d.Show()
}

// rememberDir keeps the folder of a picked file for the next dialog.
func (c *Controller) rememberDir(u fyne.URI) {
	if u == nil || u.Scheme() != "file" {
		return
	}
	c.files.dir = filepath.Dir(u.Path())
}

func (c *Controller) lastDir() fyne.ListableURI {
	if c.files.dir == "" {
		return nil
	}
	l, err := storage.ListerForURI(storage.NewFileURI(c.files.dir))
	if err != nil {
		return nil
	}
	return l
}

// dropped sends files dropped on the window to the open chat.
func (c *Controller) dropped(_ fyne.Position, uris []fyne.URI) {
	if c.shell == nil || c.shell.chat.conv == nil || c.shell.section != sectionChats {
		c.toast("Open a chat to send files: drop them on it.")
		return
	}
	var paths []string
	for _, u := range uris {
		if u.Scheme() == "file" {
			paths = append(paths, u.Path())
		}
	}
	c.SendFiles(c.shell.chat.conv, paths)
}

// files is the controller's state for transfers; like every controller field it is used on
// the UI goroutine only.
type files struct {
	downloads map[string]*download // by clientMsgID
	dir       string               // the folder of the last file picked or saved
}

func newFiles() *files { return &files{downloads: map[string]*download{}} }

// pastedFiles reads what a paste of text means as files: file:// URIs or absolute paths of
// existing files, one a line (what file managers put on the clipboard when copying files).
func pastedFiles(text string) []string {
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if u, err := url.Parse(line); err == nil && u.Scheme == "file" {
			line = u.Path
		}
		if !filepath.IsAbs(line) {
			return nil
		}
		if st, err := os.Stat(line); err != nil || st.IsDir() {
			return nil
		}
		out = append(out, line)
	}
	return out
}

// humanSize is a byte count as people read it.
func humanSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f KB", float64(n)/1000)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
}

// fileTypeLabel is a file's type for the bubble: its extension ("PDF"), else the MIME subtype.
func fileTypeLabel(name, mimeType string) string {
	if ext := strings.TrimPrefix(filepath.Ext(name), "."); ext != "" && len(ext) <= 8 {
		return strings.ToUpper(ext)
	}
	if _, sub, ok := strings.Cut(mimeType, "/"); ok {
		return strings.ToUpper(sub)
	}
	return "File"
}

// attachmentURL is the object URL of a picture or file message and a name to save it under.
func attachmentURL(m *pb.MsgData) (url, name string) {
	if p, ok := pictureOf(m); ok && p.SourcePicture.URL != "" {
		u := p.SourcePicture.URL
		return u, u[strings.LastIndex(u, "/")+1:]
	}
	if f, ok := fileOf(m); ok {
		return f.SourceURL, f.FileName
	}
	return "", ""
}

// SendPastedPicture sends a picture pasted from the clipboard (a screenshot).
func (c *Controller) SendPastedPicture(conv *Conversation, png []byte) {
	name := "Screenshot " + c.clock.now().In(c.clock.loc).Format("2006-01-02 15.04.05") + ".png"
	a, err := imageAttachment(name, png)
	if err != nil {
		c.toast("Could not paste the picture: " + err.Error())
		return
	}
	c.SendAttachment(conv, a)
}

// maxFacePicture bounds a profile or group picture.
const maxFacePicture = 10 << 20

// pickPicture shows the file dialog for pictures; picked gets the file's path.
func (c *Controller) pickPicture(picked func(path string)) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			c.fail("open the picture", err)
			return
		}
		if r == nil {
			return
		}
		r.Close()
		c.rememberDir(r.URI())
		picked(r.URI().Path())
	}, c.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".png", ".jpg", ".jpeg", ".gif", ".PNG", ".JPG", ".JPEG", ".GIF"}))
	if dir := c.lastDir(); dir != nil {
		d.SetLocation(dir)
	}
	d.Resize(fyne.NewSize(760, 520))
	d.Show()
}

// uploadFace uploads a picture for a profile or group and gives its URL to done (the faceURL).
func (c *Controller) uploadFace(path string, done func(url string)) {
	a, err := fileAttachment(path)
	switch {
	case err != nil:
		c.toast("Could not use this picture: " + err.Error())
		return
	case !a.picture:
		c.toast("Could not use this file: pick a PNG, JPEG or GIF picture.")
		return
	case a.size > maxFacePicture:
		c.toast("Could not use this picture: it is larger than " + humanSize(maxFacePicture) + ".")
		return
	}
	name := c.self.UserID + "/face_" + NewClientMsgID() + a.pictureExt()
	run(c, "upload the picture", func(ctx context.Context) (string, error) {
		r, err := a.open()
		if err != nil {
			return "", err
		}
		defer r.Close()
		return c.be.Upload(ctx, name, a.mime, r, a.size, nil)
	}, done)
}
