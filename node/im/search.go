package im

import (
	"context"
	"math"
	"strings"

	"google.golang.org/protobuf/proto"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// MaxKeywordLen bounds a search keyword (characters).
const MaxKeywordLen = 256

// SearchQuery is a message search (/msg/search_msg). Empty fields do not filter.
type SearchQuery struct {
	Keyword        string
	SendID         string
	RecvID         string // the other user or the group of the conversation
	ConversationID string
	ContentType    int32
	SessionType    int32
	StartTime      int64 // ms, inclusive
	EndTime        int64 // ms, inclusive
	Offset, Limit  int
}

// SearchHit is one found message, rendered for the searcher.
type SearchHit struct {
	ConversationID string
	Msg            *pb.MsgData
	// Group is a group message's group (nil once it is gone); RecvNickname is any other message's
	// receiver's nickname ("" when unknown). A search answer shows them beside the message.
	Group        *pb.GroupInfo
	RecvNickname string
}

// SearchMessages finds messages the searcher may read: in their own chat conversations, within
// their readable window (after leaving a group, nothing sent after they left), not deleted by them,
// not revoked. The app admin searches every conversation. Keywords match the indexed text of a
// message (searchText) as a substring, case-insensitively.
func SearchMessages(ctx context.Context, q store.Q, searcher Caller, sq *SearchQuery) ([]SearchHit, int64, error) {
	if err := checkKeyword("keyword", sq.Keyword, MaxKeywordLen); err != nil {
		return nil, 0, err
	}
	f := &store.SearchFilter{Keyword: strings.TrimSpace(sq.Keyword), SendID: sq.SendID, ContentType: sq.ContentType,
		SessionType: sq.SessionType, StartTime: sq.StartTime, EndTime: sq.EndTime, Offset: sq.Offset, Limit: sq.Limit,
		TextOf: StoredText}
	if !searcher.Admin() || sq.ConversationID != "" || sq.RecvID != "" {
		scopes, err := searchScopes(ctx, q, searcher, sq)
		if err != nil {
			return nil, 0, err
		}
		if len(scopes) == 0 {
			return nil, 0, nil
		}
		f.Scopes = scopes
	}
	if !searcher.Admin() {
		f.Owner = searcher.UserID
	}
	stored, total, err := store.SearchMessages(ctx, q, f)
	if err != nil {
		return nil, 0, err
	}
	hits := make([]SearchHit, 0, len(stored))
	groups, names := map[string]*pb.GroupInfo{}, map[string]string{}
	for i := range stored {
		msg, err := decodeStoredMsg(&stored[i])
		if err != nil {
			return nil, 0, err
		}
		h := SearchHit{ConversationID: stored[i].ConversationID, Msg: msg}
		if err := h.describe(ctx, q, groups, names); err != nil {
			return nil, 0, err
		}
		hits = append(hits, h)
	}
	return hits, total, nil
}

// describe fills the hit's group or receiver's nickname, looking each up once per search.
func (h *SearchHit) describe(ctx context.Context, q store.Q, groups map[string]*pb.GroupInfo, names map[string]string) error {
	m := h.Msg
	if m.GroupID != "" {
		g, ok := groups[m.GroupID]
		if !ok {
			var err error
			if g, err = store.GetGroup(ctx, q, m.GroupID); err != nil {
				return err
			}
			groups[m.GroupID] = g
		}
		h.Group = g
		return nil
	}
	name, ok := names[m.RecvID]
	if !ok {
		u, err := store.GetUser(ctx, q, m.RecvID)
		if err != nil {
			return err
		}
		if u != nil {
			name = u.Nickname
		}
		names[m.RecvID] = name
	}
	h.RecvNickname = name
	return nil
}

// searchScopes lists the chat conversations searched, each with what the searcher may read of it.
func searchScopes(ctx context.Context, q store.Q, searcher Caller, sq *SearchQuery) ([]store.SearchScope, error) {
	if searcher.Admin() {
		return adminScopes(ctx, q, sq)
	}
	var ids []string
	if sq.ConversationID != "" {
		ids = []string{sq.ConversationID}
	} else {
		rows, err := store.AllConversations(ctx, q, searcher.UserID)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			ids = append(ids, r.ConversationID)
		}
	}
	var scopes []store.SearchScope
	for _, id := range ids {
		if openim.IsNotificationConversation(id) {
			continue
		}
		a, err := loadMsgAccess(ctx, q, searcher.UserID, id)
		if err != nil {
			return nil, err
		}
		if a == nil || a.hi < a.lo {
			continue
		}
		if sq.RecvID != "" && sq.RecvID != a.peer && sq.RecvID != a.groupID {
			continue
		}
		s := store.SearchScope{ConversationID: id, Lo: a.lo, Hi: a.hi, Kind: store.ScopePair, A: searcher.UserID, B: a.peer}
		if a.group {
			s = store.SearchScope{ConversationID: id, Lo: a.lo, Hi: min(a.hi, a.groupHi), Kind: store.ScopeGroup}
		}
		scopes = append(scopes, s)
	}
	return scopes, nil
}

// adminScopes: the admin searches whole conversations: the one named, or those of the user or
// group named by recvID.
func adminScopes(ctx context.Context, q store.Q, sq *SearchQuery) ([]store.SearchScope, error) {
	all := func(id string) store.SearchScope {
		return store.SearchScope{ConversationID: id, Lo: 1, Hi: math.MaxInt64, Kind: store.ScopeAll}
	}
	if sq.ConversationID != "" {
		return []store.SearchScope{all(sq.ConversationID)}, nil
	}
	rows, err := store.AllConversations(ctx, q, sq.RecvID)
	if err != nil {
		return nil, err
	}
	scopes := []store.SearchScope{all(openim.GroupConversationID(sq.RecvID))}
	for _, r := range rows {
		if !strings.HasPrefix(r.ConversationID, openim.PrefixGroup) {
			scopes = append(scopes, all(r.ConversationID))
		}
	}
	return scopes, nil
}

// StoredText is the indexed text of a stored message, for keywords the full-text index cannot
// answer (it keeps no copy of the text), and to rebuild the index (store.WithSearchText).
func StoredText(contentType int32, msg []byte) string {
	var m pb.MsgData
	if proto.Unmarshal(msg, &m) != nil {
		return ""
	}
	return searchText(contentType, m.Content)
}
