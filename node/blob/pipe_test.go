package blob

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// TestPipeCopy: the bytes arrive whole and in order, however r cuts its reads, and an error of
// either side is the copy's, a write error first.
func TestPipeCopy(t *testing.T) {
	data := make([]byte, 5*copyBufSize+123)
	for i := range data {
		data[i] = byte(i * 13 / 7)
	}
	var got bytes.Buffer
	n, err := PipeCopy(&got, iotest.HalfReader(bytes.NewReader(data)))
	if err != nil || n != int64(len(data)) || !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("copied %d bytes, %v; equal %v", n, err, bytes.Equal(got.Bytes(), data))
	}
	cut := errors.New("cut")
	if _, err := PipeCopy(io.Discard, io.MultiReader(bytes.NewReader(data[:1000]), iotest.ErrReader(io.ErrUnexpectedEOF))); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("a reader's own error: %v", err)
	}
	fails := &failAfter{left: copyBufSize, err: cut}
	src := &countReader{r: bytes.NewReader(data)}
	if _, err := PipeCopy(fails, io.MultiReader(src, iotest.ErrReader(errors.New("read")))); !errors.Is(err, cut) {
		t.Fatalf("write error: %v", err)
	}
	if src.n == int64(len(data)) {
		t.Fatal("reading went on to the end after the writer failed")
	}
}

type failAfter struct {
	left int
	err  error
}

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.left {
		return 0, f.err
	}
	f.left -= len(p)
	return len(p), nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n += int64(k)
	return k, err
}
