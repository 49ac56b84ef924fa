package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"lanim/node/pb"
	"lanim/test/nodeproc"
)

// The login-sync account: syncFriends friends, syncGroups groups of syncGroupSize members, and
// syncConversations conversations (a one-to-one chat with each of syncPeers people, friends
// among them, plus the groups), each with a message in it.
const (
	syncFriends       = 500
	syncGroups        = 100
	syncGroupSize     = 20
	syncConversations = 1000
	syncPeers         = syncConversations - syncGroups
	syncUser          = "ls_me"
	syncEmptyUser     = "ls_empty"
	seedWorkers       = 8
	loginTimeout      = 2 * time.Minute // one login until OnSyncServerFinish
)

// loginScript is the Node script, relative to Options.JSDir.
var loginScript = filepath.Join("bench", "loginsync.mjs")

// loginFigures: a fresh official JS SDK login until OnSyncServerFinish, for the seeded account
// and an empty one.
type loginFigures struct {
	NodeJS      string // node --version
	Empty, Full loginSpread
	Held        []string // what the SDK held after each full sync, if it was not the seeded account
	HeldOK      bool
	Seed        time.Duration
	Runs        int
	Profile     []string // files written under Options.PprofDir
}

type loginSpread struct {
	Total   Spread // ms from login() until OnSyncServerFinish
	Connect Spread // ms from login() until OnConnectSuccess (the WS is up; the sync starts)
	SDKCPU  Spread // ms of CPU the Node process used during the login
	NodeCPU Spread // ms of CPU the lanim node used over the script's run
}

// loginResult is the script's JSON line.
type loginResult struct {
	MS    float64 `json:"ms"`
	Marks struct {
		Connected float64 `json:"connected"`
	} `json:"marks"`
	CPUMS         float64 `json:"cpuMs"`
	Conversations int     `json:"conversations"`
	Friends       int     `json:"friends"`
	Groups        int     `json:"groups"`
}

// jsReady says why the JS SDK cannot run here, or nil.
func (o Options) jsReady() error {
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("node (Node.js) is not on PATH")
	}
	for _, p := range []string{loginScript, filepath.Join("node_modules", "@openim", "client-sdk", "package.json")} {
		if _, err := os.Stat(filepath.Join(o.JSDir, p)); err != nil {
			return fmt.Errorf("%s not found (run from the repository root after `make deps`): %w", filepath.Join(o.JSDir, p), err)
		}
	}
	return nil
}

func measureLoginSync(ctx context.Context, o Options) (*loginFigures, error) {
	if err := o.jsReady(); err != nil {
		return nil, err
	}
	f := &loginFigures{Runs: max(o.Runs, 5), HeldOK: true}
	if v, err := exec.Command("node", "--version").Output(); err == nil {
		f.NodeJS = strings.TrimSpace(string(v))
	}
	n, err := startProfiledNode(ctx, o)
	if err != nil {
		return nil, err
	}
	defer n.Stop()
	start := time.Now()
	if err := seedSyncAccount(ctx, o, n); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	f.Seed = time.Since(start)
	o.logf("login sync: seeded %s in %v", syncUser, f.Seed.Round(100*time.Millisecond))

	var runs [2][4][]float64 // empty/full × total, connect, sdk cpu, node cpu
	held := map[string]bool{}
	for run := range f.Runs {
		for acct, user := range []string{syncEmptyUser, syncUser} {
			res, nodeCPU, err := loginOnce(ctx, o, n, user, "")
			if err != nil {
				return f, err
			}
			r := &runs[acct]
			r[0], r[1] = append(r[0], res.MS), append(r[1], res.Marks.Connected)
			r[2], r[3] = append(r[2], res.CPUMS), append(r[3], nodeCPU)
			o.logf("login sync, %s, run %d/%d: %.0f ms (connected at %.0f ms), SDK CPU %.0f ms, node CPU %.0f ms; SDK holds %d conversations, %d friends, %d groups",
				user, run+1, f.Runs, res.MS, res.Marks.Connected, res.CPUMS, nodeCPU, res.Conversations, res.Friends, res.Groups)
			if user == syncUser {
				h := fmt.Sprintf("%s conversations, %d friends, %d groups", num(float64(res.Conversations), 0), res.Friends,
					res.Groups)
				held[h] = true
				if res.Conversations != syncConversations || res.Friends != syncFriends || res.Groups != syncGroups {
					f.HeldOK = false
				}
			}
		}
	}
	for h := range held {
		f.Held = append(f.Held, h)
	}
	spread := func(r [4][]float64) loginSpread {
		return loginSpread{Total: SpreadOf(r[0]), Connect: SpreadOf(r[1]), SDKCPU: SpreadOf(r[2]), NodeCPU: SpreadOf(r[3])}
	}
	f.Empty, f.Full = spread(runs[0]), spread(runs[1])
	if o.PprofDir != "" {
		if f.Profile, err = profileLogin(ctx, o, n, f.Full.Total.Median); err != nil {
			return f, fmt.Errorf("profile: %w", err)
		}
	}
	return f, nil
}

// loginOnce runs the script for one fresh login of user with a token minted for it, and returns
// its result and the node's CPU time (ms) over the script's run. cpuProfDir (may be empty) makes
// Node write a CPU profile of the SDK there.
func loginOnce(ctx context.Context, o Options, n *Node, user, cpuProfDir string) (loginResult, float64, error) {
	var res loginResult
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	tok, err := n.Admin.UserToken(cctx, user, platform)
	cancel()
	if err != nil {
		return res, 0, fmt.Errorf("token of %s: %w", user, err)
	}
	sctx, cancel := context.WithTimeout(ctx, loginTimeout+30*time.Second)
	defer cancel()
	args := []string{loginScript}
	if cpuProfDir != "" {
		args = append([]string{"--cpu-prof", "--cpu-prof-dir", cpuProfDir}, args...)
	}
	cmd := exec.CommandContext(sctx, "node", args...)
	cmd.Dir = o.JSDir
	cmd.Env = append(os.Environ(), "LANIM_API=http://"+n.APIAddr, "LANIM_WS=ws://"+n.WSAddr, "LANIM_USER="+user,
		"LANIM_TOKEN="+tok, fmt.Sprintf("LANIM_TIMEOUT_MS=%d", loginTimeout.Milliseconds()))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = nodeproc.SysProcAttr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return res, 0, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return res, 0, err
	}
	cpu0, err := n.CPU()
	if err != nil {
		return res, 0, err
	}
	if err := cmd.Start(); err != nil {
		return res, 0, fmt.Errorf("login of %s: %w", user, err)
	}
	// The script prints {"synced":true} at OnSyncServerFinish and waits for a line before it
	// counts what the SDK holds (calls of its own, which the node's CPU figure leaves out).
	var cpu1 time.Duration
	var last string
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		last = lines.Text()
		if last == `{"synced":true}` {
			if cpu1, err = n.CPU(); err != nil {
				cmd.Process.Kill()
				cmd.Wait()
				return res, 0, err
			}
			io.WriteString(stdin, "go\n")
		}
	}
	if err := cmd.Wait(); err != nil {
		return res, 0, fmt.Errorf("login of %s: %w: %s", user, err, tail(stderr.String(), 2000))
	}
	if cpu1 == 0 {
		return res, 0, fmt.Errorf("login of %s: the script never reported the sync's end", user)
	}
	if err := json.Unmarshal([]byte(last), &res); err != nil {
		return res, 0, fmt.Errorf("login of %s: script output %q: %w", user, tail(last, 500), err)
	}
	return res, float64(cpu1-cpu0) / float64(time.Millisecond), nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// seedSyncAccount makes syncUser's account through the REST API with the admin token: the users
// (500 a request), the friends (one import_friend), the groups (create_group with their member
// lists, by each group's owner), and one message in every conversation.
func seedSyncAccount(ctx context.Context, o Options, n *Node) error {
	peers := make([]string, syncPeers)
	for i := range peers {
		peers[i] = fmt.Sprintf("ls_p%03d", i)
	}
	if err := n.register(ctx, append([]string{syncUser, syncEmptyUser}, peers...)); err != nil {
		return err
	}
	call := func(path string, req, resp any) error {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		if err := n.Admin.Call(cctx, path, req, resp); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	}
	if err := call("/friend/import_friend", map[string]any{"ownerUserID": syncUser,
		"friendUserIDs": peers[:syncFriends]}, nil); err != nil {
		return err
	}
	// Group g is owned by peers[g]; its other members are syncUser and syncGroupSize-2 peers
	// from the rest, a different slice for each group.
	owners := peers[:syncGroups]
	toks, err := n.tokens(ctx, owners)
	if err != nil {
		return err
	}
	rest := peers[syncGroups:]
	groupIDs := make([]string, syncGroups)
	b := o.bar(syncGroups, "login sync: creating groups")
	err = parallel(ctx, syncGroups, seedWorkers, b, func(g int) error {
		members := []string{syncUser}
		for k := range syncGroupSize - 2 {
			members = append(members, rest[(g*(syncGroupSize-2)+k)%len(rest)])
		}
		var created struct {
			GroupInfo *pb.GroupInfo `json:"groupInfo"`
		}
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		err := n.Admin.WithToken(toks[owners[g]]).Call(cctx, "/group/create_group", map[string]any{
			"ownerUserID": owners[g], "memberUserIDs": members,
			"groupInfo": map[string]any{"groupName": fmt.Sprintf("group %d", g), "groupType": 2}}, &created)
		if err != nil {
			return fmt.Errorf("create group %d: %w", g, err)
		}
		groupIDs[g] = created.GroupInfo.GetGroupID()
		return nil
	})
	b.Finish()
	if err != nil {
		return err
	}
	b = o.bar(syncConversations, "login sync: a message in each conversation")
	err = parallel(ctx, syncConversations, fillWorkers, b, func(i int) error {
		id := fmt.Sprintf("ls_%d_%d", i, time.Now().UnixNano())
		var m *pb.MsgData
		if i < syncPeers {
			m = textMsg(peers[i], syncUser, id)
		} else {
			g := i - syncPeers
			m = textMsg(owners[g], "", id)
			m.GroupID, m.SessionType = groupIDs[g], 3
		}
		return call("/msg/send_msg", map[string]any{"msgData": m}, nil)
	})
	b.Finish()
	return err
}

// parallel runs fn(0..total-1) on workers goroutines and stops at the first error; b counts the
// calls done.
func parallel(ctx context.Context, total, workers int, b *bar, fn func(i int) error) error {
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range min(workers, total) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= total || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(total)) // the others stop after their current call
					return
				}
				b.Add(1)
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// profileLogin records a CPU profile of the node over back-to-back logins of the full account
// (about three of them, from the measured median), and a CPU profile of the SDK's Node process
// for one login, into o.PprofDir.
func profileLogin(ctx context.Context, o Options, n *Node, medianMS float64) ([]string, error) {
	if err := os.MkdirAll(o.PprofDir, 0o755); err != nil {
		return nil, err
	}
	seconds := max(5, int(3*medianMS/1000)+1)
	nodeProf := filepath.Join(o.PprofDir, "loginsync-node.pprof")
	o.logf("login sync: profiling the node for %d s of back-to-back logins", seconds)
	done := make(chan error, 1)
	go func() { done <- fetchProfile(ctx, n.PprofAddr, seconds, nodeProf) }()
	var perr error
	logins := 0
	for stop := false; !stop && logins < 100; {
		select {
		case perr = <-done:
			stop = true
		default:
			if _, _, err := loginOnce(ctx, o, n, syncUser, ""); err != nil {
				<-done
				return nil, err
			}
			logins++
		}
	}
	if perr != nil {
		return nil, perr
	}
	jsDir, err := filepath.Abs(filepath.Join(o.PprofDir, "loginsync-sdk"))
	if err != nil {
		return nil, err
	}
	os.RemoveAll(jsDir)
	if _, _, err := loginOnce(ctx, o, n, syncUser, jsDir); err != nil {
		return nil, err
	}
	o.logf("login sync: node profile over %d logins in %s, SDK profile in %s", logins, nodeProf, jsDir)
	return []string{nodeProf, jsDir}, nil
}

// fetchProfile saves /debug/pprof/profile?seconds=N of the node at addr to path.
func fetchProfile(ctx context.Context, addr string, seconds int, path string) error {
	cctx, cancel := context.WithTimeout(ctx, time.Duration(seconds+30)*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet,
		fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, seconds), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || len(body) == 0 {
		return fmt.Errorf("cpu profile: HTTP %d, %d bytes: %v", resp.StatusCode, len(body), err)
	}
	return os.WriteFile(path, body, 0o644)
}
