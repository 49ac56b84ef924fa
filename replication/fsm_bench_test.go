package replication

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// BenchmarkApplySend measures the FSM alone on a real SQLite file: one-to-one text messages
// between 256 pairs of users, applied in batches of 64 as Raft hands them over under load. One op
// is one message.
func BenchmarkApplySend(b *testing.B) { benchmarkApplySend(b, 64) }

// BenchmarkApplySendBatchesOf8 is BenchmarkApplySend with the smaller batches of a node that is
// not saturated: each batch's COMMIT weighs more per message.
func BenchmarkApplySendBatchesOf8(b *testing.B) { benchmarkApplySend(b, 8) }

func benchmarkApplySend(b *testing.B, batch int) {
	const pairs = 256
	db, err := store.Open(filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	f := &fsm{db: db, machine: im.NewMachine(), tmpDir: b.TempDir(), log: discardLog()}
	index := uint64(0)
	now := int64(1_700_000_000_000)
	entry := func(kind string, caller im.Caller, args any) *raft.Log {
		index++
		now++
		c, err := im.NewCommand(kind, caller, now, fmt.Sprint("op", index), args)
		if err != nil {
			b.Fatal(err)
		}
		data, err := c.Encode()
		if err != nil {
			b.Fatal(err)
		}
		return &raft.Log{Index: index, Type: raft.LogCommand, Data: data}
	}
	apply := func(logs []*raft.Log) {
		for _, r := range f.ApplyBatch(logs) {
			if res := r.(*im.Result); res.Err != nil {
				b.Fatal(res.Err)
			}
		}
	}
	admin := im.Caller{UserID: openim.AdminUserID, Platform: openim.PlatformAdmin}
	var users []im.NewUser
	for i := range 2 * pairs {
		users = append(users, im.NewUser{UserID: fmt.Sprint("u", i), Nickname: fmt.Sprint("User ", i)})
	}
	apply([]*raft.Log{
		entry("office.create", im.Caller{}, &im.CreateOffice{Office: im.Office{OfficeID: "office1",
			JWTKey: make([]byte, 32), AdminSecretHash: "x"}}),
		entry("user.register", admin, &im.RegisterUsers{Users: users}),
	})
	send := func(i int) *raft.Log {
		from, to := fmt.Sprint("u", 2*(i%pairs)), fmt.Sprint("u", 2*(i%pairs)+1)
		return entry("msg.send", im.Caller{UserID: from, Platform: openim.PlatformWeb}, &im.SendMsg{MsgData: &pb.MsgData{
			SendID: from, RecvID: to, ClientMsgID: fmt.Sprintf("%032x", index), SenderPlatformID: openim.PlatformWeb,
			SessionType: 1, MsgFrom: 100, ContentType: 101, CreateTime: now, Status: 1,
			Content: []byte(`{"content":"benchmark message, about as long as a chat line"}`)}})
	}
	// cpu is the process's user and system time: the FSM's own and the runtime's (GC) it causes.
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	var spent time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		b.StopTimer()
		logs := make([]*raft.Log, 0, batch)
		for j := i; j < min(i+batch, b.N); j++ {
			logs = append(logs, send(j))
		}
		b.StartTimer()
		start := cpu()
		apply(logs)
		spent += cpu() - start
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
	// The CPU time per message moves far less than the rate on a shared machine.
	b.ReportMetric(float64(spent.Microseconds())/float64(b.N), "cpu-µs/msg")
}
