package replication

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"time"

	"github.com/hashicorp/raft"

	"lanim/node/blob"
	"lanim/node/store"
)

// Pushing copies: every node sends the blobs it holds that too few members hold to members that
// lack them, until the office has enough copies (BlobCopies; default as many as it has voters),
// so a file survives its uploader being switched off. The receiver keeps the bytes once they
// match their key and records its own hold, which is how the pusher learns it is done. Pushes run
// one at a time in the background; a failed one is tried again later, waiting longer each time
// (up to pushBackoffMax); the pusher stops with the node and, after a restart, finds what is left
// from the holder records.

const (
	// pushRescan: a full pass even when nothing woke the pusher (a member came back, a retry is due).
	// A change of the members (a new voter wants copies) wakes it at once (confWatch).
	pushRescan = 30 * time.Second
	// pushSettle: after a push, the receiver's hold record is awaited this long before pushing again.
	pushSettle     = 30 * time.Second
	pushBackoffMin = 2 * time.Second
	pushBackoffMax = 5 * time.Minute
	pushPage       = 64
)

// errPushBusy: the member is receiving the blob from elsewhere.
var errPushBusy = errors.New("the member is receiving the blob already")

type pushRetry struct {
	next    time.Time
	backoff time.Duration
}

// push runs the pusher until the node stops.
func (b *blobs) push() {
	ctx := b.n.ctx
	retry := map[string]*pushRetry{} // key + "/" + member
	var seen string                  // the members at the last pass
	var due time.Time
	for {
		changed := b.n.conf.next()
		members := b.membersSignature()
		if members != seen || !time.Now().Before(due) {
			seen = members
			due = b.pushPass(ctx, retry)
		}
		rescan := time.NewTimer(time.Until(due))
		select {
		case <-ctx.Done():
			rescan.Stop()
			return
		case <-b.pushWake:
			due = time.Time{}
		case <-changed:
		case <-rescan.C:
		}
		rescan.Stop()
	}
}

// membersSignature tells a change of the configuration (members and their votes).
func (b *blobs) membersSignature() string {
	cfg, err := b.n.configuration()
	if err != nil {
		return ""
	}
	return fmt.Sprint(cfg.Servers)
}

// copiesWanted is how many members should hold each blob: BlobCopies when set (at most every
// member), else as many as the office has voters.
func (b *blobs) copiesWanted(cfg raft.Configuration) int {
	if c := b.n.cfg.BlobCopies; c > 0 {
		return min(c, len(cfg.Servers))
	}
	return max(voterCount(cfg), 1)
}

func memberIDs(cfg raft.Configuration) []string {
	ids := make([]string, len(cfg.Servers))
	for i, s := range cfg.Servers {
		ids[i] = string(s.ID)
	}
	return ids
}

// pushPass pushes every under-held blob this node holds to the members it should go to, and
// returns when the next pass is due.
func (b *blobs) pushPass(ctx context.Context, retry map[string]*pushRetry) time.Time {
	next := time.Now().Add(pushRescan)
	cfg, err := b.n.configuration()
	if err != nil || len(cfg.Servers) < 2 {
		return next
	}
	members, want := memberIDs(cfg), b.copiesWanted(cfg)
	live := map[string]bool{}
	unreachable := map[raft.ServerID]error{} // members this pass could not dial: their other blobs wait too
	r := b.n.cfg.DB.Reader()
	for after := ""; ; {
		keys, err := store.UnderHeldBlobs(ctx, r, string(b.n.selfID), members, want, after, pushPage)
		if err != nil {
			b.n.log.Warn("blobs: listing under-held blobs", "err", err)
			return next
		}
		for _, key := range keys {
			holders, err := store.BlobHolders(ctx, r, key)
			if err != nil {
				return next
			}
			for _, t := range pushTargets(key, cfg, holders, want) {
				id := key + "/" + string(t.ID)
				live[id] = true
				st := retry[id]
				if st != nil && time.Now().Before(st.next) {
					next = minTime(next, st.next)
					continue
				}
				err, down := unreachable[t.ID]
				if !down {
					err = b.pushTo(ctx, source{id: t.ID, addr: string(t.Address)}, key)
					if ctx.Err() != nil {
						return next
					}
					if isDialError(err) {
						unreachable[t.ID] = err
					}
				}
				st = nextRetry(st, err)
				retry[id] = st
				next = minTime(next, st.next)
			}
		}
		if len(keys) < pushPage {
			break
		}
		after = keys[len(keys)-1]
	}
	for id := range retry {
		if !live[id] {
			delete(retry, id)
		}
	}
	return next
}

// nextRetry is when a push that ended with err may go to the same member again.
func nextRetry(st *pushRetry, err error) *pushRetry {
	if st == nil {
		st = &pushRetry{}
	}
	switch {
	case err == nil:
		st.backoff = 0
		st.next = time.Now().Add(pushSettle)
		return st
	case isCode(err, codeFull):
		st.backoff = pushBackoffMax
	case errors.Is(err, errPushBusy):
		st.backoff = pushBackoffMin
	default:
		st.backoff = min(max(2*st.backoff, pushBackoffMin), pushBackoffMax)
	}
	st.next = time.Now().Add(st.backoff)
	return st
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// pushTargets are the members key should go to: as many as it lacks copies, chosen from the
// members that do not hold it, voters first, then by a hash of key and member (the same choice on
// every holder, spread evenly over the members when fewer copies than members are wanted).
func pushTargets(key string, cfg raft.Configuration, holders []string, want int) []raft.Server {
	var lack []raft.Server
	have := 0
	for _, s := range cfg.Servers {
		if slices.Contains(holders, string(s.ID)) {
			have++
		} else {
			lack = append(lack, s)
		}
	}
	score := func(s raft.Server) uint64 {
		h := fnv.New64a()
		io.WriteString(h, key+"/"+string(s.ID))
		return h.Sum64()
	}
	slices.SortFunc(lack, func(x, y raft.Server) int {
		if (x.Suffrage == raft.Voter) != (y.Suffrage == raft.Voter) {
			if x.Suffrage == raft.Voter {
				return -1
			}
			return 1
		}
		sx, sy := score(x), score(y)
		switch {
		case sx < sy:
			return -1
		case sx > sy:
			return 1
		}
		return 0
	})
	return lack[:max(0, min(want-have, len(lack)))]
}

// pushTo sends one blob to one member; nil when the member has it now.
func (b *blobs) pushTo(ctx context.Context, to source, key string) error {
	size, err := b.store.Stat(key)
	if err != nil {
		return fmt.Errorf("push %s: %w", key, err)
	}
	src, err := b.store.Open(key)
	if err != nil {
		return fmt.Errorf("push %s: %w", key, err)
	}
	defer src.Close()
	st, rep, err := b.n.openBlob(ctx, to.addr, &blobRequest{Op: blobOpPut, Key: key, Size: size})
	if err != nil {
		return err
	}
	defer st.close()
	switch {
	case rep.Have:
		return nil
	case rep.Busy:
		return errPushBusy
	}
	if _, err := io.CopyBuffer(st.w, onlyReader{src}, make([]byte, blobBuf)); err != nil {
		return fmt.Errorf("push %s to %s: %w", key, to.id, err)
	}
	if _, err := st.reply(); err != nil {
		return fmt.Errorf("push %s to %s: %w", key, to.id, err)
	}
	return nil
}

// isNoRoom reports a store refusal for lack of space.
func isNoRoom(err error) bool {
	return errors.Is(err, blob.ErrBudget) || errors.Is(err, blob.ErrDiskFull)
}
