package im

import (
	"encoding/json"
	"fmt"

	"lanim/node/openim"
)

// Command is one state change as it travels through Raft. The proposer fills Time from its clock
// and any random IDs into Args, so applying it needs nothing but the command and the log index.
type Command struct {
	Kind     string          `json:"kind"`
	Caller   string          `json:"caller,omitempty"`   // authenticated user, "" for the node itself
	Platform int32           `json:"platform,omitempty"` // caller's platform ID
	Time     int64           `json:"time"`               // proposer's clock, ms
	OpID     string          `json:"opID,omitempty"`     // operationID of the request, carried to pushes
	Args     json.RawMessage `json:"args,omitempty"`
}

// NewCommand builds a command with its arguments encoded.
func NewCommand(kind string, caller Caller, now int64, opID string, args any) (*Command, error) {
	var raw []byte
	var err error
	if pa, ok := args.(protoArgs); ok {
		raw, err = pa.marshalArgs()
		if err == nil {
			raw, err = json.Marshal(raw) // a JSON string: base64 of the protobuf
		}
	} else {
		raw, err = json.Marshal(args)
	}
	if err != nil {
		return nil, fmt.Errorf("encode %s args: %w", kind, err)
	}
	return &Command{Kind: kind, Caller: caller.UserID, Platform: caller.Platform, Time: now, OpID: opID, Args: raw}, nil
}

// protoArgs are arguments whose log form is their protobuf encoding, as a base64 JSON string: the
// FSM decodes it several times faster than JSON. Message sends, the busiest command, use it; their
// JSON form is still accepted.
type protoArgs interface {
	marshalArgs() ([]byte, error)
	unmarshalArgs([]byte) error
}

// decodeArgs reads a command's arguments into a, from either form.
func decodeArgs(raw json.RawMessage, a any) error {
	if len(raw) == 0 || raw[0] != '"' {
		return json.Unmarshal(raw, a)
	}
	pa, ok := a.(protoArgs)
	if !ok {
		return fmt.Errorf("arguments %T have no protobuf form", a)
	}
	var b []byte
	if err := json.Unmarshal(raw, &b); err != nil {
		return err
	}
	return pa.unmarshalArgs(b)
}

// Encode is the command's log entry.
func (c *Command) Encode() ([]byte, error) { return json.Marshal(c) }

// DecodeCommand reads a log entry.
func DecodeCommand(b []byte) (*Command, error) {
	var c Command
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("decode command: %w", err)
	}
	return &c, nil
}

// Caller is who asks for a change: the token's user and platform.
type Caller struct {
	UserID   string
	Platform int32
}

// Admin reports whether the caller is an app manager.
func (c Caller) Admin() bool { return openim.IsAdmin(c.UserID) }

// Access is upstream's CheckAccess: the caller acts for owner, or is an admin.
func (c Caller) Access(owner string) error {
	if c.UserID == owner || c.Admin() {
		return nil
	}
	return openim.ErrNoPermission.With("%s may not act for %s", c.UserID, owner)
}

// adminOnly refuses (1002) a caller other than the admin; endpoint names what they called.
func (c Caller) adminOnly(endpoint string) error {
	if c.Admin() {
		return nil
	}
	return openim.ErrNoPermission.With("%s is for the admin", endpoint)
}

// Result is what the proposer gets back from the FSM: an error, or the response data as JSON.
type Result struct {
	Err  *openim.Error   `json:"err,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}
