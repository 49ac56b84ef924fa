package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lanim/node/auth"
	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// applyProposer applies each command at once on one SQLite store, as a one-node Raft group does
// (one command per transaction, rolled back when a rule fails): the API's own code path, without
// the consensus around it.
type applyProposer struct {
	mu    sync.Mutex
	db    *store.DB
	m     *im.Machine
	index uint64
}

func (p *applyProposer) Propose(ctx context.Context, cmd *im.Command) (*im.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	tx, err := p.db.Begin(ctx)
	if err != nil {
		return nil, err
	}
	p.index++
	res, _ := p.m.Apply(ctx, tx, p.index, cmd)
	if res.Err != nil {
		return res, tx.Rollback()
	}
	return res, tx.Commit()
}

// apiHarness is an API server on a fresh office, called in-process.
type apiHarness struct {
	t      *testing.T
	s      *Server
	admin  string
	tokens map[string]string
	ops    int
}

const testAdminSecret = "test-secret"

func newAPIHarness(t *testing.T) *apiHarness {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p := &applyProposer{db: db, m: im.NewMachine()}
	cmd, err := im.NewCommand("office.create", im.Caller{}, time.Now().UnixMilli(), "", &im.CreateOffice{
		Office: im.Office{OfficeID: "o1", Name: "Test office", JWTKey: make([]byte, 32), AdminSecretHash: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := p.Propose(context.Background(), cmd); err != nil || res.Err != nil {
		t.Fatalf("create office: %v %v", err, res.Err)
	}
	h := &apiHarness{t: t, tokens: map[string]string{}}
	h.s = New(Config{DB: db, Proposer: p, Verifier: auth.NewVerifier(db.Reader()),
		AdminSecretOK: func(_ context.Context, s string) bool { return s == testAdminSecret }})
	var tok struct {
		Token string `json:"token"`
	}
	h.ok("", "/auth/get_admin_token", map[string]any{"secret": testAdminSecret, "userID": openim.AdminUserID}, &tok)
	h.admin = tok.Token
	return h
}

// post calls path with body as token's holder and returns the raw envelope.
func (h *apiHarness) post(token, path string, body any) (code int, data json.RawMessage, raw []byte) {
	h.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		h.t.Fatal(err)
	}
	h.ops++
	r := httptest.NewRequest("POST", path, strings.NewReader(string(b)))
	r.RemoteAddr = "127.0.0.1:5000"
	r.Header.Set("operationID", fmt.Sprintf("op%d", h.ops))
	r.Header.Set("Content-Type", "application/json")
	if token != "" {
		r.Header.Set("token", token)
	}
	w := httptest.NewRecorder()
	h.s.ServeHTTP(w, r)
	var env struct {
		ErrCode int             `json:"errCode"`
		ErrMsg  string          `json:"errMsg"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
		h.t.Fatalf("%s: %v: %s", path, err, w.Body)
	}
	return env.ErrCode, env.Data, w.Body.Bytes()
}

// ok calls path as the admin (token "") or a user, fails the test unless it succeeds, and decodes
// data into out (when not nil).
func (h *apiHarness) ok(user, path string, body, out any) {
	h.t.Helper()
	token := h.admin
	if user != "" {
		token = h.tokens[user]
	}
	code, data, raw := h.post(token, path, body)
	if code != 0 {
		h.t.Fatalf("%s as %q: %s", path, user, raw)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			h.t.Fatalf("%s: decode %s: %v", path, data, err)
		}
	}
}

// register creates users and fetches a web token for each.
func (h *apiHarness) register(ids ...string) {
	h.t.Helper()
	var users []map[string]any
	for _, id := range ids {
		users = append(users, map[string]any{"userID": id, "nickname": "Nick " + id})
	}
	h.ok("", "/user/user_register", map[string]any{"users": users}, nil)
	for _, id := range ids {
		var tok struct {
			Token string `json:"token"`
		}
		h.ok("", "/auth/get_user_token", map[string]any{"userID": id, "platformID": openim.PlatformWeb}, &tok)
		h.tokens[id] = tok.Token
	}
}

// readRoute reports whether a path only reads: the walk calls those first, so the writes (some of
// which end the session or empty the account) come after.
func readRoute(path string) bool {
	name := path[strings.LastIndex(path, "/")+1:]
	for _, p := range []string{"get_", "is_", "newest_", "pull_", "search_", "parse_", "status", "discover"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// lastRoutes end what the walk's account has (its group, friends, messages, session): they run
// last, in this order.
var lastRoutes = []string{"/msg/delete_msgs", "/msg/clear_conversation_msg", "/msg/user_clear_all_msg",
	"/friend/delete_friend", "/group/kick_group", "/group/quit_group", "/group/dismiss_group", "/auth/force_logout"}

// walkOrder sorts the reads first, then the writes, then lastRoutes.
func walkOrder(path string) int {
	if i := slices.Index(lastRoutes, path); i >= 0 {
		return 2 + i
	}
	if readRoute(path) {
		return 0
	}
	return 1
}

// mayRefuse are the read routes that may fail for the walk's universal body: the admin-only ones
// (the walk calls as a user), the token and cluster ones.
var mayRefuse = map[string]string{
	"/auth/get_admin_token":         "needs the admin secret",
	"/auth/get_user_token":          "admin only",
	"/user/get_all_users_uid":       "admin only",
	"/auth/parse_token":             "needs a token in the body",
	"/cluster/status":               "no cluster in this harness",
	"/cluster/discover":             "no cluster in this harness",
	"/user/get_users_online_status": "admin or self only",
}

// walkOffice is an office with one user who has nothing ("nobody") and one who has a friend, a
// group, messages in both and a command item ("rich").
type walkOffice struct {
	*apiHarness
	gid, single, group string
}

func newWalkOffice(t *testing.T) *walkOffice {
	h := newAPIHarness(t)
	h.register("rich", "peer", "nobody")
	h.ok("", "/friend/import_friend", map[string]any{"ownerUserID": "rich", "friendUserIDs": []string{"peer"}}, nil)
	var created struct {
		GroupInfo struct {
			GroupID string `json:"groupID"`
		} `json:"groupInfo"`
	}
	h.ok("rich", "/group/create_group", map[string]any{"ownerUserID": "rich", "memberUserIDs": []string{"peer"},
		"groupInfo": map[string]any{"groupName": "g", "groupType": 2}}, &created)
	w := &walkOffice{apiHarness: h, gid: created.GroupInfo.GroupID, single: "si_peer_rich"}
	w.group = "sg_" + w.gid
	for _, msg := range []map[string]any{
		{"recvID": "peer", "sessionType": 1},
		{"groupID": w.gid, "sessionType": 3},
	} {
		msg["sendID"], msg["clientMsgID"], msg["contentType"] = "rich", fmt.Sprintf("c%d", h.ops), 101
		msg["senderPlatformID"], msg["content"] = openim.PlatformWeb, map[string]any{"content": "hi"}
		h.ok("rich", "/msg/send_msg", map[string]any{"msgData": msg}, nil)
	}
	h.ok("rich", "/user/process_user_command_add", map[string]any{"userID": "rich", "type": 2, "uuid": "fav-1",
		"value": map[string]any{"value": "a favourite"}}, nil)
	return w
}

// body is one request that names everything the routes ask for, for user (unknown keys are
// ignored, as upstream does); msgData gets a fresh clientMsgID each time.
func (w *walkOffice) body(user string) map[string]any {
	return map[string]any{
		"userID": user, "ownerUserID": user, "fromUserID": user, "toUserID": "peer", "sendID": user,
		"userID1": user, "userID2": "peer", "userIDs": []string{user, "peer"}, "friendUserIDs": []string{"peer"},
		"friendUserID": "peer", "blackUserID": "peer", "groupID": w.gid, "groupIDs": []string{w.gid},
		"conversationID": w.single, "conversationIDs": []string{w.single, w.group},
		"pagination": map[string]any{"pageNumber": 1, "showNumber": 20}, "version": 0, "versionID": "",
		"idHash": 0, "reqList": []map[string]any{{"groupID": w.gid}}, "platformID": openim.PlatformWeb,
		"seqs": []int64{1}, "seqRanges": []map[string]any{{"conversationID": w.single, "begin": 1, "end": 5, "num": 5}},
		"uuid": "walk-1", "type": 1, "value": "v", "fcmToken": "token", "appUnreadCount": 3,
		"seq": 1, "isPinned": true, "remark": "r", "joinSource": 3, "memberUserIDs": []string{"peer"},
		"userInfo":  map[string]any{"userID": user, "nickname": "Renamed " + user},
		"groupInfo": map[string]any{"groupName": "another", "groupType": 2},
		"conversation": map[string]any{"conversationID": w.single, "conversationType": 1, "userID": "peer",
			"isPinned": true},
		"order": 0, "keyword": "", "startTime": 0, "endTime": time.Now().UnixMilli(), "handleResults": []int{},
		"msgData": map[string]any{"sendID": user, "recvID": "peer", "sessionType": 1, "contentType": 101,
			"content": map[string]any{"content": "walk"}, "clientMsgID": fmt.Sprintf("walk%d", w.ops),
			"senderPlatformID": openim.PlatformWeb},
	}
}

// paths is every registered route in walk order.
func (w *walkOffice) paths() []string {
	paths := make([]string, 0, len(w.s.routes))
	for p := range w.s.routes {
		paths = append(paths, p)
	}
	slices.SortFunc(paths, func(a, b string) int {
		if ka, kb := walkOrder(a), walkOrder(b); ka != kb {
			return ka - kb
		}
		return strings.Compare(a, b)
	})
	return paths
}

// TestNoNullListInAnyAnswer walks every registered route, reads first then writes, for a user who
// has nothing and for one who has friends, a group, messages and conversations, and fails on any
// null in `data` a client could map over. Every read route must answer the full account; new routes
// are walked without a change here.
func TestNoNullListInAnyAnswer(t *testing.T) {
	w := newWalkOffice(t)
	paths := w.paths()
	for _, user := range []string{"nobody", "rich"} {
		walked := 0
		for _, path := range paths {
			code, data, raw := w.post(w.tokens[user], path, w.body(user))
			if code != 0 {
				if readRoute(path) && user == "rich" && mayRefuse[path] == "" {
					t.Errorf("%s as %s: a read route refused the walk's body: %s", path, user, raw)
				}
				t.Logf("%s as %s: %s", path, user, raw)
				continue
			}
			walked++
			nulls, err := pb.NullLists(data)
			if err != nil {
				t.Fatalf("%s: data is not JSON: %s", path, raw)
			}
			if len(nulls) > 0 {
				t.Errorf("%s as %s: null at %s in %s", path, user, strings.Join(nulls, ", "), raw)
			}
		}
		t.Logf("%s: %d of %d routes answered and were walked", user, walked, len(paths))
	}
}

// TestPagedRoutesEnd: the official core fetches a paged list page after page until a page is
// shorter than showNumber, so every paged route must honour pageNumber: past the end, every list
// in its answer is empty. Paged routes are found by refusing a body without pagination.
func TestPagedRoutesEnd(t *testing.T) {
	w := newWalkOffice(t)
	paged := 0
	for _, path := range w.paths() {
		if !readRoute(path) {
			continue
		}
		body := w.body("rich")
		delete(body, "pagination")
		if code, _, raw := w.post(w.tokens["rich"], path, body); code == 0 || !strings.Contains(string(raw), "pagination") {
			continue
		}
		paged++
		t.Logf("paged: %s", path)
		body["pagination"] = map[string]any{"pageNumber": 1000, "showNumber": 1}
		code, data, raw := w.post(w.tokens["rich"], path, body)
		if code != 0 {
			t.Errorf("%s: page 1000: %s", path, raw)
			continue
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		if n := longestList(v); n > 0 {
			t.Errorf("%s: page 1000 of 1 item each still lists %d: %s", path, n, raw)
		}
	}
	if paged < 8 {
		t.Fatalf("found %d paged routes; the walk's detection is broken", paged)
	}
}

// longestList is the length of the longest JSON array in v.
func longestList(v any) int {
	n := 0
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			n = max(n, longestList(e))
		}
	case []any:
		n = len(v)
		for _, e := range v {
			n = max(n, longestList(e))
		}
	}
	return n
}
