package im

import (
	"context"
	"slices"
	"strings"

	"lanim/node/openim"
	"lanim/node/store"
)

// Who may read which messages. Every message read (pulls, newest seqs, last messages, search) and
// every message write that names a seq (revoke, read marks, deletes) goes through msgAccess, so a
// user never reads another's conversation:
//
//   - si_/sn_ and pair n_ streams: the ID must be the pair of the reader and some other user
//     (rebuilt and compared, since user IDs may hold "_"). A conversation row is not taken as proof:
//     rows are made by several areas, and one wrong row must not open someone else's chat.
//   - sg_ and group n_ streams: the reader is a member now, or left it: their sg_ row then holds the
//     frozen maxSeq that quit and kick record, and their window ends there.
//
// Two pairs can share one ID ("a"+"b_c" and "a_b"+"c" both give si_a_b_c), and a group n_ stream
// can share one with a pair, so access also says which messages of the conversation are the
// reader's: those sent by the pair's two users, or group-session ones. The others read as deleted.

// MaxPullConversations bounds the conversations of one pull (the SDK asks 100 at a time).
const MaxPullConversations = 100

// MaxPullSeqs bounds the seqs one pull returns or asks for.
const MaxPullSeqs = 1000

// msgAccess is what one user may read of one conversation.
type msgAccess struct {
	userID         string
	conversationID string
	seq            store.Seq              // the conversation's seq state
	row            *store.ConversationRow // the user's row, nil for n_ streams and rows not made yet
	lo, hi         int64                  // readable seqs, inclusive; empty when hi < lo

	pair    bool   // messages of the pair userID+peer are readable
	peer    string // the other user of a pair conversation
	group   bool   // group-session messages are readable, up to groupHi
	groupID string
	groupHi int64
}

// loadMsgAccess works out what userID may read of conversationID; nil means nothing.
func loadMsgAccess(ctx context.Context, q store.Q, userID, conversationID string) (*msgAccess, error) {
	return (&accessFacts{q: q, userID: userID}).access(ctx, conversationID)
}

// accessFacts are the stored facts the access rule reads for one user: their conversation rows,
// their group memberships and seq states. A list view fetches them for all its conversations at
// once (loadAccessFacts); a fact not fetched is read when the rule asks for it, so one rule serves
// a single conversation and a page of them.
type accessFacts struct {
	q      store.Q
	userID string
	rows   map[string]*store.ConversationRow // the user's rows by conversation ID; nil: not fetched
	joined map[string]bool                   // the groups the user is in; nil: not fetched
	seqs   map[string]store.Seq              // seq states of the fetched rows (absent: zero)
}

// loadAccessFacts fetches the facts for the user's rows in a few statements.
func loadAccessFacts(ctx context.Context, q store.Q, userID string, rows []store.ConversationRow) (*accessFacts, error) {
	f := &accessFacts{q: q, userID: userID, rows: make(map[string]*store.ConversationRow, len(rows)), joined: map[string]bool{}}
	ids := make([]string, 0, len(rows))
	for i := range rows {
		f.rows[rows[i].ConversationID] = &rows[i]
		ids = append(ids, rows[i].ConversationID)
	}
	groups, err := store.JoinedGroupIDs(ctx, q, userID)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		f.joined[g] = true
	}
	if f.seqs, err = store.GetSeqs(ctx, q, ids); err != nil {
		return nil, err
	}
	return f, nil
}

// row is the user's row of a conversation, or nil.
func (f *accessFacts) row(ctx context.Context, conversationID string) (*store.ConversationRow, error) {
	if r, ok := f.rows[conversationID]; ok {
		return r, nil
	}
	return conversationRow(ctx, f.q, f.userID, conversationID)
}

// member reports whether the user is in the group now.
func (f *accessFacts) member(ctx context.Context, groupID string) (bool, error) {
	if f.joined != nil {
		return f.joined[groupID], nil
	}
	m, err := store.GetMember(ctx, f.q, groupID, f.userID)
	return m != nil, err
}

// seq is a conversation's seq state.
func (f *accessFacts) seq(ctx context.Context, conversationID string) (store.Seq, error) {
	if _, ok := f.rows[conversationID]; ok {
		return f.seqs[conversationID], nil
	}
	return store.GetSeq(ctx, f.q, conversationID)
}

// access works out what the user may read of conversationID; nil means nothing.
func (f *accessFacts) access(ctx context.Context, conversationID string) (*msgAccess, error) {
	if conversationID == "" || len(conversationID) > openim.MaxConversationIDLen {
		return nil, nil
	}
	a := &msgAccess{userID: f.userID, conversationID: conversationID}
	var err error
	switch {
	case strings.HasPrefix(conversationID, openim.PrefixSingle), strings.HasPrefix(conversationID, openim.PrefixNotifyChat):
		a.peer, a.pair = openim.PairPeer(conversationID[openim.ChatPrefixLen:], f.userID)
		if !a.pair {
			return nil, nil
		}
		if a.row, err = f.row(ctx, conversationID); err != nil {
			return nil, err
		}
	case strings.HasPrefix(conversationID, openim.PrefixGroup):
		a.groupID = conversationID[openim.ChatPrefixLen:]
		if a.row, err = f.row(ctx, conversationID); err != nil {
			return nil, err
		}
		member, err := f.member(ctx, a.groupID)
		if err != nil {
			return nil, err
		}
		// A former member reads up to the maxSeq frozen on their row when they left.
		if !member && (a.row == nil || a.row.MaxSeq == 0) {
			return nil, nil
		}
		a.group = true
	case strings.HasPrefix(conversationID, openim.PrefixNotification):
		if err := a.loadNotificationAccess(ctx, f); err != nil {
			return nil, err
		}
		if !a.pair && !a.group {
			return nil, nil
		}
	default:
		return nil, nil
	}
	if a.seq, err = f.seq(ctx, conversationID); err != nil {
		return nil, err
	}
	a.lo, a.hi = max(1, a.seq.MinSeq), a.seq.MaxSeq
	if a.row != nil {
		a.lo = max(a.lo, a.row.MinSeq)
		if a.row.MaxSeq != 0 && a.row.MaxSeq < a.hi {
			a.hi = a.row.MaxSeq
		}
	}
	if a.group && a.groupHi == 0 {
		a.groupHi = a.hi
	}
	if !a.pair && a.groupHi < a.hi {
		a.hi = a.groupHi
	}
	return a, nil
}

// loadNotificationAccess handles an n_ stream: the notifications of a pair the user is in, of a
// group the user is in, or of a group the user left, up to when they left. n_ seqs are not sg_
// seqs, so the bound is the send time of the last sg_ message they may read: the chat copy of their
// 1504/1508, which quit and kick store before freezing the row.
func (a *msgAccess) loadNotificationAccess(ctx context.Context, f *accessFacts) error {
	rest := a.conversationID[2:]
	a.peer, a.pair = openim.PairPeer(rest, a.userID)
	if !openim.ValidID(rest) {
		return nil
	}
	member, err := f.member(ctx, rest)
	if err != nil {
		return err
	}
	if member {
		a.group, a.groupID = true, rest
		return nil
	}
	row, err := f.row(ctx, openim.GroupConversationID(rest))
	if err != nil || row == nil || row.MaxSeq == 0 {
		return err
	}
	last, ok, err := store.MessageAt(ctx, f.q, openim.GroupConversationID(rest), row.MaxSeq)
	if err != nil || !ok {
		return err
	}
	bound, err := store.LastSeqAtOrBefore(ctx, f.q, a.conversationID, last.SendTime)
	if err != nil || bound == 0 {
		return err
	}
	a.group, a.groupID, a.groupHi = true, rest, bound
	return nil
}

// readable reports whether the user may read the stored message m of this conversation.
func (a *msgAccess) readable(m *store.StoredMessage) bool {
	if m.Seq < a.lo || m.Seq > a.hi {
		return false
	}
	switch m.SessionType {
	case openim.ReadGroupChat, openim.WriteGroupChat:
		return a.group && m.Seq <= a.groupHi
	default:
		return a.pair && (m.SendID == a.userID || m.SendID == a.peer)
	}
}

// inWindow reports whether seq is inside the readable window.
func (a *msgAccess) inWindow(seq int64) bool { return seq >= a.lo && seq <= a.hi }

// windowed returns the seqs inside the readable window, sorted and each once (nil when none is).
func (a *msgAccess) windowed(seqs []int64) []int64 {
	var out []int64
	for _, s := range seqs {
		if a.inWindow(s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// conversationRow returns the owner's row of a conversation, or nil.
func conversationRow(ctx context.Context, q store.Q, ownerID, conversationID string) (*store.ConversationRow, error) {
	r, ok, err := store.GetConversation(ctx, q, ownerID, conversationID)
	if err != nil || !ok {
		return nil, err
	}
	return &r, nil
}

// notificationTwin is the n_ stream beside a chat conversation (upstream: replace the prefix).
func notificationTwin(conversationID string) string {
	i := strings.IndexByte(conversationID, '_')
	if i < 0 {
		return ""
	}
	return "n" + conversationID[i:]
}
