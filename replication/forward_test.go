package replication

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"lanim/node/im"
)

// TestForwardsAreGathered: sends made on a follower at the same time reach the leader in fewer
// calls than sends (apply.batch), and still each is committed once, gets its own result, and is
// pushed on every node in its conversation's order.
func TestForwardsAreGathered(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	nodes, logs := noticeOffice(t, ctx)
	a, b := nodes[0], nodes[1] // the leader, a follower

	const conversations, perConversation = 64, 4
	registerUsers(t, ctx, a, 2*conversations)

	leaderCalls := func() uint64 {
		srv := a.servers[0]
		return srv.served["apply"].Load() + srv.served["apply.batch"].Load()
	}
	before := leaderCalls()
	converse(t, conversations, perConversation, func(i int, id string, cmd *im.Command) error {
		res, err := b.Propose(ctx, cmd)
		if err := proposed(res, err); err != nil {
			return err
		}
		// Each caller gets the result of its own entry.
		var r im.SendMsgResult
		if err := json.Unmarshal(res.Data, &r); err != nil || r.ClientMsgID != id || r.Seq != int64(i+1) {
			return fmt.Errorf("result %s (%v), want its own message at seq %d", res.Data, err, i+1)
		}
		return nil
	})
	const sends = conversations * perConversation
	forwards := leaderCalls() - before
	t.Logf("%d sends forwarded in %d calls", sends, forwards)
	if forwards >= sends {
		t.Fatalf("%d concurrent sends took %d calls to the leader: none were gathered", sends, forwards)
	}
	last := b.AppliedIndex()
	for i, l := range logs {
		if err := nodes[i].fsm.waitApplied(ctx, last); err != nil {
			t.Fatal(err)
		}
		checkPushes(t, nodes[i].selfID, l.all(), sends)
	}

	// A leader that refuses a batch as a whole (one of an older build has no apply.batch; this one
	// refuses more than maxApplyBatch entries) gets one call per entry, and each commits.
	addr, leader := b.raft.LeaderWithID()
	var calls []*fwdCall
	for i := range maxApplyBatch + 1 {
		entry, err := sendCommand(t, "u0", "u1", fmt.Sprint("alone-", i)).Encode()
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls, &fwdCall{ctx: ctx, addr: addr, id: leader, entry: entry, done: make(chan struct{})})
	}
	b.sendForwards(calls)
	for i, c := range calls {
		<-c.done
		var r im.SendMsgResult
		if c.err != nil || c.reply.Result == nil || c.reply.Result.Err != nil ||
			json.Unmarshal(c.reply.Result.Data, &r) != nil || r.ClientMsgID != fmt.Sprint("alone-", i) {
			t.Fatalf("entry %d of a refused batch: %v %+v", i, c.err, c.reply.Result)
		}
	}
}
