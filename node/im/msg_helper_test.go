package im

import (
	"context"
	"encoding/json"
	"fmt"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// group makes a group with owner (role 100) and members (role 20), as the groups area would.
func (tm *testM) makeGroup(groupID, owner string, members ...string) {
	tm.t.Helper()
	tm.exec(`INSERT INTO groups (group_id, group_name, owner_id, create_time) VALUES (?, ?, ?, ?)`,
		groupID, "Group "+groupID, owner, tm.now)
	tm.join(groupID, owner, openim.RoleOwner)
	for _, m := range members {
		tm.join(groupID, m, openim.RoleMember)
	}
}

func (tm *testM) join(groupID, userID string, role int32) {
	tm.t.Helper()
	tm.exec(`INSERT INTO group_members (group_id, user_id, role_level, join_time, join_seq)
		VALUES (?, ?, ?, ?, (SELECT count(*) FROM group_members))`, groupID, userID, role, tm.now)
	tm.exec(`UPDATE conversations SET max_seq = 0 WHERE owner_id = ? AND conversation_id = ?`, userID, "sg_"+groupID)
}

// leave removes a member and freezes their sg_ row at the group's current maxSeq, as quit and kick do.
func (tm *testM) leave(groupID, userID string) {
	tm.t.Helper()
	tm.exec(`DELETE FROM group_members WHERE group_id = ? AND user_id = ?`, groupID, userID)
	tm.exec(`UPDATE conversations SET max_seq = (SELECT max_seq FROM seqs WHERE conversation_id = ?)
		WHERE owner_id = ? AND conversation_id = ?`, "sg_"+groupID, userID, "sg_"+groupID)
}

// text builds a text message from sendID to a user (recvID) or a group ("g:" + ID).
func (tm *testM) text(sendID, to, words string) *pb.MsgData {
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
func (tm *testM) send(m *pb.MsgData) SendMsgResult {
	tm.t.Helper()
	var res SendMsgResult
	if err := json.Unmarshal(tm.must(m.SendID, "msg.send", &SendMsg{MsgData: m}), &res); err != nil {
		tm.t.Fatal(err)
	}
	return res
}

// pull reads seqs lo..hi of a conversation as userID (1002, num 0: all).
func (tm *testM) pull(userID, cid string, lo, hi int64) []*pb.MsgData {
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
func (tm *testM) visible(userID, cid string) []string {
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

// lastPushes returns the push events of the last successful command.
func (tm *testM) lastPushes() []*Push {
	var out []*Push
	for _, e := range tm.events {
		if e.Push != nil {
			out = append(out, e.Push)
		}
	}
	return out
}

// conv reads a user's conversation row.
func (tm *testM) conv(owner, cid string) *store.ConversationRow {
	tm.t.Helper()
	c, err := conversationRow(context.Background(), tm.q(), owner, cid)
	if err != nil {
		tm.t.Fatal(err)
	}
	return c
}
