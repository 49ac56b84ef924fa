package im

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// The message reads: REST (/msg/newest_seq, /msg/pull_msg_by_seq,
// /msg/get_conversations_has_read_and_max_seq) and WebSocket (1001, 1002, 1005, 1006, 1007) serve
// these same functions. userID is the reader, already authorised by the caller (self or admin);
// what the reader may see is decided here (msgaccess.go).

// NewestSeqs is the newest readable seq of each conversation of the user (WS 1001, newest_seq):
// their si_/sg_/sn_ conversations, each one's n_ stream, the groups they are in and their own
// n_<uid>_<uid>. Conversations with nothing readable are left out. minSeqs holds the first
// readable seq where it is above 1 (after a clear).
func NewestSeqs(ctx context.Context, q store.Q, userID string) (*pb.GetMaxSeqResp, error) {
	rows, err := store.AllConversations(ctx, q, userID)
	if err != nil {
		return nil, err
	}
	groups, err := store.JoinedGroupIDs(ctx, q, userID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, 2*len(rows)+2*len(groups)+1)
	for _, r := range rows {
		ids = append(ids, r.ConversationID, notificationTwin(r.ConversationID))
	}
	for _, g := range groups {
		ids = append(ids, openim.GroupConversationID(g), openim.PrefixNotification+g)
	}
	ids = append(ids, openim.SelfNotificationConversationID(userID))
	resp := &pb.GetMaxSeqResp{MaxSeqs: map[string]int64{}, MinSeqs: map[string]int64{}}
	for _, id := range dedupe(ids) {
		a, err := loadMsgAccess(ctx, q, userID, id)
		if err != nil {
			return nil, err
		}
		if a == nil || a.hi <= 0 {
			continue
		}
		resp.MaxSeqs[id] = a.hi
		if a.lo > 1 {
			resp.MinSeqs[id] = a.lo
		}
	}
	return resp, nil
}

// PullBySeqRanges is WS 1002 and /msg/pull_msg_by_seq. Each range is clipped to the readable
// window; a chat range holding more than num seqs returns its last num, an n_ range every seq.
// Missing or unreadable seqs come back as {seq, status 4} placeholders. Ranges with nothing
// readable are left out. One pull returns at most MaxPullSeqs seqs: the ranges past that are
// left out (or cut, marked isEnd false), and the client pulls them again.
func PullBySeqRanges(ctx context.Context, q store.Q, userID string, req *pb.PullMessageBySeqsReq) (*pb.PullMessageBySeqsResp, error) {
	if len(req.SeqRanges) > MaxPullConversations {
		return nil, openim.ErrArgs.With("seqRanges has %d conversations, at most %d", len(req.SeqRanges), MaxPullConversations)
	}
	desc := req.Order == pb.PullOrder_PullOrderDesc
	resp := &pb.PullMessageBySeqsResp{Msgs: map[string]*pb.PullMsgs{}, NotificationMsgs: map[string]*pb.PullMsgs{}}
	budget := int64(MaxPullSeqs)
	for _, r := range req.SeqRanges {
		if r == nil {
			continue
		}
		if r.Num < 0 || r.Num > MaxPullSeqs {
			return nil, openim.ErrArgs.With("num %d of %s is not in 0..%d", r.Num, r.ConversationID, MaxPullSeqs)
		}
		if budget == 0 {
			break
		}
		a, err := loadMsgAccess(ctx, q, userID, r.ConversationID)
		if err != nil {
			return nil, err
		}
		notification := openim.IsNotificationConversation(r.ConversationID)
		if a == nil || max(r.Begin, a.lo) > min(r.End, a.hi) {
			// Every asked conversation gets an entry (an SDK pages history until isEnd): nothing
			// here, for one the reader may not see just as for an empty range.
			putPulled(resp, r.ConversationID, notification, &pb.PullMsgs{Msgs: []*pb.MsgData{}, IsEnd: true})
			continue
		}
		begin, end := max(r.Begin, a.lo), min(r.End, a.hi)
		if !notification && r.Num > 0 && end-begin+1 > r.Num {
			begin = end - r.Num + 1
		}
		cut := end-begin+1 > budget
		if cut {
			if notification && !desc {
				end = begin + budget - 1
			} else {
				begin = end - budget + 1
			}
		}
		budget -= end - begin + 1
		stored, err := store.MessagesInRange(ctx, q, r.ConversationID, begin, end)
		if err != nil {
			return nil, err
		}
		msgs, err := a.render(ctx, q, seqRange(begin, end), stored)
		if err != nil {
			return nil, err
		}
		isEnd := a.hi <= r.End
		if desc {
			isEnd = r.Begin <= a.lo
		}
		putPulled(resp, r.ConversationID, notification, &pb.PullMsgs{Msgs: msgs, IsEnd: isEnd && !cut})
	}
	return resp, nil
}

// putPulled files one conversation's answer under msgs or notificationMsgs.
func putPulled(resp *pb.PullMessageBySeqsResp, conversationID string, notification bool, pm *pb.PullMsgs) {
	if notification {
		resp.NotificationMsgs[conversationID] = pm
	} else {
		resp.Msgs[conversationID] = pm
	}
}

// PullBySeqs is WS 1005: explicit seqs per conversation. Every requested conversation gets an
// entry, empty when nothing is readable (the JS SDK reads msgs[cid] unguarded). Seqs outside the
// readable window are dropped; missing or unreadable ones inside it are placeholders.
func PullBySeqs(ctx context.Context, q store.Q, userID string, req *pb.GetSeqMessageReq) (*pb.GetSeqMessageResp, error) {
	if len(req.Conversations) > MaxPullConversations {
		return nil, openim.ErrArgs.With("conversations has %d entries, at most %d", len(req.Conversations), MaxPullConversations)
	}
	total := 0
	for _, c := range req.Conversations {
		if c != nil {
			total += len(c.Seqs)
		}
	}
	if total > MaxPullSeqs {
		return nil, openim.ErrArgs.With("%d seqs asked, at most %d", total, MaxPullSeqs)
	}
	desc := req.Order == pb.PullOrder_PullOrderDesc
	resp := &pb.GetSeqMessageResp{Msgs: map[string]*pb.PullMsgs{}, NotificationMsgs: map[string]*pb.PullMsgs{}}
	for _, c := range req.Conversations {
		if c == nil {
			continue
		}
		m := resp.Msgs
		if openim.IsNotificationConversation(c.ConversationID) {
			m = resp.NotificationMsgs
		}
		pm := m[c.ConversationID]
		if pm == nil {
			pm = &pb.PullMsgs{}
			m[c.ConversationID] = pm
		}
		a, err := loadMsgAccess(ctx, q, userID, c.ConversationID)
		if err != nil {
			return nil, err
		}
		if a == nil {
			continue
		}
		if seqs := a.windowed(c.Seqs); len(seqs) > 0 {
			stored, err := store.MessagesAt(ctx, q, c.ConversationID, seqs)
			if err != nil {
				return nil, err
			}
			msgs, err := a.render(ctx, q, seqs, stored)
			if err != nil {
				return nil, err
			}
			pm.Msgs = append(pm.Msgs, msgs...)
		}
		if desc {
			pm.IsEnd, pm.EndSeq = len(c.Seqs) > 0 && slices.Min(c.Seqs) <= a.lo, a.lo
		} else {
			pm.IsEnd, pm.EndSeq = len(c.Seqs) > 0 && slices.Max(c.Seqs) >= a.hi, a.hi
		}
	}
	return resp, nil
}

// HasReadAndMaxSeqs is WS 1006 and /msg/get_conversations_has_read_and_max_seq: the user's read
// position and readable max seq per conversation row (all rows when the list is empty; never n_).
// After leaving a group, maxSeq is the maxSeq frozen on the row.
func HasReadAndMaxSeqs(ctx context.Context, q store.Q, userID string, req *pb.GetConversationsHasReadAndMaxSeqReq) (*pb.GetConversationsHasReadAndMaxSeqResp, error) {
	if len(req.ConversationIDs) > openim.MaxBatch {
		return nil, openim.ErrArgs.With("conversationIDs has %d IDs, at most %d", len(req.ConversationIDs), openim.MaxBatch)
	}
	var rows []store.ConversationRow
	var err error
	if len(req.ConversationIDs) == 0 {
		rows, err = store.AllConversations(ctx, q, userID)
	} else {
		rows, err = store.GetConversations(ctx, q, userID, dedupe(req.ConversationIDs))
	}
	if err != nil {
		return nil, err
	}
	f, err := loadAccessFacts(ctx, q, userID, rows)
	if err != nil {
		return nil, err
	}
	resp := &pb.GetConversationsHasReadAndMaxSeqResp{Seqs: map[string]*pb.Seqs{}}
	for _, r := range rows {
		a, err := f.access(ctx, r.ConversationID)
		if err != nil {
			return nil, err
		}
		if a == nil {
			continue
		}
		s := &pb.Seqs{MaxSeq: a.hi, HasReadSeq: r.HasReadSeq, MaxSeqTime: a.seq.MaxSeqTime}
		if a.hi > 0 && a.hi < a.seq.MaxSeq {
			last, ok, err := store.MessageAt(ctx, q, r.ConversationID, a.hi)
			if err != nil {
				return nil, err
			}
			if ok {
				s.MaxSeqTime = last.SendTime
			}
		}
		resp.Seqs[r.ConversationID] = s
		if req.ReturnPinned && r.IsPinned {
			resp.PinnedConversationIDs = append(resp.PinnedConversationIDs, r.ConversationID)
		}
	}
	return resp, nil
}

// lastMessageScan bounds how far back LastMessages looks past messages the reader deleted.
const lastMessageScan = 50

// LastMessages is WS 1007: the newest readable message of each listed conversation; conversations
// without one are left out.
func LastMessages(ctx context.Context, q store.Q, userID string, req *pb.GetLastMessageReq) (*pb.GetLastMessageResp, error) {
	if len(req.ConversationIDs) > MaxPullConversations {
		return nil, openim.ErrArgs.With("conversationIDs has %d IDs, at most %d", len(req.ConversationIDs), MaxPullConversations)
	}
	resp := &pb.GetLastMessageResp{Msgs: map[string]*pb.MsgData{}}
	for _, id := range dedupe(req.ConversationIDs) {
		msg, err := lastReadableMessage(ctx, q, userID, id)
		if err != nil {
			return nil, err
		}
		if msg != nil {
			resp.Msgs[id] = msg
		}
	}
	return resp, nil
}

// lastReadableMessage is the newest message of a conversation the user may read and has not
// deleted for themselves, or nil.
func lastReadableMessage(ctx context.Context, q store.Q, userID, conversationID string) (*pb.MsgData, error) {
	a, err := loadMsgAccess(ctx, q, userID, conversationID)
	if err != nil || a == nil {
		return nil, err
	}
	return a.lastReadable(ctx, q)
}

// lastReadable is the newest message of the window the user may read and has not deleted, or nil.
func (a *msgAccess) lastReadable(ctx context.Context, q store.Q) (*pb.MsgData, error) {
	if a.hi < a.lo {
		return nil, nil
	}
	stored, err := store.NewestMessages(ctx, q, a.conversationID, a.lo, a.hi, lastMessageScan)
	if err != nil || len(stored) == 0 {
		return nil, err
	}
	deleted, err := store.DeletedSeqs(ctx, q, a.userID, a.conversationID, stored[len(stored)-1].Seq, stored[0].Seq)
	if err != nil {
		return nil, err
	}
	for i := range stored {
		m := &stored[i]
		if deleted[m.Seq] || !a.readable(m) {
			continue
		}
		msgs, err := a.render(ctx, q, []int64{m.Seq}, stored[i:i+1])
		if err != nil {
			return nil, err
		}
		return msgs[0], nil
	}
	return nil, nil
}

// lastReadableMessages is lastReadable for many conversations of one reader, by conversation ID
// (absent: none). The message at the top of every window is read in one statement, with the
// reader's delete marks; where it is missing, deleted or not the reader's, that conversation
// falls back to lastReadable's scan.
func lastReadableMessages(ctx context.Context, q store.Q, userID string, accesses []*msgAccess) (map[string]*pb.MsgData, error) {
	out := make(map[string]*pb.MsgData, len(accesses))
	refs := make([]store.MessageRef, 0, len(accesses))
	for _, a := range accesses {
		if a.hi >= a.lo {
			refs = append(refs, store.MessageRef{ConversationID: a.conversationID, Seq: a.hi})
		}
	}
	top, err := store.MessagesAtRefs(ctx, q, userID, refs)
	if err != nil {
		return nil, err
	}
	var shown []*msgAccess
	var singles []string
	for _, a := range accesses {
		if a.hi < a.lo {
			continue
		}
		m, ok := top[store.MessageRef{ConversationID: a.conversationID, Seq: a.hi}]
		if ok && !m.DeletedByOwner && a.readable(&m.StoredMessage) {
			shown = append(shown, a)
			if strings.HasPrefix(a.conversationID, openim.PrefixSingle) {
				singles = append(singles, a.conversationID)
			}
			continue
		}
		msg, err := a.lastReadable(ctx, q)
		if err != nil {
			return nil, err
		}
		if msg != nil {
			out[a.conversationID] = msg
		}
	}
	readSeqs, err := store.HasReadSeqsOf(ctx, q, singles)
	if err != nil {
		return nil, err
	}
	for _, a := range shown {
		m := top[store.MessageRef{ConversationID: a.conversationID, Seq: a.hi}]
		var rs map[string]int64
		if strings.HasPrefix(a.conversationID, openim.PrefixSingle) {
			if rs = readSeqs[a.conversationID]; rs == nil {
				rs = map[string]int64{}
			}
		}
		msg, err := renderStored(&m.StoredMessage, false, rs)
		if err != nil {
			return nil, err
		}
		out[a.conversationID] = msg
	}
	return out, nil
}

// render turns the stored messages at seqs (ascending, inside the window) into what this reader
// gets: revoked messages rewritten, their own deletes as status 4 with no content, anything missing
// or not theirs as a {seq, status 4} placeholder. In single chats isRead says whether the receiver
// has read the message.
func (a *msgAccess) render(ctx context.Context, q store.Q, seqs []int64, stored []store.StoredMessage) ([]*pb.MsgData, error) {
	if len(seqs) == 0 {
		return nil, nil
	}
	deleted, err := store.DeletedSeqs(ctx, q, a.userID, a.conversationID, seqs[0], seqs[len(seqs)-1])
	if err != nil {
		return nil, err
	}
	var readSeqs map[string]int64
	if strings.HasPrefix(a.conversationID, openim.PrefixSingle) {
		if readSeqs, err = store.HasReadSeqs(ctx, q, a.conversationID); err != nil {
			return nil, err
		}
	}
	bySeq := make(map[int64]*store.StoredMessage, len(stored))
	for i := range stored {
		bySeq[stored[i].Seq] = &stored[i]
	}
	out := make([]*pb.MsgData, 0, len(seqs))
	for _, seq := range seqs {
		m, ok := bySeq[seq]
		if !ok || !a.readable(m) {
			out = append(out, &pb.MsgData{Seq: seq, Status: openim.MsgStatusDeleted})
			continue
		}
		msg, err := renderStored(m, deleted[seq], readSeqs)
		if err != nil {
			return nil, err
		}
		out = append(out, msg)
	}
	return out, nil
}

// renderStored is one readable message as the reader gets it: deleted for them (status 4, no
// content), revoked (rewritten), and in a single chat (readSeqs not nil: the read position of each
// owner of the conversation) whether the receiver has read it.
func renderStored(m *store.StoredMessage, deleted bool, readSeqs map[string]int64) (*pb.MsgData, error) {
	msg, err := decodeStoredMsg(m)
	if err != nil {
		return nil, err
	}
	switch {
	case deleted:
		msg.Status, msg.Content = openim.MsgStatusDeleted, nil
	case m.Revoke != nil:
		if err := applyRevoke(msg, m.Revoke); err != nil {
			return nil, err
		}
	}
	if readSeqs != nil && msg.SessionType == openim.SingleChat {
		msg.IsRead = readSeqs[msg.RecvID] >= m.Seq
	}
	return msg, nil
}

// decodeStoredMsg reads a stored message's MsgData.
func decodeStoredMsg(m *store.StoredMessage) (*pb.MsgData, error) {
	msg := &pb.MsgData{}
	if err := proto.Unmarshal(m.Msg, msg); err != nil {
		return nil, fmt.Errorf("decode message %s/%d: %w", m.ConversationID, m.Seq, err)
	}
	return msg, nil
}

// applyRevoke rewrites a revoked message as every read returns it (openim-semantics.md 5.3):
// contentType 2101, content {"detail": <MessageRevokedContent JSON>}.
func applyRevoke(msg *pb.MsgData, revoke []byte) error {
	content, err := json.Marshal(map[string]string{"detail": string(revoke)})
	if err != nil {
		return fmt.Errorf("encode revoked content: %w", err)
	}
	msg.ContentType = openim.MsgRevokeNotification
	msg.Content = content
	return nil
}

// seqRange lists lo..hi.
func seqRange(lo, hi int64) []int64 {
	out := make([]int64, 0, hi-lo+1)
	for s := lo; s <= hi; s++ {
		out = append(out, s)
	}
	return out
}
