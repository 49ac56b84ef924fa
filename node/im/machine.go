package im

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// handler applies one kind of command. It returns the response data or an error; on error every
// change it made is rolled back by the caller.
type handler func(o *op, args json.RawMessage) (any, error)

// args wraps a typed handler: it decodes the arguments and runs their Check, so the rules a
// handler's request passed before proposing are checked again against the log's copy.
func args[A any, PA interface {
	*A
	Check(Caller) error
}](fn func(o *op, a PA) (any, error)) handler {
	return func(o *op, raw json.RawMessage) (any, error) {
		a := PA(new(A))
		if len(raw) > 0 {
			if err := decodeArgs(raw, a); err != nil {
				return nil, openim.ErrArgs.With("%v", err)
			}
		}
		if err := a.Check(o.caller); err != nil {
			return nil, err
		}
		return fn(o, a)
	}
}

// Machine applies commands to the state. It holds no state of its own: all of it is in the store.
type Machine struct {
	handlers map[string]handler
}

// NewMachine returns the machine with every command kind registered.
func NewMachine() *Machine {
	m := &Machine{handlers: map[string]handler{}}
	for _, area := range []map[string]handler{
		officeHandlers(),
		authHandlers(),
		userHandlers(),
		userCommandHandlers(),
		passwordHandlers(),
		conversationHandlers(),
		groupHandlers(),
		friendHandlers(),
		messageHandlers(),
		objectHandlers(),
		blobHolderHandlers(),
	} {
		for kind, h := range area {
			if _, dup := m.handlers[kind]; dup {
				panic("im: command kind registered twice: " + kind)
			}
			m.handlers[kind] = h
		}
	}
	return m
}

// Apply applies cmd, committed at index, inside tx. A rule failure is returned as Result.Err; the
// caller must then roll back this command's changes (a savepoint) and drop its events.
//
// A handler that panics fails its command with ErrInternal instead of taking the node down. The
// same log reaches every node, so a panic there would stop every node of the office, again at each
// restart; failing the command is as deterministic as the panic was, and the rest of the log goes on.
func (m *Machine) Apply(ctx context.Context, tx store.Q, index uint64, cmd *Command) (res *Result, events []Event) {
	defer func() {
		if p := recover(); p != nil {
			res, events = &Result{Err: openim.ErrInternal.With("%s at index %d panicked: %v", cmd.Kind, index, p)}, nil
		}
	}()
	h, ok := m.handlers[cmd.Kind]
	if !ok {
		return &Result{Err: openim.ErrArgs.With("unknown command %q", cmd.Kind)}, nil
	}
	o := &op{
		ctx:    ctx,
		tx:     tx,
		index:  index,
		cmd:    cmd,
		caller: Caller{UserID: cmd.Caller, Platform: cmd.Platform},
		now:    cmd.Time,
	}
	data, err := h(o, cmd.Args)
	if err != nil {
		return &Result{Err: ApplyError(err)}, nil
	}
	res = &Result{}
	if data != nil {
		raw, err := pb.MarshalJSON(data)
		if err != nil {
			return &Result{Err: openim.ErrInternal.With("encode %s result: %v", cmd.Kind, err)}, nil
		}
		res.Data = raw
	}
	return res, o.events
}

// op is the context of one command being applied.
type op struct {
	ctx    context.Context
	tx     store.Q
	index  uint64
	cmd    *Command
	caller Caller
	now    int64 // ms, from the command
	ids    int   // IDs made so far, for newID
	events []Event
}

// newID makes the next deterministic 32-hex ID of this command (server message IDs, notification
// client message IDs): every node derives the same from the log index.
func (o *op) newID() string {
	o.ids++
	sum := md5.Sum([]byte(strconv.FormatUint(o.index, 10) + "/" + strconv.Itoa(o.ids)))
	return hex.EncodeToString(sum[:])
}

// emit queues an event for delivery after the transaction commits.
func (o *op) emit(e Event) { o.events = append(o.events, e) }

// nowSeconds is the command time in seconds, for the fields upstream keeps in seconds.
func (o *op) nowSeconds() int64 { return o.now / 1000 }

func (o *op) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s: %w", o.cmd.Kind, what, err)
}
