package blob

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// spool writes data to a new file from CreateTemp, as the cluster's fetch does.
func spool(t *testing.T, s *Store, data []byte) string {
	t.Helper()
	f, err := s.CreateTemp("blob-*.spool")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

func TestAdopt(t *testing.T) {
	s := openStore(t, 0)
	data := bytes.Repeat([]byte("adopt"), 50000)
	key := keyOf(data)
	p := spool(t, s, data)
	if s.Used() != 0 {
		t.Fatalf("a spool counts %d bytes before it is adopted", s.Used())
	}
	// A reader that had the spool open (a viewer) keeps reading it after the rename.
	viewer, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer viewer.Close()
	if err := s.Adopt(key, p, key); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the spool is still there: %v", err)
	}
	if got, err := io.ReadAll(viewer); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("viewer read %d bytes: %v", len(got), err)
	}
	f, err := s.Open(key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, data) {
		t.Fatal("adopted blob differs")
	}
	if s.Used() != int64(len(data)) {
		t.Fatalf("used %d, want %d", s.Used(), len(data))
	}
	// The same blob again: the new file is dropped, nothing counted twice.
	if err := s.Adopt(key, spool(t, s, data), ""); err != nil {
		t.Fatal(err)
	}
	if s.Used() != int64(len(data)) {
		t.Fatalf("used %d after adopting a blob already there, want %d", s.Used(), len(data))
	}
	if fs := files(t, s.tmpDir()); len(fs) != 0 {
		t.Fatalf("temp files left: %v", fs)
	}
}

func TestAdoptRefusals(t *testing.T) {
	data := []byte("bytes that are not what the key says")
	key := keyOf([]byte("other bytes"))
	for _, tc := range []struct {
		name   string
		budget int64
		key    string
		sum    string // "path" for a file outside the temp dir
		want   error
	}{
		{"the writer's hash differs", 0, key, keyOf(data), ErrHashMismatch},
		{"the file's hash differs", 0, key, "", ErrHashMismatch},
		{"over the budget", 10, keyOf(data), keyOf(data), ErrBudget},
		{"a bad key", 0, "nope", "", ErrBadKey},
		{"a file outside the temp dir", 0, keyOf(data), "path", errNotTemp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, tc.budget)
			p := spool(t, s, data)
			sum := tc.sum
			if sum == "path" {
				out := filepath.Join(t.TempDir(), "elsewhere")
				if err := os.Rename(p, out); err != nil {
					t.Fatal(err)
				}
				p, sum = out, ""
			}
			err := s.Adopt(tc.key, p, sum)
			if !errors.Is(err, tc.want) {
				t.Fatalf("adopt: %v, want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), s.Dir()) || strings.Contains(err.Error(), p) {
				t.Fatalf("error shows a path: %v", err)
			}
			if fs := files(t, s.Dir()); len(fs) != 0 {
				t.Fatalf("files kept: %v", fs)
			}
			if _, serr := os.Stat(p); (serr == nil) != (tc.want == errNotTemp) {
				t.Fatalf("file outside the temp dir removed, or temp file kept: %v", serr)
			}
			if s.Used() != 0 {
				t.Fatalf("used %d after a refusal", s.Used())
			}
		})
	}
}
