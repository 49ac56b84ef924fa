package im

import (
	"cmp"
	"context"
	"slices"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// Reads of the conversation area. What a user may see of a conversation (its latest message) is
// the messages area's rule (msgaccess.go, lastReadableMessage), so a list never shows what a pull
// would not.

// ConversationChanges is a get_incremental_conversations answer.
type ConversationChanges = Changes[*pb.Conversation]

// IncrementalConversations diffs the owner's conversation log against the client's position. A row
// that no longer exists is reported deleted; insert and update hold the rows as they are now.
func IncrementalConversations(ctx context.Context, q store.Q, ownerID, versionID string, version uint64) (*ConversationChanges, error) {
	return incremental(ctx, q, conversationLog(ownerID), versionID, version,
		func(ids []string) ([]store.ConversationRow, error) {
			return store.GetConversations(ctx, q, ownerID, ids)
		},
		func(r store.ConversationRow) (string, *pb.Conversation) { return r.ConversationID, r.Conversation })
}

// FullConversationIDs is get_full_conversation_ids: the log position and every conversation ID of
// the owner, in ID order, unless the client's idHash matches them (fullList).
func FullConversationIDs(ctx context.Context, q store.Q, ownerID string, idHash uint64) (store.VersionHead, []string, bool, error) {
	return fullList(ctx, q, conversationLog(ownerID), store.ConversationIDs, ownerID, idHash)
}

// seqWindow is the range of seqs the owner may see in a conversation: from the higher of the
// conversation's and the owner's min seq (and 1), to the conversation's max seq, capped by the
// owner's max seq when set (frozen on leaving a group).
func seqWindow(s store.Seq, c store.ConversationRow) (lo, hi int64) {
	lo = max(1, s.MinSeq, c.MinSeq)
	hi = s.MaxSeq
	if c.MaxSeq != 0 && c.MaxSeq < hi {
		hi = c.MaxSeq
	}
	return lo, hi
}

// conversationState is what a list view needs of one row beside the row itself.
type conversationState struct {
	row     store.ConversationRow
	maxSeq  int64 // the highest seq the owner may see
	lastMsg *pb.MsgData
}

// unread is the row's unread count: maxSeq - hasReadSeq, never negative.
func (s *conversationState) unread() int64 { return max(0, s.maxSeq-s.row.HasReadSeq) }

// lastTime is when the latest visible message was sent, 0 without one.
func (s *conversationState) lastTime() int64 {
	if s.lastMsg == nil {
		return 0
	}
	return s.lastMsg.SendTime
}

// loadStates reads the visible max seq and latest visible message of each of the owner's rows, in
// a few statements for all of them (access facts, then the newest messages): login sync lists
// every conversation.
func loadStates(ctx context.Context, q store.Q, ownerID string, rows []store.ConversationRow) ([]*conversationState, error) {
	f, err := loadAccessFacts(ctx, q, ownerID, rows)
	if err != nil {
		return nil, err
	}
	out := make([]*conversationState, 0, len(rows))
	var accesses []*msgAccess
	for _, r := range rows {
		st := &conversationState{row: r}
		lo, hi := seqWindow(f.seqs[r.ConversationID], r)
		st.maxSeq = hi
		if lo <= hi {
			a, err := f.access(ctx, r.ConversationID)
			if err != nil {
				return nil, err
			}
			if a == nil {
				st.maxSeq = 0 // a row without access (none is made so) shows no count either
			} else {
				accesses = append(accesses, a)
			}
		}
		out = append(out, st)
	}
	last, err := lastReadableMessages(ctx, q, ownerID, accesses)
	if err != nil {
		return nil, err
	}
	for _, st := range out {
		st.lastMsg = last[st.row.ConversationID]
	}
	return out, nil
}

// sortStates orders rows as a conversation list shows them: pinned first, then by latest message,
// newest first; the conversation ID breaks ties so the order is stable.
func sortStates(states []*conversationState) {
	slices.SortStableFunc(states, func(a, b *conversationState) int {
		if a.row.IsPinned != b.row.IsPinned {
			if a.row.IsPinned {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.lastTime(), a.lastTime()); c != 0 {
			return c
		}
		return cmp.Compare(a.row.ConversationID, b.row.ConversationID)
	})
}

// ConversationElem is one entry of get_sorted_conversation_list (upstream's field names, IsPinned
// with a capital I).
type ConversationElem struct {
	ConversationID string   `json:"conversationID"`
	RecvMsgOpt     int32    `json:"recvMsgOpt"`
	UnreadCount    int64    `json:"unreadCount"`
	IsPinned       bool     `json:"IsPinned"`
	MsgInfo        *MsgInfo `json:"msgInfo"`
}

// MsgInfo summarises a conversation's latest message for the sorted list (upstream's field names,
// LatestMsgRecvTime with a capital L). Empty when the conversation shows no message.
type MsgInfo struct {
	ServerMsgID       string `json:"serverMsgID"`
	ClientMsgID       string `json:"clientMsgID"`
	SessionType       int32  `json:"sessionType"`
	SendID            string `json:"sendID"`
	RecvID            string `json:"recvID"`
	SenderName        string `json:"senderName"`
	FaceURL           string `json:"faceURL"`
	GroupID           string `json:"groupID"`
	GroupName         string `json:"groupName"`
	GroupFaceURL      string `json:"groupFaceURL"`
	GroupType         int32  `json:"groupType"`
	GroupMemberCount  uint32 `json:"groupMemberCount"`
	LatestMsgRecvTime int64  `json:"LatestMsgRecvTime"`
	MsgFrom           int32  `json:"msgFrom"`
	ContentType       int32  `json:"contentType"`
	Content           string `json:"content"`
	Ex                string `json:"ex"`
}

// SortedConversations is get_sorted_conversation_list before paging.
type SortedConversations struct {
	ConversationTotal int64
	UnreadTotal       int64
	Elems             []*ConversationElem
}

// SortedConversationList lists the owner's conversations (all, or those among ids) pinned first,
// then by latest message, with unread counts. A user with none of them gets RecordNotFound, as
// upstream answers.
func SortedConversationList(ctx context.Context, q store.Q, ownerID string, ids []string) (*SortedConversations, error) {
	var rows []store.ConversationRow
	var err error
	if len(ids) == 0 {
		rows, err = store.AllConversations(ctx, q, ownerID)
	} else {
		rows, err = store.GetConversations(ctx, q, ownerID, ids)
	}
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, openim.ErrRecordNotFound.With("%s has no such conversation", ownerID)
	}
	states, err := loadStates(ctx, q, ownerID, rows)
	if err != nil {
		return nil, err
	}
	sortStates(states)
	p, err := loadPeers(ctx, q, ownerID, states)
	if err != nil {
		return nil, err
	}
	out := &SortedConversations{ConversationTotal: int64(len(states)), Elems: make([]*ConversationElem, 0, len(states))}
	for _, s := range states {
		out.UnreadTotal += s.unread()
		out.Elems = append(out.Elems, &ConversationElem{ConversationID: s.row.ConversationID,
			RecvMsgOpt: s.row.RecvMsgOpt, UnreadCount: s.unread(), IsPinned: s.row.IsPinned,
			MsgInfo: p.msgInfo(ownerID, s.lastMsg)})
	}
	return out, nil
}

// peers holds the profiles a list shows beside its conversations.
type peers struct {
	users   map[string]*pb.UserInfo
	friends map[string]*pb.FriendInfoOnly
	groups  map[string]*pb.GroupInfo
}

// loadPeers reads the peer of every two-user row, the owner's friend entry for it, the group of
// every group row, and the senders of the latest messages.
func loadPeers(ctx context.Context, q store.Q, ownerID string, states []*conversationState) (*peers, error) {
	var userIDs, peerIDs, groupIDs []string
	for _, s := range states {
		if s.row.GroupID != "" {
			groupIDs = append(groupIDs, s.row.GroupID)
		} else if s.row.UserID != "" {
			peerIDs = append(peerIDs, s.row.UserID)
		}
		if s.lastMsg != nil {
			userIDs = append(userIDs, s.lastMsg.SendID, s.lastMsg.RecvID)
		}
		if s.lastMsg != nil && s.lastMsg.GroupID != "" {
			groupIDs = append(groupIDs, s.lastMsg.GroupID)
		}
	}
	peerIDs = dedupe(peerIDs)
	p := &peers{users: map[string]*pb.UserInfo{}, groups: map[string]*pb.GroupInfo{}}
	users, err := store.GetUsers(ctx, q, dedupe(append(userIDs, peerIDs...)))
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		p.users[u.UserID] = u
	}
	if p.friends, err = store.FriendsOnly(ctx, q, ownerID, peerIDs); err != nil {
		return nil, err
	}
	groups, err := store.GetGroups(ctx, q, dedupe(groupIDs))
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		p.groups[g.GroupID] = g
	}
	return p, nil
}

// msgInfo fills the list summary of msg as upstream does: in a single chat the name and face are the
// other side's, in a group the group's with the sender's name.
func (p *peers) msgInfo(ownerID string, msg *pb.MsgData) *MsgInfo {
	info := &MsgInfo{}
	if msg == nil {
		return info
	}
	*info = MsgInfo{ServerMsgID: msg.ServerMsgID, ClientMsgID: msg.ClientMsgID, SessionType: msg.SessionType,
		SendID: msg.SendID, RecvID: msg.RecvID, GroupID: msg.GroupID, LatestMsgRecvTime: msg.SendTime,
		MsgFrom: msg.MsgFrom, ContentType: msg.ContentType, Content: string(msg.Content), Ex: msg.Ex}
	switch msg.SessionType {
	case openim.ReadGroupChat, openim.WriteGroupChat:
		if g := p.groups[msg.GroupID]; g != nil {
			info.GroupName, info.GroupFaceURL = g.GroupName, g.FaceURL
			info.GroupMemberCount, info.GroupType = g.MemberCount, g.GroupType
		}
		if u := p.users[msg.SendID]; u != nil {
			info.SenderName = u.Nickname
		}
	default:
		other := msg.SendID
		if other == ownerID {
			other = msg.RecvID
		}
		if u := p.users[other]; u != nil {
			info.SenderName, info.FaceURL = u.Nickname, u.FaceURL
		}
	}
	return info
}

// conversationMsgs builds the JS SDK's entries for the states, in their order, with the owner's
// unread total over them.
func conversationMsgs(ctx context.Context, q store.Q, ownerID string, states []*conversationState) ([]*pb.ConversationMsg, error) {
	p, err := loadPeers(ctx, q, ownerID, states)
	if err != nil {
		return nil, err
	}
	out := make([]*pb.ConversationMsg, 0, len(states))
	for _, s := range states {
		m := &pb.ConversationMsg{Conversation: s.row.Conversation, LastMsg: s.lastMsg, MaxSeq: s.maxSeq,
			ReadSeq: s.row.HasReadSeq}
		if s.row.GroupID != "" {
			m.Group = p.groups[s.row.GroupID]
		} else {
			m.User = p.users[s.row.UserID]
			m.Friend = p.friends[s.row.UserID]
		}
		out = append(out, m)
	}
	return out, nil
}

func totalUnread(states []*conversationState) int64 {
	var n int64
	for _, s := range states {
		n += s.unread()
	}
	return n
}

// JSSDKConversations is /jssdk/get_conversations: the owner's rows among ids, in the order asked,
// each with its latest visible message, peer or group, max and read seq.
func JSSDKConversations(ctx context.Context, q store.Q, ownerID string, ids []string) (*pb.GetConversationsResp, error) {
	rows, err := store.GetConversations(ctx, q, ownerID, ids)
	if err != nil {
		return nil, err
	}
	states, err := loadStates(ctx, q, ownerID, rows)
	if err != nil {
		return nil, err
	}
	msgs, err := conversationMsgs(ctx, q, ownerID, states)
	if err != nil {
		return nil, err
	}
	return &pb.GetConversationsResp{UnreadCount: totalUnread(states), Conversations: msgs}, nil
}

// Active conversation counts (upstream's): a count outside 1..MaxActiveConversations means the default.
const (
	DefaultActiveConversations = 100
	MaxActiveConversations     = 500
)

// JSSDKActiveConversations is /jssdk/get_active_conversations: the owner's conversations that have
// messages, pinned first then newest first, at most count of them; unreadCount covers all of them.
func JSSDKActiveConversations(ctx context.Context, q store.Q, ownerID string, count int64) (*pb.GetActiveConversationsResp, error) {
	if count <= 0 || count > MaxActiveConversations {
		count = DefaultActiveConversations
	}
	rows, err := store.AllConversations(ctx, q, ownerID)
	if err != nil {
		return nil, err
	}
	all, err := loadStates(ctx, q, ownerID, rows)
	if err != nil {
		return nil, err
	}
	active := slices.DeleteFunc(all, func(s *conversationState) bool { return s.maxSeq <= 0 })
	sortStates(active)
	top := active[:min(len(active), int(count))]
	msgs, err := conversationMsgs(ctx, q, ownerID, top)
	if err != nil {
		return nil, err
	}
	return &pb.GetActiveConversationsResp{UnreadCount: totalUnread(active), Conversations: msgs}, nil
}

// CheckOwner is the access rule of every conversation read (upstream's CheckAccess on the request's
// owner field, named field): required, and the caller is that user or the admin.
func CheckOwner(c Caller, field, ownerID string) error {
	if ownerID == "" {
		return openim.ErrArgs.With("%s is required", field)
	}
	return c.Access(ownerID)
}

// CheckConversationIDs bounds a list of conversation IDs to look up.
func CheckConversationIDs(ids []string) error {
	if len(ids) > openim.MaxBatch {
		return openim.ErrArgs.With("conversationIDs has %d IDs, at most %d", len(ids), openim.MaxBatch)
	}
	return nil
}

// wireConversations lists the wire part of rows; none is nil.
func wireConversations(rows []store.ConversationRow) []*pb.Conversation {
	if len(rows) == 0 {
		return nil
	}
	out := make([]*pb.Conversation, len(rows))
	for i, r := range rows {
		out[i] = r.Conversation
	}
	return out
}

// AllConversations is get_all_conversations: every conversation of the owner.
func AllConversations(ctx context.Context, q store.Q, ownerID string) ([]*pb.Conversation, error) {
	rows, err := store.AllConversations(ctx, q, ownerID)
	return wireConversations(rows), err
}

// OneConversation is get_conversation: 1001 without an ID, 1004 when the owner has no such row.
func OneConversation(ctx context.Context, q store.Q, ownerID, conversationID string) (*pb.Conversation, error) {
	if conversationID == "" {
		return nil, openim.ErrArgs.With("conversationID is required")
	}
	row, ok, err := store.GetConversation(ctx, q, ownerID, conversationID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, openim.ErrRecordNotFound.With("conversation %s of %s", conversationID, ownerID)
	}
	return row.Conversation, nil
}

// SomeConversations is get_conversations: the owner's rows among ids; unknown IDs are left out.
func SomeConversations(ctx context.Context, q store.Q, ownerID string, ids []string) ([]*pb.Conversation, error) {
	if err := CheckConversationIDs(ids); err != nil {
		return nil, err
	}
	rows, err := store.GetConversations(ctx, q, ownerID, ids)
	return wireConversations(rows), err
}

// ConversationPage is get_owner_conversation: a page of the owner's conversations, with the total.
func ConversationPage(ctx context.Context, q store.Q, ownerID string, offset, limit int) ([]*pb.Conversation, int64, error) {
	rows, total, err := store.PageConversations(ctx, q, ownerID, offset, limit)
	return wireConversations(rows), total, err
}

// NotNotifyConversationIDs lists the owner's conversations whose recvMsgOpt is not 0.
func NotNotifyConversationIDs(ctx context.Context, q store.Q, ownerID string) ([]string, error) {
	return store.NotNotifyConversationIDs(ctx, q, ownerID)
}

// PinnedConversationIDs lists the owner's pinned conversations.
func PinnedConversationIDs(ctx context.Context, q store.Q, ownerID string) ([]string, error) {
	return store.PinnedConversationIDs(ctx, q, ownerID)
}
