// Package blob is a node's content-addressed store of file bytes: the object API's uploads end up
// here, keyed by the lowercase hex SHA-256 of their bytes, and the cluster fetches and pushes them
// node to node. Object metadata (name → key) is replicated state in node/store; the bytes never go
// through Raft.
//
// Layout under the store's directory:
//
//	<k0k1>/<key>            a blob, read-only once renamed into place
//	tmp/                    files being written; renamed into place when complete, removed at Open
//	uploads/<id>/           one multipart upload: info (the API's JSON), expire, <n>.<md5>.part
//	                        files, and once the parts are joined "assembled" (the blob's key)
//	derived/<key>/<name>    files computed from a blob (thumbnails), removed with nothing else
//
// Why these choices:
//   - Every write goes to a temp file in the same file system and is renamed into place, so a crash
//     never leaves a half blob under a key, and concurrent writers of one key cannot corrupt it.
//   - Bytes are streamed, never held whole in memory: a 2 GiB upload costs a 1 MiB copy buffer.
//   - A blob's bytes are verified against its key when written, and again the first time it is
//     opened after its file changed (size or modification time differ from the last check) or the
//     process restarted: a blob whose bytes do not match its key is never handed out, it is
//     removed so that the cluster can fetch a good copy.
//   - The budget counts every byte the store holds (blobs, parts, derived files, temp files being
//     written), reserved chunk by chunk as it streams in, so a write that would pass it stops
//     early with ErrBudget instead of filling the disk.
package blob
