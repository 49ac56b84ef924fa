// Package blob is a node's content-addressed store of file bytes: the object API's uploads end up
// here, keyed by the lowercase hex SHA-256 of their bytes, and the cluster fetches and pushes them
// node to node. Object metadata (name → key) is replicated state in node/store; the bytes never go
// through Raft.
//
// Layout under the store's directory:
//
//	<k0k1>/<key>            a blob, read-only once renamed into place
//	tmp/                    files being written; renamed into place when complete, removed at Open
//	uploads/<id>/           one multipart upload: info (the API's JSON), expire, data (each part
//	                        written once, in place at its offset; renamed into place as the blob),
//	                        a <n>.part marker per received part, "assembled" (the blob's key)
//	derived/<key>/<name>    files computed from a blob (thumbnails), removed with nothing else
//
// Why these choices:
//   - Every write goes to a temp file in the same file system and is renamed into place, so a crash
//     never leaves a half blob under a key, and concurrent writers of one key cannot corrupt it.
//   - Bytes are streamed, never held whole in memory: a 2 GiB upload costs a 1 MiB copy buffer.
//   - An upload's bytes land on disk once: a part goes straight to its offset in the upload's file
//     (a part sent again goes to a temp file first, so a refused one cannot spoil the good bytes),
//     and complete renames it: no copy, no room beyond it. The blob's SHA-256 is advanced as the
//     parts arrive (a part received ahead of the order is hashed from the page cache once the
//     parts before it are), so complete reads the file only after a restart or a part sent again.
//   - Parts received side by side have their MD5 computed in one core's vector lanes (partMD5).
//   - A blob's bytes are verified against its key when written, and again the first time it is
//     opened after its file changed (size or modification time differ from the last check) or the
//     process restarted: a blob whose bytes do not match its key is never handed out, it is
//     removed so that the cluster can fetch a good copy.
//   - The budget counts every byte the store holds (blobs, parts, derived files, temp files being
//     written), reserved chunk by chunk as it streams in, so a write that would pass it stops
//     early with ErrBudget instead of filling the disk.
package blob
