package bench

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestContentDeterministic: the file is the same bytes every time, and a run's stamp changes it.
func TestContentDeterministic(t *testing.T) {
	dir := t.TempDir()
	read := func(name string, run int) []byte {
		f, err := writeContent(filepath.Join(dir, name), 3<<20+5)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if run >= 0 {
			if err := stampRun(f, run); err != nil {
				t.Fatal(err)
			}
		}
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := read("a", -1), read("b", -1)
	if len(a) != 3<<20+5 || !bytes.Equal(a, b) {
		t.Fatalf("two writes differ (%d and %d bytes)", len(a), len(b))
	}
	if bytes.Count(a, a[:16]) != 1 {
		t.Error("the content repeats")
	}
	s0, s1 := read("c", 0), read("d", 1)
	if bytes.Equal(s0, s1) || bytes.Equal(s0, a) || !bytes.Equal(s0[8:], a[8:]) {
		t.Error("a run's stamp must change the first 8 bytes and nothing else")
	}
}

func TestSameBytes(t *testing.T) {
	src := bytes.Repeat([]byte("0123456789"), 1000)
	w := &sameBytes{src: bytes.NewReader(src), buf: make([]byte, 64)}
	for _, chunk := range [][]byte{src[:3], src[3:500], src[500:]} {
		if _, err := w.Write(chunk); err != nil {
			t.Fatalf("equal bytes refused: %v", err)
		}
	}
	bad := bytes.Clone(src)
	bad[777] = 'x'
	w = &sameBytes{src: bytes.NewReader(src), buf: make([]byte, 64)}
	if _, err := w.Write(bad); err == nil || !strings.Contains(err.Error(), "differ") {
		t.Fatalf("a changed byte passed: %v", err)
	}
	w = &sameBytes{src: bytes.NewReader(src), buf: make([]byte, 64)}
	if _, err := w.Write(append(bytes.Clone(src), 'z')); err == nil {
		t.Fatal("bytes past the source's end passed")
	}
}

// TestPlainCopy: the baseline server takes a PUT onto disk and serves the file, checked byte for byte.
func TestPlainCopy(t *testing.T) {
	dir := t.TempDir()
	src, err := writeContent(filepath.Join(dir, "src"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	p, err := startPlain(dir, src.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	hc := &http.Client{Timeout: 30 * time.Second}
	ctx := context.Background()
	if r, err := p.get(ctx, hc, src, 1<<20); err != nil || r <= 0 {
		t.Fatalf("get: %v MB/s, %v", r, err)
	}
	if _, err := p.get(ctx, hc, src, 2<<20); err == nil {
		t.Error("a GET of the wrong length passed")
	}
	if r, err := p.put(ctx, hc, src, 1<<20); err != nil || r <= 0 {
		t.Fatalf("put: %v MB/s, %v", r, err)
	}
	if _, err := os.Stat(p.putPath); !os.IsNotExist(err) {
		t.Errorf("the PUT's file is left behind: %v", err)
	}
}

// TestFilesMarkdown: the files section and its targets render the figures; a run without it
// leaves the section out.
func TestFilesMarkdown(t *testing.T) {
	s := func(v float64) Spread { return Spread{Median: v, Min: v, Max: v, N: 3} }
	r := &Report{Options: Options{Runs: 3, Scenarios: []string{"files"}}, Files: &fileFigures{Size: 1 << 30,
		Upload: s(150), UploadParts: s(200), PlainPut: s(400), UploadRatio: s(0.375), UploadPartsRatio: s(0.5),
		Download: s(900), PlainGet: s(1000), DownloadRatio: s(0.9),
		Cross: s(300), CrossPlain: s(1000), CrossRatio: s(0.3),
		UploadRSS: s(6), DownloadRSS: s(0.5), CrossRSS: s(60),
		UploadCPU: s(6), PutCPU: s(1.5), DownloadCPU: s(0.8), GetCPU: s(0.6), CrossCPU: s(6.4), CrossPlainCPU: s(0.7),
		UploadHash: s(1.25), UploadComplete: s(0.5)}}
	var b strings.Builder
	r.Markdown(&b, testNotes())
	md := b.String()
	for _, want := range []string{
		"## Files: upload, download and cross-node fetch",
		"A 1,024 MB file",
		"| Upload (the whole Upload call) | 150 (150–150) | PUT | 400 (400–400) | 0.38 (0.38–0.38)× | 6.0 (6.0–6.0) |",
		"| Cross-node (GET on B, which fetches from A) | 300 (300–300) | GET | 1,000 (1,000–1,000) | 0.30 (0.30–0.30)× | 60.0 (60.0–60.0) |",
		"| file download from the node / plain loopback GET | ≥ 0.5× | 0.90 (0.90–0.90) × | met |",
		"| cross-node file fetch / plain loopback GET | ≥ 0.5× | 0.30 (0.30–0.30) × | **missed** |",
		"| node RSS growth during a file transfer (largest of the three) | < 50 MB | 60.0 (60.0–60.0) MB | **missed** |",
		"| Upload (the whole Upload call) / PUT | 6.00 (6.00–6.00) | 1.50 (1.50–1.50) |",
		"| Cross-node / GET | 6.40 (6.40–6.40) | 0.70 (0.70–0.70) |",
		"the first part byte sent): 1.25 (1.25–1.25). Complete",
		"Raft): 0.50 (0.50–0.50).",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	b.Reset()
	(&Report{Options: Options{Runs: 3, Scenarios: []string{"growth"}}}).Markdown(&b, testNotes())
	if strings.Contains(b.String(), "## Files") {
		t.Error("a run without the files scenario has its section")
	}
	if DefaultOptions("lanim", false, false).FileSize != 1<<30 || DefaultOptions("lanim", true, false).FileSize >= 1<<30 {
		t.Error("the full run moves 1 GiB, -quick less")
	}
}
