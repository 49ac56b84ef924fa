package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"lanim/node/pb"
)

// convRow is the JSON of a Conversation as the REST API returns it.
type convRow struct {
	OwnerUserID      string `json:"ownerUserID"`
	ConversationID   string `json:"conversationID"`
	ConversationType int32  `json:"conversationType"`
	UserID           string `json:"userID"`
	GroupID          string `json:"groupID"`
	RecvMsgOpt       int32  `json:"recvMsgOpt"`
	IsPinned         bool   `json:"isPinned"`
	IsPrivateChat    bool   `json:"isPrivateChat"`
	Ex               string `json:"ex"`
	AttachedInfo     string `json:"attachedInfo"`
	GroupAtType      int32  `json:"groupAtType"`
}

type convIncremental struct {
	Version   uint64    `json:"version"`
	VersionID string    `json:"versionID"`
	Full      bool      `json:"full"`
	Delete    []string  `json:"delete"`
	Insert    []convRow `json:"insert"`
	Update    []convRow `json:"update"`
}

func convIDsOf(cs []convRow) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ConversationID)
	}
	return out
}

// convPostProto sends a /jssdk request with a protobuf body and returns the envelope.
func convPostProto(t *testing.T, n *Node, path, token string, req proto.Message) Envelope {
	t.Helper()
	body, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+n.APIAddr+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	hreq.Header.Set("Content-Type", "application/x-protobuf")
	hreq.Header.Set("operationID", rand.Text())
	hreq.Header.Set("token", token)
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: HTTP %s, %v: %s", path, resp.Status, err, raw)
	}
	var env Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("POST %s: %v: %s", path, err, raw)
	}
	return env
}

// convProtoData decodes a successful /jssdk envelope: data is the base64 string of the protobuf response.
func convProtoData(t *testing.T, env Envelope, out proto.Message) []byte {
	t.Helper()
	if env.ErrCode != 0 {
		t.Fatalf("errCode %d %s %s", env.ErrCode, env.ErrMsg, env.ErrDlt)
	}
	var b []byte
	if err := json.Unmarshal(env.Data, &b); err != nil {
		t.Fatalf("data %s is not a base64 string: %v", env.Data, err)
	}
	if err := proto.Unmarshal(b, out); err != nil {
		t.Fatalf("data does not decode: %v", err)
	}
	return b
}

func TestConversationEndpoints(t *testing.T) {
	n := startNode(t)
	n.RegisterUsers(t, "alice", "bob", "carol")
	alice, bob, carol := n.UserToken(t, "alice", 5), n.UserToken(t, "bob", 5), n.UserToken(t, "carol", 5)
	const si = "si_alice_bob"

	// Before any conversation: empty lists, a full first sync with a stable 24-hex versionID.
	var all struct {
		Conversations []convRow `json:"conversations"`
	}
	n.PostOK(t, "/conversation/get_all_conversations", alice, map[string]any{"ownerUserID": "alice"}, &all)
	if len(all.Conversations) != 0 {
		t.Fatalf("conversations before any: %+v", all.Conversations)
	}
	var first convIncremental
	n.PostOK(t, "/conversation/get_incremental_conversations", alice, map[string]any{"userID": "alice", "version": 0, "versionID": ""}, &first)
	if !first.Full || first.Version != 0 || !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(first.VersionID) ||
		len(first.Insert) != 0 || len(first.Update) != 0 || len(first.Delete) != 0 {
		t.Fatalf("first sync %+v", first)
	}
	var fullIDs struct {
		Version         uint64   `json:"version"`
		VersionID       string   `json:"versionID"`
		Equal           bool     `json:"equal"`
		ConversationIDs []string `json:"conversationIDs"`
	}
	n.PostOK(t, "/conversation/get_full_conversation_ids", alice, map[string]any{"userID": "alice", "idHash": 0}, &fullIDs)
	if fullIDs.VersionID != first.VersionID || len(fullIDs.ConversationIDs) != 0 {
		t.Fatalf("full IDs %+v", fullIDs)
	}
	n.PostErr(t, "/conversation/get_sorted_conversation_list", carol,
		map[string]any{"userID": "carol", "pagination": map[string]int{"pageNumber": 1, "showNumber": 10}}, 1004)

	// set_conversations creates alice's row from the ID and writes the settings.
	n.PostOK(t, "/conversation/set_conversations", alice, map[string]any{"userIDs": []string{"alice"},
		"conversation": map[string]any{"conversationID": si, "conversationType": 1, "userID": "bob",
			"isPinned": true, "recvMsgOpt": 2, "ex": "x", "attachedInfo": nil}}, nil)
	var one struct {
		Conversation convRow `json:"conversation"`
	}
	n.PostOK(t, "/conversation/get_conversation", alice, map[string]any{"ownerUserID": "alice", "conversationID": si}, &one)
	if c := one.Conversation; c.OwnerUserID != "alice" || c.UserID != "bob" || c.ConversationType != 1 || !c.IsPinned ||
		c.RecvMsgOpt != 2 || c.Ex != "x" || c.AttachedInfo != "" {
		t.Fatalf("get_conversation %+v", c)
	}
	var ids struct {
		ConversationIDs []string `json:"conversationIDs"`
	}
	n.PostOK(t, "/conversation/get_pinned_conversation_ids", alice, map[string]any{"userID": "alice"}, &ids)
	if !slices.Equal(ids.ConversationIDs, []string{si}) {
		t.Fatalf("pinned %v", ids.ConversationIDs)
	}
	n.PostOK(t, "/conversation/get_not_notify_conversation_ids", alice, map[string]any{"userID": "alice"}, &ids)
	if !slices.Equal(ids.ConversationIDs, []string{si}) {
		t.Fatalf("not notify %v", ids.ConversationIDs)
	}
	n.PostOK(t, "/conversation/get_conversations", alice, map[string]any{"ownerUserID": "alice",
		"conversationIDs": []string{"si_alice_carol", si}}, &all)
	if !slices.Equal(convIDsOf(all.Conversations), []string{si}) {
		t.Fatalf("get_conversations %+v", all.Conversations)
	}

	// Incremental: the create is an insert after version 0; a later change is an update.
	var inc convIncremental
	n.PostOK(t, "/conversation/get_incremental_conversations", alice, map[string]any{"userID": "alice", "version": 0, "versionID": first.VersionID}, &inc)
	if inc.Full || inc.VersionID != first.VersionID || inc.Version != 1 || len(inc.Insert) != 1 || inc.Insert[0].ConversationID != si {
		t.Fatalf("after create, from 0: %+v", inc)
	}
	n.PostOK(t, "/conversation/set_conversations", alice, map[string]any{"userIDs": []string{"alice"},
		"conversation": map[string]any{"conversationID": si, "recvMsgOpt": 0, "groupAtType": 1}}, nil)
	n.PostOK(t, "/conversation/get_incremental_conversations", alice, map[string]any{"userID": "alice", "version": 1, "versionID": first.VersionID}, &inc)
	if inc.Full || inc.Version != 2 || len(inc.Update) != 1 || inc.Update[0].RecvMsgOpt != 0 || inc.Update[0].GroupAtType != 1 ||
		!inc.Update[0].IsPinned || len(inc.Insert) != 0 || len(inc.Delete) != 0 {
		t.Fatalf("diff after set: %+v", inc)
	}
	n.PostOK(t, "/conversation/get_incremental_conversations", alice, map[string]any{"userID": "alice", "version": 2, "versionID": first.VersionID}, &inc)
	if inc.Full || inc.Version != 2 || len(inc.Update) != 0 {
		t.Fatalf("up to date: %+v", inc)
	}
	n.PostOK(t, "/conversation/get_incremental_conversations", alice, map[string]any{"userID": "alice", "version": 1, "versionID": "0123456789abcdef01234567"}, &inc)
	if !inc.Full || len(inc.Update) != 0 || inc.VersionID != first.VersionID {
		t.Fatalf("unknown versionID: %+v", inc)
	}

	// isPrivateChat: both rows, and a 1701 copy stored in the chat (a message with seq 1).
	n.PostOK(t, "/conversation/set_conversations", alice, map[string]any{"userIDs": []string{"alice"},
		"conversation": map[string]any{"conversationID": si, "isPrivateChat": true}}, nil)
	n.PostOK(t, "/conversation/get_conversation", bob, map[string]any{"ownerUserID": "bob", "conversationID": si}, &one)
	if !one.Conversation.IsPrivateChat || one.Conversation.UserID != "alice" {
		t.Fatalf("bob's row %+v", one.Conversation)
	}
	var bobInc convIncremental
	n.PostOK(t, "/conversation/get_incremental_conversations", bob, map[string]any{"userID": "bob", "version": 0, "versionID": ""}, &bobInc)
	if bobInc.VersionID == first.VersionID || bobInc.Version != 1 {
		t.Fatalf("bob's log %+v", bobInc)
	}

	// The notifications: 1300 to alice's own devices for each change she made, 1701 from alice to
	// bob; both are stored in their n_ streams, which carol cannot read.
	notes := func(token, user, nid string) []msgData {
		t.Helper()
		var r pullResp
		n.PostOK(t, "/msg/pull_msg_by_seq", token, map[string]any{"userID": user, "seqRanges": []map[string]any{
			{"conversationID": nid, "begin": 1, "end": 100, "num": 100}}}, &r)
		return r.NotificationMsgs[nid].Msgs
	}
	self := notes(alice, "alice", "n_alice_alice")
	if len(self) < 2 {
		t.Fatalf("alice's own notifications %+v", self)
	}
	for _, m := range self {
		var tips struct {
			UserID             string   `json:"userID"`
			ConversationIDList []string `json:"conversationIDList"`
		}
		msgTips(t, m, &tips)
		if m.ContentType != 1300 || m.SendID != "alice" || m.RecvID != "alice" || tips.UserID != "alice" ||
			!slices.Equal(tips.ConversationIDList, []string{si}) {
			t.Fatalf("1300 %+v tips %+v", m, tips)
		}
	}
	private := notes(bob, "bob", "n_alice_bob")
	if len(private) != 1 || private[0].ContentType != 1701 || private[0].SendID != "alice" || private[0].RecvID != "bob" {
		t.Fatalf("bob's notifications %+v", private)
	}
	var privateTips struct {
		RecvID         string `json:"recvID"`
		SendID         string `json:"sendID"`
		IsPrivate      bool   `json:"isPrivate"`
		ConversationID string `json:"conversationID"`
	}
	msgTips(t, private[0], &privateTips)
	if privateTips.RecvID != "bob" || privateTips.SendID != "alice" || !privateTips.IsPrivate || privateTips.ConversationID != si {
		t.Fatalf("1701 tips %+v", privateTips)
	}
	if got := notes(carol, "carol", "n_alice_bob"); len(got) != 0 {
		t.Fatalf("carol reads %+v", got)
	}

	// get_owner_conversation pages; get_sorted_conversation_list has upstream's odd key case.
	var owner struct {
		Total         int64     `json:"total"`
		Conversations []convRow `json:"conversations"`
	}
	n.PostOK(t, "/conversation/get_owner_conversation", bob, map[string]any{"userID": "bob",
		"pagination": map[string]int{"pageNumber": 1, "showNumber": 10}}, &owner)
	if owner.Total != 1 || !slices.Equal(convIDsOf(owner.Conversations), []string{si}) {
		t.Fatalf("owner conversations %+v", owner)
	}
	n.PostOK(t, "/conversation/get_owner_conversation", bob, map[string]any{"userID": "bob",
		"pagination": map[string]int{"pageNumber": 2, "showNumber": 10}}, &owner)
	if owner.Total != 1 || len(owner.Conversations) != 0 {
		t.Fatalf("page 2 %+v", owner)
	}
	env := n.Post(t, "/conversation/get_sorted_conversation_list", bob, map[string]any{"userID": "bob",
		"pagination": map[string]int{"pageNumber": 1, "showNumber": 10}})
	if env.ErrCode != 0 || !strings.Contains(string(env.Data), `"IsPinned":false`) || !strings.Contains(string(env.Data), `"LatestMsgRecvTime":`) {
		t.Fatalf("sorted list %d %s", env.ErrCode, env.Data)
	}
	var sorted struct {
		ConversationTotal int64 `json:"conversationTotal"`
		UnreadTotal       int64 `json:"unreadTotal"`
		ConversationElems []struct {
			ConversationID string `json:"conversationID"`
			UnreadCount    int64  `json:"unreadCount"`
			MsgInfo        struct {
				SendID      string `json:"sendID"`
				SenderName  string `json:"senderName"`
				ContentType int32  `json:"contentType"`
			} `json:"msgInfo"`
		} `json:"conversationElems"`
	}
	if err := json.Unmarshal(env.Data, &sorted); err != nil {
		t.Fatal(err)
	}
	if sorted.ConversationTotal != 1 || sorted.UnreadTotal != 1 || len(sorted.ConversationElems) != 1 ||
		sorted.ConversationElems[0].UnreadCount != 1 || sorted.ConversationElems[0].MsgInfo.ContentType != 1701 ||
		sorted.ConversationElems[0].MsgInfo.SenderName != "Nick alice" {
		t.Fatalf("sorted list %+v", sorted)
	}
	n.PostOK(t, "/conversation/get_sorted_conversation_list", bob, map[string]any{"userID": "bob"}, &sorted)
	if sorted.ConversationTotal != 1 || len(sorted.ConversationElems) != 0 {
		t.Fatalf("no pagination: %+v", sorted)
	}

	// The admin acts for anyone.
	n.PostOK(t, "/conversation/get_all_conversations", n.AdminToken, map[string]any{"ownerUserID": "bob"}, &all)
	if len(all.Conversations) != 1 {
		t.Fatalf("admin read %+v", all.Conversations)
	}
}

func TestConversationErrors(t *testing.T) {
	n := startNode(t)
	n.RegisterUsers(t, "alice", "bob")
	alice := n.UserToken(t, "alice", 5)
	page := map[string]int{"pageNumber": 1, "showNumber": 10}
	set := func(userIDs []string, conv map[string]any) map[string]any {
		return map[string]any{"userIDs": userIDs, "conversation": conv}
	}
	cases := []struct {
		name string
		path string
		body any
		code int
	}{
		{"all of another", "/conversation/get_all_conversations", map[string]any{"ownerUserID": "bob"}, 1002},
		{"one of another", "/conversation/get_conversation", map[string]any{"ownerUserID": "bob", "conversationID": "si_alice_bob"}, 1002},
		{"some of another", "/conversation/get_conversations", map[string]any{"ownerUserID": "bob", "conversationIDs": []string{"si_alice_bob"}}, 1002},
		{"sorted of another", "/conversation/get_sorted_conversation_list", map[string]any{"userID": "bob", "pagination": page}, 1002},
		{"convIncremental of another", "/conversation/get_incremental_conversations", map[string]any{"userID": "bob"}, 1002},
		{"full IDs of another", "/conversation/get_full_conversation_ids", map[string]any{"userID": "bob"}, 1002},
		{"not notify of another", "/conversation/get_not_notify_conversation_ids", map[string]any{"userID": "bob"}, 1002},
		{"pinned of another", "/conversation/get_pinned_conversation_ids", map[string]any{"userID": "bob"}, 1002},
		{"owner conversations of another", "/conversation/get_owner_conversation", map[string]any{"userID": "bob", "pagination": page}, 1002},
		{"set for another", "/conversation/set_conversations", set([]string{"alice", "bob"}, map[string]any{"conversationID": "si_alice_bob", "isPinned": true}), 1002},
		{"jssdk JSON of another", "/jssdk/get_conversations", map[string]any{"ownerUserID": "bob", "conversationIDs": []string{"si_alice_bob"}}, 1002},
		{"no owner", "/conversation/get_all_conversations", map[string]any{}, 1001},
		{"no conversationID", "/conversation/get_conversation", map[string]any{"ownerUserID": "alice"}, 1001},
		{"missing conversation", "/conversation/get_conversation", map[string]any{"ownerUserID": "alice", "conversationID": "si_alice_bob"}, 1004},
		{"bad pagination", "/conversation/get_owner_conversation", map[string]any{"userID": "alice", "pagination": map[string]int{"pageNumber": 0, "showNumber": 10}}, 1001},
		{"page too big", "/conversation/get_owner_conversation", map[string]any{"userID": "alice", "pagination": map[string]int{"pageNumber": 1, "showNumber": 100000}}, 1001},
		{"wrong type", "/conversation/get_incremental_conversations", `{"userID":"alice","version":"x"}`, 1001},
		{"set without conversation", "/conversation/set_conversations", map[string]any{"userIDs": []string{"alice"}}, 1001},
		{"set without conversationID", "/conversation/set_conversations", set([]string{"alice"}, map[string]any{"isPinned": true}), 1001},
		{"set without users", "/conversation/set_conversations", set(nil, map[string]any{"conversationID": "si_alice_bob"}), 1001},
		{"set a notification stream", "/conversation/set_conversations", set([]string{"alice"}, map[string]any{"conversationID": "n_alice_bob", "isPinned": true}), 1001},
		{"set a bad recvMsgOpt", "/conversation/set_conversations", set([]string{"alice"}, map[string]any{"conversationID": "si_alice_bob", "recvMsgOpt": 7}), 1001},
		{"set a wrapper of the wrong type", "/conversation/set_conversations", set([]string{"alice"}, map[string]any{"conversationID": "si_alice_bob", "isPinned": "yes"}), 1001},
		{"set a chat of others", "/conversation/set_conversations", set([]string{"alice"}, map[string]any{"conversationID": "si_bob_carol", "isPinned": true}), 1001},
		{"set a chat with nobody", "/conversation/set_conversations", set([]string{"alice"}, map[string]any{"conversationID": "si_alice_zed", "isPinned": true}), 1101},
		{"set a group of nobody", "/conversation/set_conversations", set([]string{"alice"}, map[string]any{"conversationID": "sg_nogroup", "isPinned": true}), 1201},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n.PostErr(t, tc.path, alice, tc.body, tc.code)
		})
	}
	many := make([]string, 1001)
	for i := range many {
		many[i] = fmt.Sprintf("u%d", i)
	}
	n.PostErr(t, "/conversation/set_conversations", n.AdminToken, set(many, map[string]any{"conversationID": "si_alice_bob"}), 1001)
	// Nothing was created by any of the failures.
	var all struct {
		Conversations []json.RawMessage `json:"conversations"`
	}
	n.PostOK(t, "/conversation/get_all_conversations", alice, map[string]any{"ownerUserID": "alice"}, &all)
	if len(all.Conversations) != 0 {
		t.Fatalf("rows after failures: %s", all.Conversations)
	}
	// Protobuf errors: another owner, a body that is not protobuf.
	if env := convPostProto(t, n, "/jssdk/get_active_conversations", alice, &pb.GetActiveConversationsReq{OwnerUserID: "bob"}); env.ErrCode != 1002 {
		t.Fatalf("active of another: %d", env.ErrCode)
	}
	env := convPostRaw(t, n, "/jssdk/get_conversations", alice, "application/x-protobuf", []byte{0xff, 0xff, 0xff})
	if env.ErrCode != 1001 {
		t.Fatalf("garbage protobuf: %d %s", env.ErrCode, env.ErrDlt)
	}
	env = convPostRaw(t, n, "/conversation/get_all_conversations", alice, "application/x-protobuf", []byte{0x0a, 0x00})
	if env.ErrCode != 1001 {
		t.Fatalf("protobuf outside /jssdk: %d", env.ErrCode)
	}
}

// convPostRaw sends body as is with the given Content-Type.
func convPostRaw(t *testing.T, n *Node, path, token, contentType string, body []byte) Envelope {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+n.APIAddr+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("operationID", rand.Text())
	req.Header.Set("token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env Envelope
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatal(err)
	}
	return env
}

func TestJSSDKConversations(t *testing.T) {
	n := startNode(t)
	n.RegisterUsers(t, "alice", "bob", "carol")
	alice, bob := n.UserToken(t, "alice", 5), n.UserToken(t, "bob", 5)
	const si = "si_alice_bob"

	// Nothing yet: the active list is zero bytes (data ""), but get_conversations is never empty.
	env := convPostProto(t, n, "/jssdk/get_active_conversations", bob, &pb.GetActiveConversationsReq{OwnerUserID: "bob", Count: 20})
	if env.ErrCode != 0 || string(env.Data) != `""` {
		t.Fatalf("empty active: %d %s", env.ErrCode, env.Data)
	}
	var none pb.GetConversationsResp
	b := convProtoData(t, convPostProto(t, n, "/jssdk/get_conversations", bob, &pb.GetConversationsReq{OwnerUserID: "bob",
		ConversationIDs: []string{si}}), &none)
	if len(b) == 0 || len(none.Conversations) != 0 {
		t.Fatalf("unknown conversation: %x, %v", b, &none)
	}
	env = convPostProto(t, n, "/jssdk/get_conversations", bob, &pb.GetConversationsReq{OwnerUserID: "bob"})
	if env.ErrCode != 0 || string(env.Data) != `""` {
		t.Fatalf("nothing asked: %d %s", env.ErrCode, env.Data)
	}

	// alice turns on private chat: both rows exist and the 1701 copy is the chat's seq 1.
	n.PostOK(t, "/conversation/set_conversations", alice, map[string]any{"userIDs": []string{"alice"},
		"conversation": map[string]any{"conversationID": si, "isPrivateChat": true, "isPinned": true}}, nil)

	var resp pb.GetConversationsResp
	convProtoData(t, convPostProto(t, n, "/jssdk/get_conversations", bob, &pb.GetConversationsReq{OwnerUserID: "bob",
		ConversationIDs: []string{si, "si_bob_carol"}}), &resp)
	if len(resp.Conversations) != 1 || resp.UnreadCount != 1 {
		t.Fatalf("bob's conversations %v", &resp)
	}
	c := resp.Conversations[0]
	if c.Conversation.GetConversationID() != si || !c.Conversation.IsPrivateChat || c.Conversation.UserID != "alice" ||
		c.MaxSeq != 1 || c.ReadSeq != 0 || c.LastMsg.GetSeq() != 1 || c.LastMsg.ContentType != 1701 ||
		c.User.GetNickname() != "Nick alice" || c.Friend != nil || c.Group != nil {
		t.Fatalf("bob's entry %v", c)
	}
	// The sender has read her own notification copy.
	convProtoData(t, convPostProto(t, n, "/jssdk/get_conversations", alice, &pb.GetConversationsReq{ConversationIDs: []string{si}}), &resp)
	if len(resp.Conversations) != 1 || resp.UnreadCount != 0 || resp.Conversations[0].ReadSeq != 1 || !resp.Conversations[0].Conversation.IsPinned {
		t.Fatalf("alice's entry %v", &resp)
	}

	var active pb.GetActiveConversationsResp
	convProtoData(t, convPostProto(t, n, "/jssdk/get_active_conversations", bob, &pb.GetActiveConversationsReq{OwnerUserID: "bob", Count: 20}), &active)
	if len(active.Conversations) != 1 || active.UnreadCount != 1 || active.Conversations[0].LastMsg.GetSeq() != 1 {
		t.Fatalf("bob's active %v", &active)
	}

	// A JSON request gets the response as a JSON object (as upstream).
	var js struct {
		UnreadCount   int64 `json:"unreadCount"`
		Conversations []struct {
			Conversation struct {
				ConversationID string `json:"conversationID"`
			} `json:"conversation"`
			MaxSeq int64 `json:"maxSeq"`
		} `json:"conversations"`
	}
	n.PostOK(t, "/jssdk/get_conversations", bob, map[string]any{"ownerUserID": "bob", "conversationIDs": []string{si}}, &js)
	if js.UnreadCount != 1 || len(js.Conversations) != 1 || js.Conversations[0].MaxSeq != 1 || js.Conversations[0].Conversation.ConversationID != si {
		t.Fatalf("JSON answer %+v", js)
	}
}
