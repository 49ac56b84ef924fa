package im

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// msgTM drives Machine.Apply on a real SQLite store, one command per committed transaction, as the
// FSM does (a rule failure rolls the command back).
type msgTM struct {
	t      *testing.T
	db     *store.DB
	m      *Machine
	index  uint64
	now    int64
	events []Event // of the last successful command
	ids    int
}

func msgTestMachine(t *testing.T) *msgTM {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tm := &msgTM{t: t, db: db, m: NewMachine(), now: 1_700_000_000_000}
	key := make([]byte, 32)
	tm.must("", "office.create", &CreateOffice{Office: Office{OfficeID: "office1", JWTKey: key, AdminSecretHash: "x"}})
	return tm
}

// apply commits one command from caller (platform 5, the admin's 10) and returns its result.
func (tm *msgTM) apply(caller, kind string, args any) (json.RawMessage, error) {
	tm.t.Helper()
	platform := openim.PlatformWeb
	if openim.IsAdmin(caller) {
		platform = openim.PlatformAdmin
	}
	tm.index++
	tm.now += 1000
	cmd, err := NewCommand(kind, Caller{UserID: caller, Platform: platform}, tm.now, fmt.Sprintf("op%d", tm.index), args)
	if err != nil {
		tm.t.Fatal(err)
	}
	ctx := context.Background()
	tx, err := tm.db.Begin(ctx)
	if err != nil {
		tm.t.Fatal(err)
	}
	res, events := tm.m.Apply(ctx, tx, tm.index, cmd)
	if res.Err != nil {
		if err := tx.Rollback(); err != nil {
			tm.t.Fatal(err)
		}
		if res.Err.Code == openim.ErrInternal.Code {
			tm.t.Fatalf("%s: internal error: %v", kind, res.Err)
		}
		return nil, res.Err
	}
	if err := tx.Commit(); err != nil {
		tm.t.Fatal(err)
	}
	tm.events = events
	return res.Data, nil
}

func (tm *msgTM) must(caller, kind string, args any) json.RawMessage {
	tm.t.Helper()
	data, err := tm.apply(caller, kind, args)
	if err != nil {
		tm.t.Fatalf("%s by %q: %v", kind, caller, err)
	}
	return data
}

// wantCode fails unless the command fails with code.
func (tm *msgTM) wantCode(code int, caller, kind string, args any) {
	tm.t.Helper()
	_, err := tm.apply(caller, kind, args)
	var e *openim.Error
	if !errors.As(err, &e) || e.Code != code {
		tm.t.Fatalf("%s by %q: got %v, want code %d", kind, caller, err, code)
	}
}

func (tm *msgTM) users(ids ...string) {
	tm.t.Helper()
	var users []NewUser
	for _, id := range ids {
		users = append(users, NewUser{UserID: id, Nickname: "Nick " + id})
	}
	tm.must(openim.AdminUserID, "user.register", &RegisterUsers{Users: users})
}

// exec runs SQL on the state directly, for what other areas own (groups, blacks).
func (tm *msgTM) exec(query string, args ...any) {
	tm.t.Helper()
	ctx := context.Background()
	tx, err := tm.db.Begin(ctx)
	if err != nil {
		tm.t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, query, args...); err != nil {
		tx.Rollback()
		tm.t.Fatalf("%s: %v", query, err)
	}
	if err := tx.Commit(); err != nil {
		tm.t.Fatal(err)
	}
}

// group makes a group with owner (role 100) and members (role 20), as the groups area would.
func (tm *msgTM) group(groupID, owner string, members ...string) {
	tm.t.Helper()
	tm.exec(`INSERT INTO groups (group_id, group_name, owner_id, create_time) VALUES (?, ?, ?, ?)`,
		groupID, "Group "+groupID, owner, tm.now)
	tm.join(groupID, owner, openim.RoleOwner)
	for _, m := range members {
		tm.join(groupID, m, openim.RoleMember)
	}
}

func (tm *msgTM) join(groupID, userID string, role int32) {
	tm.t.Helper()
	tm.exec(`INSERT INTO group_members (group_id, user_id, role_level, join_time, join_seq)
		VALUES (?, ?, ?, ?, (SELECT count(*) FROM group_members))`, groupID, userID, role, tm.now)
	tm.exec(`UPDATE conversations SET max_seq = 0 WHERE owner_id = ? AND conversation_id = ?`, userID, "sg_"+groupID)
}

// leave removes a member and freezes their sg_ row at the group's current maxSeq, as quit and kick do.
func (tm *msgTM) leave(groupID, userID string) {
	tm.t.Helper()
	tm.exec(`DELETE FROM group_members WHERE group_id = ? AND user_id = ?`, groupID, userID)
	tm.exec(`UPDATE conversations SET max_seq = (SELECT max_seq FROM seqs WHERE conversation_id = ?)
		WHERE owner_id = ? AND conversation_id = ?`, "sg_"+groupID, userID, "sg_"+groupID)
}

// text builds a text message from sendID to a user (recvID) or a group ("g:" + ID).
func (tm *msgTM) text(sendID, to, words string) *pb.MsgData {
	tm.ids++
	m := &pb.MsgData{SendID: sendID, ClientMsgID: fmt.Sprintf("c%d", tm.ids), SessionType: openim.SingleChat,
		ContentType: openim.Text, Content: []byte(fmt.Sprintf(`{"content":%q}`, words))}
	if len(to) > 2 && to[:2] == "g:" {
		m.GroupID, m.SessionType = to[2:], openim.ReadGroupChat
	} else {
		m.RecvID = to
	}
	return m
}

// send sends as the message's sender and returns the result.
func (tm *msgTM) send(m *pb.MsgData) SendMsgResult {
	tm.t.Helper()
	var res SendMsgResult
	if err := json.Unmarshal(tm.must(m.SendID, "msg.send", &SendMsg{MsgData: m}), &res); err != nil {
		tm.t.Fatal(err)
	}
	return res
}

func (tm *msgTM) q() store.Q { return tm.db.Reader() }

// pull reads seqs lo..hi of a conversation as userID (1002, num 0: all).
func (tm *msgTM) pull(userID, cid string, lo, hi int64) []*pb.MsgData {
	tm.t.Helper()
	resp, err := PullBySeqRanges(context.Background(), tm.q(), userID, &pb.PullMessageBySeqsReq{UserID: userID,
		SeqRanges: []*pb.SeqRange{{ConversationID: cid, Begin: lo, End: hi}}})
	if err != nil {
		tm.t.Fatal(err)
	}
	pm := resp.Msgs[cid]
	if openim.IsNotificationConversation(cid) {
		pm = resp.NotificationMsgs[cid]
	}
	if pm == nil {
		return nil
	}
	return pm.Msgs
}

// visible returns the texts of the messages userID reads in a conversation, placeholders as "-".
func (tm *msgTM) visible(userID, cid string) []string {
	tm.t.Helper()
	var out []string
	for _, m := range tm.pull(userID, cid, 1, 1<<40) {
		out = append(out, msgText(m))
	}
	return out
}

func msgText(m *pb.MsgData) string {
	if m.Status == openim.MsgStatusDeleted {
		return "-"
	}
	var t struct {
		Content string `json:"content"`
		Detail  string `json:"detail"`
	}
	json.Unmarshal(m.Content, &t)
	if m.ContentType == openim.MsgRevokeNotification {
		return "revoked"
	}
	return t.Content
}

// pushes returns the push events of the last command.
func (tm *msgTM) pushes() []*Push {
	var out []*Push
	for _, e := range tm.events {
		if e.Push != nil {
			out = append(out, e.Push)
		}
	}
	return out
}

// conv reads a user's conversation row.
func (tm *msgTM) conv(owner, cid string) *store.ConversationRow {
	tm.t.Helper()
	c, err := conversationRow(context.Background(), tm.q(), owner, cid)
	if err != nil {
		tm.t.Fatal(err)
	}
	return c
}

// msgTips decodes the detail of a notification.
func msgTips(t *testing.T, m *pb.MsgData, out any) {
	t.Helper()
	var c struct {
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(m.Content, &c); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(c.Detail), out); err != nil {
		t.Fatalf("detail %s: %v", c.Detail, err)
	}
}
