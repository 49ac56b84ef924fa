package client

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPartMD5s: the parts come back in order, each the MD5 of its own bytes, the last one short,
// whether they were hashed by crypto/md5 (fewer than simdParts) or side by side in vector lanes,
// also with more parts than lanes and than the lanes of every core.
func TestPartMD5s(t *testing.T) {
	const partSize = 1000
	for _, parts := range []int{1, 3, simdParts, 10, 2*simdLanes + 5, simdServers*simdLanes*2 + 3} {
		data := make([]byte, (parts-1)*partSize+123)
		for i := range data {
			data[i] = byte(i * 7 / 3)
		}
		got, err := partMD5s(bytes.NewReader(data), int64(len(data)), partSize)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != parts {
			t.Fatalf("%d sums, want %d", len(got), parts)
		}
		for i, sum := range got {
			part := data[i*partSize : min(len(data), (i+1)*partSize)]
			if want := md5.Sum(part); sum != hex.EncodeToString(want[:]) {
				t.Fatalf("%d parts: part %d: %s, want %x", parts, i+1, sum, want)
			}
		}
	}
	if got, err := partMD5s(bytes.NewReader(nil), 0, partSize); err != nil || len(got) != 0 {
		t.Fatalf("empty file: %v %v", got, err)
	}
}

// fakePartNode answers auth_sign and part PUTs as a node does, for parts of partSize bytes of data;
// a PUT is held until hold parts are being sent at once (or the test ends), and fail (when not 0)
// is a part it refuses.
type fakePartNode struct {
	data     []byte
	partSize int64
	hold     int
	fail     int

	mu       sync.Mutex
	inFlight int
	most     int
	got      map[int]bool
	atOnce   chan struct{} // closed once hold parts were in flight together
	opened   sync.Once
	bad      []string
}

func (f *fakePartNode) sign(base string, nums []int) AuthSign {
	s := AuthSign{URL: base + "/part", Query: []KeyValues{{Key: "upload", Values: []string{"u"}}}}
	for _, n := range nums {
		s.Parts = append(s.Parts, SignPart{PartNumber: n, Query: []KeyValues{{Key: "n", Values: []string{strconv.Itoa(n)}}}})
	}
	return s
}

func (f *fakePartNode) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/object/auth_sign" {
		var req struct {
			PartNumbers []int `json:"partNumbers"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		data, _ := json.Marshal(f.sign("http://"+r.Host, req.PartNumbers))
		json.NewEncoder(w).Encode(envelope{Data: data})
		return
	}
	n, _ := strconv.Atoi(r.URL.Query().Get("n"))
	body, _ := io.ReadAll(r.Body) // read first: then the server sees the client leave
	f.mu.Lock()
	f.inFlight++
	f.most = max(f.most, f.inFlight)
	if f.inFlight == f.hold {
		f.opened.Do(func() { close(f.atOnce) })
	}
	f.mu.Unlock()
	select {
	case <-f.atOnce:
	case <-r.Context().Done():
	}
	off := int64(n-1) * f.partSize
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inFlight--
	if n < 1 || off >= int64(len(f.data)) || !bytes.Equal(body, f.data[off:min(int64(len(f.data)), off+f.partSize)]) ||
		r.URL.Query().Get("upload") != "u" {
		f.bad = append(f.bad, r.URL.String())
	}
	f.got[n] = true
	if n == f.fail {
		http.Error(w, "refused", http.StatusBadRequest)
	}
}

// TestPartsSentAtOnce: Upload's parts go putWorkers at a time, each with its own bytes and its
// sign's query, more parts signed every 20; progress counts every byte once, one call at a time.
func TestPartsSentAtOnce(t *testing.T) {
	const partSize, parts = 1000, 45
	f := &fakePartNode{data: make([]byte, (parts-1)*partSize+77), partSize: partSize, hold: putWorkers,
		got: map[int]bool{}, atOnce: make(chan struct{})}
	for i := range f.data {
		f.data[i] = byte(i * 13)
	}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := New(srv.URL, nil)
	up := &UploadInfo{UploadID: "u", PartSize: partSize, Sign: f.sign(srv.URL, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})}
	var last int64
	calls := 0
	// A client that sent fewer parts at once would wait for the rest: the deadline ends its wait.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	err := c.putParts(ctx, up, bytes.NewReader(f.data), int64(len(f.data)), parts, func(done, total int64) {
		calls++ // not atomic: the race detector sees calls made at once
		if done <= last || total != int64(len(f.data)) {
			t.Errorf("progress %d of %d after %d", done, total, last)
		}
		last = done
	})
	if err != nil {
		t.Fatal(err)
	}
	if f.most != putWorkers || len(f.got) != parts || len(f.bad) > 0 || last != int64(len(f.data)) || calls == 0 {
		t.Fatalf("%d parts at once, want %d; %d parts of %d; wrong: %v; progress ended at %d", f.most, putWorkers,
			len(f.got), parts, f.bad, last)
	}
}

// TestPartRefusedStopsUpload: a part the node refuses fails the upload with the node's answer.
func TestPartRefusedStopsUpload(t *testing.T) {
	const partSize, parts = 1000, 30
	f := &fakePartNode{data: make([]byte, parts*partSize), partSize: partSize, hold: 1, fail: 3,
		got: map[int]bool{}, atOnce: make(chan struct{})}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := New(srv.URL, nil)
	up := &UploadInfo{UploadID: "u", PartSize: partSize, Sign: f.sign(srv.URL, []int{1, 2, 3})}
	err := c.putParts(t.Context(), up, bytes.NewReader(f.data), int64(len(f.data)), parts, nil)
	if err == nil || !strings.Contains(err.Error(), "part 3") || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("upload with a refused part: %v", err)
	}
}
