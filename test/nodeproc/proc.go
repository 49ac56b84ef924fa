// Package nodeproc starts and stops real `lanim` processes on 127.0.0.1 for the end-to-end tests
// (test/e2e), the GUI smoke test (test/gui) and the benchmarks (bench): free ports, the flags of a
// headless node, a log file, waiting until a node serves, and a clean or a hard stop. It holds no
// testing.T, so a benchmark run uses it as the tests do.
package nodeproc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"lanim/node/client"
)

// handedOut holds every port FreeAddr returned in this process. The kernel may give a port it
// just released again, so two calls in a row (a node's WS and cluster ports) could get the same
// one before either is bound; ports are the machine's, so this record is the process's too.
var handedOut = struct {
	sync.Mutex
	ports map[string]bool
}{ports: map[string]bool{}}

// FreeAddr returns a 127.0.0.1 address with a port that was free a moment ago and that no earlier
// call in this process returned.
func FreeAddr() (string, error) {
	handedOut.Lock()
	defer handedOut.Unlock()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", fmt.Errorf("free port: %w", err)
		}
		addr := l.Addr().String()
		l.Close()
		if !handedOut.ports[addr] {
			handedOut.ports[addr] = true
			return addr, nil
		}
	}
	return "", fmt.Errorf("free port: the kernel kept giving ports handed out before")
}

// TB is the part of testing.TB that MustFreeAddr uses (this package links into the lanim binary
// through bench, which should not carry package testing).
type TB interface {
	Helper()
	Fatal(args ...any)
}

// MustFreeAddr is FreeAddr that fails the test when no port is free.
func MustFreeAddr(t TB) string {
	t.Helper()
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// NodeArgs are the arguments of a headless `lanim node` on dataDir, serving the REST API on
// apiAddr and the WebSocket gateway on wsAddr with the admin secret, then extra.
func NodeArgs(dataDir, apiAddr, wsAddr, secret string, extra ...string) []string {
	return append([]string{"node", "--data", dataDir, "--api-addr", apiAddr, "--ws-addr", wsAddr,
		"--admin-secret", secret}, extra...)
}

// Proc is a lanim process: one run at a time, and Start again after it exited is a restart with
// the fields as they are then.
type Proc struct {
	Bin     string   // the binary each Start runs
	Args    []string // everything after the binary
	Env     []string // the environment; nil inherits the caller's
	LogPath string   // stdout and stderr of every run, appended, each after a header line
	Cmd     *exec.Cmd

	exited chan struct{} // closed when the current Cmd has been waited for
}

// Start starts a run without waiting until it serves: nodes that need each other to become ready
// (an office without a quorum) are started together, then waited for.
func (p *Proc) Start() error {
	if p.Running() {
		return fmt.Errorf("start %s: still running", p.Bin)
	}
	logFile, err := os.OpenFile(p.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("log of %s: %w", p.Bin, err)
	}
	defer logFile.Close() // the child has its own copy of the descriptor
	fmt.Fprintf(logFile, "==== %s %s %s\n", time.Now().Format(time.RFC3339Nano), p.Bin, strings.Join(p.Args, " "))
	cmd := exec.Command(p.Bin, p.Args...)
	cmd.Env = p.Env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = SysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.Bin, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait() // the exit status stays in cmd.ProcessState
		close(exited)
	}()
	p.Cmd, p.exited = cmd, exited
	return nil
}

// Running reports whether the current run has not exited yet.
func (p *Proc) Running() bool {
	if p.exited == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// WaitExit reports whether the current run exits within d.
func (p *Proc) WaitExit(d time.Duration) bool {
	if p.exited == nil {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-p.exited:
		return true
	case <-timer.C:
		return false
	}
}

// Stop sends sig (SIGTERM, SIGINT) and waits timeout for an exit with code 0; on timeout it kills
// the process and says so.
func (p *Proc) Stop(sig os.Signal, timeout time.Duration) error {
	if err := p.Cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("signal %v: %w", sig, err)
	}
	if !p.WaitExit(timeout) {
		_ = p.Cmd.Process.Kill()
		<-p.exited // SIGKILL cannot be ignored, so this returns
		return fmt.Errorf("still running %v after %v; killed", timeout, sig)
	}
	if code := p.Cmd.ProcessState.ExitCode(); code != 0 {
		return fmt.Errorf("exit after %v: %s, want exit code 0", sig, p.Cmd.ProcessState)
	}
	return nil
}

// Kill kills the process with SIGKILL, as a crash would (what it wrote to files survives: this is
// not a power cut), and waits timeout until it is gone.
func (p *Proc) Kill(timeout time.Duration) error {
	if err := p.Cmd.Process.Kill(); err != nil {
		return fmt.Errorf("kill -9: %w", err)
	}
	if !p.WaitExit(timeout) {
		return fmt.Errorf("still running %v after SIGKILL", timeout)
	}
	return nil
}

// Log is everything the process wrote, in all its runs.
func (p *Proc) Log() string {
	data, err := os.ReadFile(p.LogPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return string(data)
}

// LogTail is the last max bytes of Log, to print when something failed.
func (p *Proc) LogTail(max int) string {
	log := p.Log()
	if len(log) > max {
		return "...\n" + log[len(log)-max:]
	}
	return log
}

// WaitUntil calls ready every interval until it returns nil, the run exits or ctx ends; the error
// then says why, with ready's last answer.
func (p *Proc) WaitUntil(ctx context.Context, interval time.Duration, ready func(context.Context) error) error {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if !p.Running() {
			return fmt.Errorf("process exited: %s", p.Cmd.ProcessState)
		}
		err := ready(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w; last: %v", ctx.Err(), err)
		case <-p.exited:
		case <-ticker.C:
		}
	}
}

// ReadyInterval is how often WaitNode asks a starting node.
const ReadyInterval = 50 * time.Millisecond

// WaitNode waits until the node answers get_admin_token with secret through api and its
// WebSocket port at wsAddr accepts connections, and returns the admin token. ctx bounds the wait.
func (p *Proc) WaitNode(ctx context.Context, api *client.Client, wsAddr, secret string) (string, error) {
	var token string
	err := p.WaitUntil(ctx, ReadyInterval, func(ctx context.Context) error {
		var err error
		token, err = api.AdminToken(ctx, secret)
		if err == nil && token == "" {
			err = errors.New("get_admin_token: no token")
		}
		return err
	})
	if err != nil {
		return "", err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", wsAddr)
	if err != nil {
		return "", fmt.Errorf("API ready but WebSocket port: %w", err)
	}
	return token, conn.Close()
}
