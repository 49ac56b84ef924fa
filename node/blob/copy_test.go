package blob

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"errors"
	"hash"
	"io"
	"testing"
	"testing/iotest"
)

// TestCopyHashing: the bytes arrive whole and in order however the reader cuts them, each hash is
// of exactly the bytes written (nil hashes are skipped), wrote sees the running total, and a
// failure of either side is the copy's.
func TestCopyHashing(t *testing.T) {
	data := make([]byte, 3*copyBufSize*copyBufs+777) // more buffers than the copy cycles through
	for i := range data {
		data[i] = byte(i * 13 / 7)
	}
	for name, r := range map[string]func() io.Reader{
		"whole":    func() io.Reader { return bytes.NewReader(data) },
		"halves":   func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
		"data+EOF": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) },
	} {
		var out bytes.Buffer
		m, s := md5.New(), sha256.New()
		var last int64
		n, err := CopyHashing(&out, r(), []hash.Hash{m, nil, s}, func(total int64) {
			if total <= last {
				t.Fatalf("%s: wrote %d after %d", name, total, last)
			}
			last = total
		})
		if err != nil || n != int64(len(data)) || last != n || !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("%s: n %d, last %d, err %v, same bytes %v", name, n, last, err, bytes.Equal(out.Bytes(), data))
		}
		wantM, wantS := md5.Sum(data), sha256.Sum256(data)
		if !bytes.Equal(m.Sum(nil), wantM[:]) || !bytes.Equal(s.Sum(nil), wantS[:]) {
			t.Fatalf("%s: hashes differ from the data's", name)
		}
	}

	// A writer that fails part-way: the error comes back, and the hash holds what it took.
	limit := copyBufSize + 100
	w := &failingWriter{room: limit}
	h := sha256.New()
	n, err := CopyHashing(w, bytes.NewReader(data), []hash.Hash{h}, nil)
	if !errors.Is(err, errNoRoom) || n != int64(limit) {
		t.Fatalf("failing writer: n %d, err %v", n, err)
	}
	if want := sha256.Sum256(data[:limit]); !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatal("failing writer: the hash is not of the bytes written")
	}

	// A reader that fails: its error, after the bytes before it.
	boom := errors.New("boom")
	out := &bytes.Buffer{}
	n, err = CopyHashing(out, io.MultiReader(bytes.NewReader(data[:5000]), iotest.ErrReader(boom)), nil, nil)
	if !errors.Is(err, boom) || n != 5000 || !bytes.Equal(out.Bytes(), data[:5000]) {
		t.Fatalf("failing reader: n %d, err %v", n, err)
	}
}

var errNoRoom = errors.New("no room")

// failingWriter takes room bytes, then fails.
type failingWriter struct{ room int }

func (w *failingWriter) Write(p []byte) (int, error) {
	k := min(len(p), w.room)
	w.room -= k
	if k < len(p) {
		return k, errNoRoom
	}
	return k, nil
}
