// Package e2e tests a real `lanim node` process (the binary in LANIM_BIN) through its REST API on
// 127.0.0.1. Every test starts its own node in a temporary data directory.
package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// adminSecret is the admin secret of every test office.
const adminSecret = "e2e-admin-secret"

// Web is the platform of the user tokens the helpers issue.
const Web int32 = 5

// Node is one running `lanim node` process.
type Node struct {
	t    testing.TB
	bin  string
	Dir  string // data directory
	URL  string // http://127.0.0.1:PORT of the REST API
	cmd  *exec.Cmd
	done chan struct{} // closed when the process exits
	out  *logBuffer

	mu     sync.Mutex
	admin  string
	tokens map[string]string // userID → Web token issued by UserToken
}

// startNode starts a node with a new office and stops it when the test ends.
func startNode(t testing.TB) *Node {
	t.Helper()
	bin := os.Getenv("LANIM_BIN")
	if bin == "" {
		t.Skip("LANIM_BIN is not set: build bin/lanim and run with LANIM_BIN=$PWD/bin/lanim")
	}
	n := &Node{t: t, bin: bin, Dir: t.TempDir(), tokens: map[string]string{}}
	n.start()
	t.Cleanup(func() {
		n.Stop()
		if t.Failed() {
			t.Logf("node output:\n%s", n.out.String())
		}
	})
	return n
}

var readyLine = regexp.MustCompile(`ready: api (http://\S+)`)

// start runs the process on free ports and waits for its ready line.
func (n *Node) start() {
	n.t.Helper()
	n.out = &logBuffer{}
	n.cmd = exec.Command(n.bin, "node", "--data", n.Dir, "--api-addr", "127.0.0.1:0", "--ws-addr", "127.0.0.1:0",
		"--admin-secret", adminSecret)
	stdout, err := n.cmd.StdoutPipe()
	if err != nil {
		n.t.Fatal(err)
	}
	n.cmd.Stderr = n.out
	if err := n.cmd.Start(); err != nil {
		n.t.Fatalf("start %s: %v", n.bin, err)
	}
	n.done = make(chan struct{})
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(n.out, line)
			if m := readyLine.FindStringSubmatch(line); m != nil {
				ready <- m[1]
			}
		}
		n.cmd.Wait()
		close(n.done)
	}()
	select {
	case n.URL = <-ready:
	case <-n.done:
		n.t.Fatalf("node exited before it was ready:\n%s", n.out.String())
	case <-time.After(60 * time.Second):
		n.Stop()
		n.t.Fatalf("node not ready after 60 s:\n%s", n.out.String())
	}
}

// Stop ends the process with SIGTERM (a clean shutdown), or SIGKILL after 20 s.
func (n *Node) Stop() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	select {
	case <-n.done:
		return
	default:
	}
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(20 * time.Second):
		n.cmd.Process.Kill()
		<-n.done
	}
}

// Restart stops the node and starts it again on the same data directory (the API port changes).
func (n *Node) Restart() {
	n.t.Helper()
	n.Stop()
	n.start()
}

// Resp is the OpenIM envelope.
type Resp struct {
	ErrCode int             `json:"errCode"`
	ErrMsg  string          `json:"errMsg"`
	ErrDlt  string          `json:"errDlt"`
	Data    json.RawMessage `json:"data"`
}

// Raw sends a request with the given headers and returns the response and its body.
func (n *Node) Raw(method, path string, header map[string]string, body []byte) (*http.Response, []byte) {
	n.t.Helper()
	req, err := http.NewRequest(method, n.URL+path, bytes.NewReader(body))
	if err != nil {
		n.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		n.t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return resp, b
}

var opSeq struct {
	sync.Mutex
	n int
}

func operationID() string {
	opSeq.Lock()
	defer opSeq.Unlock()
	opSeq.n++
	return fmt.Sprintf("e2e-%d", opSeq.n)
}

// Post sends body as JSON with a token (none when "") and a fresh operationID, and returns the envelope.
func (n *Node) Post(token, path string, body any) *Resp {
	n.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		n.t.Fatal(err)
	}
	h := map[string]string{"Content-Type": "application/json", "operationID": operationID()}
	if token != "" {
		h["token"] = token
	}
	resp, raw := n.Raw(http.MethodPost, path, h, b)
	if resp.StatusCode != http.StatusOK {
		n.t.Fatalf("POST %s: HTTP %d: %s", path, resp.StatusCode, raw)
	}
	var r Resp
	if err := json.Unmarshal(raw, &r); err != nil {
		n.t.Fatalf("POST %s: envelope: %v: %s", path, err, raw)
	}
	return &r
}

// PostOK posts and fails the test unless errCode is 0; it decodes data into out when out is not nil.
func (n *Node) PostOK(token, path string, body, out any) *Resp {
	n.t.Helper()
	r := n.Post(token, path, body)
	if r.ErrCode != 0 {
		n.t.Fatalf("POST %s: %d %s: %s", path, r.ErrCode, r.ErrMsg, r.ErrDlt)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			n.t.Fatalf("POST %s: data: %v: %s", path, err, r.Data)
		}
	}
	return r
}

// PostErr posts and fails the test unless errCode is code.
func (n *Node) PostErr(token, path string, body any, code int) *Resp {
	n.t.Helper()
	r := n.Post(token, path, body)
	if r.ErrCode != code {
		n.t.Fatalf("POST %s: got %d %s (%s), want %d", path, r.ErrCode, r.ErrMsg, r.ErrDlt, code)
	}
	return r
}

// AdminToken returns an admin token (issued once per node).
func (n *Node) AdminToken() string {
	n.t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.admin == "" {
		var out struct{ Token string }
		n.PostOK("", "/auth/get_admin_token", map[string]string{"secret": adminSecret, "userID": "imAdmin"}, &out)
		n.admin = out.Token
	}
	return n.admin
}

// RegisterUsers registers users with the nickname "Name <id>".
func (n *Node) RegisterUsers(ids ...string) {
	n.t.Helper()
	users := make([]map[string]any, len(ids))
	for i, id := range ids {
		users[i] = map[string]any{"userID": id, "nickname": "Name " + id, "faceURL": "https://face/" + id}
	}
	n.PostOK(n.AdminToken(), "/user/user_register", map[string]any{"users": users}, nil)
}

// UserToken returns a Web token of the user (issued once per node and user: a new one would kick it).
func (n *Node) UserToken(userID string) string {
	n.t.Helper()
	n.mu.Lock()
	tok, ok := n.tokens[userID]
	n.mu.Unlock()
	if ok {
		return tok
	}
	tok = n.NewUserToken(userID, Web)
	n.mu.Lock()
	n.tokens[userID] = tok
	n.mu.Unlock()
	return tok
}

// NewUserToken issues a new token (kicking the user's earlier ones on that platform).
func (n *Node) NewUserToken(userID string, platformID int32) string {
	n.t.Helper()
	var out struct{ Token string }
	n.PostOK(n.AdminToken(), "/auth/get_user_token", map[string]any{"userID": userID, "platformID": platformID}, &out)
	if out.Token == "" {
		n.t.Fatalf("get_user_token %s: empty token", userID)
	}
	return out.Token
}

// StatePath is the node's state database.
func (n *Node) StatePath() string { return filepath.Join(n.Dir, "state.db") }

// logBuffer collects process output for failure reports.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
