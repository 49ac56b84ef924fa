// Package store holds the node's materialised state in one SQLite file (state.db): the schema, the
// queries of each area (users, friends, groups, messages, conversations) and the whole-file operations
// replication needs (applied index, digest, backup, restore).
//
// Only the FSM writes, through one connection and inside one transaction per Raft batch; readers use
// a separate pool and see committed state only (WAL mode).
package store
