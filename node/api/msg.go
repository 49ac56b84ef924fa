package api

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"time"

	"lanim/node/client"
	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
)

func (s *Server) msgRoutes() {
	s.add("/msg/send_msg", sendMsg)
	s.add("/msg/revoke_msg", proposeJSON[im.RevokeMsg]("msg.revoke"))
	s.add("/msg/mark_msgs_as_read", proposeJSON[im.MarkMsgsAsRead]("msg.mark_read"))
	s.add("/msg/mark_conversation_as_read", proposeJSON[im.MarkConversationAsRead]("msg.mark_conversation_read"))
	s.add("/msg/set_conversation_has_read_seq", proposeJSON[im.SetConversationHasReadSeq]("msg.set_read_seq"))
	s.add("/msg/delete_msgs", proposeJSON[im.DeleteMsgs]("msg.delete"))
	s.add("/msg/clear_conversation_msg", proposeJSON[im.ClearConversationsMsg]("msg.clear"))
	s.add("/msg/user_clear_all_msg", proposeJSON[im.UserClearAllMsg]("msg.clear_all"))
	s.add("/msg/newest_seq", read(newestSeq))
	s.add("/msg/pull_msg_by_seq", read(pullMsgBySeq))
	s.add("/msg/get_conversations_has_read_and_max_seq", read(getHasReadAndMaxSeq))
	s.add("/msg/get_server_time", read(getServerTime))
	s.add("/msg/search_msg", read(paged(searchMsg)))
	s.add("/msg/get_group_read_seqs", read(getGroupReadSeqs))
}

// groupReadSeqsReq is LanIM's /msg/get_group_read_seqs (im.GroupReader.ReadSeqs).
type groupReadSeqsReq struct {
	GroupID string `json:"groupID"`
}

func getGroupReadSeqs(c *call, req *groupReadSeqsReq) (any, error) {
	reads, err := c.groups().ReadSeqs(req.GroupID)
	if err != nil {
		return nil, err
	}
	resp := &client.GroupReadSeqsResp{Reads: make([]client.MemberReadSeq, 0, len(reads))}
	for _, r := range reads {
		resp.Reads = append(resp.Reads, client.MemberReadSeq(r))
	}
	return resp, nil
}

// sendMsgReq is either form of /msg/send_msg: the seed's {msgData: MsgData}, or upstream's flat
// admin form (admin token only), told apart by the presence of msgData.
type sendMsgReq struct {
	MsgData json.RawMessage `json:"msgData"`

	SendID           string              `json:"sendID"`
	RecvID           string              `json:"recvID"`
	GroupID          string              `json:"groupID"`
	SenderNickname   string              `json:"senderNickname"`
	SenderFaceURL    string              `json:"senderFaceURL"`
	SenderPlatformID int32               `json:"senderPlatformID"`
	Content          json.RawMessage     `json:"content"`
	ContentType      int32               `json:"contentType"`
	SessionType      int32               `json:"sessionType"`
	IsOnlineOnly     bool                `json:"isOnlineOnly"`
	NotOfflinePush   bool                `json:"notOfflinePush"`
	SendTime         int64               `json:"sendTime"`
	OfflinePushInfo  *pb.OfflinePushInfo `json:"offlinePushInfo"`
	Ex               string              `json:"ex"`
	// ClientMsgID is LanIM's addition to the admin form: a retry with the same one is not sent
	// twice. Without it the node draws one.
	ClientMsgID string `json:"clientMsgID"`
}

// msgDataJSON reads a MsgData whose content is base64 (upstream's JSON of bytes) or, for
// convenience, the JSON element itself.
type msgDataJSON struct {
	*pb.MsgData
	Content json.RawMessage `json:"content"`
}

// adminContentTypes are the content types of upstream's admin send.
var adminContentTypes = map[int32]bool{openim.Text: true, openim.Picture: true, openim.Voice: true, openim.Video: true,
	openim.File: true, openim.AtText: true, openim.Custom: true, openim.Quote: true, openim.MarkdownText: true, openim.OANotification: true}

func sendMsg(c *call, body []byte) (any, error) {
	var req sendMsgReq
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	var msg *pb.MsgData
	var err error
	if len(req.MsgData) > 0 && !bytes.Equal(req.MsgData, []byte("null")) {
		msg, err = decodeMsgData(req.MsgData)
	} else {
		msg, err = c.adminMsg(&req)
	}
	if err != nil {
		return nil, err
	}
	return c.proposeChecked("msg.send", &im.SendMsg{MsgData: msg})
}

func decodeMsgData(raw json.RawMessage) (*pb.MsgData, error) {
	in := msgDataJSON{MsgData: &pb.MsgData{}}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	content, err := msgContent(in.Content)
	if err != nil {
		return nil, err
	}
	in.MsgData.Content = content
	return in.MsgData, nil
}

// msgContent reads content: base64 of the element (upstream), or a JSON object (stored as its
// JSON text). A string that is not base64 but is a JSON object's text is taken as that text.
func msgContent(raw json.RawMessage) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
		return nil, nil
	case raw[0] == '{':
		var out bytes.Buffer
		if err := json.Compact(&out, raw); err != nil {
			return nil, openim.ErrArgs.With("content: %v", err)
		}
		return out.Bytes(), nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, openim.ErrArgs.With("content: %v", err)
		}
		if b, err := base64.StdEncoding.DecodeString(s); err == nil {
			return b, nil
		}
		if json.Valid([]byte(s)) && bytes.HasPrefix(bytes.TrimSpace([]byte(s)), []byte("{")) {
			return []byte(s), nil
		}
		return nil, openim.ErrArgs.With("content must be base64 of the message element, or the element as a JSON object")
	default:
		return nil, openim.ErrArgs.With("content must be base64 of the message element, or the element as a JSON object")
	}
}

// adminMsg builds the message of upstream's admin form: msgFrom 200, content an object, the
// options isOnlineOnly and notOfflinePush stand for.
func (c *call) adminMsg(req *sendMsgReq) (*pb.MsgData, error) {
	if !c.caller.Admin() {
		return nil, openim.ErrNoPermission.With("send_msg without msgData is the admin's form; send {msgData: MsgData}")
	}
	if !adminContentTypes[req.ContentType] {
		return nil, openim.ErrArgs.With("contentType %d is not one the admin form sends", req.ContentType)
	}
	content := bytes.TrimSpace(req.Content)
	if len(content) == 0 || content[0] != '{' {
		return nil, openim.ErrArgs.With("content must be a JSON object")
	}
	content, err := msgContent(content)
	if err != nil {
		return nil, err
	}
	m := &pb.MsgData{SendID: req.SendID, RecvID: req.RecvID, GroupID: req.GroupID, ClientMsgID: req.ClientMsgID,
		SenderNickname: req.SenderNickname, SenderFaceURL: req.SenderFaceURL, SenderPlatformID: req.SenderPlatformID,
		SessionType: req.SessionType, MsgFrom: openim.MsgFromSystem, ContentType: req.ContentType, Content: content,
		CreateTime: req.SendTime, OfflinePushInfo: req.OfflinePushInfo, Ex: req.Ex, Options: map[string]bool{}}
	if m.ContentType == openim.OANotification {
		m.SessionType = openim.NotificationChat
	}
	if m.ClientMsgID == "" {
		b := make([]byte, 16)
		rand.Read(b)
		m.ClientMsgID = hex.EncodeToString(b)
	}
	if req.IsOnlineOnly {
		for _, k := range []string{"history", "persistent", "senderSync", "conversationUpdate"} {
			m.Options[k] = false
		}
	}
	if req.NotOfflinePush {
		m.Options["offlinePush"] = false
	}
	return m, nil
}

type userIDOnlyReq struct {
	UserID string `json:"userID"`
}

func newestSeq(c *call, req *userIDOnlyReq) (any, error) {
	if err := c.reader(req.UserID); err != nil {
		return nil, err
	}
	return im.NewestSeqs(c.ctx, c.q(), req.UserID)
}

func pullMsgBySeq(c *call, req *pb.PullMessageBySeqsReq) (any, error) {
	if err := c.reader(req.UserID); err != nil {
		return nil, err
	}
	return im.PullBySeqRanges(c.ctx, c.q(), req.UserID, req)
}

func getHasReadAndMaxSeq(c *call, req *pb.GetConversationsHasReadAndMaxSeqReq) (any, error) {
	if err := c.reader(req.UserID); err != nil {
		return nil, err
	}
	return im.HasReadAndMaxSeqs(c.ctx, c.q(), req.UserID, req)
}

// reader checks a read's userID: required, and the caller's own (or the caller is the admin).
func (c *call) reader(userID string) error {
	if userID == "" {
		return openim.ErrArgs.With("userID is required")
	}
	return c.caller.Access(userID)
}

type serverTimeResp struct {
	ServerTime int64 `json:"serverTime"`
}

func getServerTime(c *call, _ *struct{}) (any, error) {
	return &serverTimeResp{ServerTime: c.now.UnixMilli()}, nil
}

// searchMsgReq is upstream's SearchMessageReq (sendID, recvID, contentType, sendTime as a
// "2006-01-02" UTC day, sessionType, pagination) plus LanIM's keyword, conversationID and a time
// range in ms.
type searchMsgReq struct {
	*Pagination    `json:"pagination"`
	SendID         string `json:"sendID"`
	RecvID         string `json:"recvID"`
	ContentType    int32  `json:"contentType"`
	SendTime       string `json:"sendTime"`
	SessionType    int32  `json:"sessionType"`
	Keyword        string `json:"keyword"`
	ConversationID string `json:"conversationID"`
	StartTime      int64  `json:"startTime"`
	EndTime        int64  `json:"endTime"`
}

func searchMsg(c *call, req *searchMsgReq, offset, limit int) (any, error) {
	sq := &im.SearchQuery{Keyword: req.Keyword, SendID: req.SendID, RecvID: req.RecvID,
		ConversationID: req.ConversationID, ContentType: req.ContentType, SessionType: req.SessionType,
		StartTime: req.StartTime, EndTime: req.EndTime, Offset: offset, Limit: limit}
	if req.SendTime != "" {
		day, err := time.Parse(time.DateOnly, req.SendTime)
		if err != nil {
			return nil, openim.ErrArgs.With("sendTime %q: want a day as 2006-01-02", req.SendTime)
		}
		from, to := day.UnixMilli(), day.Add(24*time.Hour).UnixMilli()-1
		sq.StartTime, sq.EndTime = max(sq.StartTime, from), to
		if req.EndTime > 0 {
			sq.EndTime = min(req.EndTime, to)
		}
	}
	hits, total, err := im.SearchMessages(c.ctx, c.q(), c.caller, sq)
	if err != nil {
		return nil, err
	}
	resp := &client.SearchMsgResp{ChatLogs: []client.SearchChatLog{}, ChatLogsNum: int32(min(total, 1<<31-1)), Total: total}
	for _, h := range hits {
		resp.ChatLogs = append(resp.ChatLogs, client.SearchChatLog{ChatLog: hitChatLog(h)})
	}
	return resp, nil
}

// hitChatLog is a hit's ChatLog, with the receiver's name or the group's details.
func hitChatLog(h im.SearchHit) client.ChatLog {
	m := h.Msg
	l := client.ChatLog{ServerMsgID: m.ServerMsgID, ClientMsgID: m.ClientMsgID, SendID: m.SendID, RecvID: m.RecvID,
		GroupID: m.GroupID, SenderPlatformID: m.SenderPlatformID, SenderNickname: m.SenderNickname,
		SenderFaceURL: m.SenderFaceURL, SessionType: m.SessionType, MsgFrom: m.MsgFrom, ContentType: m.ContentType,
		Content: string(m.Content), Status: m.Status, SendTime: m.SendTime, CreateTime: m.CreateTime, Ex: m.Ex,
		Seq: m.Seq, ConversationID: h.ConversationID}
	if g := h.Group; g != nil {
		l.GroupName, l.GroupFaceURL, l.GroupMemberCount = g.GroupName, g.FaceURL, g.MemberCount
		l.GroupOwner, l.GroupType = g.OwnerUserID, g.GroupType
	}
	l.RecvNickname = h.RecvNickname
	return l
}
