// Package e2e tests LanIM end to end: every test starts real `lanim node` processes on 127.0.0.1 ports
// (test/nodeproc) and talks to them only through the public REST and WebSocket API, as a client would, so it
// exercises the binary as shipped.
//
// The binary comes from $LANIM_BIN (make test passes bin/lanim); without it TestMain builds one once.
package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"lanim/node/client"
	"lanim/test/nodeproc"
)

const (
	readyTimeout   = 30 * time.Second // from process start until get_admin_token answers errCode 0
	stopTimeout    = 10 * time.Second // from SIGTERM (or SIGKILL) until the process has exited
	requestTimeout = 30 * time.Second // one HTTP request
	buildTimeout   = 15 * time.Minute // a cold build links Fyne, go-gl and SQLite
	logTailBytes   = 64 << 10         // how much of a node's log a failing test prints
	adminUserID    = "imAdmin"
)

// lanimBin is the absolute path of the lanim binary under test, set once by TestMain.
var lanimBin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	bin := os.Getenv("LANIM_BIN")
	if bin == "" {
		dir, err := os.MkdirTemp("", "lanim-e2e-bin-")
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
			return 2
		}
		defer os.RemoveAll(dir)
		if bin, err = buildBinary(filepath.Join(dir, "lanim")); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
			return 2
		}
	} else if !filepath.IsAbs(bin) {
		fmt.Fprintf(os.Stderr, "e2e: LANIM_BIN must be an absolute path, got %q\n", bin)
		return 2
	} else if _, err := os.Stat(bin); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: LANIM_BIN: %v\n", err)
		return 2
	}
	lanimBin = bin
	return m.Run()
}

// buildBinary builds package lanim from the module root into out.
func buildBinary(out string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	if root == "." || root == "" {
		return "", errors.New("go env GOMOD: not inside the lanim module")
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "sqlite_fts5", "-o", out, "lanim")
	cmd.Dir = root
	if output, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build lanim: %w\n%s", err, output)
	}
	return out, nil
}

// Envelope is the body of every OpenIM REST response (always HTTP 200).
type Envelope struct {
	ErrCode int             `json:"errCode"`
	ErrMsg  string          `json:"errMsg"`
	ErrDlt  string          `json:"errDlt"`
	Data    json.RawMessage `json:"data"`
}

// Node is one `lanim node` process started by startNode. Its methods that take t must be called from the
// test's goroutine, as t.Fatal requires. When a test fails, the cleanup prints the node's log. The embedded
// Proc holds the binary (upgrade tests switch Bin), the arguments after it, the log and the current run.
type Node struct {
	*nodeproc.Proc
	APIAddr     string // host:port of the REST API
	WSAddr      string // host:port of the WebSocket gateway
	DataDir     string
	AdminSecret string
	AdminToken  string // from the latest start; Restart fetches a new one

	http *http.Client
	tr   *http.Transport // closed between starts so no request reuses a connection to a dead process
}

// startNode starts `lanim node` on a fresh data dir and free loopback ports, waits until it serves the API,
// and registers a cleanup that stops it with SIGTERM and fails the test unless it exits 0 in time.
func startNode(t *testing.T, extraArgs ...string) *Node {
	t.Helper()
	n := newNode(t, rand.Text(), extraArgs...)
	n.start(t)
	return n
}

// newNode prepares a node like startNode without starting it, with the given admin secret: a node
// that joins an office answers get_admin_token with the office's secret, not its own.
func newNode(t *testing.T, adminSecret string, extraArgs ...string) *Node {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	n := &Node{
		APIAddr:     nodeproc.MustFreeAddr(t),
		WSAddr:      nodeproc.MustFreeAddr(t),
		DataDir:     t.TempDir(),
		AdminSecret: adminSecret,
		tr:          tr,
		http:        &http.Client{Transport: tr},
	}
	n.Proc = &nodeproc.Proc{Bin: lanimBin, LogPath: filepath.Join(t.TempDir(), "node.log"),
		Args: nodeproc.NodeArgs(n.DataDir, n.APIAddr, n.WSAddr, n.AdminSecret, extraArgs...)}
	// Registered after t.TempDir, so it runs before the data dir is removed.
	t.Cleanup(func() {
		if n.Running() {
			if err := n.stop(syscall.SIGTERM); err != nil {
				t.Errorf("stop node %s: %v", n.APIAddr, err)
			}
		}
		if t.Failed() {
			t.Logf("log of node %s (%s):\n%s", n.APIAddr, n.LogPath, n.logTail())
		}
	})
	return n
}

// Restart stops the node with SIGTERM (failing the test unless it exits 0) if it is running, then starts it
// again with the same data dir, ports and flags. After Kill9 it is a crash recovery.
func (n *Node) Restart(t *testing.T) {
	t.Helper()
	if n.Running() {
		n.Stop(t)
	}
	n.start(t)
}

// Stop sends SIGTERM and fails the test unless the node exits with code 0 within stopTimeout.
func (n *Node) Stop(t *testing.T) {
	t.Helper()
	if err := n.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("stop node %s: %v", n.APIAddr, err)
	}
}

// Kill9 kills the node with SIGKILL, as a crash would, and waits until it is gone.
func (n *Node) Kill9(t *testing.T) {
	t.Helper()
	defer n.tr.CloseIdleConnections()
	if err := n.Kill(stopTimeout); err != nil {
		t.Fatalf("node %s: %v", n.APIAddr, err)
	}
}

func (n *Node) start(t *testing.T) {
	t.Helper()
	n.launch(t)
	if err := n.waitReady(); err != nil {
		t.Fatalf("node %s not ready: %v", n.APIAddr, err)
	}
}

// launch starts the process without waiting until it serves: nodes that need each other to
// become ready (an office without a quorum) are launched together, then waited for.
func (n *Node) launch(t *testing.T) {
	t.Helper()
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
}

// waitReady waits until get_admin_token answers errCode 0 (storing the token) and the WebSocket port
// accepts connections, at most readyTimeout.
func (n *Node) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	token, err := n.WaitNode(ctx, client.New(n.APIAddr, n.http), n.WSAddr, n.AdminSecret)
	if err != nil {
		return err
	}
	n.AdminToken = token
	return nil
}

// stop sends sig and waits stopTimeout for an exit with code 0; on timeout it kills the process.
func (n *Node) stop(sig os.Signal) error {
	defer n.tr.CloseIdleConnections()
	return n.Proc.Stop(sig, stopTimeout)
}

// logTail returns the end of the node's log.
func (n *Node) logTail() string { return n.LogTail(logTailBytes) }

// Post sends an OpenIM REST request (POST, JSON, a fresh operationID, the token header unless token is empty)
// and returns the envelope, failing the test on a transport error or a status other than 200. A body that is
// []byte or string is sent as is; nil sends {}; anything else is marshalled with encoding/json.
func (n *Node) Post(t *testing.T, path, token string, body any) Envelope {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	env, err := n.post(ctx, path, token, body)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return env
}

// PostOK is Post that fails the test unless errCode is 0, then unmarshals data into out when out is not nil.
func (n *Node) PostOK(t *testing.T, path, token string, body, out any) {
	t.Helper()
	env := n.Post(t, path, token, body)
	if env.ErrCode != 0 {
		t.Fatalf("POST %s: errCode %d, errMsg %q, errDlt %q; want errCode 0", path, env.ErrCode, env.ErrMsg, env.ErrDlt)
	}
	if out == nil {
		return
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		t.Fatalf("POST %s: data %s: %v", path, env.Data, err)
	}
}

// PostErr is Post that fails the test unless errCode is wantCode.
func (n *Node) PostErr(t *testing.T, path, token string, body any, wantCode int) Envelope {
	t.Helper()
	env := n.Post(t, path, token, body)
	if env.ErrCode != wantCode {
		t.Fatalf("POST %s: errCode %d, errMsg %q, errDlt %q; want errCode %d", path, env.ErrCode, env.ErrMsg, env.ErrDlt, wantCode)
	}
	return env
}

func (n *Node) post(ctx context.Context, path, token string, body any) (Envelope, error) {
	payload, err := encodeBody(body)
	if err != nil {
		return Envelope{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+n.APIAddr+path, bytes.NewReader(payload))
	if err != nil {
		return Envelope{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("operationID", rand.Text())
	if token != "" {
		req.Header.Set("token", token)
	}
	resp, err := n.http.Do(req)
	if err != nil {
		return Envelope{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return Envelope{}, fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return Envelope{}, fmt.Errorf("HTTP %s, want 200: %s", resp.Status, raw)
	}
	var env Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return Envelope{}, fmt.Errorf("response is not an envelope: %w: %s", err, raw)
	}
	return env, nil
}

func encodeBody(body any) ([]byte, error) {
	switch b := body.(type) {
	case nil:
		return []byte("{}"), nil
	case []byte:
		return b, nil
	case string:
		return []byte(b), nil
	default:
		return json.Marshal(body)
	}
}

// RegisterUsers registers the users as the admin, each with nickname "Nick <id>".
func (n *Node) RegisterUsers(t *testing.T, ids ...string) {
	t.Helper()
	type user struct {
		UserID   string `json:"userID"`
		Nickname string `json:"nickname"`
	}
	users := make([]user, 0, len(ids))
	for _, id := range ids {
		users = append(users, user{UserID: id, Nickname: "Nick " + id})
	}
	n.PostOK(t, "/user/user_register", n.AdminToken, map[string]any{"users": users}, nil)
}

// UserToken gets a token for userID on platformID (1 iOS, 2 Android, 3 Windows, 4 macOS, 5 Web, ...) from
// the admin.
func (n *Node) UserToken(t *testing.T, userID string, platformID int) string {
	t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	n.PostOK(t, "/auth/get_user_token", n.AdminToken, map[string]any{"platformID": platformID, "userID": userID}, &out)
	if out.Token == "" {
		t.Fatalf("get_user_token %s/%d: empty token", userID, platformID)
	}
	return out.Token
}

// requireUser fails the test unless get_users_info, asked by the admin, returns exactly userID.
func requireUser(t *testing.T, n *Node, userID string) {
	t.Helper()
	var out struct {
		UsersInfo []struct {
			UserID string `json:"userID"`
		} `json:"usersInfo"`
	}
	n.PostOK(t, "/user/get_users_info", n.AdminToken, map[string]any{"userIDs": []string{userID}}, &out)
	if len(out.UsersInfo) != 1 || out.UsersInfo[0].UserID != userID {
		t.Fatalf("get_users_info %s: usersInfo %+v, want that one user", userID, out.UsersInfo)
	}
}

// pollUntil calls cond every 50 ms until it returns true, failing the test if it has not within timeout.
func pollUntil(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	const interval = 50 * time.Millisecond
	deadline := time.Now().Add(timeout)
	for attempt := 0; attempt <= int(timeout/interval); attempt++ {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(interval)
	}
	t.Fatalf("condition not met within %v", timeout)
}

// runLanim runs the lanim binary to completion with args, allowing it timeout, and returns its output
// (stdout, then stderr) and exit code; it fails the test if the process had to be killed or could not start.
func runLanim(t *testing.T, timeout time.Duration, args ...string) (output string, exitCode int) {
	t.Helper()
	stdout, stderr, code := runLanimEnv(t, timeout, nil, args...)
	return stdout + stderr, code
}

// runLanimEnv runs lanim like runLanim, with env added to the environment (later entries win), and
// returns stdout and stderr apart.
func runLanimEnv(t *testing.T, timeout time.Duration, env []string, args ...string) (stdout, stderr string, exitCode int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, lanimBin, args...)
	cmd.SysProcAttr = nodeproc.SysProcAttr()
	cmd.WaitDelay = time.Second
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("lanim %s: still running after %v; killed. Output:\n%s%s", strings.Join(args, " "), timeout, out.String(),
			errOut.String())
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("lanim %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}
