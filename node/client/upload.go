package client

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"

	md5simd "github.com/minio/md5-simd"

	"lanim/node/api/objectwire"
	"lanim/node/openim"
)

// The object API's wire shapes are the node's own (package objectwire), so client and node cannot
// drift apart.
type (
	// PartLimit is /object/part_limit's answer; its PartSize is the part size rule.
	PartLimit = objectwire.PartLimit
	// KeyValues is one query parameter or header of a signed part URL.
	KeyValues = objectwire.KeyValues
	// SignPart is where and how to PUT one part.
	SignPart = objectwire.SignPart
	// AuthSign is a set of signed part URLs: its URL, Query and Header apply to every part.
	AuthSign = objectwire.AuthSign
	// UploadInfo is a started upload: its ID, part size, the first signed parts and its expiry (ms).
	UploadInfo = objectwire.UploadInfo
	// InitiateResp is initiate's answer: Upload is nil when the office holds the content already
	// and URL is then final.
	InitiateResp = objectwire.InitiateResp
	// InitiateUpload is /object/initiate_multipart_upload's request.
	InitiateUpload = objectwire.InitiateUploadReq
	// CompleteUpload is /object/complete_multipart_upload's request.
	CompleteUpload = objectwire.CompleteUploadReq
)

// signBatch is how many parts Upload asks to have signed at a time (the SDK core's number).
const signBatch = 20

// Upload sends size bytes of r as the object called name (which must start with the caller's
// user ID and "/", unless the caller is the admin) and returns its URL, a plain GET on any node of
// the office. It follows the SDK core's protocol: part_limit, the hash of the part MD5s, initiate
// (when the office has the content already the URL comes back at once), a PUT per part to the
// signed URLs (asking auth_sign for more every 20 parts; several parts at once), then complete. r
// is read twice (hash, then parts) and never held whole in memory. progress, when not nil, is
// called with the bytes sent so far (not counting the hashing pass) and size, one call at a time.
func (c *Client) Upload(ctx context.Context, name, contentType string, r io.ReaderAt, size int64,
	progress func(done, total int64)) (string, error) {
	var lim PartLimit
	if err := c.Call(ctx, "/object/part_limit", nil, &lim); err != nil {
		return "", err
	}
	partSize, err := lim.PartSize(size)
	if err != nil {
		return "", fmt.Errorf("upload %s: %w", name, err)
	}
	sums, err := partMD5s(r, size, partSize)
	if err != nil {
		return "", fmt.Errorf("upload %s: hash: %w", name, err)
	}
	var ini InitiateResp
	err = c.Call(ctx, "/object/initiate_multipart_upload", &InitiateUpload{Hash: md5Hex(strings.Join(sums, ",")),
		Size: size, PartSize: partSize, MaxParts: min(signBatch, len(sums)), Name: name, ContentType: contentType}, &ini)
	if err != nil {
		return "", err
	}
	if ini.Upload == nil {
		if progress != nil {
			progress(size, size)
		}
		return ini.URL, nil
	}
	up := ini.Upload
	if up.PartSize != partSize {
		return "", fmt.Errorf("upload %s: node's part size %d, ours %d", name, up.PartSize, partSize)
	}
	if err := c.putParts(ctx, up, r, size, len(sums), progress); err != nil {
		return "", fmt.Errorf("upload %s: %w", name, err)
	}
	var res struct {
		URL string `json:"url"`
	}
	err = c.Call(ctx, "/object/complete_multipart_upload", &CompleteUpload{UploadID: up.UploadID, Parts: sums,
		Name: name, ContentType: contentType}, &res)
	return res.URL, err
}

// putParts PUTs the parts of an upload, putWorkers at a time (the node computes the MD5s of parts
// received side by side in one core's vector lanes: half the CPU of one part after another),
// signing more parts as it goes. The first error stops the rest.
func (c *Client) putParts(ctx context.Context, up *UploadInfo, r io.ReaderAt, size int64, parts int,
	progress func(done, total int64)) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	type job struct {
		sign AuthSign
		part SignPart
	}
	jobs := make(chan job)
	sent := &transferred{total: size, progress: progress}
	var wg sync.WaitGroup
	for range min(putWorkers, parts) {
		wg.Go(func() {
			for j := range jobs {
				n := j.part.PartNumber
				off := int64(n-1) * up.PartSize
				length := min(up.PartSize, size-off)
				body := &countingReader{r: io.NewSectionReader(r, off, length), count: sent}
				if err := c.putPart(ctx, j.sign, j.part, body, length); err != nil {
					cancel(fmt.Errorf("part %d: %w", n, err))
				}
			}
		})
	}
	sign := up.Sign
	var err error
	for n := 1; n <= parts && ctx.Err() == nil; n++ {
		part, ok := findPart(sign, n)
		if !ok {
			if sign, err = c.authSign(ctx, up.UploadID, n, parts); err != nil {
				cancel(err)
				break
			}
			if part, ok = findPart(sign, n); !ok {
				cancel(fmt.Errorf("node did not sign part %d", n))
				break
			}
		}
		select {
		case jobs <- job{sign, part}:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	return context.Cause(ctx)
}

// partMD5s reads r once and returns the lowercase hex MD5 of each part (none for an empty file).
// MD5 is the slow part of a big upload's start (the protocol wants every part's MD5 before the
// first byte is sent), and each part's stands alone: from simdParts parts on they are hashed side
// by side in vector lanes (minio/md5-simd: 16 at once with AVX-512, 8 with AVX2, crypto/md5 on
// other CPUs; up to simdServers cores when every one has its lanes full): on the benchmark machine
// 0.6 s of CPU per GiB against crypto/md5's 1.5. Fewer parts are hashed with crypto/md5 on as many
// goroutines as may run (at most hashWorkers).
func partMD5s(r io.ReaderAt, size, partSize int64) ([]string, error) {
	n := int((size + partSize - 1) / partSize)
	workers := min(runtime.GOMAXPROCS(0), hashWorkers, n)
	newHash := func(int) md5simd.Hasher { return plainMD5{md5.New()} }
	if n >= simdParts {
		// One vector hasher (one goroutine's work) per core, each with its lanes full.
		servers := make([]md5simd.Server, max(1, min(n/simdLanes, runtime.GOMAXPROCS(0), simdServers)))
		for i := range servers {
			servers[i] = md5simd.NewServer()
			defer servers[i].Close()
		}
		workers = min(n, simdLanes*len(servers))
		newHash = func(w int) md5simd.Hasher { return servers[w%len(servers)].NewHash() }
	}
	sums := make([]string, n)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			buf := make([]byte, 128<<10)
			for i := w; i < n && errs[w] == nil; i += workers {
				off := int64(i) * partSize
				h := newHash(w)
				if _, err := io.CopyBuffer(h, io.NewSectionReader(r, off, min(partSize, size-off)), buf); err != nil {
					errs[w] = err
				}
				sums[i] = hex.EncodeToString(h.Sum(nil))
				h.Close()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return sums, nil
}

const (
	// hashWorkers bounds the goroutines that hash a file's parts with crypto/md5.
	hashWorkers = 4
	// simdParts is the number of parts from which they are hashed in vector lanes: with fewer, most
	// lanes would idle and one lane is slower than crypto/md5.
	simdParts = 8
	// simdLanes is how many parts one core hashes at once in vector lanes (AVX-512 has 16).
	simdLanes = 16
	// simdServers bounds the cores that hash in vector lanes.
	simdServers = 2
	// putWorkers is how many parts are PUT at once: as many as the node hashes in one core's
	// vector lanes.
	putWorkers = 16
)

// plainMD5 is crypto/md5 as an md5simd.Hasher.
type plainMD5 struct{ hash.Hash }

func (plainMD5) Close() {}

func md5Hex(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }

func findPart(s AuthSign, n int) (SignPart, bool) {
	for _, p := range s.Parts {
		if p.PartNumber == n {
			return p, true
		}
	}
	return SignPart{}, false
}

// authSign asks for parts from..from+19 (at most last) to be signed.
func (c *Client) authSign(ctx context.Context, uploadID string, from, last int) (AuthSign, error) {
	var nums []int
	for n := from; n <= last && len(nums) < signBatch; n++ {
		nums = append(nums, n)
	}
	var s AuthSign
	err := c.Call(ctx, "/object/auth_sign", map[string]any{"uploadID": uploadID, "partNumbers": nums}, &s)
	return s, err
}

// putPart PUTs one part to its signed URL, with the sign's and the part's query and headers.
func (c *Client) putPart(ctx context.Context, s AuthSign, p SignPart, body io.Reader, size int64) error {
	raw := p.URL
	if raw == "" {
		raw = s.URL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("part URL: %w", err)
	}
	q := u.Query()
	for _, kv := range append(append([]KeyValues{}, s.Query...), p.Query...) {
		for _, v := range kv.Values {
			q.Add(kv.Key, v)
		}
	}
	u.RawQuery = q.Encode()
	if size == 0 {
		body = http.NoBody
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u.String(), body)
	if err != nil {
		return err
	}
	req.ContentLength = size
	for _, kv := range append(append([]KeyValues{}, s.Header...), p.Header...) {
		for _, v := range kv.Values {
			req.Header.Add(kv.Key, v)
		}
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		return answerError(res)
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
	return nil
}

// answerError reads a failed object answer: the node's error envelope when it sent one.
func answerError(res *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	var env envelope
	if json.Unmarshal(raw, &env) == nil && env.ErrCode != 0 {
		return &openim.Error{Code: env.ErrCode, Msg: env.ErrMsg, Detail: env.ErrDlt}
	}
	return fmt.Errorf("HTTP %s: %.200s", res.Status, raw)
}

// transferred counts the bytes of a transfer moved so far, for its progress callback.
type transferred struct {
	mu       sync.Mutex
	done     int64
	total    int64
	progress func(done, total int64)
}

// countingReader reports progress as a part's bytes are read.
type countingReader struct {
	r     io.Reader
	count *transferred
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.count.add(int64(n))
	}
	return n, err
}

// add counts n more bytes sent and reports them; calls from the parts sent at once are serialised,
// so progress sees a growing count from one call at a time.
func (s *transferred) add(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done += n
	if s.progress != nil {
		s.progress(s.done, s.total)
	}
}

// Download GETs an object URL into w and returns how many bytes it wrote. progress, when not
// nil, is called as bytes arrive, with the object's size (-1 when the node did not say).
func (c *Client) Download(ctx context.Context, objectURL string, w io.Writer, progress func(done, total int64)) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, objectURL, nil)
	if err != nil {
		return 0, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("download %s: %w", objectURL, answerError(res))
	}
	return io.CopyBuffer(w, &countingReader{r: res.Body, count: &transferred{total: res.ContentLength, progress: progress}},
		make([]byte, 256<<10))
}
