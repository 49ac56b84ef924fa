package im

import "lanim/node/pb"

// Event is something the gateway delivers to connected clients after the command's transaction
// commits. Every node derives the same events and delivers them to its own connections.
type Event struct {
	Push *Push `json:"push,omitempty"`
	Kick *Kick `json:"kick,omitempty"`
}

// Push delivers one message (stored or not) to every connection of each user in UserIDs.
type Push struct {
	UserIDs        []string    `json:"userIDs"`
	ConversationID string      `json:"conversationID"`
	Msg            *pb.MsgData `json:"msg"`
	OperationID    string      `json:"operationID,omitempty"`
}

// Kick closes, with a 2002 push first, every connection that holds one of Tokens.
type Kick struct {
	UserID     string   `json:"userID"`
	PlatformID int32    `json:"platformID"`
	Tokens     []string `json:"tokens"`
}

// Sink receives the events of each applied batch, in log order.
type Sink interface {
	Publish(events []Event)
}
