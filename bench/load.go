package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"lanim/node/client"
	"lanim/node/gateway"
	"lanim/node/openim"
	"lanim/node/pb"
)

// pair is a sender and the peer it writes to, each its own user and WS connection.
type pair struct {
	from, to     string
	sender, recv *client.Conn
}

// recorder counts the messages receivers got in the current run and their send-to-receive times.
// Message IDs carry the run number and the send time, so a late push of an earlier run is ignored.
type recorder struct {
	mu    sync.Mutex
	run   int64
	start time.Time
	count int
	last  time.Time
	lat   Latencies
}

func (r *recorder) begin(run int64) {
	r.mu.Lock()
	r.run, r.start, r.count, r.last, r.lat = run, time.Now(), 0, time.Time{}, nil
	r.mu.Unlock()
}

func (r *recorder) got(clientMsgID string, at time.Time) {
	f := strings.Split(clientMsgID, "_")
	if len(f) != 5 || f[0] != "bench" {
		return
	}
	run, err1 := strconv.ParseInt(f[1], 10, 64)
	sent, err2 := strconv.ParseInt(f[4], 10, 64)
	if err1 != nil || err2 != nil {
		return
	}
	r.mu.Lock()
	if run == r.run {
		r.count++
		r.last = at
		r.lat = append(r.lat, at.Sub(time.Unix(0, sent)))
	}
	r.mu.Unlock()
}

func (r *recorder) snapshot() (count int, last time.Time, lat Latencies) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count, r.last, r.lat
}

// msgID is a unique clientMsgID carrying run and send time.
func msgID(run int64, sender, i int, sent time.Time) string {
	return fmt.Sprintf("bench_%d_%d_%d_%d", run, sender, i, sent.UnixNano())
}

func textMsg(from, to, id string) *pb.MsgData {
	return &pb.MsgData{SendID: from, RecvID: to, ClientMsgID: id, SenderPlatformID: platform, SessionType: openim.SingleChat,
		MsgFrom: openim.MsgFromUser, ContentType: openim.Text, Content: []byte(`{"content":"benchmark message, about as long as a chat line"}`),
		CreateTime: time.Now().UnixMilli(), Status: openim.MsgStatusSending}
}

// consume reads a connection's pushes until it ends, handing chat messages to rec (nil: drop them).
func consume(c *client.Conn, rec *recorder) {
	for p := range c.Pushes() {
		if p.Msgs == nil || rec == nil {
			continue
		}
		now := time.Now()
		for _, pm := range p.Msgs.Msgs {
			for _, m := range pm.GetMsgs() {
				rec.got(m.ClientMsgID, now)
			}
		}
	}
}

// pool is the pairs of one load scenario on a set of nodes: sender i logs in to node i, its peer
// to node i+1 (modulo), so in an office every message crosses nodes.
type pool struct {
	pairs []pair
	rec   *recorder
	run   atomic.Int64
}

func newPool(ctx context.Context, nodes []*Node, tag string, n int) (*pool, error) {
	ids := make([]string, 0, 2*n)
	for i := range n {
		ids = append(ids, fmt.Sprintf("%s_s%d", tag, i), fmt.Sprintf("%s_r%d", tag, i))
	}
	toks, err := nodes[0].users(ctx, ids)
	if err != nil {
		return nil, err
	}
	p := &pool{rec: &recorder{}}
	for i := range n {
		pr := pair{from: ids[2*i], to: ids[2*i+1]}
		// A sender's pushes (the echoes of its own messages) are not counted: its connection
		// drops them undecoded, as nobody would look at them.
		pr.sender, err = nodes[i%len(nodes)].dialWith(ctx, client.DialOptions{UserID: pr.from, Token: toks[pr.from],
			DropPushes: true})
		if err == nil {
			pr.recv, err = nodes[(i+1)%len(nodes)].dial(ctx, pr.to, toks[pr.to])
			if err != nil {
				pr.sender.Close()
			}
		}
		if err != nil {
			p.close()
			return nil, err
		}
		go consume(pr.recv, p.rec)
		p.pairs = append(p.pairs, pr)
	}
	return p, nil
}

func (p *pool) close() {
	var wg sync.WaitGroup
	for _, pr := range p.pairs {
		wg.Go(func() { pr.sender.Close(); pr.recv.Close() })
	}
	wg.Wait()
}

// loadResult is one run: messages received per second and their latencies (send to the
// receiver's push), and the senders' own answers (send to the 1003 reply).
type loadResult struct {
	rate    float64
	lat     Latencies
	replies Latencies
	errors  int
	// genCPU is this process's (the load generator's) user+system CPU time per message received
	// (µs): every microsecond of it is taken from the nodes on the same cores.
	genCPU float64
}

// senderInterval paces each sender just under the gateway's per-connection limit
// (gateway.ConnRequestRate requests per second; faster sends are refused with 1692 RateLimited), so
// a saturated sender sends about senderRate messages per second and never gets refused.
const (
	senderRate     = gateway.ConnRequestRate * 24 / 25
	senderInterval = time.Second / senderRate
)

// drainTimeout bounds the wait for pushes of messages sent before the run's end.
const drainTimeout = 10 * time.Second

// runLoad sends for d: as fast as each sender's answers come back (rate 0, closed loop), or rate
// messages per second spread over the senders. A message counts when its receiver has the push.
func (p *pool) runLoad(ctx context.Context, d time.Duration, rate float64) loadResult {
	run := p.run.Add(1)
	p.rec.begin(run)
	cpu0 := selfCPU()
	start := time.Now()
	end := start.Add(d)
	var acked, failed atomic.Int64
	var repMu sync.Mutex
	var replies Latencies
	tokens := evenTokens(start, end, rate)
	var wg sync.WaitGroup
	for si, pr := range p.pairs {
		wg.Go(func() {
			next := start
			for i := 0; time.Now().Before(end); i++ {
				if tokens != nil {
					if _, ok := <-tokens; !ok {
						return
					}
				} else {
					time.Sleep(time.Until(next))
				}
				now := time.Now()
				next = now.Add(senderInterval)
				cctx, cancel := context.WithTimeout(ctx, callTimeout)
				_, err := pr.sender.SendMsg(cctx, textMsg(pr.from, pr.to, msgID(run, si, i, now)))
				took := time.Since(now)
				cancel()
				if err != nil {
					failed.Add(1)
					if ctx.Err() != nil {
						return
					}
					continue
				}
				acked.Add(1)
				repMu.Lock()
				replies = append(replies, took)
				repMu.Unlock()
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(drainTimeout)
	for time.Now().Before(deadline) {
		if n, _, _ := p.rec.snapshot(); int64(n) >= acked.Load() {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	n, last, lat := p.rec.snapshot()
	res := loadResult{lat: lat, replies: replies, errors: int(failed.Load()) + int(acked.Load()) - n}
	if n > 0 {
		res.rate = float64(n) / last.Sub(start).Seconds()
		res.genCPU = float64((selfCPU() - cpu0).Microseconds()) / float64(n)
	}
	return res
}

// selfCPU is the user+system CPU time this process has used (0 if it cannot be read).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// fill sends total messages through REST /msg/send_msg, round-robin over pairs (each from → to),
// with workers in parallel. api is the admin's client, which sends as every pair's from: a user's
// own REST requests are rate-limited (100/s), the admin's are not, so filling chats for the
// history, data-dir and growth figures does not take a paced sender's time. b (may be nil) counts
// the messages sent.
func fill(ctx context.Context, api *client.Client, pairs []pair, total, workers int, b *bar) error {
	err := parallel(ctx, total, workers, b, func(i int) error {
		pr := pairs[i%len(pairs)]
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		return api.Call(cctx, "/msg/send_msg", map[string]any{"msgData": textMsg(pr.from, pr.to,
			msgID(0, i%workers, i, time.Now()))}, nil)
	})
	if err != nil {
		return fmt.Errorf("fill: %w", err)
	}
	return nil
}
