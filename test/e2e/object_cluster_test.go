package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"lanim/node/client"
)

// Files across an office of real processes: an upload on one member is served by every member,
// byte for byte; copies reach a member that was down once it is back (the status counts the file
// under-replicated until then); the file outlives its uploader, and a member that joins later
// serves it too.
func TestObjectAcrossOffice(t *testing.T) {
	o := startOffice(t, 3)
	a, b, c := o.members[0], o.members[1], o.members[2]
	c.Kill9(t) // down, still a voter: the office wants a copy on it

	content := make([]byte, 12<<20+321) // three parts of 5 MiB
	rand.Read(content)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	link, err := client.New(a.APIAddr, nil).WithToken(a.AdminToken).Upload(ctx, "imAdmin/report.bin",
		"application/octet-stream", bytes.NewReader(content), int64(len(content)), nil)
	if err != nil {
		t.Fatalf("upload on %s: %v", a.APIAddr, err)
	}
	o.converged(t) // b knows the object (a link travels in a message, which comes later still)
	requireObject(t, b, link, content)
	// Three voters want three copies; the one that is down lacks it for as long as it is down.
	o.statuses(t, "one file under-replicated", func(sts []client.ClusterStatus) bool {
		for _, st := range sts {
			if st.BlobCopies != 3 || st.BlobsUnderReplicated != 1 || st.BlobsLost != 0 {
				return false
			}
		}
		return true
	})

	c.Restart(t)
	o.statuses(t, "every file on enough members", blobsReplicated)
	o.converged(t)
	requireObject(t, c, link, content)

	a.Stop(t)
	for _, m := range []*member{b, c} {
		requireObject(t, m, link, content)
	}

	d := o.join(t)
	requireObject(t, d, link, content)
	o.statuses(t, "every file on enough members after a join", blobsReplicated)
}

// blobsReplicated: every member reports each file on as many members as it wants.
func blobsReplicated(sts []client.ClusterStatus) bool {
	for _, st := range sts {
		if st.BlobCopies < 1 || st.BlobsUnderReplicated != 0 || st.BlobsLost != 0 {
			return false
		}
	}
	return true
}

// requireObject GETs an object URL from member m (the URL names the uploader's node; every node
// resolves the same path) and fails unless the bytes are want's.
func requireObject(t *testing.T, m *member, link string, want []byte) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("object URL %q: %v", link, err)
	}
	u.Host = m.APIAddr
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.http.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: read: %v", u, err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %.300s; want 200", u, res.Status, got)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("GET %s: %d bytes that differ from the %d uploaded", u, len(got), len(want))
	}
}
