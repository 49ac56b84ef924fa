package blob

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// threeParts starts an upload of three parts of 1000, 1000 and 300 bytes and returns them.
func threeParts(t *testing.T, s *Store, id string) [][]byte {
	t.Helper()
	if err := s.CreateUpload(id, time.Now().Add(time.Hour), []byte("{}")); err != nil {
		t.Fatal(err)
	}
	return [][]byte{bytes.Repeat([]byte("a"), 1000), bytes.Repeat([]byte("b"), 1000), bytes.Repeat([]byte("c"), 300)}
}

func putParts(t *testing.T, s *Store, id string, parts [][]byte, nums ...int) {
	t.Helper()
	for _, n := range nums {
		if _, err := s.WritePart(id, n, int64(n-1)*1000, int64(len(parts[n-1])), md5Of(parts[n-1]),
			bytes.NewReader(parts[n-1])); err != nil {
			t.Fatalf("part %d: %v", n, err)
		}
	}
}

// assembleAll assembles every received part and checks the blob is the parts end to end.
func assembleAll(t *testing.T, s *Store, id string, parts [][]byte) {
	t.Helper()
	got, err := s.Parts(id)
	if err != nil || len(got) != len(parts) {
		t.Fatalf("parts %v %v", got, err)
	}
	whole := bytes.Join(parts, nil)
	key, size, err := s.Assemble(id, got)
	if err != nil || key != keyOf(whole) || size != int64(len(whole)) {
		t.Fatalf("assemble: %s %d %v, want %s", key, size, err, keyOf(whole))
	}
	f, err := s.Open(key)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if b, _ := io.ReadAll(f); !bytes.Equal(b, whole) {
		t.Fatal("the blob is not the parts end to end")
	}
}

// TestBadRePutKeepsGoodPart: a part sent again that is refused (short, long, wrong MD5) changes
// neither the good bytes received before at its offset nor its neighbours, nor the budget.
func TestBadRePutKeepsGoodPart(t *testing.T) {
	s := openStore(t, 0)
	parts := threeParts(t, s, "u")
	putParts(t, s, "u", parts, 1, 2, 3)
	used := s.Used()
	bad := bytes.Repeat([]byte("X"), 1000)
	for name, c := range map[string]struct {
		body []byte
		md5  string
		want error
	}{
		"short":     {bad[:999], "", ErrPartSize},
		"long":      {append(append([]byte{}, bad...), 'X'), "", ErrPartSize},
		"wrong MD5": {bad, md5Of(parts[1]), ErrPartMD5},
	} {
		if _, err := s.WritePart("u", 2, 1000, 1000, c.md5, bytes.NewReader(c.body)); !errors.Is(err, c.want) {
			t.Fatalf("%s re-PUT: %v, want %v", name, err, c.want)
		}
	}
	if s.Used() != used {
		t.Fatalf("refused parts kept %d bytes", s.Used()-used)
	}
	assembleAll(t, s, "u", parts)
}

// TestBadFirstPutTouchesNoNeighbour: a part longer than signed is refused without writing a byte
// into the next part's place, and a refused part that grew the upload's file keeps no room.
func TestBadFirstPutTouchesNoNeighbour(t *testing.T) {
	s := openStore(t, 0)
	parts := threeParts(t, s, "u")
	putParts(t, s, "u", parts, 2)
	used := s.Used()
	long := append(bytes.Repeat([]byte("X"), 1000), 'X')
	if _, err := s.WritePart("u", 1, 0, 1000, "", bytes.NewReader(long)); !errors.Is(err, ErrPartSize) {
		t.Fatalf("long part 1: %v", err)
	}
	if _, err := s.WritePart("u", 3, 2000, 300, md5Of(parts[1][:300]), bytes.NewReader(parts[2])); !errors.Is(err, ErrPartMD5) {
		t.Fatalf("part 3 with another MD5: %v", err)
	}
	if s.Used() != used {
		t.Fatalf("refused parts kept %d bytes", s.Used()-used)
	}
	putParts(t, s, "u", parts, 1, 3)
	assembleAll(t, s, "u", parts)
}

// TestGoodRePutReplaces: a part sent again with other bytes replaces the earlier one.
func TestGoodRePutReplaces(t *testing.T) {
	s := openStore(t, 0)
	parts := threeParts(t, s, "u")
	putParts(t, s, "u", parts, 1, 2, 3)
	parts[1] = bytes.Repeat([]byte("B"), 1000)
	putParts(t, s, "u", parts, 2)
	assembleAll(t, s, "u", parts)
	if err := s.RemoveUpload("u"); err != nil {
		t.Fatal(err)
	}
	reopened, err := Open(s.Dir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if s.Used() != reopened.Used() || s.Used() != 2300 {
		t.Fatalf("used %d, on disk %d, want 2300", s.Used(), reopened.Used())
	}
}

// TestConcurrentParts: parts of one upload, some of them sent twice at once, written concurrently.
func TestConcurrentParts(t *testing.T) {
	s := openStore(t, 0)
	parts := threeParts(t, s, "u")
	concurrently(t, 9, func(i int) error {
		n := i%3 + 1
		_, err := s.WritePart("u", n, int64(n-1)*1000, int64(len(parts[n-1])), "", bytes.NewReader(parts[n-1]))
		return err
	})
	assembleAll(t, s, "u", parts)
}

// TestResumeAfterRestart: parts received before the node restarted are kept and counted, and the
// upload completes with the rest.
func TestResumeAfterRestart(t *testing.T) {
	s := openStore(t, 0)
	parts := threeParts(t, s, "u")
	putParts(t, s, "u", parts, 1, 3)
	s2, err := Open(s.Dir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Used() != s.Used() {
		t.Fatalf("used %d after restart, %d before", s2.Used(), s.Used())
	}
	putParts(t, s2, "u", parts, 2)
	assembleAll(t, s2, "u", parts)
}

// TestRestartRechecksParts: parts are not synced one by one, so a part received before a restart
// may have lost its bytes (a machine crash); assembling then checks such parts' MD5, gives up one
// whose bytes changed, and completes once it is sent again.
func TestRestartRechecksParts(t *testing.T) {
	s := openStore(t, 0)
	parts := threeParts(t, s, "u")
	putParts(t, s, "u", parts, 1, 3)
	// The crash: part 1's bytes never reached the disk.
	data := filepath.Join(s.Dir(), "uploads", "u", "data")
	if err := os.WriteFile(data, append(make([]byte, 2000), parts[2]...), 0o600); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(s.Dir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	putParts(t, s2, "u", parts, 2)
	got, _ := s2.Parts("u")
	if _, _, err := s2.Assemble("u", got); !errors.Is(err, ErrPartMD5) {
		t.Fatalf("assemble over lost bytes: %v", err)
	}
	if got, _ := s2.Parts("u"); len(got) != 2 || got[0].Number != 2 || got[1].Number != 3 {
		t.Fatalf("parts after the refusal: %v, want 2 and 3", got)
	}
	putParts(t, s2, "u", parts, 1)
	assembleAll(t, s2, "u", parts)
}

// TestNoWriteDuringAssemble: while a part is being received the upload cannot be assembled, and
// once it is assembled no part can be written into what is now the blob.
func TestNoWriteDuringAssemble(t *testing.T) {
	s := openStore(t, 0)
	parts := threeParts(t, s, "u")
	putParts(t, s, "u", parts, 1, 3)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := s.WritePart("u", 2, 1000, 1000, "", pr)
		done <- err
	}()
	if _, err := pw.Write(parts[1][:10]); err != nil { // returns once WritePart reads: part 2 is being received
		t.Fatal(err)
	}
	got, _ := s.Parts("u")
	if _, _, err := s.Assemble("u", got); !errors.Is(err, ErrPartsBusy) {
		t.Fatalf("assemble while part 2 is received: %v", err)
	}
	pw.Write(parts[1][10:])
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	assembleAll(t, s, "u", parts)
	if _, err := s.WritePart("u", 2, 1000, 1000, "", bytes.NewReader(bytes.Repeat([]byte("Z"), 1000))); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("part after assemble: %v", err)
	}
	key, _, ok := s.Assembled("u")
	if !ok {
		t.Fatal("not assembled")
	}
	if b, err := os.ReadFile(filepath.Join(s.Dir(), key[:2], key)); err != nil || keyOf(b) != key {
		t.Fatalf("blob changed after assemble: %v", err)
	}
}

// TestAssembleChecksOffsets: parts that were not written end to end are not assembled.
func TestAssembleChecksOffsets(t *testing.T) {
	s := openStore(t, 0)
	parts := threeParts(t, s, "u")
	putParts(t, s, "u", parts, 1, 3)
	if _, err := s.WritePart("u", 2, 1200, 1000, "", bytes.NewReader(parts[1])); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Parts("u")
	if _, _, err := s.Assemble("u", got); err == nil {
		t.Fatal("assembled parts that overlap")
	}
}

// TestUploadStateForgotten: once an upload is removed the store keeps nothing of it in memory.
func TestUploadStateForgotten(t *testing.T) {
	s := openStore(t, 0)
	parts := threeParts(t, s, "u")
	putParts(t, s, "u", parts, 1, 2)
	if _, err := s.WritePart("u", 3, 2000, 300, md5Of(parts[0][:300]), bytes.NewReader(parts[2])); !errors.Is(err, ErrPartMD5) {
		t.Fatalf("part 3 with another MD5: %v", err)
	}
	putParts(t, s, "u", parts, 3)
	assembleAll(t, s, "u", parts)
	if err := s.RemoveUpload("u"); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ups) != 0 {
		t.Fatalf("state of %d uploads kept", len(s.ups))
	}
}
