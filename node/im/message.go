package im

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// Limits of a send beyond the content.
const (
	maxClientMsgIDLen = 64
	maxOptions        = 32
	maxOptionKeyLen   = 64
)

// SendMsg sends one message: REST /msg/send_msg and WS 1003 both propose it. Typing (113) never
// comes here: the gateway relays it without Raft, so it is never stored and never gets a seq.
type SendMsg struct {
	MsgData *pb.MsgData `json:"msgData"`
}

func (a *SendMsg) marshalArgs() ([]byte, error) {
	if a.MsgData == nil {
		return nil, openim.ErrArgs.With("msgData is required")
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(a.MsgData)
}

func (a *SendMsg) unmarshalArgs(b []byte) error {
	a.MsgData = &pb.MsgData{}
	return proto.Unmarshal(b, a.MsgData)
}

// SendClientMsgID is the clientMsgID of a msg.send command ("" when it has none), which the
// outbox de-duplicates by.
func SendClientMsgID(cmd *Command) string {
	return SendMsgData(cmd).GetClientMsgID()
}

// SendMsgData is the message of a msg.send command (nil when it has none).
func SendMsgData(cmd *Command) *pb.MsgData {
	var a SendMsg
	if cmd.Kind != "msg.send" || decodeArgs(cmd.Args, &a) != nil {
		return nil
	}
	return a.MsgData
}

// SendMsgResult is what a send returns: upstream's SendMsgResp plus the seq the message was stored
// at (0 when it was not stored: options.history false). A retried send returns the first result.
type SendMsgResult struct {
	ServerMsgID string `json:"serverMsgID"`
	ClientMsgID string `json:"clientMsgID"`
	SendTime    int64  `json:"sendTime"`
	Seq         int64  `json:"seq"`
}

// Check: the caller sends as themselves (the admin as anyone); a known session and content type;
// content valid JSON within limits.
func (a *SendMsg) Check(c Caller) error {
	m := a.MsgData
	if m == nil {
		return openim.ErrArgs.With("msgData is required")
	}
	if err := checkFields(checkID("sendID", m.SendID), c.Access(m.SendID)); err != nil {
		return err
	}
	if err := checkClientMsgID(m.ClientMsgID); err != nil {
		return err
	}
	switch m.SessionType {
	case openim.SingleChat:
		if err := checkID("recvID", m.RecvID); err != nil {
			return err
		}
	case openim.ReadGroupChat:
		if err := checkID("groupID", m.GroupID); err != nil {
			return err
		}
	case openim.NotificationChat:
		if !c.Admin() {
			return openim.ErrNoPermission.With("notification-account messages (sessionType 4) are sent by the admin")
		}
		if err := checkID("recvID", m.RecvID); err != nil {
			return err
		}
	case openim.WriteGroupChat:
		return openim.ErrArgs.With("sessionType 2 (write-diffusion group) is not supported: send group messages as sessionType 3")
	default:
		return openim.ErrArgs.With("unknown sessionType %d", m.SessionType)
	}
	if err := checkMsgContent(c, m); err != nil {
		return err
	}
	return checkMsgFields(m)
}

// userContentTypes are the content types a client may send.
var userContentTypes = map[int32]bool{
	openim.Text: true, openim.Picture: true, openim.Voice: true, openim.Video: true, openim.File: true, openim.AtText: true, openim.Merger: true, openim.Card: true,
	openim.Location: true, openim.Custom: true, openim.Quote: true, openim.Face: true, openim.AdvancedText: true, openim.MarkdownText: true,
	openim.CustomNotTriggerConversation: true, openim.CustomOnlineOnly: true,
}

func checkMsgContent(c Caller, m *pb.MsgData) error {
	switch {
	case m.ContentType == openim.Typing:
		return openim.ErrArgs.With("typing (113) is never stored: send it over the WebSocket (1003), which relays it")
	case m.ContentType == openim.OANotification:
		if !c.Admin() || m.SessionType != openim.NotificationChat {
			return openim.ErrArgs.With("contentType 1400 is the admin's, with sessionType 4")
		}
	case !userContentTypes[m.ContentType]:
		return openim.ErrArgs.With("contentType %d is not a message type a client sends", m.ContentType)
	}
	if len(m.Content) == 0 {
		return openim.ErrArgs.With("content is required")
	}
	if len(m.Content) > openim.MaxContentBytes {
		return openim.ErrArgs.With("content is %d bytes, at most %d", len(m.Content), openim.MaxContentBytes)
	}
	// JSON text as bytes: the log keeps them as sent, so the FSM sees what the API saw. Outside its
	// strings (checked per field) JSON may hold line breaks and tabs as white space.
	if err := checkChars("content", string(m.Content), "\n\r\t"); err != nil {
		return err
	}
	return checkElem(m.ContentType, m.Content)
}

func checkMsgFields(m *pb.MsgData) error {
	errs := []error{
		checkLine("senderNickname", m.SenderNickname, openim.MaxNameLen),
		checkURL("senderFaceURL", m.SenderFaceURL, openim.MaxURLLen),
		checkEx("ex", m.Ex, openim.MaxExLen),
		checkEx("attachedInfo", m.AttachedInfo, openim.MaxExLen),
		checkRange("senderPlatformID", m.SenderPlatformID, 0, openim.PlatformHarmonyOS),
	}
	if len(m.AtUserIDList) > openim.MaxBatch {
		errs = append(errs, openim.ErrArgs.With("atUserIDList has %d IDs, at most %d", len(m.AtUserIDList), openim.MaxBatch))
	}
	for _, id := range m.AtUserIDList {
		errs = append(errs, checkID("atUserIDList", id))
	}
	if len(m.Options) > maxOptions {
		errs = append(errs, openim.ErrArgs.With("options has %d keys, at most %d", len(m.Options), maxOptions))
	}
	for _, k := range slices.Sorted(maps.Keys(m.Options)) { // sorted: every node reports the same key
		if len(k) > maxOptionKeyLen {
			errs = append(errs, openim.ErrArgs.With("option key of %d bytes, at most %d", len(k), maxOptionKeyLen))
		}
	}
	if p := m.OfflinePushInfo; p != nil {
		errs = append(errs, checkLine("offlinePushInfo.title", p.Title, openim.MaxNameLen),
			checkText("offlinePushInfo.desc", p.Desc, openim.MaxTextLen), checkEx("offlinePushInfo.ex", p.Ex, openim.MaxExLen),
			checkURL("offlinePushInfo.iOSPushSound", p.IOSPushSound, openim.MaxURLLen),
			checkEx("offlinePushInfo.signalInfo", p.SignalInfo, openim.MaxExLen))
	}
	return checkFields(errs...)
}

// checkClientMsgID: required; letters, digits, "-" and "_" (the SDKs send 32 hex digits, others UUIDs).
func checkClientMsgID(id string) error {
	if id == "" {
		return openim.ErrArgs.With("clientMsgID is required")
	}
	if len(id) > maxClientMsgIDLen {
		return openim.ErrArgs.With("clientMsgID is %d bytes, at most %d", len(id), maxClientMsgIDLen)
	}
	for _, r := range id {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return openim.ErrArgs.With("clientMsgID %q: use letters, digits, - or _", id)
		}
	}
	return nil
}

func messageHandlers() map[string]handler {
	return map[string]handler{
		"msg.send":                   args(sendMsg),
		"msg.revoke":                 args(revokeMsg),
		"msg.mark_read":              args(markMsgsAsRead),
		"msg.mark_conversation_read": args(markConversationAsRead),
		"msg.set_read_seq":           args(setConversationHasReadSeq),
		"msg.delete":                 args(deleteMsgs),
		"msg.clear":                  args(clearConversationsMsg),
		"msg.clear_all":              args(userClearAllMsg),
	}
}

// sendMsg checks the send against the state, stores the message at the next seq of its
// conversation (unless options.history is false), creates the conversation rows the recipients
// need, and pushes it to the recipients and the sender's other devices.
func sendMsg(o *op, a *SendMsg) (any, error) {
	m := a.MsgData // decoded for this apply alone: stamping it changes no one else's copy
	if m.SessionType == openim.ReadGroupChat {
		return o.sendGroupMsg(m)
	}
	cid := openim.ChatConversationID(m.SessionType, m.SendID, m.RecvID, m.GroupID)
	// One statement reads what the rules below need, in the order they are checked.
	st, err := store.ReadChatSend(o.ctx, o.tx, m.ClientMsgID, m.SendID, m.RecvID, cid)
	if err != nil {
		return nil, err
	}
	if st.Retry {
		prev, _, err := store.MessageByClientID(o.ctx, o.tx, m.ClientMsgID)
		return retriedSend(m, prev, err)
	}
	if err := checkSendUsers(m, st.Sender, st.Recv); err != nil {
		return nil, err
	}
	o.stampMsg(m, st.Sender)
	to, err := o.checkSingleSend(m, st)
	if err != nil {
		return nil, err
	}
	return o.keepAndPush(cid, m, to, st.Rows, func() (int64, error) {
		return store.AppendSeq(o.ctx, o.tx, cid, st.LastSeq, m.SendTime)
	})
}

// sendGroupMsg is sendMsg for a group chat.
func (o *op) sendGroupMsg(m *pb.MsgData) (any, error) {
	if prev, retry, err := store.MessageByClientID(o.ctx, o.tx, m.ClientMsgID); err != nil || retry {
		return retriedSend(m, prev, err)
	}
	sender, err := store.GetUser(o.ctx, o.tx, m.SendID)
	if err != nil {
		return nil, err
	}
	if err := checkSendUsers(m, sender, nil); err != nil {
		return nil, err
	}
	o.stampMsg(m, sender)
	cid := openim.ChatConversationID(m.SessionType, m.SendID, m.RecvID, m.GroupID)
	to, err := o.checkGroupSend(m)
	if err != nil {
		return nil, err
	}
	return o.keepAndPush(cid, m, to, nil, func() (int64, error) {
		return store.NextSeq(o.ctx, o.tx, cid, m.SendTime)
	})
}

// retriedSend answers a retry (the client's, or the outbox replaying after a lost quorum) with the
// first send's result, prev (err: reading it failed); the same clientMsgID from another sender is
// refused.
func retriedSend(m *pb.MsgData, prev store.StoredMessage, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	if prev.SendID != m.SendID {
		return nil, openim.ErrArgs.With("clientMsgID %s is another sender's message", m.ClientMsgID)
	}
	return &SendMsgResult{ServerMsgID: prev.ServerMsgID, ClientMsgID: prev.ClientMsgID, SendTime: prev.SendTime,
		Seq: prev.Seq}, nil
}

// keepAndPush stores a checked message (unless options.history is false) at the seq next gives,
// after the conversation rows it needs (have: a single chat's rows known to exist), raises the
// sender's read position to it, and queues its push.
func (o *op) keepAndPush(cid string, m *pb.MsgData, to []string, have map[string]int32, next func() (int64, error)) (any, error) {
	res := &SendMsgResult{ServerMsgID: m.ServerMsgID, ClientMsgID: m.ClientMsgID, SendTime: m.SendTime}
	if optionOn(m.Options, "history") {
		if err := o.ensureSendConversations(cid, m, have); err != nil {
			return nil, err
		}
		seq, err := next()
		if err != nil {
			return nil, err
		}
		if err := o.insertMessage(cid, m, seq, searchText(m.ContentType, m.Content)); err != nil {
			return nil, err
		}
		if _, err := store.RaiseHasReadSeq(o.ctx, o.tx, m.SendID, cid, m.Seq); err != nil {
			return nil, err
		}
		res.Seq = m.Seq
	}
	o.emit(Event{Push: &Push{UserIDs: dedupe(to), ConversationID: cid, Msg: m, OperationID: o.cmd.OpID}})
	return res, nil
}

// checkSendUsers: 1004 when the sender, or the receiver of a message not to a group, is not a user.
func checkSendUsers(m *pb.MsgData, sender, recv *pb.UserInfo) error {
	if sender == nil {
		return openim.ErrRecordNotFound.With("sender %s is not a user", m.SendID)
	}
	if recv == nil && m.SessionType != openim.ReadGroupChat {
		return openim.ErrRecordNotFound.With("receiver %s is not a user", m.RecvID)
	}
	return nil
}

// stampMsg fills what the server decides: IDs, time, status, origin, and the sender's profile when
// the client left it out. A user's message always lands in the chat conversation.
func (o *op) stampMsg(m *pb.MsgData, sender *pb.UserInfo) {
	m.ServerMsgID = o.newID()
	m.SendTime = o.now
	if m.CreateTime == 0 {
		m.CreateTime = o.now
	}
	m.Status = openim.MsgStatusSuccess
	m.Seq = 0
	m.IsRead = false
	if !o.caller.Admin() || m.MsgFrom != openim.MsgFromSystem {
		m.MsgFrom = openim.MsgFromUser
	}
	if m.SendID == o.caller.UserID && o.caller.Platform != 0 {
		m.SenderPlatformID = o.caller.Platform
	}
	if m.SenderNickname == "" {
		m.SenderNickname = sender.Nickname
	}
	if m.SenderFaceURL == "" {
		m.SenderFaceURL = sender.FaceURL
	}
	delete(m.Options, "isNotNotification")
}

// checkSingleSend applies the single-chat rules (and those of an admin's notification-account
// message) to what the send read, and returns who gets the push.
func (o *op) checkSingleSend(m *pb.MsgData, st *store.ChatSend) ([]string, error) {
	system := o.caller.Admin() || openim.IsNotification(m.ContentType) || st.Sender.AppMangerLevel >= 2
	if !system {
		if st.Blocked {
			return nil, errBlocked(m.RecvID, m.SendID)
		}
		if err := o.checkFriendship(m, st.Friend); err != nil {
			return nil, err
		}
	}
	if !openim.IsNotification(m.ContentType) {
		opt, err := recvMsgOpt(st.Recv, m, st.Rows[m.RecvID])
		if err != nil {
			return nil, err
		}
		if opt == 2 {
			setOption(m, "offlinePush", false)
		}
	}
	if optionOn(m.Options, "senderSync") {
		return pair(m.RecvID, m.SendID), nil
	}
	return []string{m.RecvID}, nil
}

// checkFriendship refuses a single message to someone who does not have the sender as a friend
// (isFriend), when the office says chats need a friendship (Office.RequireFriendship; OpenIM's 1303).
func (o *op) checkFriendship(m *pb.MsgData, isFriend bool) error {
	if isFriend || m.SendID == m.RecvID {
		return nil
	}
	need, err := needsFriendship(o.ctx, o.tx)
	if err != nil || !need {
		return err
	}
	return openim.ErrNotPeersFriend.With("this office's chats need a friendship: %s is not %s's friend", m.SendID, m.RecvID)
}

// checkGroupSend applies the group rules and returns the members, who all get the push. The admin
// sends to any group that is not dismissed, member or not, muted or not.
func (o *op) checkGroupSend(m *pb.MsgData) ([]string, error) {
	g, err := groupToSendTo(o.ctx, o.tx, m.GroupID)
	if err != nil {
		return nil, err
	}
	if !o.caller.Admin() && !openim.IsNotification(m.ContentType) {
		if err := checkMemberSend(o.ctx, o.tx, g, m.SendID, o.now); err != nil {
			return nil, err
		}
	}
	return store.MemberIDs(o.ctx, o.tx, m.GroupID)
}

// recvMsgOpt is how the receiver of a single chat message takes messages in that chat (their
// global option or the conversation's, the stricter): 1 refuses the send. rowOpt is the option of
// the receiver's row of the chat (0, "receive", without one).
func recvMsgOpt(recv *pb.UserInfo, m *pb.MsgData, rowOpt int32) (int32, error) {
	opt := max(recv.GlobalRecvMsgOpt, rowOpt)
	if opt == 1 {
		return opt, openim.ErrArgs.With("message is not sent: %s does not receive messages", m.RecvID)
	}
	return opt, nil
}

// checkMemberSend: sendID is a member of g (1203), not muted there at now (1402), and may write
// in a muted group (1403 unless an admin or the owner).
func checkMemberSend(ctx context.Context, q store.Q, g *pb.GroupInfo, sendID string, now int64) error {
	member, err := sendingMember(ctx, q, g.GroupID, sendID)
	if err != nil {
		return err
	}
	if member.MuteEndTime >= now {
		return openim.ErrMutedInGroup.With("%s is muted in group %s", sendID, g.GroupID)
	}
	if g.Status == openim.GroupStatusMuted && member.RoleLevel < openim.RoleAdmin {
		return openim.ErrMutedGroup.With("group %s is muted", g.GroupID)
	}
	return nil
}

// checkNotBlocked: recvID has not blocked sendID (1302).
func checkNotBlocked(ctx context.Context, q store.Q, recvID, sendID string) error {
	blocked, err := store.IsBlocked(ctx, q, recvID, sendID)
	if err != nil {
		return err
	}
	if blocked {
		return errBlocked(recvID, sendID)
	}
	return nil
}

// errBlocked is the refusal of a message to someone who blocked its sender (1302).
func errBlocked(recvID, sendID string) error {
	return openim.ErrBlockedByPeer.With("%s has blocked %s", recvID, sendID)
}

// groupToSendTo loads the group a message goes to: 1004 when unknown, 1204 when dismissed.
func groupToSendTo(ctx context.Context, q store.Q, groupID string) (*pb.GroupInfo, error) {
	g, err := store.GetGroup(ctx, q, groupID)
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, openim.ErrRecordNotFound.With("group %s", groupID)
	}
	if g.Status == openim.GroupStatusDismissed {
		return nil, openim.ErrDismissedAlready.With("group %s is dismissed", groupID)
	}
	return g, nil
}

// sendingMember loads the sender's member row: 1203 when they are not in the group.
func sendingMember(ctx context.Context, q store.Q, groupID, userID string) (*pb.GroupMemberFullInfo, error) {
	m, err := store.GetMember(ctx, q, groupID, userID)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, openim.ErrNotInGroupYet.With("%s is not in group %s", userID, groupID)
	}
	return m, nil
}

// ensureSendConversations creates the rows a stored message needs before its push: both sides of
// a single chat, the receiver of a notification-account chat, every member of a group lacking one.
// have holds the single chat's owners whose rows exist (read by the send already).
func (o *op) ensureSendConversations(cid string, m *pb.MsgData, have map[string]int32) error {
	if m.SessionType != openim.ReadGroupChat {
		return o.ensureChatConversations(cid, m, nil, have)
	}
	missing, err := store.MembersWithoutConversation(o.ctx, o.tx, m.GroupID, cid)
	if err != nil {
		return err
	}
	return o.ensureChatConversations(cid, m, missing, nil)
}

// optionOn reads an option with upstream's rule: a missing key means true.
func optionOn(opts map[string]bool, key string) bool {
	v, ok := opts[key]
	return !ok || v
}

func setOption(m *pb.MsgData, key string, v bool) {
	if m.Options == nil {
		m.Options = map[string]bool{}
	}
	m.Options[key] = v
}

// searchText is the text of a message that search finds: what a user reads in it (a text's
// words, a file's name, a card's name, a location's description...). Media have none.
func searchText(contentType int32, content []byte) string {
	var elem struct {
		Content      any   `json:"content"`
		Text         any   `json:"text"`
		FileName     any   `json:"fileName"`
		Nickname     any   `json:"nickname"`
		Description  any   `json:"description"`
		Title        any   `json:"title"`
		AbstractList []any `json:"abstractList"`
	}
	if json.Unmarshal(content, &elem) != nil {
		return ""
	}
	var parts []any
	switch contentType {
	case openim.Text, openim.MarkdownText:
		parts = []any{elem.Content}
	case openim.AtText, openim.Quote, openim.AdvancedText, openim.OANotification:
		parts = []any{elem.Text}
	case openim.File:
		parts = []any{elem.FileName}
	case openim.Card:
		parts = []any{elem.Nickname}
	case openim.Location, openim.Custom, openim.CustomNotTriggerConversation, openim.CustomOnlineOnly:
		parts = []any{elem.Description}
	case openim.Merger:
		parts = append([]any{elem.Title}, elem.AbstractList...)
	}
	var texts []string
	for _, p := range parts {
		if s, ok := p.(string); ok && s != "" {
			texts = append(texts, s)
		}
	}
	return strings.Join(texts, "\n")
}
