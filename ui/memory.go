package ui

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	"lanim/node/pb"
)

// MemOffice is an office held in memory: the test double of a node for screen tests and the
// demo. Each MemBackend is one signed-in app on it, so two backends chat with each other. It
// follows the node's rules closely enough for the screens (seqs, unread counts, notifications,
// permissions), not every OpenIM detail.
type MemOffice struct {
	mu       sync.Mutex
	name     string
	now      func() int64
	quorum   bool
	outbox   []*pb.MsgData
	users    map[string]*memUser
	order    []string // user IDs in sign-up order
	friends  map[string]map[string]*pb.FriendInfo
	requests []*pb.FriendRequest
	blacks   map[string]map[string]int64
	groups   map[string]*memGroup
	convs    map[string][]*pb.MsgData               // conversation ID -> messages, seq = index+1
	views    map[string]map[string]*pb.Conversation // user -> conversation ID -> the user's settings
	readSeq  map[string]map[string]int64            // user -> conversation ID -> has-read seq
	sessions map[string][]*MemBackend
	nextID   int
	admins   map[string]bool // office admins
	lan      []OfficeAd      // other offices "on the LAN"
	invites  int
	joins    []MemJoin
	files    memFiles
}

// MemJoin is a JoinOffice call an app made.
type MemJoin struct {
	Code string
	Via  *OfficeAd
}

// Joins returns the JoinOffice calls made so far.
func (o *MemOffice) Joins() []MemJoin {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.joins)
}

type memUser struct {
	info     *pb.UserInfo
	password string
}

type memGroup struct {
	info     *pb.GroupInfo
	members  map[string]*pb.GroupMemberFullInfo
	requests []*pb.GroupRequest
}

// NewMemOffice makes an empty office. now is its clock in ms (time.Now when nil).
func NewMemOffice(name string, now func() int64) *MemOffice {
	if now == nil {
		now = func() int64 { return time.Now().UnixMilli() }
	}
	return &MemOffice{name: name, now: now, quorum: true, users: map[string]*memUser{},
		friends: map[string]map[string]*pb.FriendInfo{}, blacks: map[string]map[string]int64{},
		groups: map[string]*memGroup{}, convs: map[string][]*pb.MsgData{},
		views: map[string]map[string]*pb.Conversation{}, readSeq: map[string]map[string]int64{},
		sessions: map[string][]*MemBackend{}, admins: map[string]bool{}}
}

// SetLAN sets the offices Discover finds (nil: none).
func (o *MemOffice) SetLAN(ads []OfficeAd) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.lan = ads
}

// SetQuorum cuts the office off from (false) or reconnects it to (true) its quorum. While cut
// off, sends are queued and other writes fail with CodeNoQuorum; reconnecting commits the queue.
func (o *MemOffice) SetQuorum(ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.quorum = ok
	state := NoQuorum
	if ok {
		state = Online
	}
	for _, ss := range o.sessions {
		for _, s := range ss {
			s.push(ConnEvent{State: state})
		}
	}
	if ok {
		queued := o.outbox
		o.outbox = nil
		for _, m := range queued {
			o.store(m)
		}
	}
}

// MemBackend is one app's view of a MemOffice.
type MemBackend struct {
	o      *MemOffice
	events chan Event
	user   string // "" while signed out
	// elsewhere: this app runs on a computer that joined the office, without the admin secret.
	elsewhere bool
}

// OnAnotherComputer makes b an app on a computer that joined the office: office-level calls need
// the office admin role there.
func (b *MemBackend) OnAnotherComputer() *MemBackend {
	b.elsewhere = true
	return b
}

// NewBackend returns a signed-out app on the office.
func (o *MemOffice) NewBackend() *MemBackend {
	return &MemBackend{o: o, events: make(chan Event, 1024)}
}

var _ Backend = (*MemBackend)(nil)

func (b *MemBackend) Events() <-chan Event { return b.events }

// push delivers an event without blocking the office; a test that never reads loses events.
func (b *MemBackend) push(e Event) {
	select {
	case b.events <- e:
	default:
	}
}

func apiErr(code int, msg string) error { return &APIError{Code: code, Msg: msg} }

var (
	errMemNoQuorum = apiErr(CodeNoQuorum, "NoQuorum")
	errMemArgs     = apiErr(1001, "ArgsError")
	errMemPerm     = apiErr(1002, "NoPermissionError")
)

// lock takes the office lock and returns the signed-in user, or a token error.
func (b *MemBackend) lock() (string, error) {
	b.o.mu.Lock()
	if b.user == "" {
		b.o.mu.Unlock()
		return "", apiErr(1507, "TokenNotExistError")
	}
	return b.user, nil
}

// write is lock for a state change: it also needs a quorum.
func (b *MemBackend) write() (string, error) {
	u, err := b.lock()
	if err != nil {
		return "", err
	}
	if !b.o.quorum {
		b.o.mu.Unlock()
		return "", errMemNoQuorum
	}
	return u, nil
}

func (b *MemBackend) unlock() { b.o.mu.Unlock() }

// --- Account ---

func (b *MemBackend) SignUp(_ context.Context, userID, nickname, password string) (*Session, error) {
	o := b.o
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.quorum {
		return nil, errMemNoQuorum
	}
	if userID == "" || strings.ContainsAny(userID, " _") || password == "" {
		return nil, errMemArgs
	}
	if o.users[userID] != nil {
		return nil, apiErr(CodeUserExists, "RegisteredAlreadyError")
	}
	if nickname == "" {
		nickname = userID
	}
	o.users[userID] = &memUser{info: &pb.UserInfo{UserID: userID, Nickname: nickname, CreateTime: o.now()},
		password: password}
	o.order = append(o.order, userID)
	return b.signIn(userID), nil
}

func (b *MemBackend) SignIn(_ context.Context, userID, password string) (*Session, error) {
	o := b.o
	o.mu.Lock()
	defer o.mu.Unlock()
	u := o.users[userID]
	if u == nil {
		return nil, apiErr(CodeNotFound, "RecordNotFoundError")
	}
	if u.password != password {
		return nil, apiErr(CodeWrongPassword, "NoPermissionError")
	}
	return b.signIn(userID), nil
}

func (b *MemBackend) signIn(userID string) *Session {
	b.user = userID
	b.o.sessions[userID] = append(b.o.sessions[userID], b)
	if !b.o.quorum {
		b.push(ConnEvent{State: NoQuorum})
	}
	return &Session{UserID: userID, Token: "mem-" + userID, Expire: b.o.now()/1000 + 86400}
}

func (b *MemBackend) Resume(_ context.Context, s *Session) error {
	o := b.o
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.users[s.UserID] == nil || s.Token != "mem-"+s.UserID {
		return apiErr(1502, "TokenInvalidError")
	}
	b.signIn(s.UserID)
	return nil
}

func (b *MemBackend) SignOut(context.Context) error {
	u, err := b.lock()
	if err != nil {
		return nil
	}
	defer b.unlock()
	b.o.sessions[u] = slices.DeleteFunc(b.o.sessions[u], func(x *MemBackend) bool { return x == b })
	b.user = ""
	return nil
}

func (b *MemBackend) Users(_ context.Context, ids []string) ([]*pb.UserInfo, error) {
	if _, err := b.lock(); err != nil {
		return nil, err
	}
	defer b.unlock()
	var out []*pb.UserInfo
	for _, id := range ids {
		if u := b.o.users[id]; u != nil {
			out = append(out, clone(u.info))
		}
	}
	return out, nil
}

func (b *MemBackend) UpdateSelf(_ context.Context, nickname, faceURL string) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	if nickname == "" {
		return errMemArgs
	}
	info := b.o.users[u].info
	info.Nickname, info.FaceURL = nickname, faceURL
	b.o.pushTo(u, SelfEvent{})
	for f := range b.o.friends[u] {
		b.o.pushTo(f, ContactsEvent{})
	}
	return nil
}

func (b *MemBackend) SubscribePresence(_ context.Context, ids []string) (map[string]bool, error) {
	if _, err := b.lock(); err != nil {
		return nil, err
	}
	defer b.unlock()
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = len(b.o.sessions[id]) > 0
	}
	return out, nil
}

// --- Office ---

func (b *MemBackend) OfficeInfo(context.Context) (*OfficeInfo, error) {
	b.o.mu.Lock()
	defer b.o.mu.Unlock()
	return &OfficeInfo{ID: "mem", Name: b.o.name, Users: len(b.o.users), Counted: true}, nil
}

// mayRunOffice is the node's rule for office-level calls, in memory: an office admin may, and so
// may anyone on the computer that created the office (the app falls back to the admin secret).
// The office lock is held.
func (b *MemBackend) mayRunOffice() error {
	if !b.elsewhere || b.o.admins[b.user] {
		return nil
	}
	return errMemPerm
}

func (b *MemBackend) NameOffice(_ context.Context, name string) error {
	b.o.mu.Lock()
	defer b.o.mu.Unlock()
	if err := b.mayRunOffice(); err != nil {
		return err
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxOfficeName {
		return errMemArgs
	}
	b.o.name = name
	return nil
}

func (b *MemBackend) SetOfficeAdmin(_ context.Context, userID string, admin bool) error {
	o := b.o
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := b.mayRunOffice(); err != nil {
		return err
	}
	if o.users[userID] == nil {
		return apiErr(CodeNotFound, "RecordNotFoundError")
	}
	if admin {
		o.admins[userID] = true
		return nil
	}
	if o.admins[userID] && len(o.admins) == 1 {
		return &APIError{Code: 1001, Msg: "ArgsError", Detail: userID + " is the last office admin: grant the role to someone else first"}
	}
	delete(o.admins, userID)
	return nil
}

// JoinOffice records the call; the app stays on the same office (there is only one in memory).
func (b *MemBackend) JoinOffice(_ context.Context, code string, via *OfficeAd) error {
	b.o.mu.Lock()
	defer b.o.mu.Unlock()
	if !strings.HasPrefix(code, "lanim1-") {
		return &APIError{Code: 1001, Msg: "ArgsError", Detail: "this is not a join code (one starts with lanim1-)"}
	}
	b.o.joins = append(b.o.joins, MemJoin{Code: code, Via: via})
	return nil
}

func (b *MemBackend) Discover(context.Context) ([]OfficeAd, error) {
	b.o.mu.Lock()
	defer b.o.mu.Unlock()
	return slices.Clone(b.o.lan), nil
}

func (b *MemBackend) ClusterStatus(context.Context) (*ClusterStatus, error) {
	o := b.o
	o.mu.Lock()
	defer o.mu.Unlock()
	st := &ClusterStatus{OfficeName: o.name, AdminHere: !b.elsewhere, NodeID: "mem-1", LeaderID: "mem-1", HasQuorum: o.quorum,
		Nodes:  []NodeStatus{{ID: "mem-1", Name: "front-desk", Addr: "127.0.0.1", Voter: true, Leader: true, Reachable: true}},
		Health: []KV{{"State", "Leader"}, {"Users", fmt.Sprint(len(o.users))}}}
	if st.Outbox = len(o.outbox); st.Outbox > 0 {
		st.OutboxOldest = time.Duration(o.now()-o.outbox[0].CreateTime) * time.Millisecond
	}
	for _, id := range o.order {
		if len(o.sessions[id]) > 0 {
			st.Online = append(st.Online, id)
		}
		if o.admins[id] {
			st.OfficeAdmins = append(st.OfficeAdmins, id)
		}
	}
	return st, nil
}

func (b *MemBackend) InviteCode(context.Context) (string, error) {
	b.o.mu.Lock()
	defer b.o.mu.Unlock()
	if err := b.mayRunOffice(); err != nil {
		return "", err
	}
	b.o.invites++
	return fmt.Sprintf("lanim1-MEMORY-OFFICE-INVITE-%d", b.o.invites), nil
}

func (b *MemBackend) LeaveOffice(context.Context) error {
	b.o.mu.Lock()
	defer b.o.mu.Unlock()
	if err := b.mayRunOffice(); err != nil {
		return err
	}
	return ErrNotSupported // an office in memory has one computer, which cannot leave
}

// --- Chats ---

func (b *MemBackend) Conversations(context.Context) ([]*Conversation, error) {
	u, err := b.lock()
	if err != nil {
		return nil, err
	}
	defer b.unlock()
	var out []*Conversation
	for id, v := range b.o.views[u] {
		out = append(out, b.o.conversation(u, id, v))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// conversation builds a list row; the office lock is held.
func (o *MemOffice) conversation(u, id string, v *pb.Conversation) *Conversation {
	msgs := o.convs[id]
	c := &Conversation{ID: id, Type: v.ConversationType, PeerID: v.UserID, GroupID: v.GroupID, Pinned: v.IsPinned,
		RecvOpt: v.RecvMsgOpt, MaxSeq: int64(len(msgs)), ReadSeq: o.readSeq[u][id]}
	if len(msgs) > 0 {
		c.LastMsg = clone(msgs[len(msgs)-1])
		c.LastTime = c.LastMsg.SendTime
	}
	if c.Type == SessionGroup {
		if g := o.groups[v.GroupID]; g != nil {
			c.Name, c.FaceURL = g.info.GroupName, g.info.FaceURL
		}
		for _, m := range msgs[min(int(c.ReadSeq), len(msgs)):] {
			c.AtMe = c.AtMe || MentionsUser(m, u)
		}
	} else if p := o.users[v.UserID]; p != nil {
		c.Name, c.FaceURL = p.info.Nickname, p.info.FaceURL
		if f := o.friends[u][v.UserID]; f != nil && f.Remark != "" {
			c.Name = f.Remark
		}
		c.PeerReadSeq = o.readSeq[v.UserID][id]
	}
	return c
}

func (b *MemBackend) PinConversation(_ context.Context, id string, pinned bool) error {
	return b.setView(id, func(v *pb.Conversation) { v.IsPinned = pinned })
}

func (b *MemBackend) SetRecvOpt(_ context.Context, id string, opt int32) error {
	return b.setView(id, func(v *pb.Conversation) { v.RecvMsgOpt = opt })
}

func (b *MemBackend) setView(id string, f func(*pb.Conversation)) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	v := b.o.views[u][id]
	if v == nil {
		return apiErr(CodeNotFound, "RecordNotFoundError")
	}
	f(v)
	b.o.pushTo(u, ConversationsEvent{})
	return nil
}

func (b *MemBackend) MarkRead(_ context.Context, id string, seq int64) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	o := b.o
	if seq > int64(len(o.convs[id])) {
		seq = int64(len(o.convs[id]))
	}
	if seq <= o.readSeq[u][id] {
		return nil
	}
	o.readSeq[u][id] = seq
	o.pushTo(u, ReadEvent{ConversationID: id, UserID: u, HasReadSeq: seq})
	if v := o.views[u][id]; v != nil && v.ConversationType == SessionSingle {
		o.pushTo(v.UserID, ReadEvent{ConversationID: id, UserID: u, HasReadSeq: seq})
	}
	return nil
}

func (b *MemBackend) History(_ context.Context, id string, before int64, count int) ([]*pb.MsgData, error) {
	u, err := b.lock()
	if err != nil {
		return nil, err
	}
	defer b.unlock()
	if b.o.views[u][id] == nil {
		return nil, nil // a conversation with no message yet
	}
	msgs := b.o.convs[id]
	end := len(msgs)
	if before > 0 && int(before)-1 < end {
		end = int(before) - 1
	}
	start := max(0, end-count)
	out := make([]*pb.MsgData, 0, end-start)
	for _, m := range msgs[start:end] {
		out = append(out, clone(m))
	}
	return out, nil
}

func (b *MemBackend) Send(_ context.Context, m *pb.MsgData) (*pb.MsgData, error) {
	u, err := b.lock()
	if err != nil {
		return nil, err
	}
	defer b.unlock()
	o := b.o
	if m.SendID != u || m.ClientMsgID == "" {
		return nil, errMemArgs
	}
	id := ConversationIDOf(m)
	for _, old := range o.convs[id] {
		if old.ClientMsgID == m.ClientMsgID {
			return clone(old), nil
		}
	}
	switch m.SessionType {
	case SessionSingle:
		if o.users[m.RecvID] == nil {
			return nil, apiErr(1101, "UserIDNotFoundError")
		}
		if _, blocked := o.blacks[m.RecvID][u]; blocked {
			return nil, apiErr(1302, "BlockedByPeer")
		}
	case SessionGroup:
		g := o.groups[m.GroupID]
		if g == nil || g.members[u] == nil {
			return nil, apiErr(1203, "NotInGroupYetError")
		}
		me := g.members[u]
		if me.MuteEndTime > o.now() {
			return nil, apiErr(1402, "MutedInGroup")
		}
		if g.info.Status == GroupStatusMuted && me.RoleLevel == RoleMember {
			return nil, apiErr(1403, "MutedGroup")
		}
	default:
		return nil, errMemArgs
	}
	m = clone(m)
	if !o.quorum {
		o.outbox = append(o.outbox, m)
		return nil, apiErr(CodeQueued, "MessageQueued")
	}
	return clone(o.store(m)), nil
}

// store assigns the seq, makes sure every member has the conversation and pushes the message.
func (o *MemOffice) store(m *pb.MsgData) *pb.MsgData {
	id := ConversationIDOf(m)
	o.nextID++
	m.ServerMsgID = fmt.Sprintf("srv-%d", o.nextID)
	m.Seq = int64(len(o.convs[id]) + 1)
	m.SendTime = o.now()
	m.Status = StatusSent
	o.convs[id] = append(o.convs[id], m)
	var to []string
	if m.SessionType == SessionGroup {
		if g := o.groups[m.GroupID]; g != nil {
			to = sortedKeys(g.members)
		}
	} else {
		to = []string{m.SendID, m.RecvID}
	}
	for _, u := range to {
		v := o.ensureView(u, id, m)
		if u == m.SendID && m.MsgFrom == MsgFromUser {
			o.readSeq[u][id] = m.Seq
		}
		_ = v
		o.pushTo(u, MessageEvent{Msg: clone(m)})
	}
	return m
}

func (o *MemOffice) ensureView(u, id string, m *pb.MsgData) *pb.Conversation {
	if o.views[u] == nil {
		o.views[u] = map[string]*pb.Conversation{}
		o.readSeq[u] = map[string]int64{}
	}
	v := o.views[u][id]
	if v == nil {
		v = &pb.Conversation{OwnerUserID: u, ConversationID: id, ConversationType: m.SessionType, GroupID: m.GroupID}
		if m.SessionType == SessionSingle {
			v.UserID = m.RecvID
			if u == m.RecvID {
				v.UserID = m.SendID
			}
		}
		o.views[u][id] = v
	}
	return v
}

func (o *MemOffice) pushTo(u string, e Event) {
	for _, s := range o.sessions[u] {
		s.push(e)
	}
}

func (b *MemBackend) Revoke(_ context.Context, id string, seq int64) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	o := b.o
	msgs := o.convs[id]
	if seq < 1 || int(seq) > len(msgs) {
		return apiErr(CodeNotFound, "RecordNotFoundError")
	}
	m := msgs[seq-1]
	if m.ContentType == ContentRevoke {
		return apiErr(1404, "MsgAlreadyRevoke")
	}
	if m.SendID != u && !o.isAdmin(m.GroupID, u) {
		return errMemPerm
	}
	revoked := NewNotification(ContentRevoke, u, &pb.RevokeMsgTips{RevokerUserID: u, ClientMsgID: m.ClientMsgID,
		RevokeTime: o.now(), SesstionType: m.SessionType, Seq: seq, ConversationID: id})
	m.ContentType, m.Content = ContentRevoke, revoked.Content
	for _, member := range o.audience(id, m) {
		o.pushTo(member, RevokeEvent{ConversationID: id, ClientMsgID: m.ClientMsgID, RevokerID: u, Seq: seq})
	}
	return nil
}

func (o *MemOffice) audience(id string, m *pb.MsgData) []string {
	if m.SessionType == SessionGroup {
		if g := o.groups[m.GroupID]; g != nil {
			return sortedKeys(g.members)
		}
		return nil
	}
	return []string{m.SendID, m.RecvID}
}

func (o *MemOffice) isAdmin(groupID, u string) bool {
	g := o.groups[groupID]
	if g == nil || g.members[u] == nil {
		return false
	}
	return g.members[u].RoleLevel >= RoleAdmin
}

func (b *MemBackend) Typing(_ context.Context, recvID string) error {
	u, err := b.lock()
	if err != nil {
		return err
	}
	defer b.unlock()
	b.o.pushTo(recvID, TypingEvent{ConversationID: SingleConversationID(u, recvID), UserID: u})
	return nil
}

// --- Contacts ---

func (b *MemBackend) Friends(context.Context) ([]*pb.FriendInfo, error) {
	u, err := b.lock()
	if err != nil {
		return nil, err
	}
	defer b.unlock()
	var out []*pb.FriendInfo
	for _, id := range sortedKeys(b.o.friends[u]) {
		f := clone(b.o.friends[u][id])
		f.FriendUser = clone(b.o.users[id].info)
		out = append(out, f)
	}
	return out, nil
}

func (b *MemBackend) FriendRequests(context.Context) (in, out []*pb.FriendRequest, err error) {
	u, err := b.lock()
	if err != nil {
		return nil, nil, err
	}
	defer b.unlock()
	for _, r := range b.o.requests {
		if r.ToUserID == u {
			in = append(in, clone(r))
		}
		if r.FromUserID == u {
			out = append(out, clone(r))
		}
	}
	return in, out, nil
}

func (b *MemBackend) AddFriend(_ context.Context, to, msg string) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	o := b.o
	switch {
	case to == u:
		return apiErr(1301, "CanNotAddYourselfError")
	case o.users[to] == nil:
		return apiErr(1101, "UserIDNotFoundError")
	case o.friends[u][to] != nil:
		return apiErr(CodeAlreadyFriends, "RelationshipAlreadyError")
	}
	if _, blocked := o.blacks[to][u]; blocked {
		return apiErr(1302, "BlockedByPeer")
	}
	from, dst := o.users[u].info, o.users[to].info
	o.requests = slices.DeleteFunc(o.requests, func(r *pb.FriendRequest) bool {
		return r.FromUserID == u && r.ToUserID == to
	})
	r := &pb.FriendRequest{FromUserID: u, FromNickname: from.Nickname, FromFaceURL: from.FaceURL, ToUserID: to,
		ToNickname: dst.Nickname, ToFaceURL: dst.FaceURL, ReqMsg: msg, CreateTime: o.now()}
	o.requests = append(o.requests, r)
	o.pushTo(u, ContactsEvent{})
	o.pushTo(to, ContactsEvent{Request: clone(r)})
	return nil
}

func (b *MemBackend) RespondFriend(_ context.Context, from string, accept bool) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	o := b.o
	i := slices.IndexFunc(o.requests, func(r *pb.FriendRequest) bool {
		return r.FromUserID == from && r.ToUserID == u && r.HandleResult == 0
	})
	if i < 0 {
		return apiErr(CodeNotFound, "RecordNotFoundError")
	}
	r := o.requests[i]
	r.HandlerUserID, r.HandleTime, r.HandleResult = u, o.now(), -1
	if accept {
		r.HandleResult = 1
		o.befriend(u, from)
		o.befriend(from, u)
	}
	o.pushTo(u, ContactsEvent{})
	o.pushTo(from, ContactsEvent{})
	return nil
}

func (o *MemOffice) befriend(owner, friend string) {
	if o.friends[owner] == nil {
		o.friends[owner] = map[string]*pb.FriendInfo{}
	}
	o.friends[owner][friend] = &pb.FriendInfo{OwnerUserID: owner, CreateTime: o.now()}
}

func (b *MemBackend) DeleteFriend(_ context.Context, id string) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	delete(b.o.friends[u], id)
	b.o.pushTo(u, ContactsEvent{})
	b.o.pushTo(id, ContactsEvent{})
	return nil
}

func (b *MemBackend) SetRemark(_ context.Context, id, remark string) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	f := b.o.friends[u][id]
	if f == nil {
		return apiErr(1303, "NotPeersFriend")
	}
	f.Remark = remark
	b.o.pushTo(u, ContactsEvent{})
	return nil
}

func (b *MemBackend) Blacklist(context.Context) ([]*pb.BlackInfo, error) {
	u, err := b.lock()
	if err != nil {
		return nil, err
	}
	defer b.unlock()
	var out []*pb.BlackInfo
	for _, id := range sortedKeys(b.o.blacks[u]) {
		info := b.o.users[id].info
		out = append(out, &pb.BlackInfo{OwnerUserID: u, CreateTime: b.o.blacks[u][id],
			BlackUserInfo: &pb.PublicUserInfo{UserID: id, Nickname: info.Nickname, FaceURL: info.FaceURL}})
	}
	return out, nil
}

func (b *MemBackend) Block(_ context.Context, id string) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	if b.o.users[id] == nil {
		return apiErr(1101, "UserIDNotFoundError")
	}
	if b.o.blacks[u] == nil {
		b.o.blacks[u] = map[string]int64{}
	}
	b.o.blacks[u][id] = b.o.now()
	b.o.pushTo(u, ContactsEvent{})
	return nil
}

func (b *MemBackend) Unblock(_ context.Context, id string) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	delete(b.o.blacks[u], id)
	b.o.pushTo(u, ContactsEvent{})
	return nil
}

// --- Groups ---

func (b *MemBackend) JoinedGroups(context.Context) ([]*pb.GroupInfo, error) {
	u, err := b.lock()
	if err != nil {
		return nil, err
	}
	defer b.unlock()
	var out []*pb.GroupInfo
	for _, id := range sortedKeys(b.o.groups) {
		if g := b.o.groups[id]; g.members[u] != nil && g.info.Status != GroupStatusDismissed {
			out = append(out, clone(g.info))
		}
	}
	return out, nil
}

func (b *MemBackend) GroupsInfo(_ context.Context, ids []string) ([]*pb.GroupInfo, error) {
	if _, err := b.lock(); err != nil {
		return nil, err
	}
	defer b.unlock()
	var out []*pb.GroupInfo
	for _, id := range ids {
		if g := b.o.groups[id]; g != nil {
			out = append(out, clone(g.info))
		}
	}
	return out, nil
}

func (b *MemBackend) CreateGroup(_ context.Context, info *pb.GroupInfo, memberIDs []string) (*pb.GroupInfo, error) {
	u, err := b.write()
	if err != nil {
		return nil, err
	}
	defer b.unlock()
	o := b.o
	if strings.TrimSpace(info.GroupName) == "" {
		return nil, errMemArgs
	}
	o.nextID++
	g := &memGroup{info: clone(info), members: map[string]*pb.GroupMemberFullInfo{}}
	g.info.GroupID = fmt.Sprintf("g%d", o.nextID)
	g.info.OwnerUserID, g.info.CreatorUserID, g.info.CreateTime = u, u, o.now()
	o.groups[g.info.GroupID] = g
	o.addMember(g, u, RoleOwner, u)
	for _, id := range memberIDs {
		if id != u && o.users[id] != nil {
			o.addMember(g, id, RoleMember, u)
		}
	}
	o.groupNote(g, 1501, u, &pb.GroupCreatedTips{Group: g.info, OpUser: o.member(g, u), OperationTime: o.now()})
	return clone(g.info), nil
}

func (o *MemOffice) addMember(g *memGroup, id string, role int32, op string) {
	info := o.users[id].info
	g.members[id] = &pb.GroupMemberFullInfo{GroupID: g.info.GroupID, UserID: id, RoleLevel: role, JoinTime: o.now(),
		Nickname: info.Nickname, FaceURL: info.FaceURL, OperatorUserID: op}
	g.info.MemberCount = uint32(len(g.members))
}

func (o *MemOffice) member(g *memGroup, id string) *pb.GroupMemberFullInfo {
	if m := g.members[id]; m != nil {
		return clone(m)
	}
	info := o.users[id].info
	return &pb.GroupMemberFullInfo{GroupID: g.info.GroupID, UserID: id, Nickname: info.Nickname}
}

// groupNote stores a group event as a line in the group chat and tells every member.
func (o *MemOffice) groupNote(g *memGroup, contentType int32, op string, tips any) {
	m := NewNotification(contentType, op, tips)
	m.SessionType, m.GroupID = SessionGroup, g.info.GroupID
	o.store(m)
	for _, id := range sortedKeys(g.members) {
		o.pushTo(id, GroupsEvent{GroupID: g.info.GroupID})
	}
}

// group returns a group the caller is in, and the caller's membership.
func (o *MemOffice) group(id, u string) (*memGroup, *pb.GroupMemberFullInfo, error) {
	g := o.groups[id]
	if g == nil || g.info.Status == GroupStatusDismissed {
		return nil, nil, apiErr(1201, "GroupIDNotFoundError")
	}
	if g.members[u] == nil {
		return g, nil, apiErr(1203, "NotInGroupYetError")
	}
	return g, g.members[u], nil
}

func (b *MemBackend) Invite(_ context.Context, groupID string, ids []string) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	o := b.o
	g, _, err := o.group(groupID, u)
	if err != nil {
		return err
	}
	tips := &pb.MemberInvitedTips{Group: g.info, OpUser: o.member(g, u), OperationTime: o.now()}
	for _, id := range ids {
		if o.users[id] != nil && g.members[id] == nil {
			o.addMember(g, id, RoleMember, u)
			tips.InvitedUserList = append(tips.InvitedUserList, o.member(g, id))
		}
	}
	if len(tips.InvitedUserList) == 0 {
		return errMemArgs
	}
	o.groupNote(g, 1509, u, tips)
	return nil
}

func (b *MemBackend) ApplyToJoin(_ context.Context, groupID, msg string) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	o := b.o
	g := o.groups[groupID]
	if g == nil || g.info.Status == GroupStatusDismissed {
		return apiErr(1201, "GroupIDNotFoundError")
	}
	if g.members[u] != nil {
		return apiErr(CodeAlreadyFriends, "RelationshipAlreadyError")
	}
	info := o.users[u].info
	g.requests = append(g.requests, &pb.GroupRequest{GroupInfo: g.info, ReqMsg: msg, ReqTime: o.now(), JoinSource: 3,
		UserInfo: &pb.PublicUserInfo{UserID: u, Nickname: info.Nickname, FaceURL: info.FaceURL}})
	for id, m := range g.members {
		if m.RoleLevel >= RoleAdmin {
			o.pushTo(id, GroupsEvent{GroupID: groupID})
		}
	}
	return nil
}

func (b *MemBackend) GroupRequests(context.Context) ([]*pb.GroupRequest, error) {
	u, err := b.lock()
	if err != nil {
		return nil, err
	}
	defer b.unlock()
	var out []*pb.GroupRequest
	for _, id := range sortedKeys(b.o.groups) {
		g := b.o.groups[id]
		if b.o.isAdmin(id, u) {
			for _, r := range g.requests {
				out = append(out, clone(r))
			}
		}
	}
	return out, nil
}

func (b *MemBackend) RespondGroupRequest(_ context.Context, groupID, userID string, accept bool) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	o := b.o
	if !o.isAdmin(groupID, u) {
		return errMemPerm
	}
	g := o.groups[groupID]
	i := slices.IndexFunc(g.requests, func(r *pb.GroupRequest) bool {
		return r.UserInfo.UserID == userID && r.HandleResult == 0
	})
	if i < 0 {
		return apiErr(1206, "GroupRequestHandled")
	}
	r := g.requests[i]
	r.HandleUserID, r.HandleTime, r.HandleResult = u, o.now(), -1
	if accept {
		r.HandleResult = 1
		o.addMember(g, userID, RoleMember, u)
		o.groupNote(g, 1510, u, &pb.MemberEnterTips{Group: g.info, EntrantUser: o.member(g, userID),
			OperationTime: o.now()})
	}
	o.pushTo(userID, GroupsEvent{GroupID: groupID})
	return nil
}

func (b *MemBackend) Members(_ context.Context, groupID string) ([]*pb.GroupMemberFullInfo, error) {
	u, err := b.lock()
	if err != nil {
		return nil, err
	}
	defer b.unlock()
	g, _, err := b.o.group(groupID, u)
	if err != nil {
		return nil, err
	}
	var out []*pb.GroupMemberFullInfo
	for _, id := range sortedKeys(g.members) {
		out = append(out, clone(g.members[id]))
	}
	return out, nil
}

// admin returns a group the caller administers.
func (o *MemOffice) admin(groupID, u string) (*memGroup, *pb.GroupMemberFullInfo, error) {
	g, me, err := o.group(groupID, u)
	if err != nil {
		return nil, nil, err
	}
	if me.RoleLevel < RoleAdmin {
		return nil, nil, errMemPerm
	}
	return g, me, nil
}

func (b *MemBackend) Kick(_ context.Context, groupID string, ids []string) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	o := b.o
	g, me, err := o.admin(groupID, u)
	if err != nil {
		return err
	}
	tips := &pb.MemberKickedTips{Group: g.info, OpUser: o.member(g, u), OperationTime: o.now()}
	for _, id := range ids {
		if m := g.members[id]; m != nil && m.RoleLevel < me.RoleLevel {
			tips.KickedUserList = append(tips.KickedUserList, clone(m))
		}
	}
	if len(tips.KickedUserList) == 0 {
		return errMemPerm
	}
	o.groupNote(g, 1508, u, tips)
	for _, m := range tips.KickedUserList {
		delete(g.members, m.UserID)
		o.pushTo(m.UserID, GroupsEvent{GroupID: groupID})
	}
	g.info.MemberCount = uint32(len(g.members))
	return nil
}

func (b *MemBackend) MuteMember(_ context.Context, groupID, userID string, seconds uint32) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	o := b.o
	g, me, err := o.admin(groupID, u)
	if err != nil {
		return err
	}
	m := g.members[userID]
	if m == nil || m.RoleLevel >= me.RoleLevel {
		return errMemPerm
	}
	if seconds == 0 {
		m.MuteEndTime = 0
		o.groupNote(g, 1513, u, &pb.GroupMemberCancelMutedTips{Group: g.info, OpUser: o.member(g, u),
			MutedUser: clone(m), OperationTime: o.now()})
		return nil
	}
	m.MuteEndTime = o.now() + int64(seconds)*1000
	o.groupNote(g, 1512, u, &pb.GroupMemberMutedTips{Group: g.info, OpUser: o.member(g, u), MutedUser: clone(m),
		MutedSeconds: seconds, OperationTime: o.now()})
	return nil
}

func (b *MemBackend) MuteGroup(_ context.Context, groupID string, muted bool) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	o := b.o
	g, _, err := o.admin(groupID, u)
	if err != nil {
		return err
	}
	if muted {
		g.info.Status = GroupStatusMuted
		o.groupNote(g, 1514, u, &pb.GroupMutedTips{Group: g.info, OpUser: o.member(g, u), OperationTime: o.now()})
		return nil
	}
	g.info.Status = GroupStatusOK
	o.groupNote(g, 1515, u, &pb.GroupCancelMutedTips{Group: g.info, OpUser: o.member(g, u), OperationTime: o.now()})
	return nil
}

func (b *MemBackend) SetRole(_ context.Context, groupID, userID string, role int32) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	o := b.o
	g, me, err := o.admin(groupID, u)
	if err != nil {
		return err
	}
	m := g.members[userID]
	if me.RoleLevel != RoleOwner || m == nil || m.RoleLevel == RoleOwner || (role != RoleAdmin && role != RoleMember) {
		return errMemPerm
	}
	m.RoleLevel = role
	kind := int32(1517)
	if role == RoleMember {
		kind = 1518
	}
	o.groupNote(g, kind, u, &pb.GroupMemberInfoSetTips{Group: g.info, OpUser: o.member(g, u), ChangedUser: clone(m),
		OperationTime: o.now()})
	return nil
}

func (b *MemBackend) TransferOwner(_ context.Context, groupID, newOwner string) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	o := b.o
	g, me, err := o.group(groupID, u)
	if err != nil {
		return err
	}
	n := g.members[newOwner]
	if me.RoleLevel != RoleOwner || n == nil || newOwner == u {
		return errMemPerm
	}
	me.RoleLevel, n.RoleLevel, g.info.OwnerUserID = RoleMember, RoleOwner, newOwner
	o.groupNote(g, 1507, u, &pb.GroupOwnerTransferredTips{Group: g.info, OpUser: o.member(g, u),
		NewGroupOwner: clone(n), OldGroupOwner: u, OldGroupOwnerInfo: clone(me), OperationTime: o.now()})
	return nil
}

func (b *MemBackend) Dismiss(_ context.Context, groupID string) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	o := b.o
	g, me, err := o.group(groupID, u)
	if err != nil {
		return err
	}
	if me.RoleLevel != RoleOwner {
		return errMemPerm
	}
	o.groupNote(g, 1511, u, &pb.GroupDismissedTips{Group: g.info, OpUser: o.member(g, u), OperationTime: o.now()})
	g.info.Status = GroupStatusDismissed
	return nil
}

func (b *MemBackend) Quit(_ context.Context, groupID string) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	o := b.o
	g, me, err := o.group(groupID, u)
	if err != nil {
		return err
	}
	if me.RoleLevel == RoleOwner {
		return apiErr(1001, "ArgsError: the owner transfers the group or dismisses it")
	}
	o.groupNote(g, 1504, u, &pb.MemberQuitTips{Group: g.info, QuitUser: clone(me), OperationTime: o.now()})
	delete(g.members, u)
	g.info.MemberCount = uint32(len(g.members))
	o.pushTo(u, GroupsEvent{GroupID: groupID})
	return nil
}

func (b *MemBackend) SetGroupInfo(_ context.Context, groupID string, p GroupPatch) error {
	u, err := b.write()
	if err != nil {
		return err
	}
	defer b.unlock()
	o := b.o
	g, _, err := o.admin(groupID, u)
	if err != nil {
		return err
	}
	kind := int32(1502)
	if p.Name != nil {
		if strings.TrimSpace(*p.Name) == "" {
			return errMemArgs
		}
		g.info.GroupName, kind = *p.Name, 1520
	}
	if p.Notification != nil {
		g.info.Notification, g.info.NotificationUpdateTime, g.info.NotificationUserID = *p.Notification, o.now(), u
		kind = 1519
	}
	if p.Introduction != nil {
		g.info.Introduction = *p.Introduction
	}
	if p.FaceURL != nil {
		g.info.FaceURL = *p.FaceURL
	}
	if p.NeedVerification != nil {
		g.info.NeedVerification = *p.NeedVerification
	}
	o.groupNote(g, kind, u, &pb.GroupInfoSetTips{Group: g.info, OpUser: o.member(g, u)})
	return nil
}

func clone[T proto.Message](m T) T { return proto.Clone(m).(T) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
