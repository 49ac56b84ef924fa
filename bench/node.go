package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"lanim/node/client"
	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/test/nodeproc"
)

const (
	readyTimeout = 60 * time.Second // process start until get_admin_token answers
	stopTimeout  = 10 * time.Second // SIGTERM until exit (then SIGKILL)
	callTimeout  = 30 * time.Second // one REST call or WS step
)

// Node is one `lanim node` process the benchmark started on loopback with a temp data dir.
type Node struct {
	APIAddr, WSAddr, ClusterAddr string
	DataDir                      string
	Secret                       string
	Admin                        *client.Client // holds the admin token
	PprofAddr                    string         // its profiler's address ("" when it serves none)

	proc *nodeproc.Proc
	root string // temp dir holding DataDir and the log
}

// startProfiledNode starts a single node that, with o.PprofDir, serves its profiler on a loopback
// address (Node.PprofAddr).
func startProfiledNode(ctx context.Context, o Options) (*Node, error) {
	addr, extra, err := pprofFlags(o.PprofDir)
	if err != nil {
		return nil, err
	}
	n, err := startNode(ctx, o.Bin, randomSecret(), false, extra...)
	if err != nil {
		return nil, err
	}
	n.PprofAddr = addr
	return n, nil
}

// pprofFlags are the flags that make a node serve its profiler on a free loopback address, and
// that address; none without a pprofDir (which it creates).
func pprofFlags(pprofDir string) (addr string, flags []string, err error) {
	if pprofDir == "" {
		return "", nil, nil
	}
	if addr, err = nodeproc.FreeAddr(); err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(pprofDir, 0o755); err != nil {
		return "", nil, err
	}
	return addr, []string{"--pprof", addr}, nil
}

// startNode launches bin (the lanim binary) as a headless node with extra flags and waits until
// it serves the admin token. cluster makes it listen on a cluster port (mDNS off).
func startNode(ctx context.Context, bin, secret string, cluster bool, extra ...string) (*Node, error) {
	root, err := os.MkdirTemp("", "lanim-bench-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	n := &Node{DataDir: filepath.Join(root, "data"), Secret: secret, root: root}
	if n.APIAddr, err = nodeproc.FreeAddr(); err == nil {
		if n.WSAddr, err = nodeproc.FreeAddr(); err == nil && cluster {
			n.ClusterAddr, err = nodeproc.FreeAddr()
		}
	}
	if err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	if cluster {
		extra = append([]string{"--cluster-addr", n.ClusterAddr, "--discovery", "off", "--autopilot-stabilization", "1s"},
			extra...)
	}
	n.proc = &nodeproc.Proc{Bin: bin, Args: nodeproc.NodeArgs(n.DataDir, n.APIAddr, n.WSAddr, secret, extra...),
		LogPath: filepath.Join(root, "node.log")}
	if err := n.proc.Start(); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	c := client.New(n.APIAddr, &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}})
	wctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tok, err := n.proc.WaitNode(wctx, c, n.WSAddr, secret)
	if err != nil {
		n.Stop()
		return nil, fmt.Errorf("node %s: %w; log:\n%s", n.APIAddr, err, n.proc.LogTail(4000))
	}
	n.Admin = c.WithToken(tok)
	return n, nil
}

// Stop ends the process (SIGTERM, then SIGKILL) and removes its temp dir.
func (n *Node) Stop() {
	if n.proc.Running() {
		_ = n.proc.Stop(syscall.SIGTERM, stopTimeout) // the benchmark only needs the process gone
	}
	os.RemoveAll(n.root)
}

// RSS is the process's resident set in bytes (VmRSS of /proc/PID/status).
func (n *Node) RSS() (int64, error) {
	m, err := n.memory()
	return m.rss, err
}

// memory is the resident set and its file-backed part: pages of memory-mapped files such as
// the Raft log's meta database, which the kernel can drop under pressure, unlike the Go heap (RssAnon).
type memory struct{ rss, file int64 }

func (n *Node) memory() (memory, error) {
	var m memory
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", n.proc.Cmd.Process.Pid))
	if err != nil {
		return m, fmt.Errorf("rss: %w", err)
	}
	found := false
	for line := range strings.SplitSeq(string(b), "\n") {
		k, rest, ok := strings.Cut(line, ":")
		f := strings.Fields(rest)
		if !ok || len(f) != 2 || f[1] != "kB" {
			continue
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("rss: %s: %w", k, err)
		}
		switch k {
		case "VmRSS":
			m.rss, found = kb*1024, true
		case "RssFile":
			m.file = kb * 1024
		}
	}
	if !found {
		return m, errors.New("rss: no VmRSS line")
	}
	return m, nil
}

// mappedRSS is the resident memory of each mapped file of the process (Rss of /proc/PID/smaps,
// summed per path; anonymous mappings are left out), in bytes.
func (n *Node) mappedRSS() (map[string]int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", n.proc.Cmd.Process.Pid))
	if err != nil {
		return nil, fmt.Errorf("smaps: %w", err)
	}
	out := map[string]int64{}
	path := ""
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":"):
			// A mapping's header: address perms offset dev inode [path].
			path = ""
			if len(f) >= 6 && strings.HasPrefix(f[5], "/") {
				path = f[5]
			}
		case len(f) == 3 && f[0] == "Rss:" && path != "":
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err == nil {
				out[path] += kb * 1024
			}
		}
	}
	return out, nil
}

// CPU is the user+system CPU time the process has used so far (utime and stime of
// /proc/PID/stat, in clock ticks of 1/100 s, which Linux reports on every architecture Go runs).
func (n *Node) CPU() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", n.proc.Cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("cpu: %w", err)
	}
	// The command name (field 2) is in parentheses and may hold spaces; fields 14 and 15 follow.
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if i < 0 || len(f) < 13 {
		return 0, errors.New("cpu: short /proc stat line")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("cpu: bad stat fields %q %q", f[11], f[12])
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// snapshots names the entries of the Raft snapshot store (raft/snapshots; one in progress ends
// in .tmp), or nil when it does not exist yet.
func (n *Node) snapshots() []string {
	entries, err := os.ReadDir(filepath.Join(n.DataDir, "raft", "snapshots"))
	if err != nil {
		return nil
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names
}

// quietCPU is the node's CPU share below which it counts as idle (10% of one core).
const quietCPU = 100 * time.Millisecond

// waitQuiet waits until the node uses less than quietCPU of CPU time in a second (the work a
// burst left behind, such as a Raft snapshot, is over), at most limit, and returns how long it
// waited.
func (n *Node) waitQuiet(ctx context.Context, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	prev, err := n.CPU()
	if err != nil {
		return 0, err
	}
	for time.Since(start) < limit {
		select {
		case <-ctx.Done():
			return time.Since(start), ctx.Err()
		case <-time.After(time.Second):
		}
		cur, err := n.CPU()
		if err != nil {
			return 0, err
		}
		if cur-prev < quietCPU {
			break
		}
		prev = cur
	}
	return time.Since(start), nil
}

// DiskUsage is the size of the data dir's files (SQLite, WAL, Raft log, snapshots).
func (n *Node) DiskUsage() (int64, error) {
	total, _, err := n.diskFiles()
	return total, err
}

// diskFiles is DiskUsage with each file's size by its path under the data dir.
func (n *Node) diskFiles() (int64, map[string]int64, error) {
	var total int64
	files := map[string]int64{}
	err := filepath.WalkDir(n.DataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(n.DataDir, path)
			files[rel] = info.Size()
			total += info.Size()
		}
		return nil
	})
	return total, files, err
}

// users registers ids and returns a token for each (platform 5, web).
func (n *Node) users(ctx context.Context, ids []string) (map[string]string, error) {
	if err := n.register(ctx, ids); err != nil {
		return nil, err
	}
	return n.tokens(ctx, ids)
}

// register registers ids (nickname = ID), 500 a request.
func (n *Node) register(ctx context.Context, ids []string) error {
	for start := 0; start < len(ids); start += 500 {
		batch := ids[start:min(start+500, len(ids))]
		infos := make([]*pb.UserInfo, len(batch))
		for i, id := range batch {
			infos[i] = &pb.UserInfo{UserID: id, Nickname: id}
		}
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		err := n.Admin.RegisterUsers(cctx, infos...)
		cancel()
		if err != nil {
			return fmt.Errorf("register %d users: %w", len(batch), err)
		}
	}
	return nil
}

// tokens gets a token for each of ids (platform 5).
func (n *Node) tokens(ctx context.Context, ids []string) (map[string]string, error) {
	tokens := make(map[string]string, len(ids))
	for _, id := range ids {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		tok, err := n.Admin.UserToken(cctx, id, platform)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("token of %s: %w", id, err)
		}
		tokens[id] = tok
	}
	return tokens, nil
}

// platform is the web platform: one connection per user and platform is what the JS SDK makes.
const platform = openim.PlatformWeb

// tokenWait bounds how long a login retries a token this node has not applied yet (tokens are
// minted on one node and replicated to the others).
const tokenWait = 10 * time.Second

// dial logs id in over WS at n with token.
func (n *Node) dial(ctx context.Context, id, token string) (*client.Conn, error) {
	return n.dialWith(ctx, client.DialOptions{UserID: id, Token: token})
}

// dialWith logs o.UserID in over WS at n with o's options; the platform and push buffer are the
// benchmark's.
func (n *Node) dialWith(ctx context.Context, o client.DialOptions) (*client.Conn, error) {
	o.PlatformID, o.PushBuffer = platform, 4096
	id := o.UserID
	deadline := time.Now().Add(tokenWait)
	for {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		c, err := client.Dial(cctx, n.WSAddr, o)
		cancel()
		if err == nil {
			return c, nil
		}
		if openim.Code(err) != openim.ErrTokenNotExist.Code || time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("ws login %s: %w", id, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// randomSecret is a fresh admin secret.
func randomSecret() string { return rand.Text() }
