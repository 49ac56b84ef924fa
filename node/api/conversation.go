package api

import (
	"lanim/node/im"
	"lanim/node/pb"
)

func (s *Server) conversationRoutes() {
	s.add("/conversation/get_all_conversations", checkedRead(getAllConversations))
	s.add("/conversation/get_conversation", checkedRead(getConversation))
	s.add("/conversation/get_conversations", checkedRead(getConversations))
	s.add("/conversation/set_conversations", proposeJSON[im.SetConversations]("conversation.set"))
	s.add("/conversation/get_sorted_conversation_list", checkedRead(getSortedConversationList))
	s.add("/conversation/get_incremental_conversations", checkedRead(getIncrementalConversations))
	s.add("/conversation/get_full_conversation_ids", checkedRead(getFullConversationIDs))
	s.add("/conversation/get_not_notify_conversation_ids", checkedRead(getNotNotifyConversationIDs))
	s.add("/conversation/get_pinned_conversation_ids", checkedRead(getPinnedConversationIDs))
	s.add("/conversation/get_owner_conversation", checkedRead(paged(getOwnerConversation)))
	s.add("/jssdk/get_conversations", jssdkGetConversations)
	s.add("/jssdk/get_active_conversations", jssdkGetActiveConversations)
}

// convOwner is the owner of a conversation read named ownerUserID; Check is the read's access rule
// (im.CheckOwner), which checkedRead runs.
type convOwner struct {
	OwnerUserID string `json:"ownerUserID"`
}

func (r *convOwner) Check(c im.Caller) error { return im.CheckOwner(c, "ownerUserID", r.OwnerUserID) }

// convUserReq is convOwner for the reads whose owner is named userID.
type convUserReq struct {
	UserID string `json:"userID"`
}

func (r *convUserReq) Check(c im.Caller) error { return im.CheckOwner(c, "userID", r.UserID) }

type conversationsResp struct {
	Conversations []*pb.Conversation `json:"conversations"`
}

// conversations answers a list of conversations, or the read's error.
func conversations(list []*pb.Conversation, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return &conversationsResp{Conversations: list}, nil
}

func getAllConversations(c *call, req *convOwner) (any, error) {
	return conversations(im.AllConversations(c.ctx, c.q(), req.OwnerUserID))
}

type getConversationReq struct {
	convOwner
	ConversationID string `json:"conversationID"`
}

type getConversationResp struct {
	Conversation *pb.Conversation `json:"conversation"`
}

func getConversation(c *call, req *getConversationReq) (any, error) {
	conv, err := im.OneConversation(c.ctx, c.q(), req.OwnerUserID, req.ConversationID)
	if err != nil {
		return nil, err
	}
	return &getConversationResp{Conversation: conv}, nil
}

type getConversationsReq struct {
	convOwner
	ConversationIDs []string `json:"conversationIDs"`
}

// getConversations returns the owner's rows among the IDs; unknown IDs are left out.
func getConversations(c *call, req *getConversationsReq) (any, error) {
	return conversations(im.SomeConversations(c.ctx, c.q(), req.OwnerUserID, req.ConversationIDs))
}

type getSortedConversationListReq struct {
	convUserReq
	ConversationIDs []string    `json:"conversationIDs"`
	Pagination      *Pagination `json:"pagination"`
}

type getSortedConversationListResp struct {
	ConversationTotal int64                  `json:"conversationTotal"`
	UnreadTotal       int64                  `json:"unreadTotal"`
	ConversationElems []*im.ConversationElem `json:"conversationElems"`
}

// getSortedConversationList pages the sorted list; as upstream, a missing or zero pagination gives
// an empty page with the totals.
func getSortedConversationList(c *call, req *getSortedConversationListReq) (any, error) {
	if err := im.CheckConversationIDs(req.ConversationIDs); err != nil {
		return nil, err
	}
	offset, limit := 0, 0
	if p := req.Pagination; p != nil && p.PageNumber > 0 && p.ShowNumber > 0 {
		var err error
		if offset, limit, err = p.page(); err != nil {
			return nil, err
		}
	}
	list, err := im.SortedConversationList(c.ctx, c.q(), req.UserID, req.ConversationIDs)
	if err != nil {
		return nil, err
	}
	elems := list.Elems[min(offset, len(list.Elems)):min(offset+limit, len(list.Elems))]
	return &getSortedConversationListResp{ConversationTotal: list.ConversationTotal, UnreadTotal: list.UnreadTotal,
		ConversationElems: elems}, nil
}

type getIncrementalConversationsReq struct {
	convUserReq
	VersionID string `json:"versionID"`
	Version   uint64 `json:"version"`
}

// getIncrementalConversationsResp: empty lists stay null, never [] (openim-wire.md 4.5).
type getIncrementalConversationsResp struct {
	Version   uint64             `json:"version"`
	VersionID string             `json:"versionID"`
	Full      bool               `json:"full"`
	Delete    []string           `json:"delete"`
	Insert    []*pb.Conversation `json:"insert"`
	Update    []*pb.Conversation `json:"update"`
}

func getIncrementalConversations(c *call, req *getIncrementalConversationsReq) (any, error) {
	ch, err := im.IncrementalConversations(c.ctx, c.q(), req.UserID, req.VersionID, req.Version)
	if err != nil {
		return nil, err
	}
	return &getIncrementalConversationsResp{Version: ch.Head.Version, VersionID: ch.Head.ID, Full: ch.Full,
		Delete: ch.Delete, Insert: ch.Insert, Update: ch.Update}, nil
}

type getFullConversationIDsReq struct {
	convUserReq
	IDHash uint64 `json:"idHash"`
}

type getFullConversationIDsResp struct {
	Version         uint64   `json:"version"`
	VersionID       string   `json:"versionID"`
	Equal           bool     `json:"equal"`
	ConversationIDs []string `json:"conversationIDs"`
}

// getFullConversationIDs leaves the IDs out when the client's idHash already matches them.
func getFullConversationIDs(c *call, req *getFullConversationIDsReq) (any, error) {
	h, ids, equal, err := im.FullConversationIDs(c.ctx, c.q(), req.UserID, req.IDHash)
	if err != nil {
		return nil, err
	}
	return &getFullConversationIDsResp{Version: h.Version, VersionID: h.ID, Equal: equal, ConversationIDs: ids}, nil
}

type conversationIDsResp struct {
	ConversationIDs []string `json:"conversationIDs"`
}

// getNotNotifyConversationIDs lists the conversations whose recvMsgOpt is not 0.
func getNotNotifyConversationIDs(c *call, req *convUserReq) (any, error) {
	return conversationIDs(im.NotNotifyConversationIDs(c.ctx, c.q(), req.UserID))
}

// conversationIDs answers a list of conversation IDs, or the read's error.
func conversationIDs(ids []string, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return &conversationIDsResp{ConversationIDs: ids}, nil
}

func getPinnedConversationIDs(c *call, req *convUserReq) (any, error) {
	return conversationIDs(im.PinnedConversationIDs(c.ctx, c.q(), req.UserID))
}

type getOwnerConversationReq struct {
	convUserReq
	*Pagination `json:"pagination"`
}

type getOwnerConversationResp struct {
	Total         int64              `json:"total"`
	Conversations []*pb.Conversation `json:"conversations"`
}

func getOwnerConversation(c *call, req *getOwnerConversationReq, offset, limit int) (any, error) {
	list, total, err := im.ConversationPage(c.ctx, c.q(), req.UserID, offset, limit)
	if err != nil {
		return nil, err
	}
	return &getOwnerConversationResp{Total: total, Conversations: list}, nil
}
