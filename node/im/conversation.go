package im

import (
	"strings"

	"google.golang.org/protobuf/proto"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// checkConversationID accepts the chat conversation IDs a user may hold a row for: si_, sg_ or sn_
// followed by ID characters.
func checkConversationID(id string) error {
	if id == "" {
		return openim.ErrArgs.With("conversationID is required")
	}
	if len(id) > openim.MaxConversationIDLen {
		return openim.ErrArgs.With("conversationID is %d bytes, at most %d", len(id), openim.MaxConversationIDLen)
	}
	if openim.ChatConversationType(id) == 0 || !openim.OnlyIDChars(id[openim.ChatPrefixLen:]) {
		return openim.ErrArgs.With("conversationID %q is not a si_, sg_ or sn_ conversation", id)
	}
	if openim.ChatConversationType(id) == openim.ReadGroupChat && !openim.ValidID(id[openim.ChatPrefixLen:]) {
		return openim.ErrArgs.With("conversationID %q does not name a group", id)
	}
	return nil
}

// ConversationReq is the conversation of a set_conversations request (upstream's ConversationReq).
// The settings are wrappers: absent or null leaves the field unchanged. minSeq and maxSeq, which
// upstream's message also carries, are the server's to move and are ignored.
type ConversationReq struct {
	ConversationID   string  `json:"conversationID"`
	ConversationType int32   `json:"conversationType"`
	UserID           string  `json:"userID"`
	GroupID          string  `json:"groupID"`
	RecvMsgOpt       *int32  `json:"recvMsgOpt"`
	IsPinned         *bool   `json:"isPinned"`
	AttachedInfo     *string `json:"attachedInfo"`
	IsPrivateChat    *bool   `json:"isPrivateChat"`
	Ex               *string `json:"ex"`
	BurnDuration     *int32  `json:"burnDuration"`
	GroupAtType      *int32  `json:"groupAtType"`
	MsgDestructTime  *int64  `json:"msgDestructTime"`
	IsMsgDestruct    *bool   `json:"isMsgDestruct"`
}

// hasSettings reports whether the request sets any field other than isPrivateChat, which is
// applied on its own (to both sides of the chat).
func (r *ConversationReq) hasSettings() bool {
	return r.RecvMsgOpt != nil || r.IsPinned != nil || r.AttachedInfo != nil || r.Ex != nil ||
		r.BurnDuration != nil || r.GroupAtType != nil || r.MsgDestructTime != nil || r.IsMsgDestruct != nil
}

// applyTo writes the present settings into c.
func (r *ConversationReq) applyTo(c *pb.Conversation) {
	set(&c.RecvMsgOpt, r.RecvMsgOpt)
	set(&c.IsPinned, r.IsPinned)
	set(&c.AttachedInfo, r.AttachedInfo)
	set(&c.Ex, r.Ex)
	set(&c.BurnDuration, r.BurnDuration)
	set(&c.GroupAtType, r.GroupAtType)
	set(&c.MsgDestructTime, r.MsgDestructTime)
	set(&c.IsMsgDestruct, r.IsMsgDestruct)
}

func (r *ConversationReq) check() error {
	if err := checkConversationID(r.ConversationID); err != nil {
		return err
	}
	typ := openim.ChatConversationType(r.ConversationID)
	if r.ConversationType != 0 && r.ConversationType != typ {
		return openim.ErrArgs.With("conversationType %d does not match conversationID %s", r.ConversationType, r.ConversationID)
	}
	if typ == openim.ReadGroupChat && r.GroupID != "" && r.GroupID != r.ConversationID[openim.ChatPrefixLen:] {
		return openim.ErrArgs.With("groupID %s does not match conversationID %s", r.GroupID, r.ConversationID)
	}
	var errs []error
	if r.RecvMsgOpt != nil {
		errs = append(errs, checkRange("recvMsgOpt", *r.RecvMsgOpt, 0, 2))
	}
	if r.GroupAtType != nil {
		errs = append(errs, checkRange("groupAtType", *r.GroupAtType, 0, 4))
	}
	if r.AttachedInfo != nil {
		errs = append(errs, checkEx("attachedInfo", *r.AttachedInfo, openim.MaxExLen))
	}
	if r.Ex != nil {
		errs = append(errs, checkEx("ex", *r.Ex, openim.MaxExLen))
	}
	if r.BurnDuration != nil && *r.BurnDuration < 0 {
		errs = append(errs, openim.ErrArgs.With("burnDuration %d is negative", *r.BurnDuration))
	}
	if r.MsgDestructTime != nil && *r.MsgDestructTime < 0 {
		errs = append(errs, openim.ErrArgs.With("msgDestructTime %d is negative", *r.MsgDestructTime))
	}
	return checkFields(errs...)
}

// SetConversations is /conversation/set_conversations: the same settings for one conversation of
// each listed user.
type SetConversations struct {
	UserIDs      []string         `json:"userIDs"`
	Conversation *ConversationReq `json:"conversation"`
}

// Check: the caller acts for every listed user (CheckAccess each); at most MaxBatch users; a chat
// conversation ID; settings within their ranges.
func (a *SetConversations) Check(c Caller) error {
	if a.Conversation == nil {
		return openim.ErrArgs.With("conversation is required")
	}
	if err := a.Conversation.check(); err != nil {
		return err
	}
	if err := checkIDs("userIDs", a.UserIDs); err != nil {
		return err
	}
	for _, id := range a.UserIDs {
		if err := c.Access(id); err != nil {
			return err
		}
	}
	return nil
}

func conversationHandlers() map[string]handler {
	return map[string]handler{
		"conversation.set": args(setConversations),
	}
}

// setConversations writes the settings for each listed user, creating the row of a user who has
// none, and tells each user whose row changed (1300). isPrivateChat (not for groups) is written on
// both sides of the chat and announced to both (1701, with a copy in the chat).
func setConversations(o *op, a *SetConversations) (any, error) {
	missing, err := store.MissingUsers(o.ctx, o.tx, a.UserIDs)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, openim.ErrUserIDNotFound.With("user %s", missing[0])
	}
	req := a.Conversation
	if req.hasSettings() {
		for _, owner := range a.UserIDs {
			changed, err := o.setConversation(owner, req)
			if err != nil {
				return nil, err
			}
			if !changed {
				continue
			}
			if err := o.notify(note{contentType: openim.ConversationChange, sendID: owner, recvID: owner,
				tips: &pb.ConversationUpdateTips{UserID: owner, ConversationIDList: []string{req.ConversationID}},
				to:   []string{owner}}); err != nil {
				return nil, err
			}
		}
	}
	if req.IsPrivateChat == nil || openim.ChatConversationType(req.ConversationID) == openim.ReadGroupChat {
		return nil, nil
	}
	for _, owner := range a.UserIDs {
		if err := o.setPrivateChat(owner, req, *req.IsPrivateChat); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// setConversation applies the settings to one owner's row, creating it when missing, and reports
// whether anything changed. A created row is logged as an insert, a changed one as an update.
func (o *op) setConversation(owner string, req *ConversationReq) (bool, error) {
	row, ok, err := o.ownConversation(owner, req)
	if err != nil {
		return false, err
	}
	next := proto.Clone(row.Conversation).(*pb.Conversation)
	req.applyTo(next)
	if ok && proto.Equal(next, row.Conversation) {
		return false, nil
	}
	if err := store.UpdateConversationSettings(o.ctx, o.tx, next); err != nil {
		return false, err
	}
	if !ok {
		return true, nil // logged as an insert by ensureConversation
	}
	return true, o.conversationChanged(owner, req.ConversationID)
}

// ownConversation returns the owner's row of req's conversation, creating it (after the checks of
// conversationKey) when missing; existed reports whether it was there before.
func (o *op) ownConversation(owner string, req *ConversationReq) (row store.ConversationRow, existed bool, err error) {
	row, existed, err = store.GetConversation(o.ctx, o.tx, owner, req.ConversationID)
	if err != nil || existed {
		return row, existed, err
	}
	k, err := o.conversationKey(owner, req.ConversationID, req.UserID)
	if err != nil {
		return row, false, err
	}
	if err := o.ensureConversation(k); err != nil {
		return row, false, err
	}
	row, ok, err := store.GetConversation(o.ctx, o.tx, owner, req.ConversationID)
	if err == nil && !ok {
		err = o.wrap("create conversation", openim.ErrInternal.With("row %s/%s missing after insert", owner, req.ConversationID))
	}
	return row, false, err
}

// conversationKey derives the row a user may hold for a chat conversation ID, from the ID itself so
// that nobody gets a row for a chat they are not part of: a single or notification chat must be
// between owner and an existing user (hint, the request's userID, is tried first), a group chat
// needs owner to be a member.
func (o *op) conversationKey(owner, conversationID, hint string) (store.ConversationKey, error) {
	k := store.ConversationKey{OwnerID: owner, ConversationID: conversationID, Type: openim.ChatConversationType(conversationID)}
	switch k.Type {
	case openim.ReadGroupChat:
		k.GroupID = conversationID[openim.ChatPrefixLen:]
		g, err := store.GetGroup(o.ctx, o.tx, k.GroupID)
		if err != nil {
			return k, err
		}
		if g == nil {
			return k, openim.ErrGroupIDNotFound.With("group %s", k.GroupID)
		}
		m, err := store.GetMember(o.ctx, o.tx, k.GroupID, owner)
		if err != nil {
			return k, err
		}
		if m == nil {
			return k, openim.ErrNotInGroupYet.With("%s is not in group %s", owner, k.GroupID)
		}
		return k, nil
	case openim.SingleChat, openim.NotificationChat:
		build := openim.SingleConversationID
		if k.Type == openim.NotificationChat {
			build = openim.NotificationChatConversationID
		}
		peer, ok := chatPeer(conversationID, owner, hint, build)
		if !ok {
			return k, openim.ErrArgs.With("%s is not a chat of %s", conversationID, owner)
		}
		u, err := store.GetUser(o.ctx, o.tx, peer)
		if err != nil {
			return k, err
		}
		if u == nil {
			return k, openim.ErrUserIDNotFound.With("user %s", peer)
		}
		k.UserID = peer
		return k, nil
	}
	return k, openim.ErrArgs.With("conversationID %q is not a chat conversation", conversationID)
}

// chatPeer finds the other user of a two-user conversation ID that owner is part of. IDs may hold
// "_", so the candidates (hint, then what is left beside owner) are checked by rebuilding the ID.
func chatPeer(conversationID, owner, hint string, build func(a, b string) string) (string, bool) {
	pair := conversationID[openim.ChatPrefixLen:]
	candidates := []string{hint}
	if rest, ok := strings.CutPrefix(pair, owner+"_"); ok {
		candidates = append(candidates, rest)
	}
	if rest, ok := strings.CutSuffix(pair, "_"+owner); ok {
		candidates = append(candidates, rest)
	}
	for _, c := range candidates {
		if openim.ValidID(c) && build(owner, c) == conversationID {
			return c, true
		}
	}
	return "", false
}

// setPrivateChat writes isPrivateChat on the owner's row and on the peer's, creating missing rows,
// then announces it (1701) from owner to peer with a copy in their chat, as upstream does.
func (o *op) setPrivateChat(owner string, req *ConversationReq, private bool) error {
	k, err := o.chatKey(owner, req)
	if err != nil {
		return err
	}
	for _, side := range []store.ConversationKey{k, {OwnerID: k.UserID, ConversationID: k.ConversationID,
		Type: k.Type, UserID: k.OwnerID}} {
		if err := o.writePrivateChat(side, private); err != nil {
			return err
		}
	}
	return o.notify(note{contentType: openim.ConversationPrivateChat, sendID: owner, recvID: k.UserID,
		tips: &pb.ConversationSetPrivateTips{RecvID: k.UserID, SendID: owner, IsPrivate: private,
			ConversationID: req.ConversationID},
		to: pair(owner, k.UserID), chatCopy: true})
}

// chatKey is the owner's row key of req's two-user conversation: taken from the existing row, which
// names its peer, or derived by conversationKey.
func (o *op) chatKey(owner string, req *ConversationReq) (store.ConversationKey, error) {
	row, ok, err := store.GetConversation(o.ctx, o.tx, owner, req.ConversationID)
	if err != nil {
		return store.ConversationKey{}, err
	}
	if !ok {
		return o.conversationKey(owner, req.ConversationID, req.UserID)
	}
	if row.UserID == "" {
		return store.ConversationKey{}, openim.ErrArgs.With("%s has no peer", req.ConversationID)
	}
	return store.ConversationKey{OwnerID: owner, ConversationID: row.ConversationID, Type: row.ConversationType,
		UserID: row.UserID}, nil
}

// writePrivateChat sets is_private_chat on one row, creating it when missing.
func (o *op) writePrivateChat(k store.ConversationKey, private bool) error {
	row, existed, err := store.GetConversation(o.ctx, o.tx, k.OwnerID, k.ConversationID)
	if err != nil {
		return err
	}
	if !existed {
		if err := o.ensureConversation(k); err != nil {
			return err
		}
		if row, _, err = store.GetConversation(o.ctx, o.tx, k.OwnerID, k.ConversationID); err != nil {
			return err
		}
	}
	if row.Conversation == nil || row.IsPrivateChat == private {
		return nil
	}
	row.IsPrivateChat = private
	if err := store.UpdateConversationSettings(o.ctx, o.tx, row.Conversation); err != nil {
		return err
	}
	if !existed {
		return nil
	}
	return o.conversationChanged(k.OwnerID, k.ConversationID)
}

// conversationChanged logs a change to the owner's row that their clients must fetch (settings, the
// seq window): the JS SDK merges each row in get_incremental_conversations' update list. Every
// change to a row's wire fields calls it.
func (o *op) conversationChanged(ownerID, conversationID string) error {
	_, err := o.bumpVersion(conversationLog(ownerID), conversationID, store.VersionUpdate)
	return err
}
