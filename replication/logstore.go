package replication

import "go.etcd.io/bbolt"

// boltOptions opens the Raft log's BoltDB without a persisted freelist, kept as a hash map.
//
// After a snapshot, compaction deletes everything but the trailing entries, and the file keeps
// its size as free pages (BoltDB never shrinks it): a burst of a million messages leaves a ~1 GB
// raft.db that is almost all free. By default BoltDB writes the whole freelist on every commit, one
// per Raft append, so each append then costs time and garbage in proportion to that free space
// (measured at 1M stored messages: commitFreelist, mergepgids and the GC it drives took about a
// quarter of the node's CPU under a 500/s load; docs/benchmarks.md). Without the sync BoltDB
// rebuilds the freelist by walking the live pages when it opens the file, which for a Raft log
// (a short tail after each compaction) is quick. etcd runs BoltDB with the same two settings.
func boltOptions() *bbolt.Options {
	return &bbolt.Options{NoFreelistSync: true, FreelistType: bbolt.FreelistMapType}
}
