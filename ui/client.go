package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"lanim/node/client"
	"lanim/node/openim"
	"lanim/node/pb"
)

// ClientConfig says where the node is.
type ClientConfig struct {
	// APIAddr and WSAddr are the node's REST and WebSocket listeners (host:port).
	APIAddr, WSAddr string
	// AdminSecret returns the office's admin secret when this machine has it ("" otherwise). The
	// app uses the admin's token only for office-level calls made before anyone signs in.
	AdminSecret func() (string, error)
	// Join makes this machine's node join another office with a join code (the app restarts its
	// embedded node for it), trying the addresses of via (the office picked on the LAN, or nil)
	// first; nil when the app cannot.
	Join func(ctx context.Context, code string, via *OfficeAd) error
	// AfterLeave runs once this machine's node has left its office (the app starts a new node on
	// a fresh data dir); nil when the app cannot.
	AfterLeave func(ctx context.Context) error
	Log        *slog.Logger
}

// ClientBackend is the app's Backend: the node's REST API and msg gateway through node/client.
// It keeps one WebSocket per signed-in session, redialled when it drops, and turns its pushes
// into Events.
type ClientBackend struct {
	cfg    ClientConfig
	api    *client.Client
	events chan Event

	mu     sync.Mutex
	self   string
	user   *client.Client // with the session's token
	conn   *client.Conn   // nil while (re)connecting
	connCh chan struct{}  // closed when conn is set
	stop   context.CancelFunc
	done   chan struct{}            // closed when the connection loop has ended
	convs  map[string]*Conversation // the last list, for the conversation settings calls
}

var _ Backend = (*ClientBackend)(nil)

// NewClientBackend returns a signed-out backend of the node.
func NewClientBackend(cfg ClientConfig) *ClientBackend {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &ClientBackend{cfg: cfg, api: client.New(cfg.APIAddr, nil), events: make(chan Event, 1024),
		convs: map[string]*Conversation{}}
}

func (b *ClientBackend) Events() <-chan Event { return b.events }

func (b *ClientBackend) emit(e Event) {
	select {
	case b.events <- e:
	default:
		b.cfg.Log.Warn("ui event queue full; event dropped", "event", fmt.Sprintf("%T", e))
	}
}

// apiError is node/client's error as the screens take it: the node's *openim.Error itself, and
// an endpoint the node lacks (HTTP 404) as ErrNotSupported.
func apiError(err error) error {
	if err == nil {
		return nil
	}
	var ce *openim.Error
	if errors.As(err, &ce) {
		return ce
	}
	if strings.Contains(err.Error(), "HTTP 404") {
		return fmt.Errorf("%w (%v)", ErrNotSupported, err)
	}
	return err
}

// call is a REST call as the signed-in user.
func (b *ClientBackend) call(ctx context.Context, path string, req, resp any) error {
	b.mu.Lock()
	user := b.user
	b.mu.Unlock()
	if user == nil {
		return openim.ErrTokenNotExist.With("not signed in")
	}
	return apiError(user.Call(ctx, path, req, resp))
}

// me is the signed-in user's ID.
func (b *ClientBackend) me() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.self
}

// page is the one page the app asks for: the node caps pages at 1,000.
var page = map[string]int{"pageNumber": 1, "showNumber": openim.MaxPageSize}

// --- Account ---

func (b *ClientBackend) SignUp(ctx context.Context, userID, nickname, password string) (*Session, error) {
	t, err := b.api.SignUp(ctx, client.SignUp{UserID: userID, Nickname: nickname, Password: password,
		PlatformID: Platform()})
	if err != nil {
		return nil, apiError(err)
	}
	return b.start(userID, *t)
}

func (b *ClientBackend) SignIn(ctx context.Context, userID, password string) (*Session, error) {
	t, err := b.api.Login(ctx, client.Login{UserID: userID, Password: password, PlatformID: Platform()})
	if err != nil {
		return nil, apiError(err)
	}
	return b.start(userID, *t)
}

func (b *ClientBackend) Resume(ctx context.Context, s *Session) error {
	var r struct {
		UserID string `json:"userID"`
	}
	if err := b.api.Call(ctx, "/auth/parse_token", map[string]string{"token": s.Token}, &r); err != nil {
		return apiError(err)
	}
	if r.UserID != s.UserID {
		return openim.ErrTokenInvalid.With("the token is another user's")
	}
	_, err := b.start(s.UserID, client.TokenResp{Token: s.Token})
	return err
}

// start adopts a token and opens the WebSocket loop.
func (b *ClientBackend) start(userID string, t client.TokenResp) (*Session, error) {
	b.stopConn()
	ctx, cancel := context.WithCancel(context.Background())
	b.mu.Lock()
	b.self, b.user = userID, b.api.WithToken(t.Token)
	b.connCh = make(chan struct{})
	b.stop, b.done = cancel, make(chan struct{})
	b.convs = map[string]*Conversation{}
	done := b.done
	b.mu.Unlock()
	go b.connLoop(ctx, userID, t.Token, done)
	s := &Session{UserID: userID, Token: t.Token}
	if t.ExpireTimeSeconds > 0 {
		s.Expire = time.Now().Unix() + t.ExpireTimeSeconds
	}
	return s, nil
}

func (b *ClientBackend) stopConn() {
	b.mu.Lock()
	stop, done := b.stop, b.done
	b.stop, b.done = nil, nil
	b.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

func (b *ClientBackend) SignOut(context.Context) error {
	b.stopConn()
	b.mu.Lock()
	b.self, b.user, b.conn = "", nil, nil
	b.mu.Unlock()
	return nil
}

// Close ends the session's connection (the app is quitting).
func (b *ClientBackend) Close() { b.stopConn() }

// Reconnect delays: quick at first, then every few seconds while the node is down.
const (
	redialFirst = 500 * time.Millisecond
	redialMax   = 5 * time.Second
)

// connLoop keeps the session's WebSocket open until ctx ends: it dials, hands pushes to
// translate, and says Connecting/Online when the link drops and comes back.
func (b *ClientBackend) connLoop(ctx context.Context, userID, token string, done chan struct{}) {
	defer close(done)
	wait := redialFirst
	lost := false
	for ctx.Err() == nil {
		conn, err := client.Dial(ctx, b.cfg.WSAddr, client.DialOptions{UserID: userID, Token: token, PlatformID: Platform(),
			Pending: true})
		if err != nil {
			if openim.IsTokenError(err) {
				b.emit(KickedEvent{})
				return
			}
			if !lost {
				lost = true
				b.emit(ConnEvent{State: Connecting})
			}
			b.cfg.Log.Info("ws dial failed; retrying", "err", err, "in", wait)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			wait = min(wait*2, redialMax)
			continue
		}
		wait = redialFirst
		b.mu.Lock()
		b.conn = conn
		close(b.connCh)
		b.mu.Unlock()
		lost = false
		b.emit(ConnEvent{State: Online}) // on the first connection too: the screens catch up
		kicked := b.readPushes(ctx, conn)
		b.mu.Lock()
		b.conn = nil
		b.connCh = make(chan struct{})
		b.mu.Unlock()
		conn.Close()
		if kicked {
			b.emit(KickedEvent{})
			return
		}
		if ctx.Err() == nil {
			lost = true
			b.emit(ConnEvent{State: Connecting})
		}
	}
}

// readPushes translates pushes until the connection ends; it reports a kick (2002).
func (b *ClientBackend) readPushes(ctx context.Context, conn *client.Conn) (kicked bool) {
	for {
		select {
		case <-ctx.Done():
			return false
		case p, ok := <-conn.Pushes():
			if !ok {
				return false
			}
			if p.Kicked() {
				return true
			}
			b.cfg.Log.Debug("push", "user", b.me(), "req", p.ReqIdentifier, "op", p.OperationID, "msgs", len(p.Msgs.GetMsgs()),
				"notifications", len(p.Msgs.GetNotificationMsgs()))
			for _, e := range b.translate(p) {
				if m, ok := e.(MessageEvent); ok {
					b.cfg.Log.Debug("message", "user", b.me(), "from", m.Msg.SendID, "seq", m.Msg.Seq, "client", m.Msg.ClientMsgID)
				}
				b.emit(e)
			}
		}
	}
}

// translate turns one push into the screens' events.
func (b *ClientBackend) translate(p client.Push) []Event {
	var out []Event
	if p.Status != nil {
		for _, s := range p.Status.Subscribers {
			out = append(out, PresenceEvent{UserID: s.UserID, Online: len(s.OnlinePlatformIDs) > 0})
		}
	}
	if p.Msgs == nil {
		return out
	}
	self := b.me()
	for _, id := range slices.Sorted(maps.Keys(p.Msgs.Msgs)) {
		for _, m := range p.Msgs.Msgs[id].GetMsgs() {
			switch {
			case p.Pending():
				if m.SendID != self && m.ContentType != openim.Typing {
					out = append(out, PendingEvent{Msg: m})
				}
			case m.ContentType == openim.Typing:
				if m.SendID != self {
					out = append(out, TypingEvent{ConversationID: id, UserID: m.SendID})
				}
			case m.Status != openim.MsgStatusDeleted:
				out = append(out, MessageEvent{Msg: m})
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(p.Msgs.NotificationMsgs)) {
		for _, m := range p.Msgs.NotificationMsgs[id].GetMsgs() {
			if e := notificationEvent(m, self); e != nil {
				out = append(out, e)
			}
		}
	}
	return out
}

// notificationEvent is what a notification (n_ stream) means to the screens.
func notificationEvent(m *pb.MsgData, self string) Event {
	detail := NotificationDetail(m)
	switch t := m.ContentType; {
	case t == openim.MsgRevokeNotification:
		var tips pb.RevokeMsgTips
		if json.Unmarshal(detail, &tips) != nil {
			return nil
		}
		return RevokeEvent{ConversationID: tips.ConversationID, ClientMsgID: tips.ClientMsgID,
			RevokerID: tips.RevokerUserID, Seq: tips.Seq}
	case t == openim.HasReadReceipt:
		var tips pb.MarkAsReadTips
		if json.Unmarshal(detail, &tips) != nil {
			return nil
		}
		return ReadEvent{ConversationID: tips.ConversationID, UserID: tips.MarkAsReadUserID, HasReadSeq: tips.HasReadSeq}
	case t == openim.FriendApplication:
		var tips pb.FriendApplicationTips
		if json.Unmarshal(detail, &tips) == nil && tips.Request != nil && tips.Request.ToUserID == self {
			return ContactsEvent{Request: tips.Request}
		}
		return ContactsEvent{}
	case t >= openim.FriendApplicationApproved && t <= openim.FriendsInfoUpdate:
		return ContactsEvent{}
	case t == openim.ConversationChange || t == openim.ConversationPrivateChat:
		return ConversationsEvent{}
	case t == openim.UserInfoUpdated:
		var tips pb.UserInfoUpdatedTips
		if json.Unmarshal(detail, &tips) == nil && tips.UserID == self {
			return SelfEvent{}
		}
		return ContactsEvent{}
	case t == openim.UserStatusChange:
		var tips pb.UserStatusChangeTips
		if json.Unmarshal(detail, &tips) != nil {
			return nil
		}
		return PresenceEvent{UserID: tips.FromUserID, Online: tips.Status == openim.StatusOnline}
	case t >= openim.GroupCreated && t <= openim.GroupInfoSetName:
		gid := m.GroupID
		if gid == "" {
			gid = m.RecvID
		}
		return GroupsEvent{GroupID: gid}
	}
	return nil
}

// connNow waits for the WebSocket (it may be redialling).
func (b *ClientBackend) connNow(ctx context.Context) (*client.Conn, error) {
	for {
		b.mu.Lock()
		conn, ch, user := b.conn, b.connCh, b.user
		b.mu.Unlock()
		if user == nil {
			return nil, openim.ErrTokenNotExist.With("not signed in")
		}
		if conn != nil {
			return conn, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no connection to the node: %w", ctx.Err())
		case <-ch:
		}
	}
}

func (b *ClientBackend) Users(ctx context.Context, ids []string) ([]*pb.UserInfo, error) {
	var r struct {
		UsersInfo []*pb.UserInfo `json:"usersInfo"`
	}
	err := b.call(ctx, "/user/get_users_info", map[string]any{"userIDs": ids}, &r)
	return r.UsersInfo, err
}

func (b *ClientBackend) UpdateSelf(ctx context.Context, nickname, faceURL string) error {
	return b.call(ctx, "/user/update_user_info_ex", map[string]any{"userInfo": map[string]any{
		"userID": b.me(), "nickname": nickname, "faceURL": faceURL}}, nil)
}

func (b *ClientBackend) SetEx(ctx context.Context, ex string) error {
	return b.call(ctx, "/user/update_user_info_ex", map[string]any{"userInfo": map[string]any{
		"userID": b.me(), "ex": ex}}, nil)
}

func (b *ClientBackend) SubscribePresence(ctx context.Context, ids []string) (map[string]bool, error) {
	conn, err := b.connNow(ctx)
	if err != nil {
		return nil, err
	}
	tips, err := conn.SubscribeStatus(ctx, ids, nil)
	if err != nil {
		return nil, apiError(err)
	}
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = false
	}
	for _, s := range tips.Subscribers {
		out[s.UserID] = len(s.OnlinePlatformIDs) > 0
	}
	return out, nil
}

// --- Office ---

// officeClient is who may make office-level calls: the user when signed in, else the admin when
// this machine holds the admin secret, else nobody (the call goes without a token).
func (b *ClientBackend) officeClient(ctx context.Context) *client.Client {
	b.mu.Lock()
	user := b.user
	b.mu.Unlock()
	if user != nil {
		return user
	}
	if admin := b.admin(ctx); admin != nil {
		return admin
	}
	return b.api
}

// admin is a client with the admin's token, nil without the secret.
func (b *ClientBackend) admin(ctx context.Context) *client.Client {
	if b.cfg.AdminSecret == nil {
		return nil
	}
	secret, err := b.cfg.AdminSecret()
	if err != nil || secret == "" {
		return nil
	}
	token, err := b.api.AdminToken(ctx, secret)
	if err != nil {
		b.cfg.Log.Warn("admin token", "err", err)
		return nil
	}
	return b.api.WithToken(token)
}

func (b *ClientBackend) OfficeInfo(ctx context.Context) (*OfficeInfo, error) {
	info := &OfficeInfo{}
	if st, err := b.ClusterStatus(ctx); err == nil {
		info.Name = st.OfficeName
	}
	if admin := b.admin(ctx); admin != nil {
		var r struct {
			Total int64 `json:"total"`
		}
		if err := admin.Call(ctx, "/user/get_all_users_uid", map[string]any{"pagination": map[string]int{
			"pageNumber": 1, "showNumber": 1}}, &r); err == nil {
			info.Users = max(0, int(r.Total)-1) // the office's admin account is not a person
			info.Counted = true
		}
	}
	return info, nil
}

// officeCall is an office-level call (rename, grant, invite, leave): as the user, who needs the
// office admin role; when the node refuses the user (1002) or nobody is signed in, as the admin
// if this machine holds the secret (the computer that created the office may always).
func (b *ClientBackend) officeCall(ctx context.Context, path string, req, resp any) error {
	b.mu.Lock()
	user := b.user
	b.mu.Unlock()
	if user != nil {
		err := apiError(user.Call(ctx, path, req, resp))
		if openim.Code(err) != openim.ErrNoPermission.Code {
			return err
		}
		if admin := b.admin(ctx); admin != nil {
			return apiError(admin.Call(ctx, path, req, resp))
		}
		return err
	}
	if admin := b.admin(ctx); admin != nil {
		return apiError(admin.Call(ctx, path, req, resp))
	}
	return apiError(b.api.Call(ctx, path, req, resp))
}

func (b *ClientBackend) NameOffice(ctx context.Context, name string) error {
	return b.officeCall(ctx, "/cluster/set_office_name", map[string]string{"officeName": name}, nil)
}

func (b *ClientBackend) SetOfficeAdmin(ctx context.Context, userID string, admin bool) error {
	return b.officeCall(ctx, "/cluster/set_office_admin", map[string]any{"userID": userID, "officeAdmin": admin}, nil)
}

func (b *ClientBackend) SetRequireFriendship(ctx context.Context, on bool) error {
	return b.officeCall(ctx, "/cluster/set_require_friendship", map[string]bool{"requireFriendship": on}, nil)
}

func (b *ClientBackend) OfficeUsers(ctx context.Context, offset, count int) ([]string, int64, error) {
	if count < 1 || offset%count != 0 {
		return nil, 0, fmt.Errorf("office users: offset %d is not a page of %d", offset, count)
	}
	var r struct {
		Total   int64    `json:"total"`
		UserIDs []string `json:"userIDs"`
	}
	err := b.call(ctx, "/user/get_all_users_uid", map[string]any{"pagination": map[string]int{
		"pageNumber": offset/count + 1, "showNumber": count}}, &r)
	return r.UserIDs, r.Total, err
}

func (b *ClientBackend) JoinOffice(ctx context.Context, code string, via *OfficeAd) error {
	if b.cfg.Join == nil {
		return ErrNotSupported
	}
	return b.cfg.Join(ctx, code, via)
}

// Discover asks the node which offices it hears on the LAN. Before sign-in the call goes without
// a token: the node answers callers on its own machine.
func (b *ClientBackend) Discover(ctx context.Context) ([]OfficeAd, error) {
	r, err := b.officeClient(ctx).Discover(ctx)
	if err != nil {
		return nil, apiError(err)
	}
	if !r.Enabled {
		return nil, ErrNoDiscovery
	}
	out := make([]OfficeAd, 0, len(r.Offices))
	for _, o := range r.Offices {
		out = append(out, OfficeAd{ID: o.OfficeID, Name: o.OfficeName, Addrs: o.Addresses})
	}
	return out, nil
}

func (b *ClientBackend) ClusterStatus(ctx context.Context) (*ClusterStatus, error) {
	wire, err := b.officeClient(ctx).ClusterStatus(ctx)
	if err != nil {
		return nil, apiError(err)
	}
	st := officeStatus(wire)
	if b.cfg.AdminSecret != nil {
		secret, err := b.cfg.AdminSecret()
		st.AdminHere = err == nil && secret != ""
	}
	return st, nil
}

func (b *ClientBackend) InviteCode(ctx context.Context) (JoinCodes, error) {
	var r client.Invite
	if err := b.officeCall(ctx, "/cluster/invite", nil, &r); err != nil {
		return JoinCodes{}, err
	}
	if r.JoinCode == "" {
		return JoinCodes{}, errors.New("the node's invite answer has no join code")
	}
	return JoinCodes{Short: r.ShortCode, Long: r.JoinCode}, nil
}

func (b *ClientBackend) LeaveOffice(ctx context.Context) error {
	if err := b.officeCall(ctx, "/cluster/leave", nil, nil); err != nil {
		return err
	}
	b.stopConn() // the session belonged to the office this computer left
	if b.cfg.AfterLeave != nil {
		return b.cfg.AfterLeave(ctx)
	}
	return nil
}

// --- Chats ---

func (b *ClientBackend) Conversations(ctx context.Context) ([]*Conversation, error) {
	var r pb.GetActiveConversationsResp
	err := b.call(ctx, "/jssdk/get_active_conversations", map[string]any{"ownerUserID": b.me(), "count": 500}, &r)
	if err != nil {
		return nil, err
	}
	out := make([]*Conversation, 0, len(r.Conversations))
	me := b.me()
	for _, cm := range r.Conversations {
		c := conversationOf(cm)
		// The node keeps no mention flag (the SDK derives it): an unread last message that
		// mentions the user marks the row, as a mention arriving live does.
		c.AtMe = cm.LastMsg != nil && cm.LastMsg.Seq > c.ReadSeq && MentionsUser(cm.LastMsg, me)
		out = append(out, c)
	}
	b.mu.Lock()
	for _, c := range out {
		b.convs[c.ID] = c
	}
	b.mu.Unlock()
	return out, nil
}

// conversationOf names a conversation as the JS SDK does: the group, else the friend's remark,
// else the peer's nickname.
func conversationOf(cm *pb.ConversationMsg) *Conversation {
	cv := cm.Conversation
	c := &Conversation{ID: cv.GetConversationID(), Type: cv.GetConversationType(), PeerID: cv.GetUserID(),
		GroupID: cv.GetGroupID(), Pinned: cv.GetIsPinned(), RecvOpt: cv.GetRecvMsgOpt(), LastMsg: cm.LastMsg,
		MaxSeq: cm.MaxSeq, ReadSeq: cm.ReadSeq}
	switch {
	case cm.Group != nil:
		c.Name, c.FaceURL = cm.Group.GroupName, cm.Group.FaceURL
	case cm.User != nil:
		c.Name, c.FaceURL = cm.User.Nickname, cm.User.FaceURL
		if cm.Friend != nil && cm.Friend.Remark != "" {
			c.Name = cm.Friend.Remark
		}
	}
	if cm.LastMsg != nil {
		c.LastTime = cm.LastMsg.SendTime
		if cm.LastMsg.IsRead && cm.LastMsg.SendID != cv.GetUserID() {
			c.PeerReadSeq = cm.LastMsg.Seq
		}
	}
	return c
}

// setConversation changes the user's settings of a conversation.
func (b *ClientBackend) setConversation(ctx context.Context, id string, set map[string]any) error {
	b.mu.Lock()
	conv := b.convs[id]
	b.mu.Unlock()
	if conv == nil {
		return openim.ErrRecordNotFound.With("unknown conversation %s", id)
	}
	set["conversationID"] = id
	set["conversationType"] = conv.Type
	set["userID"] = conv.PeerID
	set["groupID"] = conv.GroupID
	return b.call(ctx, "/conversation/set_conversations", map[string]any{"userIDs": []string{b.me()},
		"conversation": set}, nil)
}

func (b *ClientBackend) PinConversation(ctx context.Context, id string, pinned bool) error {
	return b.setConversation(ctx, id, map[string]any{"isPinned": pinned})
}

func (b *ClientBackend) SetRecvOpt(ctx context.Context, id string, opt int32) error {
	return b.setConversation(ctx, id, map[string]any{"recvMsgOpt": opt})
}

func (b *ClientBackend) MarkRead(ctx context.Context, id string, seq int64) error {
	if strings.HasPrefix(id, openim.PrefixGroup) && seq > 0 {
		// mark_msgs_as_read sends the receipt to the group (mark_conversation_as_read only to
		// the reader), so the senders see "Read by"; it lists the newest seqs, ending at seq.
		seqs := make([]int64, 0, groupReceiptSeqs)
		for s := max(1, seq-groupReceiptSeqs+1); s <= seq; s++ {
			seqs = append(seqs, s)
		}
		return b.call(ctx, "/msg/mark_msgs_as_read", map[string]any{"conversationID": id, "userID": b.me(), "seqs": seqs}, nil)
	}
	return b.call(ctx, "/msg/mark_conversation_as_read", map[string]any{"conversationID": id, "userID": b.me(),
		"hasReadSeq": seq}, nil)
}

func (b *ClientBackend) History(ctx context.Context, id string, before int64, count int) ([]*pb.MsgData, error) {
	conn, err := b.connNow(ctx)
	if err != nil {
		return nil, err
	}
	end := before - 1
	if before <= 0 {
		seqs, err := conn.HasReadAndMaxSeqs(ctx, id)
		if err != nil {
			return nil, apiError(err)
		}
		end = seqs.Seqs[id].GetMaxSeq()
	}
	if end < 1 {
		return nil, nil
	}
	r, err := conn.PullBySeqRanges(ctx, &pb.SeqRange{ConversationID: id, Begin: max(1, end-int64(count)+1), End: end,
		Num: int64(count)})
	if err != nil {
		return nil, apiError(err)
	}
	msgs := r.Msgs[id].GetMsgs()
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].Seq < msgs[j].Seq })
	return msgs, nil
}

func (b *ClientBackend) Send(ctx context.Context, m *pb.MsgData) (*pb.MsgData, error) {
	conn, err := b.connNow(ctx)
	if err != nil {
		return nil, err
	}
	r, err := conn.SendMsg(ctx, m)
	if err != nil {
		return nil, apiError(err)
	}
	// The answer has no seq: the echo push brings the stored message.
	out := proto.Clone(m).(*pb.MsgData)
	out.ServerMsgID, out.SendTime, out.Status = r.ServerMsgID, r.SendTime, openim.MsgStatusSuccess
	return out, nil
}

func (b *ClientBackend) Revoke(ctx context.Context, id string, seq int64) error {
	return b.call(ctx, "/msg/revoke_msg", map[string]any{"conversationID": id, "seq": seq, "userID": b.me()}, nil)
}

// typingOptions are the options of an online-only message: never stored, no unread, no update.
var typingOptions = map[string]bool{"history": false, "persistent": false, "unreadCount": false,
	"conversationUpdate": false, "offlinePush": false, "senderSync": false, "notPrivate": false,
	"senderConversationUpdate": false}

func (b *ClientBackend) SearchMessages(ctx context.Context, keyword string, limit int) ([]FoundMessage, error) {
	var r client.SearchMsgResp
	req := &client.SearchMsgReq{Keyword: keyword, Pagination: &client.Pagination{PageNumber: 1, ShowNumber: int32(limit)}}
	if err := b.call(ctx, "/msg/search_msg", req, &r); err != nil {
		return nil, err
	}
	me := b.me()
	out := make([]FoundMessage, 0, len(r.ChatLogs))
	for _, h := range r.ChatLogs {
		l := h.ChatLog
		m := &pb.MsgData{ServerMsgID: l.ServerMsgID, ClientMsgID: l.ClientMsgID, SendID: l.SendID, RecvID: l.RecvID,
			GroupID: l.GroupID, SenderPlatformID: l.SenderPlatformID, SenderNickname: l.SenderNickname,
			SenderFaceURL: l.SenderFaceURL, SessionType: l.SessionType, MsgFrom: l.MsgFrom, ContentType: l.ContentType,
			Content: []byte(l.Content), Status: l.Status, SendTime: l.SendTime, CreateTime: l.CreateTime, Seq: l.Seq}
		name := l.GroupName
		if l.GroupID == "" {
			// The chat is named for the other user: the receiver of one's own message, else its sender.
			name = l.RecvNickname
			if l.RecvID == me {
				name = l.SenderNickname
			}
		}
		out = append(out, FoundMessage{ConversationID: l.ConversationID, Msg: m, ChatName: name})
	}
	return out, nil
}

func (b *ClientBackend) Typing(ctx context.Context, recvID string) error {
	conn, err := b.connNow(ctx)
	if err != nil {
		return err
	}
	content, _ := json.Marshal(map[string]string{"msgTips": "yes"})
	_, err = conn.SendMsg(ctx, &pb.MsgData{SendID: b.me(), RecvID: recvID, ClientMsgID: NewClientMsgID(),
		SenderPlatformID: Platform(), SessionType: openim.SingleChat, MsgFrom: openim.MsgFromUser, ContentType: openim.Typing,
		Content: content, CreateTime: time.Now().UnixMilli(), Options: typingOptions})
	return apiError(err)
}

// --- Contacts ---

func (b *ClientBackend) Friends(ctx context.Context) ([]*pb.FriendInfo, error) {
	var r struct {
		FriendsInfo []*pb.FriendInfo `json:"friendsInfo"`
	}
	err := b.call(ctx, "/friend/get_friend_list", map[string]any{"userID": b.me(), "pagination": page}, &r)
	return r.FriendsInfo, err
}

func (b *ClientBackend) FriendRequests(ctx context.Context) (in, out []*pb.FriendRequest, err error) {
	var ri struct {
		FriendRequests []*pb.FriendRequest `json:"FriendRequests"`
	}
	var ro struct {
		FriendRequests []*pb.FriendRequest `json:"friendRequests"`
	}
	req := map[string]any{"userID": b.me(), "pagination": page}
	if err := b.call(ctx, "/friend/get_friend_apply_list", req, &ri); err != nil {
		return nil, nil, err
	}
	if err := b.call(ctx, "/friend/get_self_friend_apply_list", req, &ro); err != nil {
		return nil, nil, err
	}
	return ri.FriendRequests, ro.FriendRequests, nil
}

func (b *ClientBackend) AddFriend(ctx context.Context, userID, reqMsg string) error {
	return b.call(ctx, "/friend/add_friend", map[string]any{"fromUserID": b.me(), "toUserID": userID, "reqMsg": reqMsg}, nil)
}

func (b *ClientBackend) RespondFriend(ctx context.Context, from string, accept bool) error {
	result := -1
	if accept {
		result = 1
	}
	return b.call(ctx, "/friend/add_friend_response", map[string]any{"fromUserID": from, "toUserID": b.me(),
		"handleResult": result}, nil)
}

func (b *ClientBackend) DeleteFriend(ctx context.Context, userID string) error {
	return b.call(ctx, "/friend/delete_friend", map[string]any{"ownerUserID": b.me(), "friendUserID": userID}, nil)
}

func (b *ClientBackend) SetRemark(ctx context.Context, userID, remark string) error {
	return b.call(ctx, "/friend/set_friend_remark", map[string]any{"ownerUserID": b.me(), "friendUserID": userID,
		"remark": remark}, nil)
}

func (b *ClientBackend) Blacklist(ctx context.Context) ([]*pb.BlackInfo, error) {
	var r struct {
		Blacks []*pb.BlackInfo `json:"blacks"`
	}
	err := b.call(ctx, "/friend/get_black_list", map[string]any{"userID": b.me(), "pagination": page}, &r)
	return r.Blacks, err
}

func (b *ClientBackend) Block(ctx context.Context, userID string) error {
	return b.call(ctx, "/friend/add_black", map[string]any{"ownerUserID": b.me(), "blackUserID": userID}, nil)
}

func (b *ClientBackend) Unblock(ctx context.Context, userID string) error {
	return b.call(ctx, "/friend/remove_black", map[string]any{"ownerUserID": b.me(), "blackUserID": userID}, nil)
}

// --- Groups ---

func (b *ClientBackend) JoinedGroups(ctx context.Context) ([]*pb.GroupInfo, error) {
	var r struct {
		Groups []*pb.GroupInfo `json:"groups"`
	}
	err := b.call(ctx, "/group/get_joined_group_list", map[string]any{"fromUserID": b.me(), "pagination": page}, &r)
	return r.Groups, err
}

func (b *ClientBackend) GroupsInfo(ctx context.Context, ids []string) ([]*pb.GroupInfo, error) {
	var r struct {
		GroupInfos []*pb.GroupInfo `json:"groupInfos"`
	}
	err := b.call(ctx, "/group/get_groups_info", map[string]any{"groupIDs": ids}, &r)
	return r.GroupInfos, err
}

func (b *ClientBackend) CreateGroup(ctx context.Context, info *pb.GroupInfo, memberIDs []string) (*pb.GroupInfo, error) {
	var r struct {
		GroupInfo *pb.GroupInfo `json:"groupInfo"`
	}
	if memberIDs == nil {
		memberIDs = []string{}
	}
	err := b.call(ctx, "/group/create_group", map[string]any{"ownerUserID": b.me(), "memberUserIDs": memberIDs,
		"groupInfo": info}, &r)
	if err == nil && r.GroupInfo == nil {
		err = errors.New("the node created the group but did not return it")
	}
	return r.GroupInfo, err
}

func (b *ClientBackend) Invite(ctx context.Context, groupID string, userIDs []string) error {
	return b.call(ctx, "/group/invite_user_to_group", map[string]any{"groupID": groupID, "invitedUserIDs": userIDs}, nil)
}

func (b *ClientBackend) ApplyToJoin(ctx context.Context, groupID, reqMsg string) error {
	return b.call(ctx, "/group/join_group", map[string]any{"groupID": groupID, "reqMessage": reqMsg, "joinSource": 3}, nil)
}

func (b *ClientBackend) GroupRequests(ctx context.Context) ([]*pb.GroupRequest, error) {
	var r struct {
		GroupRequests []*pb.GroupRequest `json:"groupRequests"`
	}
	err := b.call(ctx, "/group/get_recv_group_applicationList", map[string]any{"fromUserID": b.me(), "pagination": page}, &r)
	return r.GroupRequests, err
}

func (b *ClientBackend) RespondGroupRequest(ctx context.Context, groupID, userID string, accept bool) error {
	result := -1
	if accept {
		result = 1
	}
	return b.call(ctx, "/group/group_application_response", map[string]any{"groupID": groupID, "fromUserID": userID,
		"handleResult": result}, nil)
}

func (b *ClientBackend) Members(ctx context.Context, groupID string) ([]*pb.GroupMemberFullInfo, error) {
	var r struct {
		Members []*pb.GroupMemberFullInfo `json:"members"`
	}
	err := b.call(ctx, "/group/get_group_member_list", map[string]any{"groupID": groupID, "pagination": page}, &r)
	sort.SliceStable(r.Members, func(i, j int) bool { return r.Members[i].RoleLevel > r.Members[j].RoleLevel })
	return r.Members, err
}

// groupReceiptSeqs is how many seqs a group read receipt lists.
const groupReceiptSeqs = 50

func (b *ClientBackend) ReadSeqs(ctx context.Context, groupID string) (map[string]int64, error) {
	var r client.GroupReadSeqsResp
	if err := b.call(ctx, "/msg/get_group_read_seqs", map[string]any{"groupID": groupID}, &r); err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(r.Reads))
	for _, m := range r.Reads {
		out[m.UserID] = m.HasReadSeq
	}
	return out, nil
}

func (b *ClientBackend) Kick(ctx context.Context, groupID string, userIDs []string) error {
	return b.call(ctx, "/group/kick_group", map[string]any{"groupID": groupID, "kickedUserIDs": userIDs}, nil)
}

func (b *ClientBackend) MuteMember(ctx context.Context, groupID, userID string, seconds uint32) error {
	if seconds == 0 {
		return b.call(ctx, "/group/cancel_mute_group_member", map[string]any{"groupID": groupID, "userID": userID}, nil)
	}
	return b.call(ctx, "/group/mute_group_member", map[string]any{"groupID": groupID, "userID": userID,
		"mutedSeconds": seconds}, nil)
}

func (b *ClientBackend) MuteGroup(ctx context.Context, groupID string, muted bool) error {
	path := "/group/cancel_mute_group"
	if muted {
		path = "/group/mute_group"
	}
	return b.call(ctx, path, map[string]any{"groupID": groupID}, nil)
}

func (b *ClientBackend) SetRole(ctx context.Context, groupID, userID string, role int32) error {
	return b.call(ctx, "/group/set_group_member_info", map[string]any{"members": []map[string]any{{
		"groupID": groupID, "userID": userID, "roleLevel": role}}}, nil)
}

func (b *ClientBackend) TransferOwner(ctx context.Context, groupID, newOwnerID string) error {
	return b.call(ctx, "/group/transfer_group", map[string]any{"groupID": groupID, "oldOwnerUserID": b.me(),
		"newOwnerUserID": newOwnerID}, nil)
}

func (b *ClientBackend) Dismiss(ctx context.Context, groupID string) error {
	return b.call(ctx, "/group/dismiss_group", map[string]any{"groupID": groupID}, nil)
}

func (b *ClientBackend) Quit(ctx context.Context, groupID string) error {
	return b.call(ctx, "/group/quit_group", map[string]any{"groupID": groupID, "userID": b.me()}, nil)
}

func (b *ClientBackend) SetGroupInfo(ctx context.Context, groupID string, p GroupPatch) error {
	req := map[string]any{"groupID": groupID}
	if p.Name != nil {
		req["groupName"] = *p.Name
	}
	if p.Notification != nil {
		req["notification"] = *p.Notification
	}
	if p.Introduction != nil {
		req["introduction"] = *p.Introduction
	}
	if p.FaceURL != nil {
		req["faceURL"] = *p.FaceURL
	}
	if p.NeedVerification != nil {
		req["needVerification"] = *p.NeedVerification
	}
	return b.call(ctx, "/group/set_group_info_ex", req, nil)
}

// --- Files ---

func (b *ClientBackend) Upload(ctx context.Context, name, contentType string, r io.ReaderAt, size int64,
	progress func(done, total int64)) (string, error) {
	b.mu.Lock()
	user := b.user
	b.mu.Unlock()
	if user == nil {
		return "", openim.ErrTokenNotExist.With("not signed in")
	}
	url, err := user.Upload(ctx, name, contentType, r, size, progress)
	return url, apiError(err)
}

// Download fetches an object from this computer's node, whichever node's URL it is.
func (b *ClientBackend) Download(ctx context.Context, url string, w io.Writer, progress func(done, total int64)) (int64, error) {
	n, err := b.api.Download(ctx, b.api.LocalURL(url), w, progress)
	return n, apiError(err)
}
