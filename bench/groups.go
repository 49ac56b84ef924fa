package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"lanim/node/client"
	"lanim/node/openim"
	"lanim/node/pb"
)

const (
	groupMembers    = 200
	historyMessages = 10000
	historyPage     = 100 // messages per 1002 range, as the SDK pulls
	fanOutTimeout   = 30 * time.Second
)

// measureFanOut: a group of groupMembers plus its owner, every member connected (spread over the
// nodes); each run the owner sends one message and the figure is the time until the last member
// has its push.
func measureFanOut(ctx context.Context, o Options, nodes []*Node, tag, label string) (Spread, error) {
	owner := tag + "_gowner"
	ids := []string{owner}
	for i := range groupMembers {
		ids = append(ids, fmt.Sprintf("%s_g%d", tag, i))
	}
	toks, err := nodes[0].users(ctx, ids)
	if err != nil {
		return Spread{}, err
	}
	var created struct {
		GroupInfo *pb.GroupInfo `json:"groupInfo"`
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	err = nodes[0].Admin.WithToken(toks[owner]).Call(cctx, "/group/create_group", map[string]any{
		"ownerUserID": owner, "memberUserIDs": ids[1:],
		"groupInfo": map[string]any{"groupName": "bench " + tag, "groupType": 2}}, &created)
	cancel()
	if err != nil {
		return Spread{}, fmt.Errorf("create group: %w", err)
	}
	gid := created.GroupInfo.GetGroupID()
	hits := make(chan string, 4*groupMembers)
	var conns []*client.Conn
	defer func() {
		var wg sync.WaitGroup
		for _, c := range conns {
			wg.Go(func() { c.Close() })
		}
		wg.Wait()
	}()
	for i, id := range ids {
		c, err := nodes[i%len(nodes)].dial(ctx, id, toks[id])
		if err != nil {
			return Spread{}, err
		}
		conns = append(conns, c)
		if i == 0 {
			go consume(c, nil)
			continue
		}
		go func() {
			for p := range c.Pushes() {
				if p.Msgs == nil {
					continue
				}
				for _, pm := range p.Msgs.Msgs {
					for _, m := range pm.GetMsgs() {
						if m.ContentType == 101 {
							hits <- m.ClientMsgID
						}
					}
				}
			}
		}()
	}
	var times []float64
	runs := max(o.Runs, 5)
	for run := range runs {
		id := fmt.Sprintf("fan_%s_%d_%d", tag, run, time.Now().UnixNano())
		msg := &pb.MsgData{SendID: owner, GroupID: gid, ClientMsgID: id, SenderPlatformID: platform, SessionType: openim.ReadGroupChat,
			MsgFrom: openim.MsgFromUser, ContentType: openim.Text, Content: []byte(`{"content":"benchmark group message"}`),
			CreateTime: time.Now().UnixMilli(), Status: openim.MsgStatusSending}
		start := time.Now()
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		_, err := conns[0].SendMsg(cctx, msg)
		cancel()
		if err != nil {
			return Spread{}, fmt.Errorf("group send: %w", err)
		}
		got := 0
		timeout := time.After(fanOutTimeout)
		for got < groupMembers {
			select {
			case h := <-hits:
				if h == id {
					got++
				}
			case <-timeout:
				return Spread{}, fmt.Errorf("only %d of %d members got the message within %v", got, groupMembers, fanOutTimeout)
			}
		}
		ms := float64(time.Since(start)) / float64(time.Millisecond)
		times = append(times, ms)
		o.logf("%s: fan-out to %d members, run %d/%d: %.1f ms", label, groupMembers, run+1, runs, ms)
	}
	return SpreadOf(times), nil
}

// measureHistory fills one chat with historyMessages, then times a receiver pulling all of it by
// seq ranges of historyPage (1002), as the SDK's sync after a login does: each run logs in afresh
// (in an office on the last node, not the one the messages were sent to) and pulls in sequence.
func measureHistory(ctx context.Context, o Options, nodes []*Node, tag, label string) (Spread, error) {
	pr := pair{from: tag + "_hist_s", to: tag + "_hist_r"}
	toks, err := nodes[0].users(ctx, []string{pr.from, pr.to})
	if err != nil {
		return Spread{}, err
	}
	b := o.bar(historyMessages, label+": filling the history chat")
	err = fill(ctx, nodes[0].Admin, []pair{pr}, historyMessages, fillWorkers, b)
	b.Finish()
	if err != nil {
		return Spread{}, err
	}
	var times []float64
	for run := range o.Runs {
		ms, err := pullHistory(ctx, nodes[len(nodes)-1], pr.to, toks[pr.to])
		if err != nil {
			return Spread{}, err
		}
		times = append(times, ms)
		o.logf("%s: pulled %d messages in %d ranges, run %d/%d: %.0f ms", label, historyMessages,
			historyMessages/historyPage, run+1, o.Runs, ms)
	}
	return SpreadOf(times), nil
}

// pullHistory logs id in at n, waits until n has applied the whole chat, and returns the ms the
// pulls took.
func pullHistory(ctx context.Context, n *Node, id, token string) (float64, error) {
	c, err := n.dial(ctx, id, token)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	go consume(c, nil)
	conv, maxSeq := "", int64(0)
	deadline := time.Now().Add(settleTimeout)
	for maxSeq < historyMessages {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		seqs, err := c.NewestSeqs(cctx)
		cancel()
		if err != nil {
			return 0, err
		}
		if len(seqs.MaxSeqs) > 1 {
			return 0, fmt.Errorf("receiver has %d conversations, want 1", len(seqs.MaxSeqs))
		}
		for cid, s := range seqs.MaxSeqs {
			conv, maxSeq = cid, s
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("receiver's node has seq %d of %d after %v", maxSeq, historyMessages, settleTimeout)
		}
		if maxSeq < historyMessages {
			time.Sleep(100 * time.Millisecond)
		}
	}
	start := time.Now()
	got := 0
	for begin := int64(1); begin <= maxSeq; begin += historyPage {
		end := min(begin+historyPage-1, maxSeq)
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		r, err := c.PullBySeqRanges(cctx, &pb.SeqRange{ConversationID: conv, Begin: begin, End: end, Num: historyPage})
		cancel()
		if err != nil {
			return 0, fmt.Errorf("pull %d..%d: %w", begin, end, err)
		}
		got += len(r.Msgs[conv].GetMsgs())
	}
	ms := float64(time.Since(start)) / float64(time.Millisecond)
	if got != int(maxSeq) {
		return 0, fmt.Errorf("pulled %d messages of %d", got, maxSeq)
	}
	return ms, nil
}
