package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
	"google.golang.org/protobuf/proto"

	"lanim/node/openim"
	"lanim/node/pb"
)

// Options configure the desktop app.
type Options struct {
	// SessionPath is the file the signed-in session is kept in between runs ("" keeps none).
	SessionPath string
	// Title is the window title (default "LanIM").
	Title string
	// Icon is the app icon (window, notifications, tray).
	Icon fyne.Resource
	// Now and Location pin the clock for tests (time.Now and time.Local when nil).
	Now      func() time.Time
	Location *time.Location
	// Post runs a function on the UI goroutine (fyne.Do when nil). Tests queue instead, so a test
	// runs every UI update on its own goroutine.
	Post func(func())
	Log  *slog.Logger
	// OpenURL opens a downloaded file with the system's handler (the app's OpenURL when nil).
	OpenURL func(*url.URL) error
	// ClipboardImage reads a picture (PNG) from the clipboard (systemClipboardImage when nil).
	ClipboardImage func(ctx context.Context) ([]byte, error)
	// Idle tells the desktop's idle time and screen lock, which make the user away (nil: the
	// OS's, idle_*.go).
	Idle IdleSource
	// TrayBus reports whether the desktop may have a tray, so the icon is installed (nil:
	// trayAvailable); TrayHost whether a tray host shows it now, so closing the window hides it
	// instead of quitting (nil: trayHosted). TrayHost may block: it runs off the UI goroutine;
	// TrayBus is asked once, before the app runs.
	TrayBus, TrayHost func() bool
	// StartAtLogin is the start at sign-in the profile page switches (nil: no switch).
	StartAtLogin StartAtLogin
}

// Controller is the one place that talks to the Backend. Screens call its methods; it runs the
// calls off the UI goroutine, keeps the app's state, and hands results and pushes back to the
// screens through post (fyne.Do). Its fields are read and written on the UI goroutine only.
type Controller struct {
	app   fyne.App
	win   fyne.Window
	be    Backend
	opts  Options
	clock clock
	post  func(func())
	log   *slog.Logger
	ctx   context.Context
	stop  context.CancelFunc

	session  *Session
	self     *pb.UserInfo
	users    map[string]*pb.UserInfo
	convs    map[string]*Conversation
	friends  []*pb.FriendInfo
	reqIn    []*pb.FriendRequest
	reqOut   []*pb.FriendRequest
	blacks   []*pb.BlackInfo
	groups   []*pb.GroupInfo
	groupReq []*pb.GroupRequest
	presence map[string]bool
	dir      *directory // the office's people (the People page)
	conn     ConnState
	// linked: the session's WebSocket has been up, so pushes reach the screens.
	linked bool
	// stopWatch ends the session's watch of the office's quorum (nil while signed out).
	stopWatch context.CancelFunc
	focused   bool
	// lastInput is when the user last did something in the window (away after awayAfter);
	// awayWriting: a status change is on its way to the node.
	lastInput   time.Time
	awayWriting bool
	idle        idleReading // the desktop's idle time and lock at the last look
	hidden      bool        // the window is hidden in the tray: no periodic work
	// outgoing holds the messages not committed yet, by conversation, so they survive switching
	// chats: the user's (sending, queued, failed) and others' still waiting in their computer's
	// outbox (queued, relayed by the node).
	outgoing map[string][]*outMsg

	shell  *shell         // nil while signed out
	search *messageSearch // the last message search opened
	tray   *tray          // nil without a system tray
	// spinner animates the loading screen (spinnerScreen) while the window shows it.
	spinner       *widget.Activity
	spinnerScreen fyne.CanvasObject
	lastToast     string // for tests
	keys          map[string]func()
	files         *files      // uploads and downloads of pictures and files
	pics          *imageCache // pictures decoded for display, by URL
	// Loads of each list in flight: only the newest one's answer is applied, since an older answer
	// arriving later (two pushes close together) would show a stale list.
	selfLoads, convLoads, contactLoads, groupLoads, dirLoads newest
	epoch                                                    int // counts sessions: answers from an earlier one are dropped
}

// newest numbers the loads of one kind; it is used on the UI goroutine only.
type newest int

// start begins a load and returns a check that it is still the newest when its answer arrives.
func (n *newest) start() func() bool {
	*n++
	mine := *n
	return func() bool { return *n == mine }
}

// outMsg is a message the user sent that the node has not confirmed yet, or someone else's
// waiting for the office (queued).
type outMsg struct {
	msg      *pb.MsgData
	queued   bool // in the node's outbox, waiting for a quorum
	accepted bool // the node took it; its echo (with the seq) is on the way
	failed   error
	att      *attachment // a picture or file: uploaded before the message is sent
}

// NewController makes the controller of one window; Start shows the first screen.
func NewController(a fyne.App, w fyne.Window, be Backend, opts Options) *Controller {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.Post == nil {
		opts.Post = fyne.Do
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Title == "" {
		opts.Title = "LanIM"
	}
	if opts.OpenURL == nil {
		opts.OpenURL = a.OpenURL
	}
	if opts.ClipboardImage == nil {
		opts.ClipboardImage = systemClipboardImage
	}
	ctx, stop := context.WithCancel(context.Background())
	c := &Controller{app: a, win: w, be: be, opts: opts, clock: clock{now: opts.Now, loc: opts.Location},
		post: opts.Post, log: opts.Log, ctx: ctx, stop: stop, focused: true, files: newFiles()}
	c.pics = newImageCache(c)
	c.resetState()
	if opts.Idle == nil {
		c.opts.Idle = newIdleSource(ctx)
	}
	if opts.TrayBus == nil {
		c.opts.TrayBus = trayAvailable
	}
	if opts.TrayHost == nil {
		c.opts.TrayHost = trayHosted
	}
	go c.pump()
	c.watchAway()
	return c
}

func (c *Controller) resetState() {
	c.session, c.self = nil, nil
	c.users = map[string]*pb.UserInfo{}
	c.convs = map[string]*Conversation{}
	c.presence = map[string]bool{}
	c.dir = &directory{}
	c.outgoing = map[string][]*outMsg{}
	c.friends, c.reqIn, c.reqOut, c.blacks, c.groups, c.groupReq = nil, nil, nil, nil, nil, nil
	c.conn, c.linked = Online, false
	if c.stopWatch != nil {
		c.stopWatch()
		c.stopWatch = nil
	}
}

// Close stops the event pump and every call in flight.
func (c *Controller) Close() { c.stop() }

// pump hands the backend's pushes to the UI goroutine, in order.
func (c *Controller) pump() {
	for {
		select {
		case <-c.ctx.Done():
			return
		case e := <-c.be.Events():
			c.post(func() { c.handle(e) })
		}
	}
}

// callTimeout bounds one backend call; the node is on this machine, so anything slower is stuck.
const callTimeout = 20 * time.Second

// run calls fn off the UI goroutine, then done with its result on the UI goroutine, or shows the
// error (what names the action in the message). done may be nil.
func run[T any](c *Controller, what string, fn func(ctx context.Context) (T, error), done func(T)) {
	call(c, fn, done, func(err error) { c.fail(what, err) })
}

// call is run with the caller handling the error (forms show it inline). An answer that arrives
// after the session changed (signed out, or in as someone else) is dropped: it is about a world
// the screens no longer show.
func call[T any](c *Controller, fn func(ctx context.Context) (T, error), done func(T), failed func(error)) {
	epoch := c.epoch
	go func() {
		ctx, cancel := context.WithTimeout(c.ctx, callTimeout)
		defer cancel()
		v, err := fn(ctx)
		if c.ctx.Err() != nil {
			return
		}
		c.post(func() {
			if c.epoch != epoch {
				return
			}
			if err != nil {
				failed(err)
				return
			}
			if done != nil {
				done(v)
			}
		})
	}()
}

// try is run for calls without a result.
func (c *Controller) try(what string, fn func(ctx context.Context) error, done func()) {
	run(c, what, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) }, func(struct{}) {
		if done != nil {
			done()
		}
	})
}

// fail shows a failed action; a dead session goes back to sign-in.
func (c *Controller) fail(what string, err error) {
	c.log.Warn("action failed", "action", what, "err", err)
	switch {
	case openim.IsTokenError(err) && c.session != nil:
		c.signedOut("Your session has ended. Please sign in again.")
		return
	case openim.Code(err) == openim.ErrNoQuorum.Code:
		c.setConn(NoQuorum)
	}
	c.toast(fmt.Sprintf("Could not %s: %s", what, errorText(err)))
}

// errorText is an error as a user reads it.
func errorText(err error) string {
	var e *openim.Error
	switch {
	case errors.Is(err, ErrNotSupported):
		return "this node does not support it yet"
	case errors.Is(err, context.DeadlineExceeded):
		return "the node did not answer in time"
	case !errors.As(err, &e):
		return err.Error()
	}
	switch e.Code {
	case openim.ErrNoQuorum.Code:
		return "the office is unreachable (no quorum); try again when it is back"
	case openim.ErrRateLimited.Code:
		return "too many requests at once; wait a moment and try again"
	case openim.ErrNoPermission.Code:
		return "wrong password or not allowed"
	case openim.ErrRecordNotFound.Code, openim.ErrUserIDNotFound.Code:
		return "not found"
	case openim.ErrRegisteredAlready.Code:
		return "that user ID is taken"
	case openim.ErrCannotAddYourself.Code:
		return "you cannot add yourself"
	case openim.ErrBlockedByPeer.Code:
		return "you are blocked by this user"
	case openim.ErrNotPeersFriend.Code:
		return "you are not friends"
	case openim.ErrRelationshipAlrdy.Code:
		return "already done"
	case openim.ErrMutedInGroup.Code:
		return "you are muted in this group"
	case openim.ErrMutedGroup.Code:
		return "the group is muted"
	case openim.ErrMsgAlreadyRevoke.Code:
		return "the message was already withdrawn"
	case openim.ErrNotInGroupYet.Code:
		return "you are not in this group"
	case openim.ErrGroupIDNotFound.Code:
		return "no such group"
	}
	if e.Detail != "" {
		return e.Detail
	}
	return e.Msg
}

// handle applies one push from the node.
func (c *Controller) handle(e Event) {
	if c.self == nil {
		return
	}
	switch e := e.(type) {
	case MessageEvent:
		c.gotMessage(e.Msg)
	case PendingEvent:
		c.gotPending(e.Msg)
	case RevokeEvent:
		if c.shell != nil {
			c.shell.chat.revoked(e)
		}
		c.reloadConversations()
	case ReadEvent:
		c.gotRead(e)
	case TypingEvent:
		if c.shell != nil {
			c.shell.chat.typing(e)
		}
	case ConversationsEvent:
		c.reloadConversations()
	case ContactsEvent:
		c.reloadContacts()
		if e.Request != nil {
			c.notify("Friend request", e.Request.FromNickname+" wants to be your friend")
		}
	case GroupsEvent:
		c.reloadGroups() // the groups page re-reads the members of the group it shows
	case SelfEvent:
		c.reloadSelf()
	case PresenceEvent:
		c.presence[e.UserID] = e.Online
		c.refreshPresence()
	case ConnEvent:
		first := e.State == Online && !c.linked
		c.linked = c.linked || first
		if !c.setConn(e.State) && first && c.shell != nil {
			// The lists loaded at sign-in may have been read before the node knew this
			// connection: a push in between reached nobody.
			c.refreshAll()
		}
	case KickedEvent:
		c.signedOut("You were signed out because this account signed in elsewhere.")
	}
}

// --- session ---

// Start shows the first screen: the chats straight away with a saved session, otherwise
// onboarding or sign-in.
func (c *Controller) Start() {
	s, err := loadSession(c.opts.SessionPath)
	if err != nil {
		c.log.Warn("saved session unreadable", "err", err)
	}
	if s == nil {
		c.showWelcome()
		return
	}
	c.setContent(c.loadingScreen("Signing in…"))
	call(c, func(ctx context.Context) (*Session, error) { return s, c.be.Resume(ctx, s) }, c.signedIn,
		func(err error) {
			// The saved session no longer holds (expired, or signed out elsewhere): sign in again.
			c.log.Info("saved session refused", "err", err)
			if serr := SaveSession(c.opts.SessionPath, nil); serr != nil {
				c.log.Warn("clear session", "err", serr)
			}
			reason := "Please sign in again."
			if !openim.IsTokenError(err) {
				reason = "Could not sign in: " + errorText(err)
			}
			run(c, "read the office", c.be.OfficeInfo, func(info *OfficeInfo) { c.showSignIn(info, reason) })
		})
}

// showWelcome is the first screen without a session: onboarding on a fresh office, sign-in on
// one with accounts or that this computer joined.
func (c *Controller) showWelcome() {
	c.setContent(c.loadingScreen("Starting…"))
	run(c, "read the office", c.be.OfficeInfo, func(info *OfficeInfo) {
		// A computer without the admin secret cannot count the accounts: it joined an office
		// made elsewhere, so it has people to sign in.
		if info.Users > 0 || !info.Counted || stateSeen(c.opts.SessionPath) {
			c.showSignIn(info, "")
			return
		}
		c.showOnboarding(info)
	})
}

// signedIn loads the user's world and shows the main window.
func (c *Controller) signedIn(s *Session) {
	c.epoch++
	c.session = s
	if err := SaveSession(c.opts.SessionPath, s); err != nil {
		c.log.Warn("save session", "err", err)
	}
	c.self = &pb.UserInfo{UserID: s.UserID, Nickname: s.UserID}
	c.lastInput = c.clock.now()
	c.shell = newShell(c)
	c.setContent(c.shell.content)
	c.shell.chats.focusSearch()
	c.reloadSelf()
	c.reloadConversations()
	c.reloadContacts()
	c.reloadGroups()
	c.watchOffice()
}

// SignOut ends the session and goes back to sign-in.
func (c *Controller) SignOut() { c.signedOut("") }

// signedOut ends the session (the user signed out, or the node ended it: reason says why) and
// shows sign-in once the backend has let go of the session, so a quick sign-in cannot race it.
func (c *Controller) signedOut(reason string) {
	c.saveWindowSize()
	if err := SaveSession(c.opts.SessionPath, nil); err != nil {
		c.log.Warn("clear session", "err", err)
	}
	c.resetState()
	c.epoch++ // answers for the old session are dropped from here on
	c.shell = nil
	c.updateUnread()
	c.setContent(c.loadingScreen("Signing out…"))
	call(c, func(ctx context.Context) (*OfficeInfo, error) {
		if err := c.be.SignOut(ctx); err != nil {
			c.log.Warn("sign out", "err", err)
		}
		return c.be.OfficeInfo(ctx)
	}, func(info *OfficeInfo) {
		if info.Users == 0 && info.Counted {
			// A fresh office (this computer left its old one): create or join one.
			c.showOnboarding(info)
			if reason != "" {
				c.toast(reason)
			}
			return
		}
		c.showSignIn(info, reason)
	}, func(error) { c.showSignIn(nil, reason) })
}

// --- state loads (each replaces one part of the state and refreshes its screens) ---

func (c *Controller) reloadSelf() {
	id := c.session.UserID
	latest := c.selfLoads.start()
	run(c, "load your profile", func(ctx context.Context) ([]*pb.UserInfo, error) {
		return c.be.Users(ctx, []string{id})
	}, func(us []*pb.UserInfo) {
		if len(us) == 0 || c.shell == nil || !latest() {
			return
		}
		c.self = us[0]
		c.users[id] = us[0]
		c.shell.selfChanged()
	})
}

func (c *Controller) reloadConversations() {
	latest := c.convLoads.start()
	run(c, "load conversations", c.be.Conversations, func(list []*Conversation) {
		if c.shell == nil || !latest() {
			return
		}
		fresh := map[string]*Conversation{}
		for _, conv := range list {
			if old := c.convs[conv.ID]; old != nil {
				keepNewer(conv, old)
			}
			fresh[conv.ID] = conv
			c.readSystemLine(conv)
		}
		for id, old := range c.convs {
			// A chat the user just started has no message on the node yet: keep it.
			if fresh[id] == nil && old.MaxSeq == 0 {
				fresh[id] = old
			}
		}
		c.convs = fresh
		c.conversationsChanged()
	})
}

// keepNewer keeps in a conversation from the node's list what the screens learnt after the list
// was read: its answer can arrive after a message push, a read mark or a receipt it does not
// include, and seqs and read marks only grow.
func keepNewer(conv, old *Conversation) {
	conv.ReadSeq = max(conv.ReadSeq, old.ReadSeq)
	conv.PeerReadSeq = max(conv.PeerReadSeq, old.PeerReadSeq)
	if old.MaxSeq > conv.MaxSeq {
		conv.MaxSeq, conv.LastMsg, conv.LastTime, conv.AtMe = old.MaxSeq, old.LastMsg, old.LastTime, old.AtMe
	}
	if conv.LastMsg != nil && conv.LastMsg.Seq <= conv.ReadSeq {
		conv.AtMe = false
	}
}

func (c *Controller) reloadContacts() {
	type contacts struct {
		friends     []*pb.FriendInfo
		in, out     []*pb.FriendRequest
		blacks      []*pb.BlackInfo
		friendIDs   []string
		presenceMap map[string]bool
	}
	latest := c.contactLoads.start()
	run(c, "load contacts", func(ctx context.Context) (*contacts, error) {
		var r contacts
		var err error
		if r.friends, err = c.be.Friends(ctx); err != nil {
			return nil, err
		}
		if r.in, r.out, err = c.be.FriendRequests(ctx); err != nil {
			return nil, err
		}
		if r.blacks, err = c.be.Blacklist(ctx); err != nil {
			return nil, err
		}
		for _, f := range r.friends {
			r.friendIDs = append(r.friendIDs, f.FriendUser.GetUserID())
		}
		if len(r.friendIDs) > 0 {
			// Presence is a nicety: a node without it still shows contacts.
			r.presenceMap, _ = c.be.SubscribePresence(ctx, r.friendIDs)
		}
		return &r, nil
	}, func(r *contacts) {
		if c.shell == nil || !latest() {
			return
		}
		c.friends, c.reqIn, c.reqOut, c.blacks = r.friends, r.in, r.out, r.blacks
		for _, f := range r.friends {
			if f.FriendUser != nil {
				c.users[f.FriendUser.UserID] = f.FriendUser
			}
		}
		for id, on := range r.presenceMap {
			c.presence[id] = on
		}
		c.shell.contactsChanged()
		c.conversationsChanged() // remarks rename single chats
		c.refreshPresence()
	})
}

func (c *Controller) reloadGroups() {
	type groups struct {
		list []*pb.GroupInfo
		reqs []*pb.GroupRequest
	}
	latest := c.groupLoads.start()
	run(c, "load groups", func(ctx context.Context) (*groups, error) {
		var r groups
		var err error
		if r.list, err = c.be.JoinedGroups(ctx); err != nil {
			return nil, err
		}
		if r.reqs, err = c.be.GroupRequests(ctx); err != nil {
			return nil, err
		}
		return &r, nil
	}, func(r *groups) {
		if c.shell == nil || !latest() {
			return
		}
		c.groups = r.list
		c.groupReq = r.reqs
		c.shell.groupsChanged()
	})
}

// --- conversations ---

// sortedConversations is the conversation list in display order: pinned first, then newest.
func (c *Controller) sortedConversations() []*Conversation {
	list := make([]*Conversation, 0, len(c.convs))
	for _, conv := range c.convs {
		list = append(list, conv)
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.Pinned != b.Pinned {
			return a.Pinned
		}
		if a.LastTime != b.LastTime {
			return a.LastTime > b.LastTime
		}
		return a.ID < b.ID
	})
	return list
}

// conversationName is how a conversation is titled: a group's name; for a single chat the
// friend's remark or nickname, else the name the node gave, else the peer's ID.
func (c *Controller) conversationName(conv *Conversation) string {
	if conv.Type == openim.ReadGroupChat {
		if conv.Name != "" {
			return conv.Name
		}
		return conv.GroupID
	}
	for _, f := range c.friends {
		if f.FriendUser.GetUserID() == conv.PeerID {
			return friendName(f)
		}
	}
	if conv.Name != "" && conv.Name != conv.PeerID {
		return conv.Name
	}
	return c.userName(conv.PeerID)
}

func (c *Controller) conversationsChanged() {
	if c.shell == nil {
		return
	}
	c.shell.conversationsChanged()
	c.updateUnread()
}

// totalUnread counts unread messages in conversations that notify.
func (c *Controller) totalUnread() int64 {
	var n int64
	for _, conv := range c.convs {
		if !conv.Muted() {
			n += conv.Unread()
		}
	}
	return n
}

// OpenConversation shows a conversation in the chat view.
func (c *Controller) OpenConversation(id string) {
	conv := c.convs[id]
	if conv == nil || c.shell == nil {
		return
	}
	c.shell.openChat(conv)
}

// OpenChatWith opens (or starts) the single chat with a user.
func (c *Controller) OpenChatWith(userID string) {
	id := openim.SingleConversationID(c.self.UserID, userID)
	if c.convs[id] == nil {
		name := userID
		face := ""
		if u := c.users[userID]; u != nil {
			name, face = u.Nickname, u.FaceURL
		}
		c.convs[id] = &Conversation{ID: id, Type: openim.SingleChat, PeerID: userID, Name: name, FaceURL: face,
			LastTime: c.clock.now().UnixMilli()}
		c.conversationsChanged()
	}
	c.OpenConversation(id)
}

// OpenGroupChat opens (or starts) a group's chat.
func (c *Controller) OpenGroupChat(g *pb.GroupInfo) {
	id := openim.GroupConversationID(g.GroupID)
	if c.convs[id] == nil {
		c.convs[id] = &Conversation{ID: id, Type: openim.ReadGroupChat, GroupID: g.GroupID, Name: g.GroupName,
			FaceURL: g.FaceURL, LastTime: c.clock.now().UnixMilli()}
		c.conversationsChanged()
	}
	c.OpenConversation(id)
}

// PinConversation pins or unpins a conversation.
func (c *Controller) PinConversation(id string, pinned bool) {
	c.try("pin the conversation", func(ctx context.Context) error {
		return c.be.PinConversation(ctx, id, pinned)
	}, func() {
		if conv := c.convs[id]; conv != nil {
			conv.Pinned = pinned
			c.conversationsChanged()
		}
	})
}

// MuteConversation silences or unsilences a conversation.
func (c *Controller) MuteConversation(id string, muted bool) {
	opt := openim.RecvNormal
	if muted {
		opt = openim.RecvNotNotify
	}
	c.try("mute the conversation", func(ctx context.Context) error {
		return c.be.SetRecvOpt(ctx, id, opt)
	}, func() {
		if conv := c.convs[id]; conv != nil {
			conv.RecvOpt = opt
			c.conversationsChanged()
			if c.shell != nil {
				c.shell.chat.conversationChanged(conv)
			}
		}
	})
}

// markRead marks the open conversation read up to its newest message.
func (c *Controller) markRead(conv *Conversation) {
	if conv.Unread() == 0 && !conv.AtMe {
		return
	}
	seq := conv.MaxSeq
	conv.ReadSeq, conv.AtMe = seq, false
	c.conversationsChanged()
	id := conv.ID
	c.try("mark as read", func(ctx context.Context) error { return c.be.MarkRead(ctx, id, seq) }, nil)
}

// readSystemLine counts a system line (the answer to a friend request, a group event) as read
// when it is all that is new in conv: nobody wrote it to the user, so it must not show as unread
// (the node stores it in the chat counting as unread, as upstream does). The node learns the new
// read seq unless the user is the line's sender (the node already raised theirs).
func (c *Controller) readSystemLine(conv *Conversation) {
	m := conv.LastMsg
	if m == nil || !openim.IsNotification(m.ContentType) || m.Seq < 1 || m.Seq != conv.MaxSeq || conv.ReadSeq != m.Seq-1 {
		return
	}
	conv.ReadSeq = m.Seq
	if m.SendID == c.self.UserID {
		return
	}
	id, seq := conv.ID, m.Seq
	c.try("mark as read", func(ctx context.Context) error { return c.be.MarkRead(ctx, id, seq) }, nil)
}

// --- messages ---

// gotMessage applies a new message push: the list row, the open chat, a notification.
func (c *Controller) gotMessage(m *pb.MsgData) {
	if m.ContentType == openim.Typing {
		return
	}
	id := openim.ChatConversationID(m.SessionType, m.SendID, m.RecvID, m.GroupID)
	own := m.SendID == c.self.UserID && m.MsgFrom == openim.MsgFromUser
	if own {
		c.confirmed(id, m)
		if c.conn == NoQuorum && m.Seq > 0 {
			c.setConn(Online) // a queued message was committed: the quorum is back
		}
	} else if m.Seq > 0 {
		c.dropPending(id, m.ClientMsgID) // the committed copy replaces the one waiting
	}
	conv := c.convs[id]
	if conv == nil {
		// A new conversation: the node has its row now; the list reload fills in names.
		conv = &Conversation{ID: id, Type: m.SessionType, GroupID: m.GroupID}
		if m.SessionType != openim.ReadGroupChat {
			// The peer is whichever side is not the user: a system copy (a friend request's
			// answer) may have the user as sender.
			conv.PeerID = m.SendID
			if m.SendID == c.self.UserID {
				conv.PeerID = m.RecvID
			} else {
				conv.Name = m.SenderNickname
			}
		}
		c.convs[id] = conv
		c.reloadConversations()
	}
	if m.Seq > conv.MaxSeq {
		conv.MaxSeq = m.Seq
	}
	if conv.LastMsg == nil || m.Seq >= conv.LastMsg.Seq {
		conv.LastMsg, conv.LastTime = m, m.SendTime
	}
	if own {
		conv.ReadSeq = max(conv.ReadSeq, m.Seq)
	} else if m.Seq > 0 && MentionsUser(m, c.self.UserID) {
		conv.AtMe = true
	}
	c.readSystemLine(conv)
	if !own && conv.Type == openim.SingleChat && m.Seq > conv.PeerReadSeq+1 {
		// A reply means the peer had the chat open: the app marks a chat read when it opens, but
		// the node skips that receipt when the reply's own send already moved the peer's read seq.
		conv.PeerReadSeq = m.Seq - 1
		if c.shell != nil {
			defer c.shell.chat.receiptsChanged(conv)
		}
	}
	open := c.shell != nil && c.shell.chat.conv != nil && c.shell.chat.conv.ID == id
	if open {
		c.shell.chat.received(m)
		if c.focused && c.shell.section == sectionChats {
			c.markRead(conv)
		}
	}
	c.conversationsChanged()
	if !own && !openim.IsNotification(m.ContentType) && !conv.Muted() && (!c.focused || !open) {
		title := c.conversationName(conv)
		body := MessageText(m)
		if conv.Type == openim.ReadGroupChat {
			body = m.SenderNickname + ": " + body
		}
		c.notify(title, body)
	}
}

func (c *Controller) gotRead(e ReadEvent) {
	conv := c.convs[e.ConversationID]
	if conv == nil {
		return
	}
	if e.UserID == c.self.UserID {
		conv.ReadSeq = max(conv.ReadSeq, e.HasReadSeq)
		c.conversationsChanged()
		return
	}
	if conv.Type == openim.ReadGroupChat && c.shell != nil {
		c.shell.chat.memberRead(e)
		return
	}
	if conv.Type == openim.SingleChat && e.HasReadSeq > conv.PeerReadSeq {
		conv.PeerReadSeq = e.HasReadSeq
		if c.shell != nil {
			c.shell.chat.receiptsChanged(conv)
		}
	}
}

// SendText sends a text message to a conversation; mentions are the user IDs @-mentioned; a
// reply quotes the message quoted (nil: none).
func (c *Controller) SendText(conv *Conversation, text string, mentions []string, quoted *pb.MsgData) {
	c.noteInput()
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	m := NewTextMessage(c.self, conv, text, mentions, c.clock.now().UnixMilli())
	if quoted != nil {
		m = NewQuoteMessage(c.self, conv, text, quoted, m.CreateTime)
	}
	c.sendNew(conv, m)
}

// sendNew shows messages the user wrote in their chat and the list, and sends them in order.
func (c *Controller) sendNew(conv *Conversation, ms ...*pb.MsgData) {
	if len(ms) == 0 {
		return
	}
	outs := make([]*outMsg, len(ms))
	for i, m := range ms {
		outs[i] = &outMsg{msg: m}
		c.outgoing[conv.ID] = append(c.outgoing[conv.ID], outs[i])
		c.shell.chat.received(m)
	}
	if cur := c.convs[conv.ID]; cur != nil {
		last := ms[len(ms)-1]
		cur.LastMsg, cur.LastTime = last, last.CreateTime // the list shows what the user just wrote
		c.conversationsChanged()
	}
	c.send(conv.ID, outs...)
}

// Retry sends a failed message again with its clientMsgID, so the node stores it once.
func (c *Controller) Retry(convID, clientMsgID string) {
	for _, o := range c.outgoing[convID] {
		if o.msg.ClientMsgID == clientMsgID {
			o.failed, o.queued = nil, false
			o.msg.Status = openim.MsgStatusSending
			c.shell.chat.statusChanged(o)
			if o.att != nil && o.att.url == "" {
				c.upload(convID, o) // the upload failed: the message has no URL yet
				continue
			}
			c.send(convID, o)
		}
	}
}

// send sends messages one after the other, so the node stores them in this order.
func (c *Controller) send(convID string, outs ...*outMsg) {
	msgs, epoch := make([]*pb.MsgData, len(outs)), c.epoch
	for i, o := range outs {
		msgs[i] = proto.Clone(o.msg).(*pb.MsgData)
	}
	go func() {
		for i, msg := range msgs {
			ctx, cancel := context.WithTimeout(c.ctx, callTimeout)
			stored, err := c.be.Send(ctx, msg)
			cancel()
			if c.ctx.Err() != nil {
				return
			}
			o := outs[i]
			c.post(func() {
				if c.epoch == epoch {
					c.sent(convID, o, stored, err)
				}
			})
		}
	}()
}

// sent applies the answer to a send: stored, queued in the node's outbox, or failed.
func (c *Controller) sent(convID string, o *outMsg, stored *pb.MsgData, err error) {
	switch {
	case err == nil && stored.Seq == 0:
		// Stored, but the answer carries no seq: the echo push confirms it.
		o.accepted = true
		o.msg.ServerMsgID, o.msg.SendTime = stored.ServerMsgID, stored.SendTime
	case err == nil:
		c.confirmed(convID, stored)
		if conv := c.convs[convID]; conv != nil {
			conv.MaxSeq = max(conv.MaxSeq, stored.Seq)
			conv.ReadSeq = max(conv.ReadSeq, stored.Seq)
			if conv.LastMsg == nil || stored.Seq >= conv.LastMsg.Seq {
				conv.LastMsg, conv.LastTime = stored, stored.SendTime
			}
			c.conversationsChanged()
		}
		return
	case openim.Code(err) == openim.ErrQueued.Code:
		o.queued = true
		c.setConn(NoQuorum)
	case openim.IsTokenError(err):
		c.fail("send", err)
		return
	default:
		o.failed = err
		o.msg.Status = openim.MsgStatusFailed
		if openim.Code(err) == openim.ErrNoQuorum.Code {
			c.setConn(NoQuorum)
		}
	}
	if c.shell != nil {
		c.shell.chat.statusChanged(o)
	}
}

// gotPending shows someone's message that waits for the office in its chat, once: not when the
// committed copy is here already (it can overtake the relay) or the same message waits already.
func (c *Controller) gotPending(m *pb.MsgData) {
	id := openim.ChatConversationID(m.SessionType, m.SendID, m.RecvID, m.GroupID)
	conv := c.convs[id]
	if (conv != nil && conv.LastMsg != nil && conv.LastMsg.ClientMsgID == m.ClientMsgID) ||
		slices.ContainsFunc(c.outgoing[id], func(o *outMsg) bool { return o.msg.ClientMsgID == m.ClientMsgID }) ||
		(c.shell != nil && c.shell.chat.has(id, m.ClientMsgID)) {
		return
	}
	c.outgoing[id] = append(c.outgoing[id], &outMsg{msg: m, queued: true})
	if conv != nil {
		conv.LastMsg, conv.LastTime = m, m.CreateTime // the list shows what just came, as for a send
		c.conversationsChanged()
	}
	if c.shell != nil {
		c.shell.chat.received(m)
	}
}

// dropPending forgets someone's message that waited for the office: its committed copy came.
func (c *Controller) dropPending(convID, clientMsgID string) {
	c.outgoing[convID] = slices.DeleteFunc(c.outgoing[convID], func(o *outMsg) bool {
		return o.msg.ClientMsgID == clientMsgID && o.msg.SendID != c.self.UserID
	})
}

// confirmed replaces a pending message with the node's stored copy.
func (c *Controller) confirmed(convID string, stored *pb.MsgData) {
	list := c.outgoing[convID]
	i := slices.IndexFunc(list, func(o *outMsg) bool { return o.msg.ClientMsgID == stored.ClientMsgID })
	if i >= 0 {
		c.outgoing[convID] = slices.Delete(list, i, i+1)
	}
	if c.shell != nil {
		c.shell.chat.stored(stored)
	}
}

// pendingFor returns the unconfirmed messages of a conversation, oldest first.
func (c *Controller) pendingFor(convID string) []*outMsg { return c.outgoing[convID] }

// statusOf is the delivery state of one of the user's messages, for the line under it.
func (c *Controller) statusOf(convID string, m *pb.MsgData) msgState {
	for _, o := range c.outgoing[convID] {
		if o.msg.ClientMsgID == m.ClientMsgID {
			switch {
			case o.failed != nil:
				return stateFailed
			case o.accepted:
				return stateSent
			case o.queued:
				return stateQueued
			}
			return stateSending
		}
	}
	if conv := c.convs[convID]; conv != nil && conv.Type == openim.SingleChat && m.Seq > 0 &&
		(m.Seq <= conv.PeerReadSeq || m.IsRead) {
		return stateRead
	}
	return stateSent
}

// Revoke withdraws one of the user's messages.
func (c *Controller) Revoke(convID string, seq int64) {
	c.try("withdraw the message", func(ctx context.Context) error { return c.be.Revoke(ctx, convID, seq) }, nil)
}

// history loads older messages of a conversation for the chat view.
func (c *Controller) history(convID string, before int64, done func([]*pb.MsgData)) {
	run(c, "load messages", func(ctx context.Context) ([]*pb.MsgData, error) {
		return c.be.History(ctx, convID, before, historyPage)
	}, done)
}

// historyPage is how many messages one scroll to the top loads.
const historyPage = 30

// typingEvery spaces the typing signals a chat sends while the user types.
const typingEvery = 3 * time.Second

// Typing tells the peer of a single chat the user is typing.
func (c *Controller) Typing(conv *Conversation) {
	c.noteInput()
	if conv.Type != openim.SingleChat {
		return
	}
	peer := conv.PeerID
	go func() {
		ctx, cancel := context.WithTimeout(c.ctx, callTimeout)
		defer cancel()
		c.be.Typing(ctx, peer) // best effort: a lost typing signal is harmless
	}()
}

// --- connection ---

// setConn shows or hides the offline banner; going back online re-reads what may have changed
// (refreshed says it did).
func (c *Controller) setConn(s ConnState) (refreshed bool) {
	if c.conn == s {
		return false
	}
	was := c.conn
	c.conn = s
	if c.shell != nil {
		c.shell.connChanged()
	}
	if s == Online && was != Online && c.shell != nil {
		c.refreshAll()
		return true
	}
	return false
}

// refreshAll re-reads the lists and the open chat: the app was out of touch (offline, or its
// window hidden) and may have missed changes.
func (c *Controller) refreshAll() {
	c.reloadConversations()
	c.reloadContacts()
	c.reloadGroups()
	c.shell.chat.reloadNewest()
}

// officePoll is how often a session asks the node whether the office has a leader, so the
// banner shows within seconds of losing it, without waiting for a send to fail, and goes when the
// office is back even if the node pushes nothing. /cluster/status is cheap: its digest is cached
// per applied index.
const officePoll = 3 * time.Second

// watchOffice polls the cluster status for as long as the session lasts.
func (c *Controller) watchOffice() {
	if c.hidden {
		return // ShowWindow starts it
	}
	ctx, stop := context.WithCancel(c.ctx)
	c.stopWatch = stop
	epoch := c.epoch
	go func() {
		t := time.NewTicker(officePoll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			callCtx, cancel := context.WithTimeout(ctx, callTimeout)
			st, err := c.be.ClusterStatus(callCtx)
			cancel()
			if errors.Is(err, ErrNotSupported) {
				return // no status to poll: the node's answers to sends tell the state
			}
			if err != nil {
				continue // the node itself is out of reach: the WebSocket's state says so
			}
			c.post(func() { c.officeState(epoch, st.HasQuorum) })
		}
	}()
}

// every runs fn off the UI goroutine every d, until it returns true or the controller stops.
func (c *Controller) every(d time.Duration, fn func() (stop bool)) {
	go func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-c.ctx.Done():
				return
			case <-t.C:
			}
			if fn() {
				return
			}
		}
	}()
}

// officeState applies what the poll saw: a banner when the office lost its leader, none when it
// is back. A reconnecting WebSocket keeps its own banner.
func (c *Controller) officeState(epoch int, hasQuorum bool) {
	switch {
	case epoch != c.epoch:
	case hasQuorum && c.conn == NoQuorum:
		c.setConn(Online)
	case !hasQuorum && c.conn == Online:
		c.setConn(NoQuorum)
	}
}

// --- users ---

// userName is a user's display name: remark, nickname, ID.
func (c *Controller) userName(id string) string {
	for _, f := range c.friends {
		if f.FriendUser.GetUserID() == id {
			if f.Remark != "" {
				return f.Remark
			}
			return f.FriendUser.Nickname
		}
	}
	if u := c.users[id]; u != nil && u.Nickname != "" {
		return u.Nickname
	}
	return id
}

// onlineContacts is the user and the friends presence says are online.
func (c *Controller) onlineContacts() []string {
	out := []string{c.self.UserID}
	for _, f := range c.friends {
		if id := f.FriendUser.GetUserID(); c.presence[id] {
			out = append(out, id)
		}
	}
	return out
}

func (c *Controller) refreshPresence() {
	if c.shell != nil {
		c.shell.presenceChanged()
	}
}

// online is a user's presence for an avatar dot: 1 online, -1 offline, 0 unknown.
func (c *Controller) online(id string) int {
	on, ok := c.presence[id]
	switch {
	case !ok:
		return 0
	case on:
		return 1
	}
	return -1
}

// --- window and notifications ---

// SetFocused records whether the window has the focus: notifications only show without it, and
// the open chat is marked read when it comes back.
func (c *Controller) SetFocused(f bool) {
	c.focused = f
	if f {
		c.noteInput()
	}
	if f && c.hidden {
		c.resume()
	}
	if f && c.shell != nil && c.shell.chat.conv != nil && c.shell.section == sectionChats {
		c.markRead(c.shell.chat.conv)
	}
}

func (c *Controller) notify(title, body string) {
	if c.focused {
		return
	}
	c.app.SendNotification(fyne.NewNotification(title, body))
}

// updateUnread shows the unread total in the window title and the tray.
func (c *Controller) updateUnread() {
	n := c.totalUnread()
	title := c.opts.Title
	if n > 0 {
		title = fmt.Sprintf("%s (%d)", title, n)
	}
	c.win.SetTitle(title)
	if c.shell != nil {
		c.shell.unreadChanged(n)
	}
	c.refreshTray()
}
