// Package gateway is the node's OpenIM msg gateway: the WebSocket endpoint the official SDKs keep
// open (openim-wire.md sections 1-2, openim-semantics.md section 7).
//
// A connection is accepted after upstream's checks (1601 connection count, 1602 parameters, 15xx
// token, 1502 token owner); with isMsgResp the first text frame is the connect result. Frames are
// JSON (sdkType=js) or gob (sdkType=go) envelopes, gzip with compression=gzip (package wire).
// Requests are served in order by one worker per connection; every request is answered, errors
// included, except where upstream closes the connection (undecodable envelope, sendID not the
// connection's user, unknown reqIdentifier), and even then an error answer goes first when the
// request's msgIncr can be read. Pulls read the local database through Reader; 1003 proposes the
// "msg.send" command through Raft, and its echo push is held until the reply is queued.
//
// Committed events reach the gateway through Publish (im.Sink), from the FSM: each frame is queued
// on its connection without blocking, and a connection whose queue (256 frames) is full is dropped.
//
// # Transient deliveries and the cluster relay
//
// Typing messages (113) and presence changes are not logged in Raft. They are TransientEvents
// handled by one hub goroutine per gateway, which delivers them to this node's connections:
//
//   - a typing Push goes to its users' connections, except the sending one (ExceptConn);
//   - a Presence change (a user's first connection on a platform opened, or its last one closed)
//     becomes a 2005 push to the connections subscribed to that user and a 1304 UserStatusChange
//     notification (seq 0, n_ stream) to each connected user who has that user as a friend.
//
// To span a cluster, the relay hooks in at two points: SetRelay(fn) receives every event this node
// produces (fn must not block; fill in Origin and send it to the other nodes), and each receiving
// node calls DeliverRemote(ev). Presence is kept per origin node, so a user's platforms are the
// union over nodes, and notifications fire only when that union changes; ForgetNode(origin) drops
// a departed node's users. Events carry what every node needs to derive its own deliveries
// (recipients, the message, the presence snapshot), so no node needs another's connection table.
//
// A message queued in its node's outbox without a quorum is a third kind (Pending, pending.go):
// each node checks its recipients against its own replica with node/im's PendingRecipients and
// pushes it as LanIM's 2090 only to the connections that asked for it at login (lanimPending).
package gateway
