package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"lanim/node/client"
	"lanim/node/openim"
)

// The files scenario: one big file uploaded to a node with node/client's Upload (the SDK core's
// protocol), downloaded with a plain GET, and fetched across an office (uploaded on A, GET on B,
// which fetches it from A), each timed beside a plain loopback copy of the same bytes made in the
// same run by Go's net/http in this process (a PUT to a handler writing to disk, a GET of a static
// file), with the nodes' RSS growth during the transfer.

// fileFigures are the files scenario's figures. Throughputs are MB/s (MB = 2^20 bytes); ratios are
// LanIM's throughput over the plain copy's in the same run; RSS is the largest growth of a node's
// VmRSS during the transfer over its value just before, in MB.
type fileFigures struct {
	Size int64 // bytes of the file

	Upload, UploadParts, PlainPut, UploadRatio, UploadPartsRatio Spread
	Download, PlainGet, DownloadRatio                            Spread
	Cross, CrossPlain, CrossRatio                                Spread
	UploadRSS, DownloadRSS, CrossRSS                             Spread
	// CPU seconds per GiB moved: LanIM's node(s) and this process (the client), and the plain
	// copy's (this process, both ends).
	UploadCPU, PutCPU, DownloadCPU, GetCPU, CrossCPU, CrossPlainCPU Spread
	// Seconds of the upload's steps: the client's hash pass (with part_limit and initiate), and
	// complete (from the last part byte sent).
	UploadHash, UploadComplete Spread
}

const (
	fileSizeFull  = 1 << 30   // the 1 GiB
	fileSizeQuick = 128 << 20 // -quick
	// transferTimeout bounds one upload or download of the file.
	transferTimeout = 10 * time.Minute
	// rssEvery is how often the RSS is sampled during a transfer.
	rssEvery = 20 * time.Millisecond
	// fileUser owns the uploaded objects (names start with the uploader's user ID).
	fileUser = "bench_files"
	// resolveWait bounds how long B takes to apply the object A committed.
	resolveWait = 30 * time.Second
)

func measureFiles(ctx context.Context, o Options) (*fileFigures, error) {
	f := &fileFigures{Size: o.FileSize}
	dir, err := os.MkdirTemp("", "lanim-bench-files-")
	if err != nil {
		return f, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	o.logf("files: writing a %d MB file", f.Size/mb)
	src, err := writeContent(filepath.Join(dir, "source.bin"), f.Size)
	if err != nil {
		return f, err
	}
	defer src.Close()
	plain, err := startPlain(dir, src.Name())
	if err != nil {
		return f, err
	}
	defer plain.close()
	// Upload PUTs up to 16 parts at once: their connections stay open from part to part.
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 16}}
	defer hc.CloseIdleConnections()
	if err := f.measureSingle(ctx, o, hc, plain, src); err != nil {
		return f, err
	}
	if err := f.measureCross(ctx, o, hc, plain, src); err != nil {
		return f, fmt.Errorf("cross-node: %w", err)
	}
	return f, nil
}

// measureSingle uploads and downloads the file on a fresh node per run, each beside the plain copy.
func (f *fileFigures) measureSingle(ctx context.Context, o Options, hc *http.Client, plain *plainCopy, src *os.File) error {
	var up, upParts, put, upRatio, partsRatio, down, get, downRatio, upRSS, downRSS []float64
	var upCPU, putCPU, downCPU, getCPU, hash, complete []float64
	for run := range o.Runs {
		if err := stampRun(src, run); err != nil {
			return err
		}
		n, err := startNode(ctx, o.Bin, randomSecret(), false)
		if err != nil {
			return err
		}
		res, err := f.singleRun(ctx, hc, plain, n, src, run)
		n.Stop()
		if err != nil {
			return fmt.Errorf("run %d: %w", run+1, err)
		}
		up, upParts, put = append(up, res.up), append(upParts, res.upParts), append(put, res.put)
		upRatio, partsRatio = append(upRatio, res.up/res.put), append(partsRatio, res.upParts/res.put)
		down, get, downRatio = append(down, res.down), append(get, res.get), append(downRatio, res.down/res.get)
		upRSS, downRSS = append(upRSS, res.upRSS), append(downRSS, res.downRSS)
		upCPU, putCPU = append(upCPU, res.upCPU), append(putCPU, res.putCPU)
		downCPU, getCPU = append(downCPU, res.downCPU), append(getCPU, res.getCPU)
		hash, complete = append(hash, res.hashSec), append(complete, res.completeSec)
		o.logf("files run %d/%d: upload %.0f MB/s (parts %.0f; hash pass %.2fs, complete %.2fs), plain PUT %.0f; "+
			"download %.0f, plain GET %.0f; RSS +%.1f / +%.1f MB; CPU s/GiB %.2f / %.2f, %.2f / %.2f", run+1, o.Runs,
			res.up, res.upParts, res.hashSec, res.completeSec, res.put, res.down, res.get, res.upRSS, res.downRSS,
			res.upCPU, res.putCPU, res.downCPU, res.getCPU)
	}
	f.Upload, f.UploadParts, f.PlainPut = SpreadOf(up), SpreadOf(upParts), SpreadOf(put)
	f.UploadRatio, f.UploadPartsRatio = SpreadOf(upRatio), SpreadOf(partsRatio)
	f.Download, f.PlainGet, f.DownloadRatio = SpreadOf(down), SpreadOf(get), SpreadOf(downRatio)
	f.UploadRSS, f.DownloadRSS = SpreadOf(upRSS), SpreadOf(downRSS)
	f.UploadCPU, f.PutCPU = SpreadOf(upCPU), SpreadOf(putCPU)
	f.DownloadCPU, f.GetCPU = SpreadOf(downCPU), SpreadOf(getCPU)
	f.UploadHash, f.UploadComplete = SpreadOf(hash), SpreadOf(complete)
	return nil
}

// singleResult is one run on one node: MB/s and MB of RSS growth.
type singleResult struct {
	up, upParts, put, down, get, upRSS, downRSS float64
	upCPU, putCPU, downCPU, getCPU              float64 // s per GiB
	hashSec, completeSec                        float64 // seconds of the upload's steps (uploadTimes)
}

func (f *fileFigures) singleRun(ctx context.Context, hc *http.Client, plain *plainCopy, n *Node, src *os.File,
	run int) (singleResult, error) {
	var res singleResult
	c, err := fileClient(ctx, n, hc)
	if err != nil {
		return res, err
	}
	if res.putCPU, err = cpuPerGiB(f.Size, func() (err error) {
		res.put, err = plain.put(ctx, hc, src, f.Size)
		return err
	}); err != nil {
		return res, err
	}
	var times uploadTimes
	var objURL string
	res.upRSS, err = watchRSS(ctx, func() (err error) {
		res.upCPU, err = cpuPerGiB(f.Size, func() (err error) {
			objURL, times, err = timedUpload(ctx, c, objectName(run), src, f.Size)
			return err
		}, n)
		return err
	}, n)
	if err != nil {
		return res, err
	}
	res.up, res.upParts = rate(f.Size, times.whole), rate(f.Size, times.parts)
	res.hashSec, res.completeSec = times.hash.Seconds(), times.complete.Seconds()
	if res.getCPU, err = cpuPerGiB(f.Size, func() (err error) {
		res.get, err = plain.get(ctx, hc, src, f.Size)
		return err
	}); err != nil {
		return res, err
	}
	var downDur time.Duration
	res.downRSS, err = watchRSS(ctx, func() (err error) {
		res.downCPU, err = cpuPerGiB(f.Size, func() (err error) {
			downDur, err = timedGet(ctx, c, objURL, src, f.Size)
			return err
		}, n)
		return err
	}, n)
	res.down = rate(f.Size, downDur)
	return res, err
}

// measureCross starts a 3-node office and, per run, uploads on its first node and GETs the file on
// the second, which has not got the bytes and fetches them from the first over the cluster port.
// --blob-copies 1 keeps the uploader's durability push from copying the file to B beforehand.
func (f *fileFigures) measureCross(ctx context.Context, o Options, hc *http.Client, plain *plainCopy, src *os.File) error {
	o.logf("files: starting a 3-node office")
	nodes, err := startOffice(ctx, o.Bin, 3, "--blob-copies", "1")
	if err != nil {
		return err
	}
	defer stopAll(nodes)
	a, b := nodes[0], nodes[1]
	c, err := fileClient(ctx, a, hc)
	if err != nil {
		return err
	}
	var cross, plainGet, ratios, rss, crossCPU, plainCPU []float64
	for run := range o.Runs {
		// Other content than the single-node runs' and each other's: nothing is deduplicated.
		if err := stampRun(src, o.Runs+run); err != nil {
			return err
		}
		name := objectName(o.Runs + run)
		_, times, err := timedUpload(ctx, c, name, src, f.Size)
		if err != nil {
			return fmt.Errorf("upload on A: %w", err)
		}
		bURL, err := resolveOn(ctx, b, name)
		if err != nil {
			return err
		}
		if err := lacksBlob(b, bURL); err != nil {
			return err
		}
		var dur time.Duration
		var cpu, gCPU, g float64
		grew, err := watchRSS(ctx, func() (err error) {
			cpu, err = cpuPerGiB(f.Size, func() (err error) {
				dur, err = timedGet(ctx, client.New(b.APIAddr, hc), bURL, src, f.Size)
				return err
			}, a, b)
			return err
		}, a, b)
		if err != nil {
			return fmt.Errorf("GET on B: %w", err)
		}
		if gCPU, err = cpuPerGiB(f.Size, func() (err error) {
			g, err = plain.get(ctx, hc, src, f.Size)
			return err
		}); err != nil {
			return err
		}
		got := rate(f.Size, dur)
		cross, plainGet, ratios, rss = append(cross, got), append(plainGet, g), append(ratios, got/g), append(rss, grew)
		crossCPU, plainCPU = append(crossCPU, cpu), append(plainCPU, gCPU)
		o.logf("files cross-node run %d/%d: upload on A %.0f MB/s; GET on B %.0f MB/s, plain GET %.0f; RSS +%.1f MB; "+
			"CPU s/GiB %.2f / %.2f", run+1, o.Runs, rate(f.Size, times.whole), got, g, grew, cpu, gCPU)
	}
	f.Cross, f.CrossPlain, f.CrossRatio, f.CrossRSS = SpreadOf(cross), SpreadOf(plainGet), SpreadOf(ratios), SpreadOf(rss)
	f.CrossCPU, f.CrossPlainCPU = SpreadOf(crossCPU), SpreadOf(plainCPU)
	return nil
}

// fileClient registers fileUser on n and returns a client with its token.
func fileClient(ctx context.Context, n *Node, hc *http.Client) (*client.Client, error) {
	toks, err := n.users(ctx, []string{fileUser})
	if err != nil {
		return nil, err
	}
	return client.New(n.APIAddr, hc).WithToken(toks[fileUser]), nil
}

func objectName(i int) string { return fmt.Sprintf("%s/bench-%d.bin", fileUser, i) }

func rate(size int64, d time.Duration) float64 { return float64(size) / mb / d.Seconds() }

// writeContent writes size deterministic, incompressible bytes (ChaCha8 with a fixed seed) to path.
func writeContent(path string, size int64) (*os.File, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("content: %w", err)
	}
	gen := rand.NewChaCha8([32]byte{'l', 'a', 'n', 'i', 'm', ' ', 'f', 'i', 'l', 'e', 's'})
	buf := make([]byte, 1<<20)
	for left := size; left > 0; left -= int64(len(buf)) {
		chunk := buf[:min(int64(len(buf)), left)]
		gen.Read(chunk)
		if _, err := f.Write(chunk); err != nil {
			f.Close()
			return nil, fmt.Errorf("content: %w", err)
		}
	}
	return f, nil
}

// stampRun makes the file's content differ per run: the node would answer an upload of content it
// holds at once (the dedupe fast path) without moving a byte.
func stampRun(f *os.File, run int) error {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(run)+1)
	if _, err := f.WriteAt(b[:], 0); err != nil {
		return fmt.Errorf("stamp run: %w", err)
	}
	return nil
}

// uploadTimes are the steps of one Upload call.
type uploadTimes struct {
	whole time.Duration // the whole call
	hash  time.Duration // start to the first part byte sent: part_limit, the MD5 pass over the file, initiate
	parts time.Duration // the first part byte sent to complete's answer
	// complete is the last part byte sent to complete's answer: the node's end of the last part,
	// complete's checks, the sync and rename of the blob, the object's commit through Raft.
	complete time.Duration
}

// timedUpload uploads size bytes of src as name and returns the URL and the time of its steps.
func timedUpload(ctx context.Context, c *client.Client, name string, src io.ReaderAt, size int64) (string, uploadTimes,
	error) {
	ctx, cancel := context.WithTimeout(ctx, transferTimeout)
	defer cancel()
	// unix ns; progress runs on the HTTP transport's goroutine
	var firstByte, lastByte atomic.Int64
	start := time.Now()
	u, err := c.Upload(ctx, name, "application/octet-stream", src, size, func(done, total int64) {
		if done > 0 {
			firstByte.CompareAndSwap(0, time.Now().UnixNano())
		}
		if done == total {
			lastByte.Store(time.Now().UnixNano())
		}
	})
	end := time.Now()
	var t uploadTimes
	if err != nil {
		return "", t, fmt.Errorf("upload %s: %w", name, err)
	}
	if firstByte.Load() == 0 || lastByte.Load() == 0 {
		return "", t, fmt.Errorf("upload %s: no part was sent (the node answered the URL at once)", name)
	}
	first, last := time.Unix(0, firstByte.Load()), time.Unix(0, lastByte.Load())
	t = uploadTimes{whole: end.Sub(start), hash: first.Sub(start), parts: end.Sub(first), complete: end.Sub(last)}
	return u, t, nil
}

// timedGet GETs rawURL with c (node/client's Download: a plain GET) and checks the answer against
// src byte for byte (the node's and the plain copy's downloads both pay for the check).
func timedGet(ctx context.Context, c *client.Client, rawURL string, src io.ReaderAt, size int64) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, transferTimeout)
	defer cancel()
	start := time.Now()
	n, err := c.Download(ctx, rawURL, &sameBytes{src: src, buf: make([]byte, 256<<10)}, nil)
	dur := time.Since(start)
	if err != nil {
		return 0, err
	}
	if n != size {
		return 0, fmt.Errorf("GET %s: %d bytes, want %d", rawURL, n, size)
	}
	return dur, nil
}

// sameBytes is a writer that checks what it is given against src from offset 0.
type sameBytes struct {
	src io.ReaderAt
	off int64
	buf []byte
}

func (s *sameBytes) Write(p []byte) (int, error) {
	for done := 0; done < len(p); {
		want := s.buf[:min(len(s.buf), len(p)-done)]
		if _, err := s.src.ReadAt(want, s.off); err != nil {
			return done, fmt.Errorf("source at %d: %w", s.off, err)
		}
		if !bytes.Equal(want, p[done:done+len(want)]) {
			return done, fmt.Errorf("downloaded bytes differ from the file near offset %d", s.off)
		}
		done += len(want)
		s.off += int64(len(want))
	}
	return len(p), nil
}

// resolveOn waits until n has applied the object name (committed on another node) and returns the
// URL a viewer using n gets for it (/object/access_url, as the office admin).
func resolveOn(ctx context.Context, n *Node, name string) (string, error) {
	deadline := time.Now().Add(resolveWait)
	for {
		var res struct {
			URL string `json:"url"`
		}
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		err := n.Admin.Call(cctx, "/object/access_url", map[string]any{"name": name}, &res)
		cancel()
		if err == nil {
			return res.URL, nil
		}
		if openim.Code(err) != openim.ErrRecordNotFound.Code || time.Now().After(deadline) {
			return "", fmt.Errorf("access_url of %s on %s: %w", name, n.APIAddr, err)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// lacksBlob makes sure n has not got the blob of objURL (/object/<key>/<name>) yet, so that its
// GET measures a fetch and not a local read.
func lacksBlob(n *Node, objURL string) error {
	u, err := url.Parse(objURL)
	if err != nil {
		return fmt.Errorf("object URL: %w", err)
	}
	key, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/object/"), "/")
	if len(key) < 2 {
		return fmt.Errorf("object URL %s has no key", objURL)
	}
	_, err = os.Stat(filepath.Join(n.DataDir, "blobs", key[:2], key))
	if err == nil {
		return fmt.Errorf("node %s holds blob %s before its GET (pushed already): the GET would not fetch", n.APIAddr, key)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// cpuPerGiB runs transfer and returns the CPU time (user and system) that nodes and this process
// used meanwhile, in seconds per GiB of size. On a shared machine a transfer's rate depends on
// what else runs; its CPU time much less.
func cpuPerGiB(size int64, transfer func() error, nodes ...*Node) (float64, error) {
	used := func() (time.Duration, error) {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			return 0, fmt.Errorf("cpu: %w", err)
		}
		sum := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		for _, n := range nodes {
			c, err := n.CPU()
			if err != nil {
				return 0, err
			}
			sum += c
		}
		return sum, nil
	}
	before, err := used()
	if err != nil {
		return 0, err
	}
	if err := transfer(); err != nil {
		return 0, err
	}
	after, err := used()
	if err != nil {
		return 0, err
	}
	return (after - before).Seconds() / (float64(size) / (1 << 30)), nil
}

// watchRSS runs transfer while sampling the nodes' RSS every rssEvery, and returns the largest
// growth of one node over its RSS just before, in MB.
func watchRSS(ctx context.Context, transfer func() error, nodes ...*Node) (float64, error) {
	base := make([]int64, len(nodes))
	for i, n := range nodes {
		rss, err := n.RSS()
		if err != nil {
			return 0, err
		}
		base[i] = rss
	}
	var grew int64
	sample := func() error {
		for i, n := range nodes {
			rss, err := n.RSS()
			if err != nil {
				return err
			}
			grew = max(grew, rss-base[i])
		}
		return nil
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var sampleErr error
	wg.Go(func() {
		t := time.NewTicker(rssEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if sampleErr = sample(); sampleErr != nil {
					return
				}
			}
		}
	})
	err := transfer()
	close(stop)
	wg.Wait()
	if err == nil && sampleErr == nil {
		sampleErr = sample() // the end state counts too
	}
	return float64(grew) / mb, errors.Join(err, sampleErr)
}

// plainCopy is the baseline: net/http in this process on 127.0.0.1, serving the source file for
// GET /file and writing a PUT /put's body to a file (synced to disk before the answer, as the
// node's blob store syncs what it stores).
type plainCopy struct {
	srv     *http.Server
	base    string
	putPath string
	served  chan error
}

func startPlain(dir, src string) (*plainCopy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("plain server: %w", err)
	}
	p := &plainCopy{base: "http://" + l.Addr().String(), putPath: filepath.Join(dir, "put.bin"), served: make(chan error, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /file", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, src) })
	mux.HandleFunc("PUT /put", func(w http.ResponseWriter, r *http.Request) {
		if err := writeSynced(p.putPath, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { p.served <- p.srv.Serve(l) }()
	return p, nil
}

func writeSynced(path string, r io.Reader) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

func (p *plainCopy) close() {
	p.srv.Close()
	<-p.served
}

// put PUTs size bytes of src to the plain handler and returns MB/s.
func (p *plainCopy) put(ctx context.Context, hc *http.Client, src io.ReaderAt, size int64) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, transferTimeout)
	defer cancel()
	defer os.Remove(p.putPath)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, p.base+"/put", io.NewSectionReader(src, 0, size))
	if err != nil {
		return 0, err
	}
	req.ContentLength = size
	start := time.Now()
	res, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("plain PUT: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	dur := time.Since(start)
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("plain PUT: %s", res.Status)
	}
	return rate(size, dur), nil
}

// get GETs the plain server's file, checked against src, and returns MB/s.
func (p *plainCopy) get(ctx context.Context, hc *http.Client, src io.ReaderAt, size int64) (float64, error) {
	dur, err := timedGet(ctx, client.New(p.base, hc), p.base+"/file", src, size)
	if err != nil {
		return 0, fmt.Errorf("plain GET: %w", err)
	}
	return rate(size, dur), nil
}

// filesMarkdown is the files section.
func (r *Report) filesMarkdown(p md) {
	f := r.Files
	size := num(float64(f.Size)/mb, 0)
	p.section("Files: upload, download and cross-node fetch")
	p("A %s MB file (MB = 2^20 bytes) of incompressible bytes (ChaCha8 from a fixed seed, written to a temp dir and", size)
	p("removed afterwards, its first 8 bytes numbered per run so that no upload is answered by the dedupe fast path) is")
	p("moved three ways, each timed beside a plain loopback copy of the same bytes in the same run: Go's net/http in the")
	p("benchmark process on 127.0.0.1, a PUT to a handler that writes the body to a file and syncs it (the node's blob")
	p("store syncs too) and a GET of the file as a static file (`http.ServeFile`). LanIM / plain is the median of the")
	p("runs' ratios.")
	p("")
	p("- **Upload**: `node/client`'s Upload, the SDK core's protocol: an MD5 pass over the file for the part hashes,")
	p("  initiate_multipart_upload, a PUT of each 5 MB part to its signed URL (auth_sign every 20 parts), then")
	p("  complete_multipart_upload (the node checks the parts and assembles the blob). Timed for the whole call, and from")
	p("  the first part byte sent to complete's answer. A fresh node per run.")
	p("- **Download**: a GET of the URL complete answered, on the same node.")
	p("- **Cross-node**: a 3-node office. The file is uploaded on A; B resolves its URL (`/object/access_url`) once it has")
	p("  applied the object and holds no copy of the bytes (checked in its data dir); the GET on B streams the file while")
	p("  B fetches it from A over the cluster port (mutual TLS).")
	p("- Every download is compared byte for byte with the file as it arrives, the plain GETs too.")
	p("- **RSS growth**: the node's largest VmRSS, sampled every %v during the transfer, minus its VmRSS just before", rssEvery)
	p("  (cross-node: the larger of A's and B's).")
	p("")
	p.table(fmt.Sprintf("| Transfer of %s MB | LanIM MB/s | Plain loopback copy | Plain MB/s | LanIM / plain | Node RSS growth (MB) |", size))
	x := func(s Spread) string {
		if s.N == 0 {
			return "–"
		}
		return s.Format(2) + "×"
	}
	row := func(what string, lanim Spread, plain string, base, ratio Spread, rss string) {
		p("| %s | %s | %s | %s | %s | %s |", what, lanim.Format(0), plain, base.Format(0), x(ratio), rss)
	}
	row("Upload (the whole Upload call)", f.Upload, "PUT", f.PlainPut, f.UploadRatio, f.UploadRSS.Format(1))
	row("Upload, first part byte to complete's answer", f.UploadParts, "PUT", f.PlainPut, f.UploadPartsRatio, "")
	row("Download (GET on the node that has the file)", f.Download, "GET", f.PlainGet, f.DownloadRatio, f.DownloadRSS.Format(1))
	row("Cross-node (GET on B, which fetches from A)", f.Cross, "GET", f.CrossPlain, f.CrossRatio, f.CrossRSS.Format(1))
	p("")
	p("Steps of the upload, in seconds. The client's MD5 pass over the file with part_limit and initiate (the start to")
	p("the first part byte sent): %s. Complete (the last part byte sent to complete's answer: the node's end of", f.UploadHash.Format(2))
	p("the last part, its checks, the blob's sync and rename, the object's commit through Raft): %s.", f.UploadComplete.Format(2))
	p("")
	p("CPU time per GiB moved, in seconds (user and system, from /proc and getrusage; on a shared machine a rate depends")
	p("on what else runs, the CPU time much less). LanIM: the node (cross-node: A and B) and the benchmark process, which")
	p("runs the client and checks the bytes; plain: the benchmark process, which runs both ends and checks the bytes.")
	p("")
	p.table("| Transfer | LanIM CPU s/GiB | Plain CPU s/GiB |")
	p("| Upload (the whole Upload call) / PUT | %s | %s |", f.UploadCPU.Format(2), f.PutCPU.Format(2))
	p("| Download / GET | %s | %s |", f.DownloadCPU.Format(2), f.GetCPU.Format(2))
	p("| Cross-node / GET | %s | %s |", f.CrossCPU.Format(2), f.CrossPlainCPU.Format(2))
	p("")
}

// largestRSS is the transfer whose median RSS growth was the largest.
func (f *fileFigures) largestRSS() Spread {
	var s Spread
	if f == nil {
		return s
	}
	for _, t := range []Spread{f.UploadRSS, f.DownloadRSS, f.CrossRSS} {
		if t.N > 0 && (s.N == 0 || t.Median > s.Median) {
			s = t
		}
	}
	return s
}
