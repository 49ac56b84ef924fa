package blob

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
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
		putPart(t, s, id, n, int64(n-1)*1000, parts[n-1])
	}
}

// putPart writes part n at off with its MD5.
func putPart(t *testing.T, s *Store, id string, n int, off int64, b []byte) {
	t.Helper()
	if _, err := s.WritePart(id, n, off, int64(len(b)), md5Of(b), bytes.NewReader(b)); err != nil {
		t.Fatalf("part %d: %v", n, err)
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

// TestOutOfOrderPartsHashedOnce: parts that arrive ahead of the order are hashed (from the page
// cache) as soon as the parts before them are in, so complete has the file's SHA-256 without
// reading it; a part received again while ahead is hashed with its final bytes.
func TestOutOfOrderPartsHashedOnce(t *testing.T) {
	s := openStore(t, 0)
	parts := threeParts(t, s, "u")
	if _, err := s.WritePart("u", 3, 2000, 300, "", bytes.NewReader(bytes.Repeat([]byte("x"), 300))); err != nil {
		t.Fatal(err)
	}
	putParts(t, s, "u", parts, 3, 2, 1)
	s.mu.Lock()
	st := s.ups["u"]
	hashed, whole := st.hashed, st.sha != nil
	s.mu.Unlock()
	if hashed != 2300 || !whole {
		t.Fatalf("hashed %d bytes of 2300 before complete (hash held: %v)", hashed, whole)
	}
	assembleAll(t, s, "u", parts)
}

// gatedReader holds every part's first read until all of them have started, so that they are
// received at once.
type gatedReader struct {
	r       io.Reader
	started *sync.WaitGroup
	once    sync.Once
}

func (g *gatedReader) Read(p []byte) (int, error) {
	g.once.Do(func() { g.started.Done(); g.started.Wait() })
	return g.r.Read(p)
}

// TestPartsAtOnceInVectorLanes: parts received at once have their MD5 computed in vector lanes,
// each checked as alone (a wrong MD5 is refused, the others kept); the lanes' server stops with
// the last of them, and the upload assembles to the right blob.
func TestPartsAtOnceInVectorLanes(t *testing.T) {
	s := openStore(t, 0)
	if err := s.CreateUpload("u", time.Now().Add(time.Hour), []byte("{}")); err != nil {
		t.Fatal(err)
	}
	const n, size = 2 * simdParts, 100_000
	parts := make([][]byte, n)
	for i := range parts {
		parts[i] = make([]byte, size)
		for j := range parts[i] {
			parts[i][j] = byte(i*31 + j*7)
		}
	}
	var started sync.WaitGroup
	started.Add(n)
	var lanes atomic.Bool
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		want := md5Of(parts[i])
		if i%2 == 1 {
			want = md5Of(parts[i][1:]) // more wrong MD5s than parts hashed by crypto/md5
		}
		wg.Go(func() {
			r := &gatedReader{r: bytes.NewReader(parts[i]), started: &started}
			_, errs[i] = s.WritePart("u", i+1, int64(i)*size, size, want, readerFunc(func(p []byte) (int, error) {
				k, err := r.Read(p)
				s.mu.Lock()
				lanes.CompareAndSwap(false, s.simd != nil)
				s.mu.Unlock()
				return k, err
			}))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if i%2 == 0 && err != nil || i%2 == 1 && !errors.Is(err, ErrPartMD5) {
			t.Fatalf("part %d: %v", i+1, err)
		}
	}
	s.mu.Lock()
	idle := s.simd == nil && s.receiving == 0
	s.mu.Unlock()
	if !lanes.Load() || !idle {
		t.Fatalf("vector lanes used: %v; stopped after: %v", lanes.Load(), idle)
	}
	for i := 1; i < n; i += 2 {
		putPart(t, s, "u", i+1, int64(i)*size, parts[i])
	}
	assembleAll(t, s, "u", parts)
}

type readerFunc func(p []byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
