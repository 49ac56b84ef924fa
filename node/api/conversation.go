package api

import (
	"lanim/node/im"
	"lanim/node/pb"
)

func (s *Server) conversationRoutes() {
	s.add("/conversation/get_all_conversations", read(getAllConversations))
	s.add("/conversation/get_conversation", read(getConversation))
	s.add("/conversation/get_conversations", read(getConversations))
	s.add("/conversation/set_conversations", proposeJSON[im.SetConversations]("conversation.set"))
	s.add("/conversation/get_sorted_conversation_list", read(getSortedConversationList))
	s.add("/conversation/get_incremental_conversations", read(getIncrementalConversations))
	s.add("/conversation/get_full_conversation_ids", read(getFullConversationIDs))
	s.add("/conversation/get_not_notify_conversation_ids", read(getNotNotifyConversationIDs))
	s.add("/conversation/get_pinned_conversation_ids", read(getPinnedConversationIDs))
	s.add("/conversation/get_owner_conversation", read(getOwnerConversation))
	s.add("/jssdk/get_conversations", jssdkGetConversations)
	s.add("/jssdk/get_active_conversations", jssdkGetActiveConversations)
}

// ownerAccess runs im.CheckOwner for the caller.
func (c *call) ownerAccess(field, userID string) error {
	return im.CheckOwner(c.caller, field, userID)
}

type getAllConversationsReq struct {
	OwnerUserID string `json:"ownerUserID"`
}

type conversationsResp struct {
	Conversations []*pb.Conversation `json:"conversations"`
}

func getAllConversations(c *call, req *getAllConversationsReq) (any, error) {
	if err := c.ownerAccess("ownerUserID", req.OwnerUserID); err != nil {
		return nil, err
	}
	list, err := im.AllConversations(c.ctx, c.q(), req.OwnerUserID)
	if err != nil {
		return nil, err
	}
	return &conversationsResp{Conversations: list}, nil
}

type getConversationReq struct {
	ConversationID string `json:"conversationID"`
	OwnerUserID    string `json:"ownerUserID"`
}

type getConversationResp struct {
	Conversation *pb.Conversation `json:"conversation"`
}

func getConversation(c *call, req *getConversationReq) (any, error) {
	if err := c.ownerAccess("ownerUserID", req.OwnerUserID); err != nil {
		return nil, err
	}
	conv, err := im.OneConversation(c.ctx, c.q(), req.OwnerUserID, req.ConversationID)
	if err != nil {
		return nil, err
	}
	return &getConversationResp{Conversation: conv}, nil
}

type getConversationsReq struct {
	OwnerUserID     string   `json:"ownerUserID"`
	ConversationIDs []string `json:"conversationIDs"`
}

// getConversations returns the owner's rows among the IDs; unknown IDs are left out.
func getConversations(c *call, req *getConversationsReq) (any, error) {
	if err := c.ownerAccess("ownerUserID", req.OwnerUserID); err != nil {
		return nil, err
	}
	list, err := im.SomeConversations(c.ctx, c.q(), req.OwnerUserID, req.ConversationIDs)
	if err != nil {
		return nil, err
	}
	return &conversationsResp{Conversations: list}, nil
}

type getSortedConversationListReq struct {
	UserID          string      `json:"userID"`
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
	if err := c.ownerAccess("userID", req.UserID); err != nil {
		return nil, err
	}
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
	UserID    string `json:"userID"`
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
	if err := c.ownerAccess("userID", req.UserID); err != nil {
		return nil, err
	}
	ch, err := im.IncrementalConversations(c.ctx, c.q(), req.UserID, req.VersionID, req.Version)
	if err != nil {
		return nil, err
	}
	return &getIncrementalConversationsResp{Version: ch.Head.Version, VersionID: ch.Head.ID, Full: ch.Full,
		Delete: ch.Delete, Insert: ch.Insert, Update: ch.Update}, nil
}

type getFullConversationIDsReq struct {
	IDHash uint64 `json:"idHash"`
	UserID string `json:"userID"`
}

type getFullConversationIDsResp struct {
	Version         uint64   `json:"version"`
	VersionID       string   `json:"versionID"`
	Equal           bool     `json:"equal"`
	ConversationIDs []string `json:"conversationIDs"`
}

// getFullConversationIDs leaves the IDs out when the client's idHash already matches them.
func getFullConversationIDs(c *call, req *getFullConversationIDsReq) (any, error) {
	if err := c.ownerAccess("userID", req.UserID); err != nil {
		return nil, err
	}
	head, ids, err := im.FullConversationIDs(c.ctx, c.q(), req.UserID)
	if err != nil {
		return nil, err
	}
	resp := &getFullConversationIDsResp{Version: head.Version, VersionID: head.ID, Equal: req.IDHash == im.IDHash(ids)}
	if !resp.Equal {
		resp.ConversationIDs = ids
	}
	return resp, nil
}

type convUserReq struct {
	UserID string `json:"userID"`
}

type conversationIDsResp struct {
	ConversationIDs []string `json:"conversationIDs"`
}

// getNotNotifyConversationIDs lists the conversations whose recvMsgOpt is not 0.
func getNotNotifyConversationIDs(c *call, req *convUserReq) (any, error) {
	if err := c.ownerAccess("userID", req.UserID); err != nil {
		return nil, err
	}
	ids, err := im.NotNotifyConversationIDs(c.ctx, c.q(), req.UserID)
	if err != nil {
		return nil, err
	}
	return &conversationIDsResp{ConversationIDs: ids}, nil
}

func getPinnedConversationIDs(c *call, req *convUserReq) (any, error) {
	if err := c.ownerAccess("userID", req.UserID); err != nil {
		return nil, err
	}
	ids, err := im.PinnedConversationIDs(c.ctx, c.q(), req.UserID)
	if err != nil {
		return nil, err
	}
	return &conversationIDsResp{ConversationIDs: ids}, nil
}

type getOwnerConversationReq struct {
	UserID     string      `json:"userID"`
	Pagination *Pagination `json:"pagination"`
}

type getOwnerConversationResp struct {
	Total         int64              `json:"total"`
	Conversations []*pb.Conversation `json:"conversations"`
}

func getOwnerConversation(c *call, req *getOwnerConversationReq) (any, error) {
	if err := c.ownerAccess("userID", req.UserID); err != nil {
		return nil, err
	}
	offset, limit, err := req.Pagination.page()
	if err != nil {
		return nil, err
	}
	list, total, err := im.ConversationPage(c.ctx, c.q(), req.UserID, offset, limit)
	if err != nil {
		return nil, err
	}
	return &getOwnerConversationResp{Total: total, Conversations: list}, nil
}
