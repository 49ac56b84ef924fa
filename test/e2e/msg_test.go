package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Messages over REST: send (both forms), seq continuity under concurrent senders, retries, revoke,
// read marks, deletes and placeholders, search that never leaks, and bad input.

// msgData is the MsgData JSON a client sends and pulls (content base64).
type msgData struct {
	SendID      string          `json:"sendID"`
	RecvID      string          `json:"recvID"`
	GroupID     string          `json:"groupID"`
	ClientMsgID string          `json:"clientMsgID"`
	ServerMsgID string          `json:"serverMsgID,omitempty"`
	SessionType int32           `json:"sessionType"`
	ContentType int32           `json:"contentType"`
	Content     []byte          `json:"content"`
	Seq         int64           `json:"seq,omitempty"`
	SendTime    int64           `json:"sendTime,omitempty"`
	Status      int32           `json:"status,omitempty"`
	MsgFrom     int32           `json:"msgFrom,omitempty"`
	IsRead      bool            `json:"isRead,omitempty"`
	Options     map[string]bool `json:"options,omitempty"`
}

type sendResult struct {
	ServerMsgID string `json:"serverMsgID"`
	ClientMsgID string `json:"clientMsgID"`
	SendTime    int64  `json:"sendTime"`
	Seq         int64  `json:"seq"`
}

type pullMsgs struct {
	Msgs  []msgData `json:"Msgs"`
	IsEnd bool      `json:"isEnd"`
}

type pullResp struct {
	Msgs             map[string]pullMsgs `json:"msgs"`
	NotificationMsgs map[string]pullMsgs `json:"notificationMsgs"`
}

// chat is a node with users and their tokens.
type chat struct {
	n      *Node
	tokens map[string]string
	ids    int
	mu     sync.Mutex
}

func newChat(t *testing.T, users ...string) *chat {
	t.Helper()
	n := startNode(t)
	n.RegisterUsers(t, users...)
	c := &chat{n: n, tokens: map[string]string{adminUserID: n.AdminToken}}
	for _, u := range users {
		c.tokens[u] = n.UserToken(t, u, 5)
	}
	return c
}

func (c *chat) clientMsgID(prefix string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids++
	return fmt.Sprintf("%s%04d", prefix, c.ids)
}

func siID(a, b string) string {
	if a > b {
		a, b = b, a
	}
	return "si_" + a + "_" + b
}

// textMsg is a text message from one user to another (or to a group with to = "g:<id>").
func (c *chat) textMsg(from, to, words string) msgData {
	m := msgData{SendID: from, ClientMsgID: c.clientMsgID("m"), SessionType: 1, ContentType: 101,
		Content: []byte(fmt.Sprintf(`{"content":%q}`, words))}
	if g, ok := strings.CutPrefix(to, "g:"); ok {
		m.GroupID, m.SessionType = g, 3
	} else {
		m.RecvID = to
	}
	return m
}

func (c *chat) send(t *testing.T, m msgData) sendResult {
	t.Helper()
	var res sendResult
	c.n.PostOK(t, "/msg/send_msg", c.tokens[m.SendID], map[string]any{"msgData": m}, &res)
	return res
}

func (c *chat) pull(t *testing.T, user, cid string, begin, end, num int64) pullMsgs {
	t.Helper()
	var resp pullResp
	c.n.PostOK(t, "/msg/pull_msg_by_seq", c.tokens[user], map[string]any{"userID": user,
		"seqRanges": []map[string]any{{"conversationID": cid, "begin": begin, "end": end, "num": num}}}, &resp)
	if strings.HasPrefix(cid, "n_") {
		return resp.NotificationMsgs[cid]
	}
	return resp.Msgs[cid]
}

// texts lists what user reads in a conversation: each message's text, "-" for a deleted or missing
// seq, "revoked" for a revoked message.
func (c *chat) texts(t *testing.T, user, cid string) []string {
	t.Helper()
	var out []string
	for _, m := range c.pull(t, user, cid, 1, 10000, 0).Msgs {
		out = append(out, textOf(m))
	}
	return out
}

func textOf(m msgData) string {
	switch {
	case m.Status == 4:
		return "-"
	case m.ContentType == 2101:
		return "revoked"
	}
	var e struct {
		Content string `json:"content"`
	}
	json.Unmarshal(m.Content, &e)
	return e.Content
}

type searchResp struct {
	ChatLogs []struct {
		ChatLog struct {
			SendID         string `json:"sendID"`
			Content        string `json:"content"`
			ConversationID string `json:"conversationID"`
		} `json:"chatLog"`
	} `json:"chatLogs"`
	ChatLogsNum int32 `json:"chatLogsNum"`
	Total       int64 `json:"total"`
}

func (c *chat) search(t *testing.T, user string, req map[string]any) searchResp {
	t.Helper()
	if _, ok := req["pagination"]; !ok {
		req["pagination"] = map[string]int{"pageNumber": 1, "showNumber": 50}
	}
	var out searchResp
	c.n.PostOK(t, "/msg/search_msg", c.tokens[user], req, &out)
	return out
}

func TestMsgSendAndPull(t *testing.T) {
	t.Parallel()
	c := newChat(t, "alice", "bob", "carol")
	cid := siID("alice", "bob")

	first := c.send(t, c.textMsg("alice", "bob", "hello bob"))
	if first.Seq != 1 || first.ServerMsgID == "" || first.SendTime == 0 {
		t.Fatalf("send result %+v", first)
	}
	// The seed's form also takes the element as a JSON object.
	var second sendResult
	c.n.PostOK(t, "/msg/send_msg", c.tokens["bob"], map[string]any{"msgData": map[string]any{
		"sendID": "bob", "recvID": "alice", "clientMsgID": c.clientMsgID("obj"), "sessionType": 1, "contentType": 101,
		"content": map[string]string{"content": "hi alice"}}}, &second)
	if second.Seq != 2 {
		t.Fatalf("second seq %d", second.Seq)
	}
	got := c.pull(t, "bob", cid, 1, 2, 10)
	if len(got.Msgs) != 2 || textOf(got.Msgs[0]) != "hello bob" || textOf(got.Msgs[1]) != "hi alice" || !got.IsEnd ||
		got.Msgs[0].Status != 2 || got.Msgs[0].MsgFrom != 100 || got.Msgs[0].ServerMsgID != first.ServerMsgID {
		t.Fatalf("pulled %+v", got)
	}
	// Both sides have the conversation, with the sender's own message read.
	for user, read := range map[string]int64{"alice": 1, "bob": 2} {
		var seqs struct {
			Seqs map[string]struct {
				MaxSeq     int64 `json:"maxSeq"`
				HasReadSeq int64 `json:"hasReadSeq"`
				MaxSeqTime int64 `json:"maxSeqTime"`
			} `json:"seqs"`
		}
		c.n.PostOK(t, "/msg/get_conversations_has_read_and_max_seq", c.tokens[user], map[string]any{"userID": user}, &seqs)
		s, ok := seqs.Seqs[cid]
		if !ok || s.MaxSeq != 2 || s.HasReadSeq != read || s.MaxSeqTime == 0 {
			t.Fatalf("%s's seqs %+v", user, seqs.Seqs)
		}
	}
	var newest struct {
		MaxSeqs map[string]int64 `json:"maxSeqs"`
	}
	c.n.PostOK(t, "/msg/newest_seq", c.tokens["alice"], map[string]any{"userID": "alice"}, &newest)
	if newest.MaxSeqs[cid] != 2 {
		t.Fatalf("newest %v", newest.MaxSeqs)
	}
	// Carol reads nothing of it, whatever she asks.
	if got := c.pull(t, "carol", cid, 1, 10, 10); len(got.Msgs) != 0 {
		t.Fatalf("carol pulls %+v", got)
	}
	c.n.PostErr(t, "/msg/pull_msg_by_seq", c.tokens["carol"], map[string]any{"userID": "alice",
		"seqRanges": []map[string]any{{"conversationID": cid, "begin": 1, "end": 10, "num": 10}}}, 1002)

	// The admin's flat form: content an object, clientMsgID drawn by the node.
	var adminRes sendResult
	c.n.PostOK(t, "/msg/send_msg", c.n.AdminToken, map[string]any{"sendID": "carol", "recvID": "alice",
		"sessionType": 1, "contentType": 101, "content": map[string]string{"content": "from the admin form"}}, &adminRes)
	if adminRes.Seq != 1 || len(adminRes.ClientMsgID) != 32 {
		t.Fatalf("admin form result %+v", adminRes)
	}
	admin := c.pull(t, "alice", siID("alice", "carol"), 1, 1, 1)
	if len(admin.Msgs) != 1 || textOf(admin.Msgs[0]) != "from the admin form" || admin.Msgs[0].MsgFrom != 200 {
		t.Fatalf("admin form message %+v", admin)
	}
	var st struct {
		ServerTime int64 `json:"serverTime"`
	}
	c.n.PostOK(t, "/msg/get_server_time", c.tokens["carol"], nil, &st)
	if st.ServerTime < first.SendTime {
		t.Fatalf("server time %d before a send at %d", st.ServerTime, first.SendTime)
	}
}

// Eight senders at once into one conversation: every message gets its own seq, 1..N, no gap.
func TestMsgSeqContinuityUnderConcurrentSenders(t *testing.T) {
	t.Parallel()
	c := newChat(t, "alice", "bob")
	cid := siID("alice", "bob")
	const senders, perSender = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, senders*perSender)
	results := make(chan sendResult, senders*perSender)
	for s := 0; s < senders; s++ {
		from, to := "alice", "bob"
		if s%2 == 1 {
			from, to = "bob", "alice"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perSender; i++ {
				m := c.textMsg(from, to, fmt.Sprintf("s%d-%d", s, i))
				env, err := c.n.post(context.Background(), "/msg/send_msg", c.tokens[from], map[string]any{"msgData": m})
				if err != nil || env.ErrCode != 0 {
					errs <- fmt.Errorf("send %s: %v %+v", m.ClientMsgID, err, env)
					return
				}
				var res sendResult
				if err := json.Unmarshal(env.Data, &res); err != nil {
					errs <- err
					return
				}
				results <- res
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(results)
	for err := range errs {
		t.Fatal(err)
	}
	total := senders * perSender
	var seqs []int64
	for r := range results {
		seqs = append(seqs, r.Seq)
	}
	slices.Sort(seqs)
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("send results: seq %d at position %d (seqs %v)", s, i, seqs)
		}
	}
	got := c.pull(t, "bob", cid, 1, int64(total), 0)
	if len(got.Msgs) != total {
		t.Fatalf("pulled %d of %d", len(got.Msgs), total)
	}
	seen := map[string]bool{}
	for i, m := range got.Msgs {
		if m.Seq != int64(i+1) || m.Status != 2 || seen[m.ClientMsgID] {
			t.Fatalf("message %d: seq %d status %d clientMsgID %s (seen %v)", i, m.Seq, m.Status, m.ClientMsgID, seen[m.ClientMsgID])
		}
		seen[m.ClientMsgID] = true
	}
	// Each sender's own messages stay in the order sent.
	last := map[string]int{}
	for _, m := range got.Msgs {
		var s, i int
		fmt.Sscanf(textOf(m), "s%d-%d", &s, &i)
		key := fmt.Sprint(s)
		if prev, ok := last[key]; ok && i <= prev {
			t.Fatalf("sender %d: message %d after %d", s, i, prev)
		}
		last[key] = i
	}
}

func TestMsgRetryIsIdempotent(t *testing.T) {
	t.Parallel()
	c := newChat(t, "alice", "bob", "carol")
	m := c.textMsg("alice", "bob", "only once")
	first := c.send(t, m)
	for i := 0; i < 3; i++ {
		if again := c.send(t, m); again != first {
			t.Fatalf("retry %d: %+v, first %+v", i, again, first)
		}
	}
	if got := c.texts(t, "bob", siID("alice", "bob")); !slices.Equal(got, []string{"only once"}) {
		t.Fatalf("bob reads %q", got)
	}
	stolen := c.textMsg("carol", "bob", "same id")
	stolen.ClientMsgID = m.ClientMsgID
	c.n.PostErr(t, "/msg/send_msg", c.tokens["carol"], map[string]any{"msgData": stolen}, 1001)
}

func TestMsgRevokeAndRead(t *testing.T) {
	t.Parallel()
	c := newChat(t, "alice", "bob", "carol")
	cid := siID("alice", "bob")
	c.send(t, c.textMsg("alice", "bob", "one"))
	c.send(t, c.textMsg("alice", "bob", "two"))
	c.send(t, c.textMsg("bob", "alice", "three"))

	revoke := func(as string, seq int64) map[string]any {
		return map[string]any{"conversationID": cid, "seq": seq, "userID": as}
	}
	c.n.PostErr(t, "/msg/revoke_msg", c.tokens["bob"], revoke("bob", 1), 1002)     // not the sender
	c.n.PostErr(t, "/msg/revoke_msg", c.tokens["carol"], revoke("carol", 1), 1004) // not her conversation
	c.n.PostErr(t, "/msg/revoke_msg", c.tokens["bob"], revoke("alice", 1), 1002)   // not self
	c.n.PostOK(t, "/msg/revoke_msg", c.tokens["alice"], revoke("alice", 1), nil)
	c.n.PostErr(t, "/msg/revoke_msg", c.tokens["alice"], revoke("alice", 1), 1404)
	if got := c.texts(t, "bob", cid); !slices.Equal(got, []string{"revoked", "two", "three"}) {
		t.Fatalf("bob reads %q", got)
	}
	rev := c.pull(t, "bob", cid, 1, 1, 1).Msgs[0]
	var content struct {
		Detail string `json:"detail"`
	}
	var detail struct {
		RevokerID           string `json:"revokerID"`
		ClientMsgID         string `json:"clientMsgID"`
		Seq                 int64  `json:"seq"`
		SourceMessageSendID string `json:"sourceMessageSendID"`
	}
	if err := json.Unmarshal(rev.Content, &content); err != nil || json.Unmarshal([]byte(content.Detail), &detail) != nil ||
		detail.RevokerID != "alice" || detail.Seq != 1 || detail.SourceMessageSendID != "alice" || detail.ClientMsgID != rev.ClientMsgID {
		t.Fatalf("revoked content %s", rev.Content)
	}
	// The tips are in the pair's notification stream, for both.
	notes := c.pull(t, "bob", "n_"+strings.TrimPrefix(cid, "si_"), 1, 100, 0)
	if len(notes.Msgs) != 1 || notes.Msgs[0].ContentType != 2101 {
		t.Fatalf("notifications %+v", notes)
	}

	// Read marks.
	read := func(user string, seqs ...int64) map[string]any {
		return map[string]any{"conversationID": cid, "seqs": seqs, "userID": user}
	}
	c.n.PostErr(t, "/msg/mark_msgs_as_read", c.tokens["bob"], read("bob", 9), 1001)
	c.n.PostErr(t, "/msg/mark_msgs_as_read", c.tokens["carol"], map[string]any{"conversationID": siID("carol", "bob"),
		"seqs": []int64{1}, "userID": "carol"}, 1004)
	c.n.PostOK(t, "/msg/mark_msgs_as_read", c.tokens["bob"], read("bob", 1, 2), nil)
	c.n.PostOK(t, "/msg/mark_msgs_as_read", c.tokens["bob"], read("bob", 1), nil) // never lowers
	var seqs struct {
		Seqs map[string]struct {
			HasReadSeq int64 `json:"hasReadSeq"`
		} `json:"seqs"`
	}
	c.n.PostOK(t, "/msg/get_conversations_has_read_and_max_seq", c.tokens["bob"],
		map[string]any{"userID": "bob", "conversationIDs": []string{cid}}, &seqs)
	if seqs.Seqs[cid].HasReadSeq != 3 {
		// bob's own message at 3 counts as read by him.
		t.Fatalf("bob's hasReadSeq %d", seqs.Seqs[cid].HasReadSeq)
	}
	if m := c.pull(t, "alice", cid, 2, 2, 1).Msgs[0]; !m.IsRead {
		t.Fatalf("alice's message 2 not read: %+v", m)
	}
	c.n.PostErr(t, "/msg/mark_conversation_as_read", c.tokens["alice"],
		map[string]any{"conversationID": cid, "hasReadSeq": 4, "userID": "alice"}, 1001)
	c.n.PostOK(t, "/msg/mark_conversation_as_read", c.tokens["alice"],
		map[string]any{"conversationID": cid, "hasReadSeq": 3, "userID": "alice"}, nil)
	receipts := c.pull(t, "bob", "n_"+strings.TrimPrefix(cid, "si_"), 1, 100, 0)
	kinds := map[int32]int{}
	for _, m := range receipts.Msgs {
		kinds[m.ContentType]++
	}
	if kinds[2200] != 3 {
		t.Fatalf("receipts in the notification stream: %v", kinds)
	}
}

func TestMsgDeletePlaceholdersAndClear(t *testing.T) {
	t.Parallel()
	c := newChat(t, "alice", "bob")
	cid := siID("alice", "bob")
	for _, w := range []string{"a", "b", "c", "d"} {
		c.send(t, c.textMsg("alice", "bob", w))
	}
	c.n.PostOK(t, "/msg/delete_msgs", c.tokens["bob"], map[string]any{"conversationID": cid, "seqs": []int64{2}, "userID": "bob"}, nil)
	if got := c.texts(t, "bob", cid); !slices.Equal(got, []string{"a", "-", "c", "d"}) {
		t.Fatalf("bob reads %q", got)
	}
	deleted := c.pull(t, "bob", cid, 2, 2, 1).Msgs[0]
	if deleted.Status != 4 || len(deleted.Content) != 0 {
		t.Fatalf("deleted message %+v", deleted)
	}
	if got := c.texts(t, "alice", cid); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Fatalf("alice reads %q", got)
	}
	// Deleting for everyone is the admin's; it leaves a hole both read as a placeholder.
	c.n.PostErr(t, "/msg/delete_msgs", c.tokens["bob"], map[string]any{"conversationID": cid, "seqs": []int64{3},
		"userID": "bob", "deleteSyncOpt": map[string]bool{"IsSyncOther": true}}, 1002)
	c.n.PostOK(t, "/msg/delete_msgs", c.n.AdminToken, map[string]any{"conversationID": cid, "seqs": []int64{3},
		"userID": "alice", "deleteSyncOpt": map[string]bool{"IsSyncOther": true}}, nil)
	hole := c.pull(t, "alice", cid, 3, 3, 1).Msgs
	if len(hole) != 1 || hole[0].Seq != 3 || hole[0].Status != 4 || hole[0].ClientMsgID != "" {
		t.Fatalf("placeholder %+v", hole)
	}
	// Last num of a range, placeholder included.
	last := c.pull(t, "alice", cid, 1, 4, 2).Msgs
	if len(last) != 2 || last[0].Seq != 3 || last[1].Seq != 4 {
		t.Fatalf("last 2: %+v", last)
	}
	// Clearing hides everything so far from bob only.
	c.n.PostOK(t, "/msg/clear_conversation_msg", c.tokens["bob"], map[string]any{"conversationIDs": []string{cid}, "userID": "bob"}, nil)
	if got := c.texts(t, "bob", cid); len(got) != 0 {
		t.Fatalf("bob reads %q after clearing", got)
	}
	c.send(t, c.textMsg("alice", "bob", "e"))
	if got := c.texts(t, "bob", cid); !slices.Equal(got, []string{"e"}) {
		t.Fatalf("bob reads %q", got)
	}
	c.n.PostOK(t, "/msg/user_clear_all_msg", c.tokens["alice"], map[string]any{"userID": "alice"}, nil)
	if got := c.texts(t, "alice", cid); len(got) != 0 {
		t.Fatalf("alice reads %q after clearing all", got)
	}
}

func TestMsgSearchNeverLeaks(t *testing.T) {
	t.Parallel()
	c := newChat(t, "alice", "bob", "carol")
	c.send(t, c.textMsg("alice", "bob", "quarterly budget review"))
	c.send(t, c.textMsg("bob", "alice", "预算会议"))
	c.send(t, c.textMsg("carol", "bob", "budget for carol"))
	found := func(r searchResp) []string {
		var out []string
		for _, l := range r.ChatLogs {
			out = append(out, l.ChatLog.Content)
		}
		sort.Strings(out)
		return out
	}
	if r := c.search(t, "alice", map[string]any{"keyword": "BUDGET"}); r.Total != 1 || r.ChatLogsNum != 1 ||
		!strings.Contains(r.ChatLogs[0].ChatLog.Content, "quarterly") || r.ChatLogs[0].ChatLog.ConversationID != siID("alice", "bob") {
		t.Fatalf("alice finds %+v", r)
	}
	if got := found(c.search(t, "bob", map[string]any{"keyword": "budget"})); len(got) != 2 {
		t.Fatalf("bob finds %q", got)
	}
	if r := c.search(t, "alice", map[string]any{"keyword": "会议"}); r.Total != 1 {
		t.Fatalf("two-character search: %+v", r)
	}
	if r := c.search(t, "carol", map[string]any{"keyword": "quarterly"}); r.Total != 0 || len(r.ChatLogs) != 0 {
		t.Fatalf("carol finds alice's messages: %+v", r)
	}
	if r := c.search(t, "carol", map[string]any{"keyword": "budget", "conversationID": siID("alice", "bob")}); r.Total != 0 {
		t.Fatalf("carol finds in a named conversation: %+v", r)
	}
	if r := c.search(t, "carol", map[string]any{"sendID": "alice"}); r.Total != 0 {
		t.Fatalf("carol finds alice's messages by sender: %+v", r)
	}
	r := c.search(t, "bob", map[string]any{"keyword": "budget", "pagination": map[string]int{"pageNumber": 2, "showNumber": 1}})
	if r.Total != 2 || len(r.ChatLogs) != 1 {
		t.Fatalf("page 2: %+v", r)
	}
	c.n.PostErr(t, "/msg/search_msg", c.tokens["bob"], map[string]any{"keyword": "x"}, 1001) // no pagination
}

func TestMsgBadInput(t *testing.T) {
	t.Parallel()
	c := newChat(t, "alice", "bob")
	send := func(m msgData) map[string]any { return map[string]any{"msgData": m} }
	noID := c.textMsg("alice", "bob", "x")
	noID.ClientMsgID = ""
	typing := c.textMsg("alice", "bob", "x")
	typing.ContentType, typing.Content = 113, []byte(`{"msgTips":"yes"}`)
	emptyText := c.textMsg("alice", "bob", "")
	writeGroup := c.textMsg("alice", "bob", "x")
	writeGroup.SessionType = 2
	unknown := c.textMsg("alice", "nobody", "x")
	asBob := c.textMsg("bob", "alice", "x")
	cases := []struct {
		name string
		body any
		code int
	}{
		{"no clientMsgID", send(noID), 1001},
		{"typing", send(typing), 1001},
		{"empty text", send(emptyText), 1001},
		{"sessionType 2", send(writeGroup), 1001},
		{"unknown receiver", send(unknown), 1004},
		{"as another user", send(asBob), 1002},
		{"content not base64 nor JSON", map[string]any{"msgData": map[string]any{"sendID": "alice", "recvID": "bob",
			"clientMsgID": "bad1", "sessionType": 1, "contentType": 101, "content": "%%%"}}, 1001},
		{"admin form by a user", map[string]any{"sendID": "alice", "recvID": "bob", "sessionType": 1, "contentType": 101,
			"content": map[string]string{"content": "x"}}, 1002},
		{"not JSON", `{"msgData":`, 1001},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.n.PostErr(t, "/msg/send_msg", c.tokens["alice"], tc.body, tc.code)
		})
	}
	c.n.PostErr(t, "/msg/pull_msg_by_seq", c.tokens["alice"], map[string]any{"userID": "alice",
		"seqRanges": []map[string]any{{"conversationID": siID("alice", "bob"), "begin": 1, "end": 5, "num": 5000}}}, 1001)
	c.n.PostErr(t, "/msg/revoke_msg", c.tokens["alice"], map[string]any{"conversationID": "xx_1", "seq": 1, "userID": "alice"}, 1001)
	c.n.PostErr(t, "/msg/mark_msgs_as_read", c.tokens["alice"], map[string]any{"conversationID": siID("alice", "bob"),
		"seqs": []int64{}, "userID": "alice"}, 1001)
	// Nothing was stored by any of it.
	var newest struct {
		MaxSeqs map[string]int64 `json:"maxSeqs"`
	}
	c.n.PostOK(t, "/msg/newest_seq", c.tokens["alice"], map[string]any{"userID": "alice"}, &newest)
	if len(newest.MaxSeqs) != 0 {
		t.Fatalf("bad input stored messages: %v", newest.MaxSeqs)
	}
}

func TestMsgGroupLeaveHidesLaterMessages(t *testing.T) {
	t.Parallel()
	c := newChat(t, "owner", "bob", "carol")
	var created struct {
		GroupInfo struct {
			GroupID string `json:"groupID"`
		} `json:"groupInfo"`
	}
	c.n.PostOK(t, "/group/create_group", c.tokens["owner"], map[string]any{"ownerUserID": "owner",
		"memberUserIDs": []string{"bob"}, "groupInfo": map[string]any{"groupID": "g1", "groupName": "team", "groupType": 2}}, &created)
	gid := created.GroupInfo.GroupID
	c.send(t, c.textMsg("bob", "g:"+gid, "before leaving"))
	c.n.PostErr(t, "/msg/send_msg", c.tokens["carol"], map[string]any{"msgData": c.textMsg("carol", "g:"+gid, "x")}, 1203)
	c.n.PostOK(t, "/group/quit_group", c.tokens["bob"], map[string]any{"groupID": gid, "userID": "bob"}, nil)
	c.send(t, c.textMsg("owner", "g:"+gid, "secret after"))
	c.n.PostErr(t, "/msg/send_msg", c.tokens["bob"], map[string]any{"msgData": c.textMsg("bob", "g:"+gid, "x")}, 1203)
	for _, m := range c.pull(t, "bob", "sg_"+gid, 1, 1000, 0).Msgs {
		if strings.Contains(textOf(m), "secret") {
			t.Fatalf("bob reads %q after leaving", textOf(m))
		}
	}
	if r := c.search(t, "bob", map[string]any{"keyword": "secret"}); r.Total != 0 {
		t.Fatalf("bob finds %+v after leaving", r)
	}
	if r := c.search(t, "bob", map[string]any{"keyword": "before"}); r.Total != 1 {
		t.Fatalf("bob no longer finds his own history: %+v", r)
	}
	if r := c.search(t, "carol", map[string]any{"keyword": "secret"}); r.Total != 0 {
		t.Fatalf("carol finds %+v", r)
	}
}

// sendErr sends m as its sender and expects the OpenIM error code.
func (c *chat) sendErr(t *testing.T, m msgData, code int) {
	t.Helper()
	c.n.PostErr(t, "/msg/send_msg", c.tokens[m.SendID], map[string]any{"msgData": m}, code)
}

// createGroup makes group gid of owner with admins and members.
func (c *chat) createGroup(t *testing.T, gid, owner string, admins, members []string) {
	t.Helper()
	c.n.PostOK(t, "/group/create_group", c.tokens[owner], map[string]any{"ownerUserID": owner, "adminUserIDs": admins,
		"memberUserIDs": members, "groupInfo": map[string]any{"groupID": gid, "groupName": gid, "groupType": 2}}, nil)
}

// TestMsgSendRules: the single-chat rules (blacklist 1302, the receiver's global and per-conversation
// receive options) and the group rules (not in group 1203, dismissed 1204, muted member 1402, muted
// group 1403 with the owner and admins exempt), each through the node; a refused send stores nothing.
func TestMsgSendRules(t *testing.T) {
	t.Parallel()
	c := newChat(t, "alice", "bob", "carol", "dave", "owner", "adm", "mem")

	// bob blocks alice: 1302; the admin still sends as alice.
	c.n.PostOK(t, "/friend/add_black", c.tokens["bob"], map[string]any{"ownerUserID": "bob", "blackUserID": "alice"}, nil)
	c.sendErr(t, c.textMsg("alice", "bob", "hi"), 1302)
	c.n.PostOK(t, "/msg/send_msg", c.n.AdminToken, map[string]any{"msgData": c.textMsg("alice", "bob", "from the admin")}, nil)
	c.send(t, c.textMsg("bob", "alice", "bob still writes")) // the block is one way
	c.n.PostOK(t, "/friend/remove_black", c.tokens["bob"], map[string]any{"ownerUserID": "bob", "blackUserID": "alice"}, nil)
	c.send(t, c.textMsg("alice", "bob", "unblocked"))

	// carol receives nothing (global 1): 1001; dave mutes only alice's conversation.
	c.n.PostOK(t, "/user/set_global_msg_recv_opt", c.tokens["carol"], map[string]any{"userID": "carol", "globalRecvMsgOpt": 1}, nil)
	c.sendErr(t, c.textMsg("alice", "carol", "hi"), 1001)
	c.send(t, c.textMsg("alice", "dave", "first"))
	c.n.PostOK(t, "/conversation/set_conversations", c.tokens["dave"], map[string]any{"userIDs": []string{"dave"},
		"conversation": map[string]any{"conversationID": siID("alice", "dave"), "recvMsgOpt": 1}}, nil)
	c.sendErr(t, c.textMsg("alice", "dave", "refused"), 1001)
	c.send(t, c.textMsg("bob", "dave", "bob's chat is open"))
	// recvMsgOpt 2 stores the message without offline push.
	c.n.PostOK(t, "/conversation/set_conversations", c.tokens["dave"], map[string]any{"userIDs": []string{"dave"},
		"conversation": map[string]any{"conversationID": siID("alice", "dave"), "recvMsgOpt": 2}}, nil)
	quiet := c.send(t, c.textMsg("alice", "dave", "quietly"))
	if m := c.pull(t, "dave", siID("alice", "dave"), quiet.Seq, quiet.Seq, 1).Msgs; len(m) != 1 || m[0].Options["offlinePush"] ||
		textOf(m[0]) != "quietly" {
		t.Fatalf("recvMsgOpt 2: %+v", m)
	}
	if got := c.texts(t, "dave", siID("alice", "dave")); !slices.Equal(got, []string{"first", "quietly"}) {
		t.Fatalf("dave reads %q", got)
	}

	// Groups.
	c.createGroup(t, "rules", "owner", []string{"adm"}, []string{"mem"})
	g := func(from, words string) msgData { return c.textMsg(from, "g:rules", words) }
	c.send(t, g("mem", "hello"))
	c.sendErr(t, g("carol", "not a member"), 1203)
	c.n.PostOK(t, "/group/mute_group_member", c.tokens["adm"], map[string]any{"groupID": "rules", "userID": "mem", "mutedSeconds": 600}, nil)
	c.sendErr(t, g("mem", "muted"), 1402)
	c.n.PostOK(t, "/group/cancel_mute_group_member", c.tokens["adm"], map[string]any{"groupID": "rules", "userID": "mem"}, nil)
	c.send(t, g("mem", "unmuted"))
	c.n.PostOK(t, "/group/mute_group", c.tokens["owner"], map[string]any{"groupID": "rules"}, nil)
	c.sendErr(t, g("mem", "group muted"), 1403)
	c.send(t, g("adm", "admins talk in a muted group"))
	c.send(t, g("owner", "so does the owner"))
	c.n.PostOK(t, "/group/cancel_mute_group", c.tokens["owner"], map[string]any{"groupID": "rules"}, nil)
	c.send(t, g("mem", "group unmuted"))
	c.n.PostOK(t, "/group/dismiss_group", c.tokens["owner"], map[string]any{"groupID": "rules"}, nil)
	c.sendErr(t, g("owner", "dismissed"), 1204)
	c.n.PostErr(t, "/msg/send_msg", c.n.AdminToken, map[string]any{"msgData": g("owner", "dismissed")}, 1204)

	var texts []string
	for _, m := range c.pull(t, "owner", "sg_rules", 1, 100, 0).Msgs {
		if m.ContentType == 101 {
			texts = append(texts, textOf(m))
		}
	}
	want := []string{"hello", "unmuted", "admins talk in a muted group", "so does the owner", "group unmuted"}
	if !slices.Equal(texts, want) {
		t.Fatalf("group chat %q, want %q", texts, want)
	}
}

// TestMsgContentRules: content is checked per contentType (the element's required fields) and is at
// most 64 KiB; elements of every type a client sends are stored as sent.
func TestMsgContentRules(t *testing.T) {
	t.Parallel()
	c := newChat(t, "alice", "bob")
	as := func(ct int32, content string) msgData {
		m := c.textMsg("alice", "bob", "")
		m.ContentType, m.Content = ct, []byte(content)
		return m
	}
	good := []msgData{
		as(102, `{"sourcePicture":{"url":"http://x/p.png","width":1,"height":1},"bigPicture":{},"snapshotPicture":{}}`),
		as(103, `{"sourceUrl":"http://x/a.ogg","duration":2}`),
		as(104, `{"videoUrl":"http://x/v.mp4","snapshotUrl":"http://x/s.png"}`),
		as(105, `{"sourceUrl":"http://x/f","fileName":"plan.pdf","fileSize":9}`),
		as(106, `{"text":"@bob look","atUserList":["bob"]}`),
		as(108, `{"userID":"bob","nickname":"Bob"}`),
		as(109, `{"description":"office","longitude":13.4,"latitude":52.5}`),
		as(110, `{"data":"{\"k\":1}","description":"","extension":""}`),
		as(114, `{"text":"yes","quoteMessage":{"clientMsgID":"x"}}`),
		as(118, `{"content":"**bold**"}`),
	}
	for _, m := range good {
		res := c.send(t, m)
		got := c.pull(t, "bob", siID("alice", "bob"), res.Seq, res.Seq, 1).Msgs
		if len(got) != 1 || got[0].ContentType != m.ContentType || string(got[0].Content) != string(m.Content) {
			t.Fatalf("contentType %d stored as %+v", m.ContentType, got)
		}
	}
	bad := []struct {
		name string
		m    msgData
	}{
		{"picture without a source URL", as(102, `{"sourcePicture":{"width":1}}`)},
		{"voice without its URL", as(103, `{"duration":2}`)},
		{"video without its URL", as(104, `{"snapshotUrl":"http://x/s.png"}`)},
		{"file without a name", as(105, `{"sourceUrl":"http://x/f"}`)},
		{"at text without the list", as(106, `{"text":"@bob"}`)},
		{"card without a user", as(108, `{"nickname":"Bob"}`)},
		{"location off the globe", as(109, `{"longitude":13.4,"latitude":95}`)},
		{"custom without data", as(110, `{"description":"x"}`)},
		{"quote without the message", as(114, `{"text":"yes"}`)},
		{"markdown without content", as(118, `{"text":"x"}`)},
		{"text as a string", as(101, `"hello"`)},
		{"text too big", as(101, `{"content":"`+strings.Repeat("a", 65536)+`"}`)},
		{"a notification type", as(1501, `{"detail":"{}"}`)},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) { c.sendErr(t, tc.m, 1001) })
	}
	if got := c.pull(t, "bob", siID("alice", "bob"), 1, 100, 0).Msgs; len(got) != len(good) {
		t.Fatalf("%d messages stored, want %d", len(got), len(good))
	}
}

// Eight users send at once into one group conversation: every message gets its own seq, 1..N
// after the group's own notification copies, with no gap and no duplicate, and every member reads
// the same log.
func TestMsgGroupSeqContinuityUnderConcurrentSenders(t *testing.T) {
	t.Parallel()
	senders := []string{"s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"}
	c := newChat(t, senders...)
	c.createGroup(t, "busy", "s1", nil, senders[1:])
	const perSender = 12
	cid := "sg_busy"
	before := c.pull(t, "s1", cid, 1, 1000, 0).Msgs // the 1501 copy
	var wg sync.WaitGroup
	errs := make(chan error, len(senders)*perSender)
	for _, from := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perSender {
				m := c.textMsg(from, "g:busy", fmt.Sprintf("%s-%d", from, i))
				env, err := c.n.post(context.Background(), "/msg/send_msg", c.tokens[from], map[string]any{"msgData": m})
				if err != nil || env.ErrCode != 0 {
					errs <- fmt.Errorf("send %s: %v %+v", m.ClientMsgID, err, env)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	total := len(before) + len(senders)*perSender
	var first []msgData
	for _, u := range senders {
		got := c.pull(t, u, cid, 1, int64(total+10), 0)
		if len(got.Msgs) != total || !got.IsEnd {
			t.Fatalf("%s pulls %d of %d", u, len(got.Msgs), total)
		}
		seen := map[string]bool{}
		next := map[string]int{}
		for i, m := range got.Msgs {
			if m.Seq != int64(i+1) || m.Status != 2 || seen[m.ClientMsgID] {
				t.Fatalf("%s: message %d has seq %d status %d (clientMsgID %s seen %v)", u, i, m.Seq, m.Status, m.ClientMsgID, seen[m.ClientMsgID])
			}
			seen[m.ClientMsgID] = true
			if m.ContentType != 101 {
				continue
			}
			var from string
			var n int
			fmt.Sscanf(strings.Replace(textOf(m), "-", " ", 1), "%s %d", &from, &n)
			if n != next[from] {
				t.Fatalf("%s: %s's message %d where %d was due", u, from, n, next[from])
			}
			next[from]++
		}
		if first == nil {
			first = got.Msgs
		} else {
			for i := range got.Msgs {
				if got.Msgs[i].ClientMsgID != first[i].ClientMsgID {
					t.Fatalf("%s and s1 read different logs at seq %d", u, i+1)
				}
			}
		}
	}
}

// msgTips decodes a notification's {"detail": "<tips JSON>"} content into out.
func msgTips(t *testing.T, m msgData, out any) {
	t.Helper()
	if detail := tipsDetail(t, m.ContentType, m.Content); json.Unmarshal(detail, out) != nil {
		t.Fatalf("%d: tips %s", m.ContentType, detail)
	}
}

// revokeTips is RevokeMsgTips as upstream spells it (sesstionType sic).
type revokeTips struct {
	RevokerUserID  string `json:"revokerUserID"`
	ClientMsgID    string `json:"clientMsgID"`
	RevokeTime     int64  `json:"revokeTime"`
	SesstionType   int32  `json:"sesstionType"`
	Seq            int64  `json:"seq"`
	ConversationID string `json:"conversationID"`
	IsAdminRevoke  bool   `json:"isAdminRevoke"`
}

// TestMsgGroupRevokeAndReceipts: in a group the sender, the owner, or an admin over an ordinary
// member's message revoke (others 1002); the 2101 tips land in n_<gid> for every member; a read
// mark in a group sends 2200 to the group; hasReadSeq never goes down on the mark calls.
func TestMsgGroupRevokeAndReceipts(t *testing.T) {
	t.Parallel()
	c := newChat(t, "owner", "adm", "mem", "mem2")
	c.createGroup(t, "rv", "owner", []string{"adm"}, []string{"mem", "mem2"})
	cid, nid := "sg_rv", "n_rv"
	seqOf := func(from, words string) int64 { return c.send(t, c.textMsg(from, "g:rv", words)).Seq }
	byOwner, byAdm, byMem, byMem2 := seqOf("owner", "o"), seqOf("adm", "a"), seqOf("mem", "m"), seqOf("mem2", "m2")
	revoke := func(user string, seq int64) map[string]any {
		return map[string]any{"conversationID": cid, "seq": seq, "userID": user}
	}
	c.n.PostErr(t, "/msg/revoke_msg", c.tokens["mem"], revoke("mem", byMem2), 1002)  // a member, another's
	c.n.PostErr(t, "/msg/revoke_msg", c.tokens["adm"], revoke("adm", byOwner), 1002) // an admin, the owner's
	c.n.PostOK(t, "/msg/revoke_msg", c.tokens["adm"], revoke("adm", byMem), nil)     // an admin, a member's
	c.n.PostOK(t, "/msg/revoke_msg", c.tokens["owner"], revoke("owner", byAdm), nil) // the owner, an admin's
	c.n.PostOK(t, "/msg/revoke_msg", c.tokens["mem2"], revoke("mem2", byMem2), nil)  // the sender
	c.n.PostErr(t, "/msg/revoke_msg", c.tokens["owner"], revoke("owner", byMem2), 1404)
	for _, u := range []string{"owner", "mem"} {
		var got []string
		for _, m := range c.pull(t, u, cid, byOwner, byMem2, 0).Msgs {
			got = append(got, textOf(m))
		}
		if !slices.Equal(got, []string{"o", "revoked", "revoked", "revoked"}) {
			t.Fatalf("%s reads %q", u, got)
		}
	}
	notes := c.pull(t, "mem", nid, 1, 100, 0).Msgs
	var revokes []revokeTips
	for _, m := range notes {
		if m.ContentType == 2101 {
			if m.SessionType != 3 || m.GroupID != "rv" || m.MsgFrom != 200 {
				t.Fatalf("2101 message %+v", m)
			}
			var tips revokeTips
			msgTips(t, m, &tips)
			revokes = append(revokes, tips)
		}
	}
	if len(revokes) != 3 || revokes[0].RevokerUserID != "adm" || revokes[0].Seq != byMem || revokes[0].ConversationID != cid ||
		revokes[0].SesstionType != 3 || revokes[0].IsAdminRevoke || revokes[0].RevokeTime == 0 || revokes[0].ClientMsgID == "" ||
		revokes[1].RevokerUserID != "owner" || revokes[2].Seq != byMem2 {
		t.Fatalf("revoke tips %+v", revokes)
	}

	// A read mark in the group: 2200 to the group, in n_<gid>.
	c.n.PostOK(t, "/msg/mark_msgs_as_read", c.tokens["mem"], map[string]any{"conversationID": cid, "seqs": []int64{byMem2}, "userID": "mem"}, nil)
	var receipt struct {
		MarkAsReadUserID string  `json:"markAsReadUserID"`
		ConversationID   string  `json:"conversationID"`
		Seqs             []int64 `json:"seqs"`
		HasReadSeq       int64   `json:"hasReadSeq"`
	}
	last := c.pull(t, "owner", nid, 1, 100, 0).Msgs
	if m := last[len(last)-1]; m.ContentType != 2200 || m.SessionType != 3 || m.SendID != "mem" {
		t.Fatalf("group receipt %+v", m)
	} else {
		msgTips(t, m, &receipt)
	}
	if receipt.MarkAsReadUserID != "mem" || receipt.ConversationID != cid || !slices.Equal(receipt.Seqs, []int64{byMem2}) ||
		receipt.HasReadSeq != byMem2 {
		t.Fatalf("group receipt tips %+v", receipt)
	}
	// Lower marks leave hasReadSeq where it is.
	c.n.PostOK(t, "/msg/mark_msgs_as_read", c.tokens["mem"], map[string]any{"conversationID": cid, "seqs": []int64{1}, "userID": "mem"}, nil)
	c.n.PostOK(t, "/msg/mark_conversation_as_read", c.tokens["mem"], map[string]any{"conversationID": cid, "hasReadSeq": 1, "userID": "mem"}, nil)
	var seqs struct {
		Seqs map[string]struct {
			HasReadSeq int64 `json:"hasReadSeq"`
			MaxSeq     int64 `json:"maxSeq"`
		} `json:"seqs"`
		PinnedConversationIDs []string `json:"pinnedConversationIDs"`
	}
	c.n.PostOK(t, "/msg/get_conversations_has_read_and_max_seq", c.tokens["mem"], map[string]any{"userID": "mem",
		"conversationIDs": []string{cid}}, &seqs)
	if s := seqs.Seqs[cid]; s.HasReadSeq != byMem2 || s.MaxSeq != byMem2 {
		t.Fatalf("mem's seqs %+v", s)
	}
	// returnPinned lists the pinned conversations.
	c.n.PostOK(t, "/conversation/set_conversations", c.tokens["mem"], map[string]any{"userIDs": []string{"mem"},
		"conversation": map[string]any{"conversationID": cid, "isPinned": true}}, nil)
	c.n.PostOK(t, "/msg/get_conversations_has_read_and_max_seq", c.tokens["mem"], map[string]any{"userID": "mem",
		"returnPinned": true}, &seqs)
	if !slices.Equal(seqs.PinnedConversationIDs, []string{cid}) {
		t.Fatalf("pinned %v", seqs.PinnedConversationIDs)
	}
	// newest_seq covers the chat and its n_ twin.
	var newest struct {
		MaxSeqs map[string]int64 `json:"maxSeqs"`
	}
	c.n.PostOK(t, "/msg/newest_seq", c.tokens["mem"], map[string]any{"userID": "mem"}, &newest)
	notes = c.pull(t, "mem", nid, 1, 100, 0).Msgs
	if newest.MaxSeqs[cid] != byMem2 || newest.MaxSeqs[nid] != notes[len(notes)-1].Seq {
		t.Fatalf("newest %v (n_ ends at %d)", newest.MaxSeqs, notes[len(notes)-1].Seq)
	}
}

// TestMsgPullOrderAndReceipts: a pull returns the last num seqs of its range; isEnd says the range
// reached the newest seq (ascending) or the first (descending); a single-chat receipt (2200) goes to the peer
// with the seqs newly read.
func TestMsgPullOrderAndReceipts(t *testing.T) {
	t.Parallel()
	c := newChat(t, "alice", "bob")
	cid := siID("alice", "bob")
	for i := 1; i <= 5; i++ {
		c.send(t, c.textMsg("alice", "bob", fmt.Sprint(i)))
	}
	pull := func(begin, end, num int64, order int) pullMsgs {
		var resp pullResp
		c.n.PostOK(t, "/msg/pull_msg_by_seq", c.tokens["bob"], map[string]any{"userID": "bob", "order": order,
			"seqRanges": []map[string]any{{"conversationID": cid, "begin": begin, "end": end, "num": num}}}, &resp)
		return resp.Msgs[cid]
	}
	seqsOf := func(p pullMsgs) []int64 {
		var out []int64
		for _, m := range p.Msgs {
			out = append(out, m.Seq)
		}
		return out
	}
	// As upstream, the order only decides isEnd (desc: the range reaches the first seq); the
	// messages come in seq order either way.
	if p := pull(1, 5, 2, 1); !slices.Equal(seqsOf(p), []int64{4, 5}) || !p.IsEnd {
		t.Fatalf("desc last 2 of 1..5: %v isEnd %v", seqsOf(p), p.IsEnd)
	}
	if p := pull(3, 5, 10, 1); !slices.Equal(seqsOf(p), []int64{3, 4, 5}) || p.IsEnd {
		t.Fatalf("desc 3..5: %v isEnd %v", seqsOf(p), p.IsEnd)
	}
	if p := pull(2, 3, 10, 0); !slices.Equal(seqsOf(p), []int64{2, 3}) || p.IsEnd {
		t.Fatalf("asc middle: %v isEnd %v", seqsOf(p), p.IsEnd)
	}
	if p := pull(4, 9, 10, 0); !slices.Equal(seqsOf(p), []int64{4, 5}) || !p.IsEnd {
		t.Fatalf("asc past the end: %v isEnd %v", seqsOf(p), p.IsEnd)
	}

	c.n.PostOK(t, "/msg/mark_conversation_as_read", c.tokens["bob"], map[string]any{"conversationID": cid, "hasReadSeq": 3, "userID": "bob"}, nil)
	c.n.PostOK(t, "/msg/mark_conversation_as_read", c.tokens["bob"], map[string]any{"conversationID": cid, "hasReadSeq": 2, "userID": "bob"}, nil)
	notes := c.pull(t, "alice", "n_"+strings.TrimPrefix(cid, "si_"), 1, 100, 0).Msgs
	if len(notes) != 1 || notes[0].ContentType != 2200 || notes[0].SendID != "bob" || notes[0].RecvID != "alice" || notes[0].SessionType != 1 {
		t.Fatalf("receipts %+v", notes)
	}
	var tips struct {
		MarkAsReadUserID string  `json:"markAsReadUserID"`
		ConversationID   string  `json:"conversationID"`
		Seqs             []int64 `json:"seqs"`
		HasReadSeq       int64   `json:"hasReadSeq"`
	}
	msgTips(t, notes[0], &tips)
	if tips.MarkAsReadUserID != "bob" || tips.ConversationID != cid || !slices.Equal(tips.Seqs, []int64{1, 2, 3}) || tips.HasReadSeq != 3 {
		t.Fatalf("receipt tips %+v", tips)
	}
	for _, m := range c.pull(t, "alice", cid, 1, 5, 0).Msgs {
		if m.IsRead != (m.Seq <= 3) {
			t.Fatalf("seq %d isRead %v", m.Seq, m.IsRead)
		}
	}
}

// TestMsgSearchFilters: each filter of search_msg narrows the caller's own messages.
func TestMsgSearchFilters(t *testing.T) {
	t.Parallel()
	c := newChat(t, "alice", "bob", "carol")
	c.createGroup(t, "sf", "alice", nil, []string{"bob"})
	c.send(t, c.textMsg("alice", "bob", "plan one"))
	mid := c.send(t, c.textMsg("bob", "alice", "plan two"))
	// The time filters below split at mid and late: their neighbours must not share their
	// millisecond, which two sends in a row can on a fast machine.
	time.Sleep(2 * time.Millisecond)
	c.send(t, c.textMsg("bob", "g:sf", "plan three"))
	time.Sleep(2 * time.Millisecond)
	file := c.textMsg("bob", "alice", "")
	file.ContentType, file.Content = 105, []byte(`{"sourceUrl":"http://x/f","fileName":"plan.pdf","fileSize":1}`)
	late := c.send(t, file)
	revoked := c.send(t, c.textMsg("alice", "bob", "plan gone"))
	c.n.PostOK(t, "/msg/revoke_msg", c.tokens["alice"], map[string]any{"conversationID": siID("alice", "bob"), "seq": revoked.Seq, "userID": "alice"}, nil)
	c.send(t, c.textMsg("carol", "alice", "plan of carol"))

	found := func(req map[string]any) []string {
		t.Helper()
		req["keyword"] = "plan"
		var out []string
		for _, l := range c.search(t, "bob", req).ChatLogs {
			out = append(out, l.ChatLog.Content)
		}
		sort.Strings(out)
		return out
	}
	fileJSON := string(file.Content)
	cases := []struct {
		name string
		req  map[string]any
		want []string
	}{
		{"all of bob's", map[string]any{}, []string{`{"content":"plan one"}`, `{"content":"plan three"}`, `{"content":"plan two"}`, fileJSON}},
		{"by sender", map[string]any{"sendID": "alice"}, []string{`{"content":"plan one"}`}},
		{"by conversation", map[string]any{"conversationID": "sg_sf"}, []string{`{"content":"plan three"}`}},
		{"by content type", map[string]any{"contentType": 105}, []string{fileJSON}},
		{"by session type", map[string]any{"sessionType": 3}, []string{`{"content":"plan three"}`}},
		{"by peer", map[string]any{"recvID": "alice"}, []string{`{"content":"plan one"}`, `{"content":"plan two"}`, fileJSON}},
		{"from a time", map[string]any{"startTime": late.SendTime}, []string{fileJSON}},
		{"up to a time", map[string]any{"endTime": mid.SendTime}, []string{`{"content":"plan one"}`, `{"content":"plan two"}`}},
		{"another's conversation", map[string]any{"conversationID": siID("alice", "carol")}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := found(tc.req); !slices.Equal(got, tc.want) {
				t.Fatalf("found %q, want %q", got, tc.want)
			}
		})
	}
}
