package replication

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"lanim/node/im"
	"lanim/node/store"
)

// BenchmarkStatus measures one /cluster/status call on a standalone node whose state.db holds a
// history of text messages (written through the store directly: filling them through Raft would
// take longer than the benchmark). The history is 10,000 and 100,000 messages, or the count in
// LANIM_BENCH_STATUS_MESSAGES (e.g. 1000000). Nothing is applied while it runs, as in an idle
// office polled by its panels; the one computation after an apply is logged, not measured.
func BenchmarkStatus(b *testing.B) {
	sizes := []int{10_000, 100_000}
	if v := os.Getenv("LANIM_BENCH_STATUS_MESSAGES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("LANIM_BENCH_STATUS_MESSAGES: %v", err)
		}
		sizes = []int{n}
	}
	for _, size := range sizes {
		n := openFilledNode(b, size) // outside b.Run: the framework runs its function several times
		b.Run(fmt.Sprintf("messages=%d", size), func(b *testing.B) {
			ctx := context.Background()
			for range b.N {
				if _, err := n.Status(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// openFilledNode opens a standalone node on a state.db holding count messages; the benchmark's
// cleanup closes it.
func openFilledNode(b *testing.B, count int) *Node {
	b.Helper()
	dir := b.TempDir()
	db, err := store.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	fillMessages(b, db, count)
	n, err := Open(Config{DataDir: dir, NodeID: "n1", DB: db, Machine: im.NewMachine(), Log: discardLog()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { n.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := n.WaitLeader(ctx); err != nil {
		b.Fatal(err)
	}
	// The first call after an apply computes the digest (a full read: what every call cost before
	// the cache). It is logged, and the benchmark measures the calls that follow.
	start := time.Now()
	if _, err := n.Status(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d messages: first status call (computes the digest) %v", count, time.Since(start))
	return n
}

// fillMessages stores count one-to-one text messages spread over 100 conversations.
func fillMessages(b *testing.B, db *store.DB, count int) {
	b.Helper()
	ctx := context.Background()
	const perTx = 10_000
	body := []byte(`{"content":"benchmark message, about as long as a chat line in an office"}`)
	for done := 0; done < count; {
		tx, err := db.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for end := min(done+perTx, count); done < end; done++ {
			conv := fmt.Sprintf("si_u%d_u%d", done%100, done%100+100)
			m := &store.StoredMessage{ConversationID: conv, Seq: int64(done/100 + 1),
				ClientMsgID: fmt.Sprintf("%032x", done), ServerMsgID: fmt.Sprintf("s%031x", done),
				SendID: fmt.Sprintf("u%d", done%100), SessionType: 1, ContentType: 101,
				SendTime: 1_700_000_000_000 + int64(done), Msg: body}
			if err := store.InsertMessage(ctx, tx, m, ""); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}
