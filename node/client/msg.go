package client

// SearchMsgReq is /msg/search_msg: upstream's filters plus LanIM's keyword (the full-text match),
// conversationID and time range in ms. Empty fields do not filter.
type SearchMsgReq struct {
	Keyword        string      `json:"keyword,omitempty"`
	SendID         string      `json:"sendID,omitempty"`
	RecvID         string      `json:"recvID,omitempty"`
	ConversationID string      `json:"conversationID,omitempty"`
	ContentType    int32       `json:"contentType,omitempty"`
	SessionType    int32       `json:"sessionType,omitempty"`
	StartTime      int64       `json:"startTime,omitempty"`
	EndTime        int64       `json:"endTime,omitempty"`
	Pagination     *Pagination `json:"pagination"`
}

// Pagination is upstream's page request; pages count from 1.
type Pagination struct {
	PageNumber int32 `json:"pageNumber"`
	ShowNumber int32 `json:"showNumber"`
}

// SearchMsgResp is upstream's SearchMessageResp: the page of messages found; total repeats
// chatLogsNum as an int64.
type SearchMsgResp struct {
	ChatLogs    []SearchChatLog `json:"chatLogs"`
	ChatLogsNum int32           `json:"chatLogsNum"`
	Total       int64           `json:"total"`
}

// SearchChatLog is one message found.
type SearchChatLog struct {
	ChatLog   ChatLog `json:"chatLog"`
	IsRevoked bool    `json:"isRevoked"`
}

// ChatLog is upstream's ChatLog (the element as JSON text) plus the conversation it is in.
type ChatLog struct {
	ServerMsgID      string `json:"serverMsgID"`
	ClientMsgID      string `json:"clientMsgID"`
	SendID           string `json:"sendID"`
	RecvID           string `json:"recvID"`
	GroupID          string `json:"groupID"`
	RecvNickname     string `json:"recvNickname"`
	SenderPlatformID int32  `json:"senderPlatformID"`
	SenderNickname   string `json:"senderNickname"`
	SenderFaceURL    string `json:"senderFaceURL"`
	GroupName        string `json:"groupName"`
	SessionType      int32  `json:"sessionType"`
	MsgFrom          int32  `json:"msgFrom"`
	ContentType      int32  `json:"contentType"`
	Content          string `json:"content"`
	Status           int32  `json:"status"`
	SendTime         int64  `json:"sendTime"`
	CreateTime       int64  `json:"createTime"`
	Ex               string `json:"ex"`
	GroupFaceURL     string `json:"groupFaceURL"`
	GroupMemberCount uint32 `json:"groupMemberCount"`
	Seq              int64  `json:"seq"`
	GroupOwner       string `json:"groupOwner"`
	GroupType        int32  `json:"groupType"`
	ConversationID   string `json:"conversationID"`
}

// GroupReadSeqsResp is /msg/get_group_read_seqs ({groupID}): how far each current member has read
// the group's chat (LanIM's; members only).
type GroupReadSeqsResp struct {
	Reads []MemberReadSeq `json:"reads"`
}

// MemberReadSeq is one member's read position.
type MemberReadSeq struct {
	UserID     string `json:"userID"`
	HasReadSeq int64  `json:"hasReadSeq"`
}
