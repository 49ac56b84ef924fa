// Package replication wires hashicorp/raft to the node: the FSM that applies committed commands to
// the state database through node/im, snapshots as consistent SQLite copies, the log and stable
// stores (raft-boltdb/v2) and the write path that proposes a command and waits for its result.
// One node alone is a single-voter group on the same code path. See DESIGN.md in this folder.
package replication
