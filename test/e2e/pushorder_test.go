package e2e

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"lanim/node/client"
)

// TestClusterPushOrderAcrossNodes: two users on two nodes write to bob on the third at once, and
// bob answers one of them, all as fast as their sends are answered; every push reaches its
// receiver once, and each conversation's pushes come in the order they were sent, with
// consecutive seqs. The followers learn each commit from the leader's commit notice (no longer
// from an AppendEntries every 10 ms), so this is the notice's order and no-double check.
func TestClusterPushOrderAcrossNodes(t *testing.T) {
	const perSender = 40
	o := startOffice(t, 3)
	o.members[0].RegisterUsers(t, "alice", "bob", "carol")
	for _, m := range o.members {
		waitUsers(t, m.Node, "alice", "bob", "carol")
	}
	alice := wsDial(t, o.members[0].Node, "alice", 5, o.members[0].UserToken(t, "alice", 5), client.DialOptions{})
	bob := wsDial(t, o.members[1].Node, "bob", 5, o.members[1].UserToken(t, "bob", 5), client.DialOptions{})
	carol := wsDial(t, o.members[2].Node, "carol", 5, o.members[2].UserToken(t, "carol", 5), client.DialOptions{})

	// Each sender's clientMsgIDs, in the order they were answered.
	sent := map[string][]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	send := func(c *client.Conn, from, to string) {
		defer wg.Done()
		for i := range perSender {
			id := fmt.Sprintf("%s-%s-%d", from, to, i)
			if _, err := c.SendMsg(wsCtx(t, ""), wsText(from, to, id, fmt.Sprint("message ", i))); err != nil {
				errs <- fmt.Errorf("%s: %w", id, err)
				return
			}
			mu.Lock()
			sent[siID(from, to)+"/"+from] = append(sent[siID(from, to)+"/"+from], id)
			mu.Unlock()
		}
	}
	wg.Add(3)
	go send(alice, "alice", "bob")
	go send(carol, "carol", "bob")
	go send(bob, "bob", "alice")

	// What bob (both conversations, his own messages as echoes) and alice (bob's answers) get.
	received := func(c *client.Conn, want int) map[string][]msgSeen {
		got := map[string][]msgSeen{}
		deadline := time.After(2 * time.Minute)
		for n := 0; n < want; {
			select {
			case p, ok := <-c.Pushes():
				if !ok {
					t.Fatalf("connection of %s ended: %v", c.UserID(), c.Err())
				}
				if p.Msgs == nil {
					continue
				}
				for cid, pm := range p.Msgs.Msgs {
					for _, m := range pm.GetMsgs() {
						got[cid] = append(got[cid], msgSeen{m.SendID, m.ClientMsgID, m.Seq})
						n++
					}
				}
			case <-deadline:
				t.Fatalf("%s got %d of %d pushes", c.UserID(), n, want)
			}
		}
		return got
	}
	var bobGot, aliceGot map[string][]msgSeen
	var rg sync.WaitGroup
	rg.Add(2)
	go func() { defer rg.Done(); bobGot = received(bob, 3*perSender) }()
	go func() { defer rg.Done(); aliceGot = received(alice, 2*perSender) }()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rg.Wait()

	check := func(who string, got map[string][]msgSeen) {
		for cid, msgs := range got {
			ids := map[string][]string{}
			for i, m := range msgs {
				if i > 0 && m.seq != msgs[i-1].seq+1 {
					t.Errorf("%s, %s: seq %d after %d", who, cid, m.seq, msgs[i-1].seq)
				}
				ids[m.from] = append(ids[m.from], m.id)
			}
			for from, order := range ids {
				if want := sent[cid+"/"+from]; !slices.Equal(order, want) {
					t.Errorf("%s, %s from %s: pushed %v, sent %v", who, cid, from, order, want)
				}
			}
		}
	}
	check("bob", bobGot)
	check("alice", aliceGot)

	// Nothing comes twice: a last message reaches bob with nothing before it.
	if _, err := alice.SendMsg(wsCtx(t, ""), wsText("alice", "bob", "last", "last")); err != nil {
		t.Fatal(err)
	}
	if m := nextChat(t, bob, siID("alice", "bob")); m.ClientMsgID != "last" {
		t.Fatalf("bob got %s again before the last message", m.ClientMsgID)
	}
	o.converged(t)
}

type msgSeen struct {
	from, id string
	seq      int64
}
