package replication

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
)

// A follower's outbox, holding more than a batch of two senders' messages in two conversations,
// drains through the leader in batches; every member then holds each message once, in the order
// it was queued, per sender and per conversation.
func TestOutboxDrainsInOrder(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	office := openBlobOffice(t, ctx, 0)
	var follower *blobMember
	for _, m := range office {
		if _, id := m.raft.LeaderWithID(); id != m.selfID {
			follower = m
			break
		}
	}
	admin := im.Caller{UserID: openim.AdminUserID, Platform: openim.PlatformAdmin}
	reg, err := im.NewCommand("user.register", admin, time.Now().UnixMilli(), "op", &im.RegisterUsers{Users: []im.NewUser{
		{UserID: "ann", Nickname: "Ann"}, {UserID: "ben", Nickname: "Ben"}, {UserID: "cat", Nickname: "Cat"}}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := follower.Propose(ctx, reg); err != nil || res.Err != nil {
		t.Fatalf("register: %v %v", err, res)
	}

	const queued = 3*outboxBatch + 7
	want := map[string][]string{} // conversation to its clientMsgIDs in queue order
	for i := range queued {
		from, to := "ann", "ben"
		if i%3 == 2 {
			from, to = "cat", "ben"
		}
		id := fmt.Sprintf("q%05d", i)
		cmd, err := im.NewCommand(sendKind, im.Caller{UserID: from, Platform: openim.PlatformWeb}, time.Now().UnixMilli(), "op",
			&im.SendMsg{MsgData: &pb.MsgData{SendID: from, RecvID: to, ClientMsgID: id, SenderPlatformID: openim.PlatformWeb,
				SessionType: 1, MsgFrom: 100, ContentType: 101, CreateTime: time.Now().UnixMilli(),
				Content: []byte(`{"content":"queued"}`)}})
		if err != nil {
			t.Fatal(err)
		}
		entry, err := cmd.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := follower.outbox.add(id, entry); err != nil {
			t.Fatal(err)
		}
		conv := "si_" + min(from, to) + "_" + max(from, to)
		want[conv] = append(want[conv], id)
	}
	pollUntil(t, func() bool { return follower.outbox.empty() })

	applied := follower.AppliedIndex()
	for _, m := range office {
		if err := m.fsm.waitApplied(ctx, applied); err != nil {
			t.Fatal(err)
		}
		for conv, ids := range want {
			rows, err := m.db.Reader().QueryContext(ctx,
				`SELECT client_msg_id FROM messages WHERE conversation_id = ? ORDER BY seq`, conv)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				got = append(got, id)
			}
			rows.Close()
			if !slices.Equal(got, ids) {
				t.Fatalf("%s on %s: %d messages %v..., want the %d queued in order", conv, m.selfID, len(got),
					got[:min(5, len(got))], len(ids))
			}
		}
	}
}
