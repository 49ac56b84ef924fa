package im

import (
	"context"

	"lanim/node/store"
)

// A refusal the replica can decide costs no log entry: a command whose stateful rules only read
// the state has a refuse method, which the API runs against its replica before proposing, and the
// apply function runs the same rule function inside the FSM (the replica may lag the log, so the
// FSM's verdict is the one that counts). DESIGN.md lists the refusals only the FSM can make.

// refuser is a command with read-only stateful rules.
type refuser interface {
	refuse(o *op) error
}

// Refuse runs args' stateful rules, if it has any the replica can decide, against q as caller at
// now (ms): the error the FSM would answer, or nil when only the FSM can tell.
func Refuse(ctx context.Context, q store.Q, c Caller, now int64, args any) error {
	r, ok := args.(refuser)
	if !ok {
		return nil
	}
	return r.refuse(&op{ctx: ctx, tx: q, cmd: &Command{Caller: c.UserID, Platform: c.Platform, Time: now}, caller: c, now: now})
}
