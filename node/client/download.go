package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// ObjectPath is the part of an object URL this client's node resolves: from "/object/" on, with
// the query (a thumbnail's ?type=image...). Every node of an office serves every object, and a
// URL names the node of whoever uploaded it (often 127.0.0.1 on their computer), so a viewer
// asks its own node. ok is false for a URL that is not an object URL.
func ObjectPath(objectURL string) (path string, ok bool) {
	u, err := url.Parse(objectURL)
	if err != nil {
		return "", false
	}
	i := strings.Index(u.EscapedPath(), "/object/")
	if i < 0 {
		return "", false
	}
	path = u.EscapedPath()[i:]
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	return path, true
}

// Download GETs an object from this client's node (see ObjectPath; any other http(s) URL is
// fetched as is) and copies it to w. progress, when set, gets the bytes copied so far and the
// total (-1 when the node sends no length). It returns the number of bytes written.
func (c *Client) Download(ctx context.Context, objectURL string, w io.Writer, progress func(done, total int64)) (int64, error) {
	target := objectURL
	if p, ok := ObjectPath(objectURL); ok {
		target = c.base + p
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, fmt.Errorf("download %s: %w", objectURL, err)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("download %s: %w", objectURL, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 200))
		return 0, fmt.Errorf("download %s: HTTP %s: %s", objectURL, res.Status, msg)
	}
	var dst io.Writer = w
	if progress != nil {
		dst = &progressWriter{w: w, total: res.ContentLength, report: progress}
	}
	n, err := io.Copy(dst, res.Body)
	if err != nil {
		return n, fmt.Errorf("download %s: %w", objectURL, err)
	}
	return n, nil
}

// progressWriter reports the bytes written through it.
type progressWriter struct {
	w      io.Writer
	done   int64
	total  int64
	report func(done, total int64)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.done += int64(n)
	p.report(p.done, p.total)
	return n, err
}
