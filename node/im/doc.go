// Package im holds LanIM's domain rules: the commands that change state, their validation and
// permission checks, the state changes themselves (through node/store) and the notifications they
// derive. The FSM calls Machine.Apply for every committed command on every node, so everything here
// is deterministic: times and IDs come from the command and the Raft index, never from the clock,
// randomness or map order. See DESIGN.md in this folder.
package im
