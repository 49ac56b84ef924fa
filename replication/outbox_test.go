package replication

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"lanim/node/im"
	"lanim/node/pb"
)

func TestOutboxOrderAndDedupe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	o, err := openOutbox(path)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for i := range 5 {
		seq, err := o.add(fmt.Sprintf("c%d", i), []byte(fmt.Sprintf(`{"n":%d}`, i)))
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	// A client's retry keeps its first place in the queue.
	if seq, err := o.add("c1", []byte(`{"n":"again"}`)); err != nil || seq != seqs[1] {
		t.Fatalf("re-adding c1: seq %d %v, want %d", seq, err, seqs[1])
	}
	if err := o.close(); err != nil {
		t.Fatal(err)
	}

	// Durable: a reopened outbox drains the same entries, oldest first.
	if o, err = openOutbox(path); err != nil {
		t.Fatal(err)
	}
	defer o.close()
	ch, cancel := o.wait(seqs[3])
	defer cancel()
	if n, oldest, err := o.depth(); err != nil || n != 5 || oldest.IsZero() || time.Since(oldest) < 0 {
		t.Fatalf("depth %d, oldest %v, %v; want 5 and a time in the past", n, oldest, err)
	}
	batch, err := o.oldest()
	if err != nil || len(batch) != 5 {
		t.Fatalf("oldest: %d entries, %v", len(batch), err)
	}
	results := make([]*im.Result, len(batch))
	for i, e := range batch {
		if want := fmt.Sprintf("c%d", i); e.clientMsgID != want || string(e.cmd) != fmt.Sprintf(`{"n":%d}`, i) {
			t.Fatalf("entry %d: %s %s, want %s", i, e.clientMsgID, e.cmd, want)
		}
		results[i] = &im.Result{Data: []byte(fmt.Sprint(i))}
	}
	// The first three answered: they leave, the rest stays at the head, in order.
	if err := o.done(batch[:3], results[:3]); err != nil {
		t.Fatal(err)
	}
	if rest, err := o.oldest(); err != nil || len(rest) != 2 || rest[0].clientMsgID != "c3" {
		t.Fatalf("after three answered: %v %v", rest, err)
	}
	if err := o.done(batch[3:], results[3:]); err != nil {
		t.Fatal(err)
	}
	select {
	case res := <-ch:
		if string(res.Data) != "3" {
			t.Fatalf("waiter of c3 got %s", res.Data)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter of c3 got no result")
	}
	if n, oldest, err := o.depth(); err != nil || n != 0 || !oldest.IsZero() {
		t.Fatalf("empty outbox: depth %d oldest %v %v", n, oldest, err)
	}
	if !o.empty() {
		t.Fatal("outbox not empty after draining")
	}
}

// TestOutboxEmptyAsksNoQuery: every message send asks whether the outbox is empty; the answer
// comes from memory (the table's rows as stored, those of the last run included), not a query.
func TestOutboxEmptyAsksNoQuery(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	o, err := openOutbox(path)
	if err != nil {
		t.Fatal(err)
	}
	if !o.empty() {
		t.Fatal("a new outbox is not empty")
	}
	if _, err := o.add("c0", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if err := o.close(); err != nil {
		t.Fatal(err)
	}
	if o, err = openOutbox(path); err != nil {
		t.Fatal(err)
	}
	defer o.close()
	if o.empty() {
		t.Fatal("an outbox reopened with a queued send is empty")
	}
	batch, err := o.oldest()
	if err != nil || len(batch) != 1 {
		t.Fatalf("oldest: %v %v", batch, err)
	}
	if err := o.done(batch, []*im.Result{{}}); err != nil {
		t.Fatal(err)
	}
	// With its database closed, a query fails; the answer must not need one.
	if err := o.db.Close(); err != nil {
		t.Fatal(err)
	}
	if !o.empty() {
		t.Fatal("the drained outbox is not empty without its database")
	}
}

func TestClientMsgID(t *testing.T) {
	cases := map[string]string{
		`{"msgData":{"sendID":"a","clientMsgID":"c-1"}}`: "c-1",
		`{"msgData":{}}`: "",
		`not json`:       "",
	}
	for args, want := range cases {
		if got := im.SendClientMsgID(&im.Command{Kind: sendKind, Args: []byte(args)}); got != want {
			t.Errorf("%s: %q, want %q", args, got, want)
		}
	}
	// The log form NewCommand writes (protobuf) carries it too.
	cmd, err := im.NewCommand(sendKind, im.Caller{UserID: "a"}, 1, "op", &im.SendMsg{MsgData: &pb.MsgData{
		SendID: "a", ClientMsgID: "c-2"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := im.SendClientMsgID(cmd); got != "c-2" {
		t.Errorf("protobuf form: %q, want c-2", got)
	}
}
