package api

// The object API: upstream OpenIM v3.8's /object/* endpoints on this node's blob store.
//
// An upload is node-local until it completes: initiate records it in the blob store
// (uploads/<id>), the client PUTs each part to this node's own listener at a URL signed with an
// HMAC of the node's secret key and an expiry, and complete checks every part against the MD5s
// the client lists and upstream's hash, joins the parts into one blob (key = SHA-256 of the
// bytes) and commits name → key through Raft. The bytes never go through Raft: other nodes fetch
// them through Config.Fetcher when a viewer asks for them.
//
// Object URLs are <prefix>object/<sha256>/<name> with no query string: the key in the path means
// an issued URL can never be repointed (upstream repoints a re-used name), and every node resolves
// it from the replicated objects table.

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"lanim/node/api/objectwire"
	"lanim/node/blob"
	"lanim/node/im"
	"lanim/node/openim"
)

// Upstream's part numbers (MinIO's): the SDK core computes its part size from part_limit and
// aborts when initiate answers another, so part_limit, part_size and initiate share partSize.
const (
	MinPartSize = 5 << 20
	MaxPartSize = 5 << 30
	MaxNumParts = 10000
)

// Object limits and timings.
const (
	// DefaultMaxObjectSize is the largest upload a node accepts unless configured otherwise.
	DefaultMaxObjectSize = 2 << 30
	// UploadLifetime is how long an unfinished upload (and its signed part URLs) lives; the SDK
	// core resumes an interrupted upload while an hour of it is left.
	UploadLifetime = 24 * time.Hour
	// MaxThumbSide bounds the width and height a thumbnail may be asked for.
	MaxThumbSide = 4096
	// MaxThumbSourcePixels bounds the pictures decoded for thumbnails (about 160 MB of RGBA):
	// a larger picture is served whole.
	MaxThumbSourcePixels = 40_000_000
	// MaxOpenUploads bounds the unfinished uploads a node keeps at once (each expires after
	// UploadLifetime).
	MaxOpenUploads = 1000
	// MaxFormDataSize bounds a form-data upload: form data is for small files, one part.
	MaxFormDataSize = MinPartSize
	// accessURLLifetime is the expireTime access_url reports. LanIM's URLs do not expire; the
	// number only tells a client how long it may cache the answer (upstream's 7 days).
	accessURLLifetime = 7 * 24 * time.Hour
)

// BlobFetcher gets the bytes of a blob this node lacks from a member of the office that has them.
type BlobFetcher interface {
	// FetchBlob streams the blob's bytes to w as they arrive, stores them in this node's blob
	// store, and returns nil once they are stored and verified against key. It returns an error
	// wrapping fs.ErrNotExist when no reachable member has the blob.
	FetchBlob(ctx context.Context, key string, w io.Writer) error
}

// objects is the object API's own state on a Server.
type objects struct {
	signKey    []byte
	completing *keyedOnce    // uploads being completed
	thumbs     chan struct{} // one thumbnail decoded at a time: decoding takes memory
}

// keyedOnce refuses a second holder of a key.
type keyedOnce struct {
	mu   sync.Mutex
	keys map[string]bool
}

func newKeyedOnce() *keyedOnce { return &keyedOnce{keys: map[string]bool{}} }

func (k *keyedOnce) take(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.keys[key] {
		return false
	}
	k.keys[key] = true
	return true
}

func (k *keyedOnce) give(key string) {
	k.mu.Lock()
	delete(k.keys, key)
	k.mu.Unlock()
}

func newObjects(cfg *Config) *objects {
	key := cfg.SignKey
	if len(key) == 0 {
		// Without a configured key, signed part URLs last as long as this process.
		key = make([]byte, 32)
		rand.Read(key)
	}
	return &objects{signKey: key, completing: newKeyedOnce(), thumbs: make(chan struct{}, 1)}
}

func (s *Server) objectRoutes() {
	s.add("/object/part_limit", s.partLimit)
	s.add("/object/part_size", read(s.partSizeEndpoint))
	s.add("/object/initiate_multipart_upload", read(s.initiateUpload))
	s.add("/object/auth_sign", read(s.authSign))
	s.add("/object/complete_multipart_upload", read(s.completeUpload))
	s.add("/object/access_url", read(s.accessURL))
	s.add("/object/initiate_form_data", read(s.initiateFormData))
	s.add("/object/complete_form_data", read(s.completeFormData))
}

func (s *Server) maxObjectSize() int64 {
	if s.cfg.MaxObjectSize > 0 {
		return min(s.cfg.MaxObjectSize, im.MaxObjectSize)
	}
	return DefaultMaxObjectSize
}

func (s *Server) partLimit(c *call, _ []byte) (any, error) {
	if err := s.needBlobs(); err != nil {
		return nil, err
	}
	return nodePartLimit(), nil
}

// nodePartLimit is what part_limit answers.
func nodePartLimit() objectwire.PartLimit {
	return objectwire.PartLimit{MinPartSize: MinPartSize, MaxPartSize: MaxPartSize, MaxNumSize: MaxNumParts}
}

// partSize is the part size of an object of size bytes (part_size, initiate): upstream's rule on
// this node's limits, for the sizes this node accepts.
func (s *Server) partSize(size int64) (int64, error) {
	if max := s.maxObjectSize(); size > max {
		return 0, openim.ErrArgs.With("the file is %d bytes; this computer accepts files up to %d bytes", size, max)
	}
	ps, err := nodePartLimit().PartSize(size)
	if err != nil {
		return 0, openim.ErrArgs.With("%v", err)
	}
	return ps, nil
}

// partCount is how many parts an object of size bytes has: none for an empty file (the JS SDK
// sends none).
func partCount(size, partSize int64) int {
	return int((size + partSize - 1) / partSize)
}

// partLen is the size of part n (from 1) of an object: partSize but for the last.
func partLen(size, partSize int64, n int) int64 {
	return min(partSize, size-int64(n-1)*partSize)
}

type partSizeReq struct {
	Size int64 `json:"size"`
}

func (s *Server) partSizeEndpoint(c *call, req *partSizeReq) (any, error) {
	if err := s.needBlobs(); err != nil {
		return nil, err
	}
	ps, err := s.partSize(req.Size)
	if err != nil {
		return nil, err
	}
	return map[string]int64{"size": ps}, nil
}

func (s *Server) needBlobs() error {
	if s.cfg.Blobs == nil {
		return openim.ErrArgs.With("this node stores no files")
	}
	return nil
}

// upload is what this node keeps about an unfinished upload (the blob store's upload info).
type upload struct {
	UserID      string `json:"userID"`
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Cause       string `json:"cause"`
	Hash        string `json:"hash"` // "" for a form-data upload: computed at complete
	Size        int64  `json:"size"`
	PartSize    int64  `json:"partSize"`
	Parts       int    `json:"parts"`
	Expire      int64  `json:"expire"` // ms
	Form        bool   `json:"form,omitempty"`
}

func (s *Server) initiateUpload(c *call, req *objectwire.InitiateUploadReq) (any, error) {
	if err := s.needBlobs(); err != nil {
		return nil, err
	}
	if err := im.CheckObjectName(c.caller, req.Name); err != nil {
		return nil, err
	}
	if err := im.CheckObjectFields(req.ContentType, req.Cause); err != nil {
		return nil, err
	}
	if err := im.CheckObjectHash(req.Hash); err != nil {
		return nil, err
	}
	hash := strings.ToLower(req.Hash)
	ps, err := s.partSize(req.Size)
	if err != nil {
		return nil, err
	}
	if req.PartSize != 0 && req.PartSize != ps {
		return nil, openim.ErrArgs.With("partSize %d: a file of %d bytes goes in parts of %d bytes", req.PartSize, req.Size, ps)
	}
	// The dedupe fast path: the office has these bytes under some name; give this name the same key.
	found, err := im.ObjectWithBytes(c.ctx, c.q(), hash, req.Size)
	if err != nil {
		return nil, err
	}
	if found != nil && s.haveBlob(c.ctx, found.Key) {
		u, err := s.commitObject(c, &im.CompleteObject{Name: req.Name, Key: found.Key, Hash: hash, Size: req.Size,
			ContentType: req.ContentType, Cause: req.Cause})
		if err != nil {
			return nil, err
		}
		return objectwire.InitiateResp{URL: u}, nil
	}
	up := &upload{UserID: c.caller.UserID, Name: req.Name, ContentType: req.ContentType, Cause: req.Cause, Hash: hash,
		Size: req.Size, PartSize: ps, Parts: partCount(req.Size, ps), Expire: c.now.Add(UploadLifetime).UnixMilli()}
	id, err := s.createUpload(up)
	if err != nil {
		return nil, err
	}
	n := up.Parts
	if req.MaxParts >= 0 && req.MaxParts < n {
		n = req.MaxParts
	}
	nums := make([]int, n)
	for i := range nums {
		nums[i] = i + 1
	}
	return objectwire.InitiateResp{Upload: &objectwire.UploadInfo{UploadID: id, PartSize: ps,
		Sign: s.signParts(c.r, id, up.Expire, nums), ExpireTime: up.Expire}}, nil
}

// haveBlob reports whether this node holds a blob, fetching it from the office when it does not:
// the dedupe fast path must not hand out a URL whose bytes are nowhere (a blob lost to corruption
// is then uploaded again, which heals every URL of it).
func (s *Server) haveBlob(ctx context.Context, key string) bool {
	if _, err := s.cfg.Blobs.Stat(key); err == nil {
		return true
	}
	if s.cfg.Fetcher == nil {
		return false
	}
	if err := s.cfg.Fetcher.FetchBlob(ctx, key, io.Discard); err != nil {
		s.cfg.Log.Info("dedupe: blob not fetched, the client uploads it", "key", key, "err", err)
		return false
	}
	return true
}

// createUpload checks there is room for it and records an upload in the blob store.
func (s *Server) createUpload(up *upload) (string, error) {
	bs := s.cfg.Blobs
	if b := bs.Budget(); b > 0 && bs.Used()+up.Size > b {
		return "", openim.ErrFilesFull.With("this computer's space for files is used up (%d of %d MB); a file of %d MB does not fit",
			bs.Used()>>20, b>>20, up.Size>>20)
	}
	if n, err := bs.UploadCount(); err != nil {
		return "", s.storageErr("count uploads", err)
	} else if n >= MaxOpenUploads {
		return "", openim.ErrRateLimited.With("this computer has %d unfinished uploads: finish some, or wait until they expire", n)
	}
	id := randomID()
	if err := bs.CreateUpload(id, time.UnixMilli(up.Expire), mustJSON(up)); err != nil {
		return "", s.storageErr("create upload", err)
	}
	return id, nil
}

// mustJSON encodes a value that always encodes.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func randomID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// commitObject proposes object.complete and returns the object's URL.
func (s *Server) commitObject(c *call, a *im.CompleteObject) (string, error) {
	if _, err := c.proposeChecked("object.complete", a); err != nil {
		return "", err
	}
	return objectURL(c.r, a.Key, a.Name), nil
}

// urlBase is where this node's API is, as the client sees it: upstream's X-Request-Api header
// when it holds an http(s) URL, else the request's host.
func urlBase(r *http.Request) string {
	if p := r.Header.Get("X-Request-Api"); strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://") {
		if !strings.HasSuffix(p, "/") {
			p += "/"
		}
		return p
	}
	return "http://" + r.Host + "/"
}

// objectURL is <base>object/<key>/<name>, each name segment escaped: no query string, so a client
// may append ?type=image&width=...
func objectURL(r *http.Request, key, name string) string {
	segs := strings.Split(name, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return urlBase(r) + "object/" + key + "/" + strings.Join(segs, "/")
}

// partPath is the PUT route of parts, outside the POST-only JSON envelope.
const partPath = "/object-part/"

// formPath is the POST route of form-data uploads.
const formPath = "/object-form/"

// sign is the HMAC of what a signed URL allows, with this node's key.
func (s *Server) sign(what, id string, n int, expire int64) string {
	m := hmac.New(sha256.New, s.obj.signKey)
	fmt.Fprintf(m, "%s\n%s\n%d\n%d", what, id, n, expire)
	return hex.EncodeToString(m.Sum(nil))
}

// checkSign verifies a signed URL's query: the signature and that it has not expired.
func (s *Server) checkSign(q url.Values, what, id string, n int) error {
	expire, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	if err != nil {
		return openim.ErrNoPermission.With("the upload URL has no expiry: ask auth_sign for a new one")
	}
	want := s.sign(what, id, n, expire)
	if !hmac.Equal([]byte(q.Get("signature")), []byte(want)) {
		return openim.ErrNoPermission.With("the upload URL's signature is not valid")
	}
	if s.cfg.Now().UnixMilli() > expire {
		return openim.ErrNoPermission.With("the upload URL expired: ask auth_sign for a new one")
	}
	return nil
}

func signQuery(expire int64, sig string) []objectwire.KeyValues {
	return []objectwire.KeyValues{{Key: "expires", Values: []string{strconv.FormatInt(expire, 10)}},
		{Key: "signature", Values: []string{sig}}}
}

// signParts signs PUT URLs of parts of an upload, valid until the upload expires.
func (s *Server) signParts(r *http.Request, id string, expire int64, nums []int) objectwire.AuthSign {
	a := objectwire.AuthSign{Query: []objectwire.KeyValues{}, Header: []objectwire.KeyValues{},
		Parts: make([]objectwire.SignPart, 0, len(nums))}
	for _, n := range nums {
		a.Parts = append(a.Parts, objectwire.SignPart{PartNumber: n,
			URL:   urlBase(r) + strings.TrimPrefix(partPath, "/") + id + "/" + strconv.Itoa(n),
			Query: signQuery(expire, s.sign("part", id, n, expire)), Header: []objectwire.KeyValues{}})
	}
	return a
}

// loadUpload reads an upload the caller owns.
func (s *Server) loadUpload(c *call, id string) (*upload, error) {
	if err := s.needBlobs(); err != nil {
		return nil, err
	}
	up, err := s.readUpload(id)
	if err != nil {
		return nil, err
	}
	if up.UserID != c.caller.UserID {
		return nil, openim.ErrNoPermission.With("upload %s is not yours", id)
	}
	return up, nil
}

func (s *Server) readUpload(id string) (*upload, error) {
	b, err := s.cfg.Blobs.UploadInfo(id)
	if err != nil {
		return nil, s.storageErr("read upload", err)
	}
	up := &upload{}
	if err := json.Unmarshal(b, up); err != nil {
		return nil, fmt.Errorf("upload %s: %w", id, err)
	}
	if s.cfg.Now().UnixMilli() > up.Expire {
		return nil, openim.ErrRecordNotFound.With("upload %s expired: start it again", id)
	}
	return up, nil
}

type authSignReq struct {
	UploadID    string `json:"uploadID"`
	PartNumbers []int  `json:"partNumbers"`
}

func (s *Server) authSign(c *call, req *authSignReq) (any, error) {
	up, err := s.loadUpload(c, req.UploadID)
	if err != nil {
		return nil, err
	}
	if len(req.PartNumbers) == 0 || len(req.PartNumbers) > MaxNumParts {
		return nil, openim.ErrArgs.With("partNumbers lists %d parts: 1..%d", len(req.PartNumbers), MaxNumParts)
	}
	for _, n := range req.PartNumbers {
		if n < 1 || n > up.Parts {
			return nil, openim.ErrArgs.With("part %d: the upload has parts 1..%d", n, up.Parts)
		}
	}
	return s.signParts(c.r, req.UploadID, up.Expire, req.PartNumbers), nil
}

// completeUpload checks every part against the client's MD5s and the upload's hash, joins the
// parts into a blob and commits the object.
func (s *Server) completeUpload(c *call, req *objectwire.CompleteUploadReq) (any, error) {
	up, err := s.loadUpload(c, req.UploadID)
	if err != nil {
		return nil, err
	}
	if err := im.CheckObjectName(c.caller, req.Name); err != nil {
		return nil, err
	}
	if err := im.CheckObjectFields(req.ContentType, req.Cause); err != nil {
		return nil, err
	}
	if len(req.Parts) != up.Parts {
		return nil, openim.ErrArgs.With("parts lists %d MD5s; the upload has %d parts", len(req.Parts), up.Parts)
	}
	sums := make([]string, len(req.Parts))
	for i, p := range req.Parts {
		sums[i] = strings.ToLower(p)
	}
	if h := md5Hex(strings.Join(sums, ",")); h != up.Hash {
		return nil, openim.ErrArgs.With("the part MD5s hash to %s, the upload was started with %s", h, up.Hash)
	}
	if !s.obj.completing.take(req.UploadID) {
		return nil, openim.ErrArgs.With("upload %s is being completed already", req.UploadID)
	}
	defer s.obj.completing.give(req.UploadID)
	var parts []blob.Part
	if _, _, done := s.cfg.Blobs.Assembled(req.UploadID); !done {
		if parts, err = s.checkParts(req.UploadID, up, sums); err != nil {
			return nil, err
		}
	}
	u, err := s.finishUpload(c, req.UploadID, up, parts, &im.CompleteObject{Name: req.Name, Hash: up.Hash,
		ContentType: req.ContentType, Cause: req.Cause})
	if err != nil {
		return nil, err
	}
	return map[string]string{"url": u}, nil
}

// checkParts returns the received parts, in order, when each is there with its listed MD5 and
// expected size. A part with another MD5 is removed: it has to be sent again.
func (s *Server) checkParts(id string, up *upload, sums []string) ([]blob.Part, error) {
	got, err := s.cfg.Blobs.Parts(id)
	if err != nil {
		return nil, s.storageErr("list parts", err)
	}
	byNum := map[int]blob.Part{}
	for _, p := range got {
		byNum[p.Number] = p
	}
	parts := make([]blob.Part, len(sums))
	for i, sum := range sums {
		n := i + 1
		p, ok := byNum[n]
		if !ok {
			return nil, openim.ErrArgs.With("part %d was not uploaded", n)
		}
		if p.MD5 != sum {
			s.cfg.Blobs.RemovePart(id, p)
			return nil, openim.ErrArgs.With("part %d has MD5 %s, not %s: upload it again", n, p.MD5, sum)
		}
		if want := partLen(up.Size, up.PartSize, n); p.Size != want {
			s.cfg.Blobs.RemovePart(id, p)
			return nil, openim.ErrArgs.With("part %d has %d bytes, not %d: upload it again", n, p.Size, want)
		}
		parts[i] = p
	}
	return parts, nil
}

// finishUpload joins the parts into a blob (unless a complete that failed to commit did already),
// commits the object (a, with the key and size filled) and removes the upload.
func (s *Server) finishUpload(c *call, id string, up *upload, parts []blob.Part, a *im.CompleteObject) (string, error) {
	key, size, done := s.cfg.Blobs.Assembled(id)
	if !done {
		var err error
		if key, size, err = s.cfg.Blobs.Assemble(id, parts); err != nil {
			return "", s.storageErr("assemble upload", err)
		}
	}
	if size != up.Size {
		return "", openim.ErrArgs.With("the parts hold %d bytes, the upload was started for %d", size, up.Size)
	}
	a.Key, a.Size = key, size
	u, err := s.commitObject(c, a)
	if err != nil {
		return "", err
	}
	if err := s.cfg.Blobs.RemoveUpload(id); err != nil {
		s.cfg.Log.Warn("remove completed upload", "upload", id, "err", err)
	}
	return u, nil
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// storageErr turns a blob store error into a client's error: no file path ever reaches errDlt.
func (s *Server) storageErr(what string, err error) error {
	switch {
	case errors.Is(err, blob.ErrBudget):
		return openim.ErrFilesFull.With("this computer's space for files (%d MB) is used up", s.cfg.Blobs.Budget()>>20)
	case errors.Is(err, blob.ErrDiskFull):
		return im.DiskFull()
	case errors.Is(err, blob.ErrPartSize):
		return openim.ErrArgs.With("the part is not the size it was signed for")
	case errors.Is(err, blob.ErrPartMD5):
		return openim.ErrArgs.With("%v: upload it again", errors.Unwrap(err))
	case errors.Is(err, blob.ErrPartsBusy):
		return openim.ErrArgs.With("a part of the upload is still being received: complete it once every part is answered")
	case errors.Is(err, fs.ErrNotExist):
		return openim.ErrRecordNotFound.With("no such upload: it was completed, or it expired")
	}
	s.cfg.Log.Error("object storage", "op", what, "err", err)
	return openim.ErrInternal.With("%s failed on this computer's disk", what)
}

type accessURLReq struct {
	Name  string            `json:"name"`
	Query map[string]string `json:"query"`
}

// accessURL answers the URL of the newest object of a name, to its owner or an office admin.
func (s *Server) accessURL(c *call, req *accessURLReq) (any, error) {
	if req.Name == "" {
		return nil, openim.ErrArgs.With("name is required")
	}
	if err := im.CheckObjectName(c.caller, req.Name); err != nil {
		ok, aerr := im.MayRunOffice(c.ctx, c.q(), c.caller.UserID)
		if aerr != nil {
			return nil, aerr
		}
		if !ok {
			return nil, err
		}
	}
	o, err := im.LatestObject(c.ctx, c.q(), req.Name)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, openim.ErrRecordNotFound.With("no object %q", req.Name)
	}
	u := objectURL(c.r, o.Key, o.Name)
	if len(req.Query) > 0 {
		q := url.Values{}
		for k, v := range req.Query {
			q.Set(k, v)
		}
		u += "?" + q.Encode()
	}
	return map[string]any{"url": u, "expireTime": c.now.Add(accessURLLifetime).UnixMilli()}, nil
}

type formDataReq struct {
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	ContentType string `json:"contentType"`
	Group       string `json:"group"`
	Millisecond int64  `json:"millisecond"`
	Absolute    bool   `json:"absolute"`
}

// initiateFormData starts a one-part upload that the client POSTs as multipart/form-data.
func (s *Server) initiateFormData(c *call, req *formDataReq) (any, error) {
	if err := s.needBlobs(); err != nil {
		return nil, err
	}
	if err := im.CheckObjectName(c.caller, req.Name); err != nil {
		return nil, err
	}
	if err := im.CheckObjectFields(req.ContentType, req.Group); err != nil {
		return nil, err
	}
	if req.Size < 0 || req.Size > min(MaxFormDataSize, s.maxObjectSize()) {
		return nil, openim.ErrArgs.With("a form-data upload holds 0..%d bytes; use a multipart upload for larger files",
			int64(MaxFormDataSize))
	}
	expire := c.now.Add(UploadLifetime).UnixMilli()
	up := &upload{UserID: c.caller.UserID, Name: req.Name, ContentType: req.ContentType, Cause: req.Group,
		Size: req.Size, PartSize: MinPartSize, Parts: 1, Expire: expire, Form: true}
	id, err := s.createUpload(up)
	if err != nil {
		return nil, err
	}
	q := url.Values{"expires": {strconv.FormatInt(expire, 10)}, "signature": {s.sign("form", id, 1, expire)}}
	return map[string]any{
		"id":           id,
		"url":          urlBase(c.r) + strings.TrimPrefix(formPath, "/") + id + "?" + q.Encode(),
		"file":         "file",
		"header":       map[string][]string{},
		"formData":     map[string]string{},
		"expires":      expire,
		"successCodes": []int{http.StatusOK},
	}, nil
}

type completeFormReq struct {
	ID string `json:"id"`
}

// completeFormData commits a form-data upload: its hash is upstream's for one part.
func (s *Server) completeFormData(c *call, req *completeFormReq) (any, error) {
	up, err := s.loadUpload(c, req.ID)
	if err != nil {
		return nil, err
	}
	if !up.Form {
		return nil, openim.ErrArgs.With("upload %s is a multipart upload: complete it with complete_multipart_upload", req.ID)
	}
	if !s.obj.completing.take(req.ID) {
		return nil, openim.ErrArgs.With("upload %s is being completed already", req.ID)
	}
	defer s.obj.completing.give(req.ID)
	got, err := s.cfg.Blobs.Parts(req.ID)
	if err != nil {
		return nil, s.storageErr("list parts", err)
	}
	if _, _, done := s.cfg.Blobs.Assembled(req.ID); !done && (len(got) != 1 || got[0].Number != 1) {
		return nil, openim.ErrArgs.With("the file of upload %s was not posted", req.ID)
	}
	if up.Hash == "" {
		// Upstream's hash of a one-part object, noted before the part becomes the blob.
		up.Hash = md5Hex(got[0].MD5)
		if err := s.cfg.Blobs.SetUploadInfo(req.ID, mustJSON(up)); err != nil {
			return nil, s.storageErr("update upload", err)
		}
	}
	u, err := s.finishUpload(c, req.ID, up, got, &im.CompleteObject{Name: up.Name, Hash: up.Hash,
		ContentType: up.ContentType, Cause: up.Cause})
	if err != nil {
		return nil, err
	}
	return map[string]string{"url": u}, nil
}

// SweepUploads removes expired unfinished uploads every interval until ctx ends.
func (s *Server) SweepUploads(ctx context.Context, interval time.Duration) {
	if s.cfg.Blobs == nil {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := s.cfg.Blobs.SweepUploads(s.cfg.Now()); err != nil {
			s.cfg.Log.Warn("sweep uploads", "err", err)
		} else if n > 0 {
			s.cfg.Log.Info("removed expired uploads", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
