package ui

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"lanim/node/pb"
)

// slowFriends holds the answer of one Friends call until released, as a busy node would.
type slowFriends struct {
	*ClientBackend
	hold    atomic.Bool   // the next call is held
	held    chan struct{} // closed once the held call has its answer
	release chan struct{}
}

func (b *slowFriends) Friends(ctx context.Context) ([]*pb.FriendInfo, error) {
	list, err := b.ClientBackend.Friends(ctx)
	if b.hold.CompareAndSwap(true, false) {
		close(b.held)
		<-b.release
	}
	return list, err
}

// TestStaleContactsAnswerIsDropped: two contact loads in flight, the older answering last (two
// pushes close together on a busy node). The older answer, without the new friend, must not
// replace the newer one.
func TestStaleContactsAnswerIsDropped(t *testing.T) {
	o := newOffice(t, officeOptions{})
	sessions := o.signUp("ann", "bob")
	a := NewTestApp(t)
	be := &slowFriends{ClientBackend: o.backend(), held: make(chan struct{}), release: make(chan struct{})}
	ann := resumeIn(t, a, be, sessions["ann"])
	bob := resumeIn(t, a, o.backend(), sessions["bob"])
	ann.Section("contacts")
	ann.Settle()

	be.hold.Store(true)
	ann.C.reloadContacts() // answers "no friends", late
	<-be.held
	befriend(t, ann, bob)
	ann.WaitFor("bob in ann's friends", func() bool { return len(ann.C.friends) == 1 })
	close(be.release)
	ann.Settle()
	if len(ann.C.friends) != 1 || !ann.Shows("Bob") {
		t.Fatalf("a stale answer replaced the friend list: %d friends; screen shows %s", len(ann.C.friends),
			strings.Join(ann.Texts(), " | "))
	}
}
