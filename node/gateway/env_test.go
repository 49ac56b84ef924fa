package gateway

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lanim/node/auth"
	"lanim/node/client"
	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
	"lanim/replication"
)

// testEnv is a real gateway over a real store and a real single-node Raft, served on loopback.
type testEnv struct {
	t      *testing.T
	db     *store.DB
	repl   *replication.Node
	gw     *Gateway
	srv    *httptest.Server
	signer *auth.Signer
	prop   *testProposer
	reader *fakeReader
	ntok   int
}

type envOpts struct {
	maxConns  int
	queueLen  int
	imReads   bool // serve pulls with node/im's functions instead of fakeReader
	resumeTTL time.Duration
	resumeMax int
	// readTimeout and pingInterval shorten the read deadline and the Web ping period.
	readTimeout  time.Duration
	pingInterval time.Duration
	writeTimeout time.Duration
}

func newEnv(t *testing.T, o envOpts) *testEnv {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, db: db, reader: &fakeReader{}}
	e.prop = &testProposer{e: e}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var reader Reader = e.reader
	if o.imReads {
		reader = nil
	}
	e.gw = New(Config{Verifier: auth.NewVerifier(db.Reader()), Proposer: e.prop, DB: db, Reader: reader, Log: log,
		MaxConns: o.maxConns, QueueLen: o.queueLen, ResumeTTL: o.resumeTTL, ResumeMax: o.resumeMax,
		ReadTimeout: o.readTimeout, PingInterval: o.pingInterval, WriteTimeout: o.writeTimeout})
	e.repl, err = replication.Open(replication.Config{DataDir: dir, NodeID: "n1", DB: db, Machine: im.NewMachine(),
		Sink: e.gw, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.repl.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(e.gw)
	t.Cleanup(e.close)
	key := []byte(strings.Repeat("k", 32))
	e.signer = auth.NewSigner(key)
	e.propose(im.Caller{}, "office.create", &im.CreateOffice{Office: im.Office{OfficeID: "o1", JWTKey: key,
		AdminSecretHash: "x"}})
	return e
}

func (e *testEnv) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.gw.Close(ctx); err != nil {
		e.t.Errorf("gateway close: %v", err)
	}
	e.srv.Close()
	e.repl.Close()
	e.db.Close()
}

func (e *testEnv) propose(caller im.Caller, kind string, args any) json.RawMessage {
	e.t.Helper()
	cmd, err := im.NewCommand(kind, caller, time.Now().UnixMilli(), "op-"+kind, args)
	if err != nil {
		e.t.Fatal(err)
	}
	res, err := e.repl.Propose(context.Background(), cmd)
	if err != nil {
		e.t.Fatal(err)
	}
	if res.Err != nil {
		e.t.Fatalf("%s: %v", kind, res.Err)
	}
	return res.Data
}

func (e *testEnv) users(ids ...string) {
	e.t.Helper()
	var us []im.NewUser
	for _, id := range ids {
		us = append(us, im.NewUser{UserID: id, Nickname: id})
	}
	e.propose(im.Caller{UserID: openim.AdminUserID, Platform: openim.PlatformAdmin}, "user.register", &im.RegisterUsers{Users: us})
}

// token issues a token through Raft (kicking the user's older tokens on the platform).
func (e *testEnv) token(userID string, platformID int32) string {
	e.t.Helper()
	// Tokens are signed to the second: back-date each a little so no two are equal.
	e.ntok++
	tok, exp, err := e.signer.Sign(userID, platformID, time.Now().Add(-time.Duration(e.ntok)*time.Second))
	if err != nil {
		e.t.Fatal(err)
	}
	e.propose(im.Caller{UserID: userID, Platform: platformID}, "auth.token", &im.IssueToken{UserID: userID,
		PlatformID: platformID, Token: tok, Expire: exp.Unix()})
	return tok
}

// exec writes to the state database directly, for rows whose commands live in other areas.
func (e *testEnv) exec(query string, args ...any) {
	e.t.Helper()
	tx, err := e.db.Begin(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := tx.ExecContext(context.Background(), query, args...); err != nil {
		tx.Rollback()
		e.t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		e.t.Fatal(err)
	}
}

func (e *testEnv) addr() string { return strings.TrimPrefix(e.srv.URL, "http://") }

// dial logs in with the Go client.
func (e *testEnv) dial(userID string, platformID int32, token string, o client.DialOptions) *client.Conn {
	e.t.Helper()
	o.UserID, o.PlatformID, o.Token = userID, platformID, token
	if o.PingInterval == 0 {
		o.PingInterval = -1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, e.addr(), o)
	if err != nil {
		e.t.Fatalf("dial %s/%d: %v", userID, platformID, err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

// waitFor polls cond for a bounded time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// nextPush returns the connection's next push, failing after a bounded wait.
func nextPush(t *testing.T, c *client.Conn) client.Push {
	t.Helper()
	select {
	case p, ok := <-c.Pushes():
		if !ok {
			t.Fatalf("connection of %s ended: %v", c.UserID(), c.Err())
		}
		return p
	case <-time.After(10 * time.Second):
		t.Fatalf("no push for %s", c.UserID())
	}
	return client.Push{}
}

// testProposer proposes through Raft and records the kinds proposed.
type testProposer struct {
	e     *testEnv
	mu    sync.Mutex
	kinds []string
}

func (p *testProposer) Propose(ctx context.Context, cmd *im.Command) (*im.Result, error) {
	p.mu.Lock()
	p.kinds = append(p.kinds, cmd.Kind)
	p.mu.Unlock()
	return p.e.repl.Propose(ctx, cmd)
}

func (p *testProposer) proposed(kind string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, k := range p.kinds {
		if k == kind {
			n++
		}
	}
	return n
}

// fakeReader answers pulls with recognisable data and records the user each was asked for.
type fakeReader struct {
	mu    sync.Mutex
	users []string
}

func (r *fakeReader) saw(userID string) {
	r.mu.Lock()
	r.users = append(r.users, userID)
	r.mu.Unlock()
}

func (r *fakeReader) NewestSeqs(ctx context.Context, q store.Q, userID string) (*pb.GetMaxSeqResp, error) {
	r.saw(userID)
	return &pb.GetMaxSeqResp{MaxSeqs: map[string]int64{"si_a_b": 7}, MinSeqs: map[string]int64{"si_a_b": 1}}, nil
}

func (r *fakeReader) PullBySeqRanges(ctx context.Context, q store.Q, userID string, req *pb.PullMessageBySeqsReq) (*pb.PullMessageBySeqsResp, error) {
	r.saw(userID)
	out := &pb.PullMessageBySeqsResp{Msgs: map[string]*pb.PullMsgs{}}
	for _, sr := range req.SeqRanges {
		out.Msgs[sr.ConversationID] = &pb.PullMsgs{Msgs: []*pb.MsgData{{ClientMsgID: "c", Seq: sr.End}}}
	}
	return out, nil
}

func (r *fakeReader) PullBySeqs(ctx context.Context, q store.Q, userID string, req *pb.GetSeqMessageReq) (*pb.GetSeqMessageResp, error) {
	r.saw(userID)
	// Nothing found: the gateway must still answer with non-empty data.
	return &pb.GetSeqMessageResp{}, nil
}

func (r *fakeReader) HasReadAndMaxSeqs(ctx context.Context, q store.Q, userID string, req *pb.GetConversationsHasReadAndMaxSeqReq) (*pb.GetConversationsHasReadAndMaxSeqResp, error) {
	r.saw(userID)
	return &pb.GetConversationsHasReadAndMaxSeqResp{Seqs: map[string]*pb.Seqs{"si_a_b": {MaxSeq: 7, HasReadSeq: 3}}}, nil
}

func (r *fakeReader) LastMessages(ctx context.Context, q store.Q, userID string, req *pb.GetLastMessageReq) (*pb.GetLastMessageResp, error) {
	r.saw(userID)
	if len(req.ConversationIDs) > 0 && req.ConversationIDs[0] == "fail" {
		return nil, openim.ErrRecordNotFound.With("conversation fail")
	}
	return &pb.GetLastMessageResp{Msgs: map[string]*pb.MsgData{"si_a_b": {ClientMsgID: "last"}}}, nil
}

// auth_signerOther signs with a key that is not the office's.
func auth_signerOther() *auth.Signer { return auth.NewSigner([]byte(strings.Repeat("x", 32))) }
