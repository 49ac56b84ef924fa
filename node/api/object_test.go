package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lanim/node/api/objectwire"
	"lanim/node/auth"
	"lanim/node/blob"
	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/store"
)

// objEnv is an API server with a real state database and blob store, a clock the test moves, and
// objects committed through the real machine.
type objEnv struct {
	t     *testing.T
	s     *Server
	db    *store.DB
	blobs *blob.Store
	now   time.Time
	index uint64
}

func newObjEnv(t *testing.T, fetcher BlobFetcher) *objEnv {
	t.Helper()
	return newObjEnvBudget(t, fetcher, 0)
}

func newObjEnvBudget(t *testing.T, fetcher BlobFetcher, budget int64) *objEnv {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bs, err := blob.Open(filepath.Join(t.TempDir(), "blobs"), budget)
	if err != nil {
		t.Fatal(err)
	}
	e := &objEnv{t: t, db: db, blobs: bs, now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	e.s = New(Config{DB: db, Verifier: auth.NewVerifier(db.Reader()), Blobs: bs, Fetcher: fetcher,
		Now: func() time.Time { return e.now }})
	return e
}

// commit applies object.complete for alice, as the FSM would.
func (e *objEnv) commit(name string, data []byte) string {
	e.t.Helper()
	sum := sha256.Sum256(data)
	key := hex.EncodeToString(sum[:])
	e.index++
	cmd, _ := im.NewCommand("object.complete", im.Caller{UserID: "alice"}, e.now.UnixMilli(), "op", &im.CompleteObject{
		Name: name, Key: key, Hash: md5Hex("x"), Size: int64(len(data)), ContentType: "text/plain"})
	ctx := context.Background()
	tx, err := e.db.Begin(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if res, _ := im.NewMachine().Apply(ctx, tx, e.index, cmd); res.Err != nil {
		e.t.Fatal(res.Err)
	}
	if err := tx.Commit(); err != nil {
		e.t.Fatal(err)
	}
	return key
}

func (e *objEnv) do(method, target string, body io.Reader, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	e.s.ServeHTTP(w, r)
	return w
}

// memFetcher is the office as a map of blobs: it streams a blob to w while storing it, as
// replication's fetcher does, and counts its fetches.
type memFetcher struct {
	blobs   *blob.Store
	have    map[string][]byte
	fetches int
}

func (f *memFetcher) FetchBlob(ctx context.Context, key string, w io.Writer) error {
	f.fetches++
	b, ok := f.have[key]
	if !ok {
		return fmt.Errorf("no member has %s: %w", key, fs.ErrNotExist)
	}
	_, err := f.blobs.Ingest(key, io.TeeReader(bytes.NewReader(b), w))
	return err
}

// TestGetFetchesMissingBlob: an object whose bytes are on another node is streamed while it is
// fetched, then served locally; a Range on a missing blob fetches it whole first; a blob no member
// has, or a node with no fetcher, answers 404 with a clear error.
func TestGetFetchesMissingBlob(t *testing.T) {
	f := &memFetcher{have: map[string][]byte{}}
	e := newObjEnv(t, f)
	f.blobs = e.blobs
	data := bytes.Repeat([]byte("remote bytes "), 50000)
	key := e.commit("alice/r.txt", data)
	f.have[key] = data
	w := e.do("GET", "/object/"+key+"/alice/r.txt", nil)
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), data) || w.Header().Get("Content-Length") != fmt.Sprint(len(data)) {
		t.Fatalf("streamed GET: %d, %d bytes, %v", w.Code, w.Body.Len(), w.Header())
	}
	if _, err := e.blobs.Stat(key); err != nil || f.fetches != 1 {
		t.Fatalf("after the GET: stat %v, %d fetches", err, f.fetches)
	}
	w = e.do("GET", "/object/"+key+"/alice/r.txt", nil, "Range", "bytes=13-25")
	if w.Code != 206 || w.Body.String() != "remote bytes " || f.fetches != 1 {
		t.Fatalf("local Range: %d %q, %d fetches", w.Code, w.Body, f.fetches)
	}

	other := []byte("range first")
	key2 := e.commit("alice/q.txt", other)
	f.have[key2] = other
	w = e.do("GET", "/object/"+key2+"/alice/q.txt", nil, "Range", "bytes=6-")
	if w.Code != 206 || w.Body.String() != "first" {
		t.Fatalf("Range on a missing blob: %d %q", w.Code, w.Body)
	}

	key5 := e.commit("alice/h.txt", []byte("head only"))
	f.have[key5] = []byte("head only")
	if w := e.do("HEAD", "/object/"+key5+"/alice/h.txt", nil); w.Code != 200 || w.Header().Get("Content-Length") != "9" || f.fetches != 2 {
		t.Fatalf("HEAD of a missing blob: %d %v, %d fetches (want no new fetch)", w.Code, w.Header(), f.fetches)
	}

	key3 := e.commit("alice/lost.txt", []byte("nowhere"))
	w = e.do("GET", "/object/"+key3+"/alice/lost.txt", nil)
	if w.Code != 404 || !strings.Contains(w.Body.String(), "no computer of the office") {
		t.Fatalf("blob no member has: %d %s", w.Code, w.Body)
	}
	noFetch := newObjEnv(t, nil)
	key4 := noFetch.commit("alice/n.txt", []byte("n"))
	if w := noFetch.do("GET", "/object/"+key4+"/alice/n.txt", nil); w.Code != 404 {
		t.Fatalf("no fetcher: %d", w.Code)
	}
}

// TestExpiredUploads: a signed part URL stops working when its upload expires, and the sweep
// removes expired uploads with their parts, then stops when its context ends.
func TestExpiredUploads(t *testing.T) {
	e := newObjEnv(t, nil)
	up := &upload{UserID: "alice", Name: "alice/a", Hash: md5Hex("h"), Size: 3, PartSize: MinPartSize, Parts: 1,
		Expire: e.now.Add(UploadLifetime).UnixMilli()}
	id, err := e.s.createUpload(up)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/", nil)
	part := e.s.signParts(r, id, up.Expire, []int{1}).Parts[0]
	target := "/object-part/" + id + "/1?expires=" + part.Query[0].Values[0] + "&signature=" + part.Query[1].Values[0]
	if w := e.do("PUT", target, strings.NewReader("abc")); w.Code != 200 || w.Header().Get("ETag") == "" {
		t.Fatalf("PUT in time: %d %s", w.Code, w.Body)
	}
	e.now = e.now.Add(UploadLifetime + time.Minute)
	if w := e.do("PUT", target, strings.NewReader("abc")); w.Code != 403 || !strings.Contains(w.Body.String(), "expired") {
		t.Fatalf("PUT after expiry: %d %s", w.Code, w.Body)
	}
	if e.blobs.Used() == 0 {
		t.Fatal("the part was not kept before the sweep")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.s.SweepUploads(ctx, time.Hour); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := e.blobs.UploadInfo(id); errors.Is(err, fs.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sweep did not remove the expired upload")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if e.blobs.Used() != 0 {
		t.Fatalf("%d bytes left after the sweep", e.blobs.Used())
	}
}

// TestPartSizeFormula: part_size, part_limit and initiate share upstream's rule.
func TestPartSizeFormula(t *testing.T) {
	e := newObjEnv(t, nil)
	e.s.cfg.MaxObjectSize = im.MaxObjectSize
	for _, c := range []struct{ size, want int64 }{
		{0, MinPartSize}, {1, MinPartSize}, {MinPartSize * MaxNumParts, MinPartSize},
		{MinPartSize*MaxNumParts + 1, MinPartSize + 1}, {60 << 30, (60<<30 + MaxNumParts - 1) / MaxNumParts},
	} {
		got, err := e.s.partSize(c.size)
		if err != nil || got != c.want {
			t.Errorf("partSize(%d) = %d %v, want %d", c.size, got, err, c.want)
		}
		if n := partCount(c.size, got); n > MaxNumParts {
			t.Errorf("size %d: %d parts", c.size, n)
		}
	}
	if _, err := e.s.partSize(im.MaxObjectSize + 1); err == nil {
		t.Error("a size over the ceiling has a part size")
	}
}

// machineProposer applies commands with the real machine, one transaction each, and refuses while
// down is set (a node with no quorum).
type machineProposer struct {
	e    *objEnv
	down bool
}

func (p *machineProposer) Propose(ctx context.Context, cmd *im.Command) (*im.Result, error) {
	if p.down {
		return nil, openim.ErrNoQuorum.With("no quorum")
	}
	p.e.index++
	tx, err := p.e.db.Begin(ctx)
	if err != nil {
		return nil, err
	}
	res, _ := im.NewMachine().Apply(ctx, tx, p.e.index, cmd)
	if res.Err != nil {
		tx.Rollback()
		return res, nil
	}
	return res, tx.Commit()
}

// TestCompleteRetriesAfterNoQuorum: a complete whose commit fails after the parts became a blob
// succeeds when retried, though the parts are gone.
func TestCompleteRetriesAfterNoQuorum(t *testing.T) {
	e := newObjEnv(t, nil)
	p := &machineProposer{e: e, down: true}
	e.s.cfg.Proposer = p
	c := &call{s: e.s, ctx: context.Background(), r: httptest.NewRequest("POST", "http://127.0.0.1:10002/", nil),
		opID: "op", caller: im.Caller{UserID: "alice"}, now: e.now}
	data := bytes.Repeat([]byte("0123456789"), MinPartSize/10+7)
	sums := []string{md5Hex(string(data[:MinPartSize])), md5Hex(string(data[MinPartSize:]))}
	hash := md5Hex(strings.Join(sums, ","))
	ini, err := e.s.initiateUpload(c, &objectwire.InitiateUploadReq{Hash: hash, Size: int64(len(data)), MaxParts: -1, Name: "alice/r.bin"})
	if err != nil {
		t.Fatal(err)
	}
	id := ini.(objectwire.InitiateResp).Upload.UploadID
	for n, part := range [][]byte{data[:MinPartSize], data[MinPartSize:]} {
		if _, err := e.blobs.WritePart(id, n+1, int64(n)*MinPartSize, int64(len(part)), "", bytes.NewReader(part)); err != nil {
			t.Fatal(err)
		}
	}
	req := &objectwire.CompleteUploadReq{UploadID: id, Parts: sums, Name: "alice/r.bin"}
	if _, err := e.s.completeUpload(c, req); !errors.Is(err, openim.ErrNoQuorum) {
		t.Fatalf("complete without quorum: %v", err)
	}
	p.down = false
	res, err := e.s.completeUpload(c, req)
	if err != nil {
		t.Fatalf("complete again: %v", err)
	}
	sum := sha256.Sum256(data)
	if u := res.(map[string]string)["url"]; u != "http://127.0.0.1:10002/object/"+hex.EncodeToString(sum[:])+"/alice/r.bin" {
		t.Fatalf("url %s", u)
	}
	if w := e.do("GET", "/object/"+hex.EncodeToString(sum[:])+"/alice/r.bin", nil); w.Code != 200 || !bytes.Equal(w.Body.Bytes(), data) {
		t.Fatalf("GET: %d", w.Code)
	}
	if _, err := e.blobs.UploadInfo(id); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the completed upload is kept: %v", err)
	}
}

// TestExtValue: attachname reaches Content-Disposition encoded, so no name can break the header.
func TestExtValue(t *testing.T) {
	for in, want := range map[string]string{
		"Résumé 1.png":       "R%C3%A9sum%C3%A9%201.png",
		"a;b=c\r\n\"d\".txt": "a%3Bb%3Dc%0D%0A%22d%22.txt",
		"plain-name_1.PDF":   "plain-name_1.PDF",
	} {
		if got := extValue(in); got != want {
			t.Errorf("extValue(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCompleteNeedsNoRoomBeyondParts: the parts are written in place in the upload's file, which
// becomes the blob by a rename, so an upload that fits the disk budget completes even when the
// budget has no room for a copy of it.
func TestCompleteNeedsNoRoomBeyondParts(t *testing.T) {
	e := newObjEnvBudget(t, nil, 10<<20)
	e.s.cfg.Proposer = &machineProposer{e: e}
	c := &call{s: e.s, ctx: context.Background(), r: httptest.NewRequest("POST", "http://127.0.0.1:10002/", nil),
		opID: "op", caller: im.Caller{UserID: "alice"}, now: e.now}
	data := bytes.Repeat([]byte("x"), MinPartSize+(1<<20))
	sums := []string{md5Hex(string(data[:MinPartSize])), md5Hex(string(data[MinPartSize:]))}
	ini, err := e.s.initiateUpload(c, &objectwire.InitiateUploadReq{Hash: md5Hex(strings.Join(sums, ",")),
		Size: int64(len(data)), MaxParts: -1, Name: "alice/big.bin"})
	if err != nil {
		t.Fatal(err)
	}
	id := ini.(objectwire.InitiateResp).Upload.UploadID
	for n, part := range [][]byte{data[:MinPartSize], data[MinPartSize:]} {
		if _, err := e.blobs.WritePart(id, n+1, int64(n)*MinPartSize, int64(len(part)), "", bytes.NewReader(part)); err != nil {
			t.Fatal(err)
		}
	}
	if used := e.blobs.Used(); used+int64(len(data)) <= e.blobs.Budget() {
		t.Fatalf("used %d of %d: the budget has room for a copy, the test proves nothing", used, e.blobs.Budget())
	}
	if _, err := e.s.completeUpload(c, &objectwire.CompleteUploadReq{UploadID: id, Parts: sums, Name: "alice/big.bin"}); err != nil {
		t.Fatalf("complete within the budget: %v", err)
	}
	if used := e.blobs.Used(); used != int64(len(data)) {
		t.Fatalf("used %d after complete, want the blob's %d", used, len(data))
	}
}
