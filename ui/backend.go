package ui

import (
	"context"
	"errors"
	"io"
	"time"

	"lanim/node/openim"
	"lanim/node/pb"
)

// Backend is everything the screens need from the node, grouped by area. The app implements it
// over node/client (ClientBackend), and so do the screen tests and the demo, on a real node. Entities are
// the OpenIM wire types from node/pb, so an implementation only forwards what the node returns.
//
// Every method may block on the network: the controller calls them from goroutines, never from
// a Fyne callback.
type Backend interface {
	Account
	Office
	Chats
	Contacts
	Groups
	Files
	// Events delivers the node's pushes for the signed-in user, from sign-in until SignOut. The
	// channel lives as long as the backend; nothing is sent on it while signed out.
	Events() <-chan Event
}

// Account is signing up and in, and the signed-in user's profile.
type Account interface {
	SignUp(ctx context.Context, userID, nickname, password string) (*Session, error)
	SignIn(ctx context.Context, userID, password string) (*Session, error)
	// Resume adopts a session saved by an earlier run; it fails with a token error (1501-1507)
	// when the token no longer holds, and the user signs in again.
	Resume(ctx context.Context, s *Session) error
	SignOut(ctx context.Context) error
	Users(ctx context.Context, userIDs []string) ([]*pb.UserInfo, error)
	UpdateSelf(ctx context.Context, nickname, faceURL string) error
	// SetEx writes the user's ex field (LanIM keeps away and the status text there).
	SetEx(ctx context.Context, ex string) error
	// SubscribePresence returns which of the users are online now and sends PresenceEvents for
	// their later changes.
	SubscribePresence(ctx context.Context, userIDs []string) (map[string]bool, error)
}

// Office is this node's office: first-start choices and the office panel.
type Office interface {
	// OfficeInfo describes the office this node belongs to.
	OfficeInfo(ctx context.Context) (*OfficeInfo, error)
	// NameOffice names (or renames) the office: the admin's call on the computer that created
	// it, an office admin's afterwards.
	NameOffice(ctx context.Context, name string) error
	// SetOfficeAdmin grants (admin true) or revokes a user's office admin role: office admins
	// invite computers, rename the office and grant the role.
	SetOfficeAdmin(ctx context.Context, userID string, admin bool) error
	// SetRequireFriendship sets whether single chats need a friendship (office admins).
	SetRequireFriendship(ctx context.Context, on bool) error
	// JoinOffice makes this node join another office with a join code (a new machine); via is the
	// office the user picked on the LAN (nil: none), whose addresses are tried first and whose ID
	// the code must name.
	JoinOffice(ctx context.Context, code string, via *OfficeAd) error
	// Discover lists the other offices announcing themselves on the LAN; ErrNoDiscovery when this
	// node does not look.
	Discover(ctx context.Context) ([]OfficeAd, error)
	ClusterStatus(ctx context.Context) (*ClusterStatus, error)
	// InviteCode makes a single-use invite for a new machine (office admins).
	InviteCode(ctx context.Context) (JoinCodes, error)
	// LeaveOffice removes this node from its office (office admins, for their own computer).
	LeaveOffice(ctx context.Context) error
}

// Chats is conversations and messages.
type Chats interface {
	Conversations(ctx context.Context) ([]*Conversation, error)
	PinConversation(ctx context.Context, conversationID string, pinned bool) error
	// SetRecvOpt sets a conversation's receive option (openim.RecvNormal or openim.RecvNotNotify: muted).
	SetRecvOpt(ctx context.Context, conversationID string, opt int32) error
	MarkRead(ctx context.Context, conversationID string, hasReadSeq int64) error
	// History returns up to count messages with seq < beforeSeq (beforeSeq 0: the newest), oldest
	// first.
	History(ctx context.Context, conversationID string, beforeSeq int64, count int) ([]*pb.MsgData, error)
	// Send sends a message the caller built (clientMsgID set). It returns the stored message; an
	// error with code openim.ErrQueued.Code means the node holds it in its outbox until a quorum is back.
	Send(ctx context.Context, msg *pb.MsgData) (*pb.MsgData, error)
	Revoke(ctx context.Context, conversationID string, seq int64) error
	// Typing tells the peer of a single chat that the user is typing.
	Typing(ctx context.Context, recvID string) error
	// SearchMessages finds up to limit of the user's messages, in every chat, whose text
	// contains keyword (the node's full-text search), newest first.
	SearchMessages(ctx context.Context, keyword string, limit int) ([]FoundMessage, error)
}

// FoundMessage is a message a search found, with the chat it is in.
type FoundMessage struct {
	ConversationID string
	Msg            *pb.MsgData
	// ChatName is the group's name, or the other user's name in a single chat, as the node knows it.
	ChatName string
}

// Contacts is friends, friend requests and the black list.
type Contacts interface {
	Friends(ctx context.Context) ([]*pb.FriendInfo, error)
	// FriendRequests returns the requests others sent the user and those the user sent.
	FriendRequests(ctx context.Context) (in, out []*pb.FriendRequest, err error)
	AddFriend(ctx context.Context, userID, reqMsg string) error
	RespondFriend(ctx context.Context, fromUserID string, accept bool) error
	DeleteFriend(ctx context.Context, userID string) error
	SetRemark(ctx context.Context, userID, remark string) error
	Blacklist(ctx context.Context) ([]*pb.BlackInfo, error)
	// OfficeUsers is one page (offset, at most count) of the user IDs of everyone with an account
	// in the office, and how many there are: the office directory.
	OfficeUsers(ctx context.Context, offset, count int) ([]string, int64, error)
	Block(ctx context.Context, userID string) error
	Unblock(ctx context.Context, userID string) error
}

// Groups is group membership and administration.
type Groups interface {
	JoinedGroups(ctx context.Context) ([]*pb.GroupInfo, error)
	GroupsInfo(ctx context.Context, groupIDs []string) ([]*pb.GroupInfo, error)
	CreateGroup(ctx context.Context, info *pb.GroupInfo, memberIDs []string) (*pb.GroupInfo, error)
	Invite(ctx context.Context, groupID string, userIDs []string) error
	ApplyToJoin(ctx context.Context, groupID, reqMsg string) error
	// GroupRequests returns the join requests to groups the user administers.
	GroupRequests(ctx context.Context) ([]*pb.GroupRequest, error)
	RespondGroupRequest(ctx context.Context, groupID, userID string, accept bool) error
	Members(ctx context.Context, groupID string) ([]*pb.GroupMemberFullInfo, error)
	// ReadSeqs returns how far each member has read the group's chat, by user ID.
	ReadSeqs(ctx context.Context, groupID string) (map[string]int64, error)
	Kick(ctx context.Context, groupID string, userIDs []string) error
	// MuteMember mutes a member for seconds; 0 lifts the mute.
	MuteMember(ctx context.Context, groupID, userID string, seconds uint32) error
	MuteGroup(ctx context.Context, groupID string, muted bool) error
	SetRole(ctx context.Context, groupID, userID string, role int32) error
	TransferOwner(ctx context.Context, groupID, newOwnerID string) error
	Dismiss(ctx context.Context, groupID string) error
	Quit(ctx context.Context, groupID string) error
	SetGroupInfo(ctx context.Context, groupID string, p GroupPatch) error
}

// Files is the office's object store: the bytes of pictures and files in messages, and of
// profile and group pictures. Every computer of the office serves every object.
type Files interface {
	// Upload stores size bytes from r under name (the caller's user ID first) and returns the
	// object's URL. r is read more than once (hashing, then the parts). progress, when set, is
	// called from the upload's goroutine as bytes go out.
	Upload(ctx context.Context, name, contentType string, r io.ReaderAt, size int64, progress func(done, total int64)) (string, error)
	// Download writes the object at url (with a thumbnail's query, if any) to w; progress as
	// for Upload (total -1 when unknown).
	Download(ctx context.Context, url string, w io.Writer, progress func(done, total int64)) (int64, error)
}

// Session is a signed-in user; the app saves it in the data dir so the next start signs in at once.
type Session struct {
	UserID string `json:"userID"`
	Token  string `json:"token"`
	// Expire is when the token ends, in Unix seconds.
	Expire int64 `json:"expire"`
}

// OfficeInfo is the office a node belongs to.
type OfficeInfo struct {
	ID   string
	Name string
	// Users is how many accounts the office has (0 on a fresh office: onboarding offers to create).
	Users int
	// Counted: Users is known (counting takes the admin secret, which only the computer that
	// created the office holds).
	Counted bool
}

// OfficeAd is an office found on the LAN.
type OfficeAd struct {
	ID, Name string
	// Addrs are the cluster addresses of its members that answered.
	Addrs []string
}

// ClusterStatus is what /cluster/status reports, in the parts the office panel shows. Extra holds
// every other field the node reported, shown as is.
type ClusterStatus struct {
	OfficeName string
	// OfficeAdmins are the users with the office admin role.
	OfficeAdmins []string
	// AdminHere: this computer holds the office's admin secret (it created the office), so
	// office-level calls work here even without the role.
	AdminHere bool
	NodeID    string
	LeaderID  string
	HasQuorum bool
	Nodes     []NodeStatus
	Online    []string // user IDs connected anywhere in the office
	// RequireFriendship: the office refuses single messages between non-friends.
	RequireFriendship bool
	Health            []KV // this node's health, in the node's order
	Extra             []KV
	// Outbox is how many messages wait in this computer's outbox for the office, and for how
	// long the oldest has waited.
	Outbox       int
	OutboxOldest time.Duration
}

// NodeStatus is one member of the office's Raft group.
type NodeStatus struct {
	ID, Name, Addr string // Name: the computer's host name ("" when the node has not heard it)
	Voter, Leader  bool
	Reachable      bool
	Users          []string // user IDs signed in on it
}

// JoinCodes are one invite's two forms: Short (16 characters, for a newcomer on the office's
// LAN, to read aloud or type; "" from a node without it) and Long (carries the office's
// addresses and pin, for anywhere).
type JoinCodes struct{ Short, Long string }

// KV is a labelled value for display.
type KV struct{ Key, Value string }

// Conversation is one row of the conversation list.
type Conversation struct {
	ID       string
	Type     int32 // openim.SingleChat or openim.ReadGroupChat
	PeerID   string
	GroupID  string
	Name     string
	FaceURL  string
	Pinned   bool
	RecvOpt  int32
	LastMsg  *pb.MsgData
	MaxSeq   int64
	ReadSeq  int64
	LastTime int64 // ms; orders the list
	// PeerReadSeq is the highest seq the peer of a single chat has read, as far as known.
	PeerReadSeq int64
	// AtMe is set when an unread message mentions the user.
	AtMe bool
}

// Unread is the number of messages the user has not read.
func (c *Conversation) Unread() int64 {
	if n := c.MaxSeq - c.ReadSeq; n > 0 {
		return n
	}
	return 0
}

// Muted reports whether new messages stay silent.
func (c *Conversation) Muted() bool { return c.RecvOpt != openim.RecvNormal }

// GroupPatch changes a group's profile; nil fields stay.
type GroupPatch struct {
	Name, Notification, Introduction, FaceURL *string
	NeedVerification                          *int32
}

// Event is a push from the node, translated for the screens.
type Event interface{ isEvent() }

// MessageEvent is a new chat message, including the echo of the user's own sends.
type MessageEvent struct{ Msg *pb.MsgData }

// PendingEvent is someone's message that waits in their computer's outbox for the office (no
// quorum): shown "Waiting for the office" until the committed copy (a MessageEvent with the same
// clientMsgID) replaces it. Nothing keeps it: an app started later sees it only once it commits.
type PendingEvent struct{ Msg *pb.MsgData }

// RevokeEvent is a message withdrawn by its sender (or an admin).
type RevokeEvent struct {
	ConversationID, ClientMsgID, RevokerID string
	Seq                                    int64
}

// ReadEvent says a user has read a conversation up to HasReadSeq.
type ReadEvent struct {
	ConversationID, UserID string
	HasReadSeq             int64
}

// TypingEvent says a peer is typing in a conversation.
type TypingEvent struct{ ConversationID, UserID string }

// ConversationsEvent says conversation settings changed (pin, mute, read on another device).
type ConversationsEvent struct{}

// ContactsEvent says friends, friend requests or the black list changed. Request is set for a
// new incoming friend request, so the app can notify.
type ContactsEvent struct{ Request *pb.FriendRequest }

// GroupsEvent says a group, its members or its join requests changed.
type GroupsEvent struct{ GroupID string }

// SelfEvent says the user's own profile changed.
type SelfEvent struct{}

// PresenceEvent is a subscribed user going online or offline.
type PresenceEvent struct {
	UserID string
	Online bool
}

// ConnEvent is the state of the connection to the node and of the node's quorum.
type ConnEvent struct{ State ConnState }

// KickedEvent says the session ended elsewhere (signed in on another device, or forced out).
type KickedEvent struct{}

func (MessageEvent) isEvent()       {}
func (PendingEvent) isEvent()       {}
func (RevokeEvent) isEvent()        {}
func (ReadEvent) isEvent()          {}
func (TypingEvent) isEvent()        {}
func (ConversationsEvent) isEvent() {}
func (ContactsEvent) isEvent()      {}
func (GroupsEvent) isEvent()        {}
func (SelfEvent) isEvent()          {}
func (PresenceEvent) isEvent()      {}
func (ConnEvent) isEvent()          {}
func (KickedEvent) isEvent()        {}

// ConnState is how well the app reaches the office.
type ConnState int

const (
	// Online: connected to the node, and the node has a quorum.
	Online ConnState = iota
	// Connecting: the connection to the node is down and being retried.
	Connecting
	// NoQuorum: the node runs but cannot reach a majority of the office; sends wait in its outbox.
	NoQuorum
)

// ErrNotSupported is returned by a backend whose node lacks a feature (an endpoint answering 404).
var ErrNotSupported = errors.New("not supported by this node")

// ErrNoDiscovery is Discover's answer on a node that does not look for offices on the LAN.
var ErrNoDiscovery = errors.New("this computer does not search the network for offices")
