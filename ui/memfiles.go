package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
)

// The in-memory office's object store: bytes by name, served back for any query (the real node
// scales thumbnails; the screens scale whatever they get). Tests can fail or hold uploads.

// memObjectPrefix starts the URLs of the in-memory office's objects.
const memObjectPrefix = "mem://office/object/"

// memFiles is the object store of a MemOffice (guarded by the office's lock).
type memFiles struct {
	objects   map[string][]byte
	downloads []string
	fail      int           // the next uploads to fail
	hold      chan struct{} // uploads wait halfway until it is closed
}

// FailUploads makes the next n uploads fail.
func (o *MemOffice) FailUploads(n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.files.fail = n
}

// HoldUploads makes uploads stop halfway (after reporting half their bytes) until release.
func (o *MemOffice) HoldUploads() (release func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	hold := make(chan struct{})
	o.files.hold = hold
	return func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.files.hold == hold {
			o.files.hold = nil
		}
		close(hold)
	}
}

// Downloads lists the URLs apps fetched, in order.
func (o *MemOffice) Downloads() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.files.downloads)
}

// Object is the bytes stored at an object URL, or nil.
func (o *MemOffice) Object(u string) []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	name, _ := memObjectName(u)
	return o.files.objects[name]
}

// PutObject stores bytes as the user would upload them and returns their URL (demo data).
func (o *MemOffice) PutObject(name string, data []byte) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.files.objects == nil {
		o.files.objects = map[string][]byte{}
	}
	o.files.objects[name] = data
	return memObjectPrefix + name
}

func memObjectName(u string) (string, bool) {
	rest, ok := strings.CutPrefix(u, memObjectPrefix)
	if !ok {
		return "", false
	}
	rest, _, _ = strings.Cut(rest, "?")
	name, err := url.PathUnescape(rest)
	return name, err == nil
}

func (b *MemBackend) Upload(ctx context.Context, name, _ string, r io.ReaderAt, size int64, progress func(done, total int64)) (string, error) {
	u, err := b.write()
	if err != nil {
		return "", err
	}
	f := &b.o.files
	failing, hold := f.fail > 0, f.hold
	if failing {
		f.fail--
	}
	b.unlock()
	if !strings.HasPrefix(name, u+"/") || len(name) > 1024 {
		return "", errMemArgs
	}
	data, err := io.ReadAll(io.NewSectionReader(r, 0, size))
	if err != nil {
		return "", fmt.Errorf("read: %w", err)
	}
	if int64(len(data)) != size {
		return "", fmt.Errorf("read %d bytes of %d", len(data), size)
	}
	if progress != nil {
		progress(size/2, size)
	}
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	if failing {
		return "", errors.New("the connection to the node dropped")
	}
	if progress != nil {
		progress(size, size)
	}
	return b.o.PutObject(name, bytes.Clone(data)), nil
}

func (b *MemBackend) Download(_ context.Context, u string, w io.Writer, progress func(done, total int64)) (int64, error) {
	o := b.o
	o.mu.Lock()
	o.files.downloads = append(o.files.downloads, u)
	name, _ := memObjectName(u)
	data, ok := o.files.objects[name]
	o.mu.Unlock()
	if !ok {
		return 0, apiErr(CodeNotFound, "RecordNotFoundError")
	}
	n, err := w.Write(data)
	if progress != nil {
		progress(int64(n), int64(len(data)))
	}
	return int64(n), err
}
