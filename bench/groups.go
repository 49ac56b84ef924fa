package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"lanim/node/client"
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
		msg := &pb.MsgData{SendID: owner, GroupID: gid, ClientMsgID: id, SenderPlatformID: platform, SessionType: 3,
			MsgFrom: 100, ContentType: 101, Content: []byte(`{"content":"benchmark group message"}`),
			CreateTime: time.Now().UnixMilli(), Status: 1}
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

// measureHistory fills one chat with historyMessages, then times a receiver (on the last node)
// pulling all of it by seq ranges of historyPage (1002), once per run.
func measureHistory(ctx context.Context, o Options, nodes []*Node, tag, label string) (Spread, error) {
	p, err := newPool(ctx, []*Node{nodes[0], nodes[len(nodes)-1]}, tag+"_hist", 1)
	if err != nil {
		return Spread{}, err
	}
	defer p.close()
	pr := p.pairs[0]
	toks, err := nodes[0].tokens(ctx, []string{pr.from})
	if err != nil {
		return Spread{}, err
	}
	if err := fill(ctx, nodes[0].Admin.WithToken(toks[pr.from]), pr, historyMessages, fillWorkers); err != nil {
		return Spread{}, err
	}
	// In an office the receiver's node may still be applying the fill: wait until it has it all.
	conv, maxSeq := "", int64(0)
	deadline := time.Now().Add(settleTimeout)
	for maxSeq < historyMessages {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		seqs, err := pr.recv.NewestSeqs(cctx)
		cancel()
		if err != nil {
			return Spread{}, err
		}
		if len(seqs.MaxSeqs) > 1 {
			return Spread{}, fmt.Errorf("receiver has %d conversations, want 1", len(seqs.MaxSeqs))
		}
		for id, s := range seqs.MaxSeqs {
			conv, maxSeq = id, s
		}
		if time.Now().After(deadline) {
			return Spread{}, fmt.Errorf("receiver's node has seq %d of %d after %v", maxSeq, historyMessages, settleTimeout)
		}
		if maxSeq < historyMessages {
			time.Sleep(100 * time.Millisecond)
		}
	}
	var times []float64
	for run := range o.Runs {
		start := time.Now()
		got := 0
		for begin := int64(1); begin <= maxSeq; begin += historyPage {
			end := min(begin+historyPage-1, maxSeq)
			cctx, cancel := context.WithTimeout(ctx, callTimeout)
			r, err := pr.recv.PullBySeqRanges(cctx, &pb.SeqRange{ConversationID: conv, Begin: begin, End: end, Num: historyPage})
			cancel()
			if err != nil {
				return Spread{}, fmt.Errorf("pull %d..%d: %w", begin, end, err)
			}
			got += len(r.Msgs[conv].GetMsgs())
		}
		ms := float64(time.Since(start)) / float64(time.Millisecond)
		if got != int(maxSeq) {
			return Spread{}, fmt.Errorf("pulled %d messages of %d", got, maxSeq)
		}
		times = append(times, ms)
		o.logf("%s: pulled %d messages in %d ranges, run %d/%d: %.0f ms", label, got, (got+historyPage-1)/historyPage,
			run+1, o.Runs, ms)
	}
	return SpreadOf(times), nil
}
