package ui

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"lanim/node/openim"
	"lanim/node/pb"
)

// clock is the time source and zone the screens format with; tests pin both.
type clock struct {
	now func() time.Time
	loc *time.Location
}

func (c clock) at(ms int64) time.Time { return time.UnixMilli(ms).In(c.loc) }

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// listTime is a conversation row's time: the clock today, then "Yesterday", the weekday this
// week, the date after that.
func (c clock) listTime(ms int64) string {
	if ms <= 0 {
		return ""
	}
	t, now := c.at(ms), c.now().In(c.loc)
	switch {
	case sameDay(t, now):
		return t.Format("15:04")
	case sameDay(t, now.AddDate(0, 0, -1)):
		return "Yesterday"
	case now.Sub(t) < 6*24*time.Hour:
		return t.Format("Mon")
	case t.Year() == now.Year():
		return t.Format("2 Jan")
	}
	return t.Format("2 Jan 2006")
}

// dayLabel is the separator above a day's messages.
func (c clock) dayLabel(ms int64) string {
	t, now := c.at(ms), c.now().In(c.loc)
	switch {
	case sameDay(t, now):
		return "Today"
	case sameDay(t, now.AddDate(0, 0, -1)):
		return "Yesterday"
	case t.Year() == now.Year():
		return t.Format("Monday, 2 January")
	}
	return t.Format("Monday, 2 January 2006")
}

// msgTime is the clock time under a bubble.
func (c clock) msgTime(ms int64) string { return c.at(ms).Format("15:04") }

// muteText says how long a mute lasts.
func muteText(seconds uint32) string {
	d := time.Duration(seconds) * time.Second
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return plural(int(d/(24*time.Hour)), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	case d >= time.Minute:
		return plural(int(d/time.Minute), "minute")
	}
	return plural(int(seconds), "second")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// names joins display names: "Ann", "Ann and Bob", "Ann, Bob and Cy".
func names(list []string) string {
	switch len(list) {
	case 0:
		return "nobody"
	case 1:
		return list[0]
	}
	return strings.Join(list[:len(list)-1], ", ") + " and " + list[len(list)-1]
}

// tipsNamer names the people in a notification: "You" for the user, else the nickname the
// tips carry, else the ID.
type tipsNamer struct{ self string }

func (n tipsNamer) member(m *pb.GroupMemberFullInfo) string {
	if m == nil {
		return "Someone"
	}
	return n.name(m.UserID, m.Nickname)
}

func (n tipsNamer) name(id, nick string) string {
	switch {
	case id == n.self:
		return "You"
	case nick != "":
		return nick
	case id != "":
		return id
	}
	return "Someone"
}

func (n tipsNamer) members(ms []*pb.GroupMemberFullInfo) string {
	var out []string
	for _, m := range ms {
		out = append(out, n.member(m))
	}
	return names(out)
}

// NotificationText is the line a notification shows in a chat (group events, revokes); "" for
// kinds the chat does not show.
func NotificationText(m *pb.MsgData, self string) string {
	n := tipsNamer{self: self}
	detail := NotificationDetail(m)
	switch m.ContentType {
	case openim.GroupCreated:
		return tip(detail, func(t *pb.GroupCreatedTips) string { return n.member(t.OpUser) + " created the group" })
	case openim.GroupInfoSet:
		return tip(detail, func(t *pb.GroupInfoSetTips) string {
			return n.member(t.OpUser) + " updated the group info"
		})
	case openim.MemberQuit:
		return tip(detail, func(t *pb.MemberQuitTips) string { return n.member(t.QuitUser) + " left the group" })
	case openim.GroupOwnerTransferred:
		return tip(detail, func(t *pb.GroupOwnerTransferredTips) string {
			return n.member(t.OpUser) + " made " + n.member(t.NewGroupOwner) + " the owner"
		})
	case openim.MemberKicked:
		return tip(detail, func(t *pb.MemberKickedTips) string {
			return n.member(t.OpUser) + " removed " + n.members(t.KickedUserList)
		})
	case openim.MemberInvited:
		return tip(detail, func(t *pb.MemberInvitedTips) string {
			return n.member(t.OpUser) + " invited " + n.members(t.InvitedUserList)
		})
	case openim.MemberEnter:
		return tip(detail, func(t *pb.MemberEnterTips) string { return n.member(t.EntrantUser) + " joined the group" })
	case openim.GroupDismissed:
		return tip(detail, func(t *pb.GroupDismissedTips) string { return n.member(t.OpUser) + " dismissed the group" })
	case openim.GroupMemberMuted:
		return tip(detail, func(t *pb.GroupMemberMutedTips) string {
			return n.member(t.OpUser) + " muted " + n.member(t.MutedUser) + " for " + muteText(t.MutedSeconds)
		})
	case openim.GroupMemberCancelMuted:
		return tip(detail, func(t *pb.GroupMemberCancelMutedTips) string {
			return n.member(t.OpUser) + " unmuted " + n.member(t.MutedUser)
		})
	case openim.GroupMuted:
		return tip(detail, func(t *pb.GroupMutedTips) string {
			return n.member(t.OpUser) + " muted the group: only admins can post"
		})
	case openim.GroupCancelMuted:
		return tip(detail, func(t *pb.GroupCancelMutedTips) string { return n.member(t.OpUser) + " unmuted the group" })
	case openim.GroupMemberInfoSet, openim.GroupMemberSetToAdmin, openim.GroupMemberSetToOrdinaryUser:
		return tip(detail, func(t *pb.GroupMemberInfoSetTips) string {
			switch m.ContentType {
			case openim.GroupMemberSetToAdmin:
				return n.member(t.OpUser) + " made " + n.member(t.ChangedUser) + " an admin"
			case openim.GroupMemberSetToOrdinaryUser:
				return n.member(t.ChangedUser) + " is no longer an admin"
			}
			return n.member(t.ChangedUser) + " changed their group profile"
		})
	case openim.GroupInfoSetAnnouncement:
		return tip(detail, func(t *pb.GroupInfoSetAnnouncementTips) string {
			return n.member(t.OpUser) + " changed the notice"
		})
	case openim.GroupInfoSetName:
		return tip(detail, func(t *pb.GroupInfoSetNameTips) string {
			name := ""
			if t.Group != nil {
				name = t.Group.GroupName
			}
			return n.member(t.OpUser) + " renamed the group to “" + name + "”"
		})
	case openim.FriendApplicationApproved:
		var t pb.FriendApplicationApprovedTips
		if json.Unmarshal(detail, &t) == nil && t.FromToUserID != nil && t.FromToUserID.FromUserID == self {
			return "Your friend request was accepted. Say hello!"
		}
		return "You are now friends. Say hello!"
	case openim.MsgRevokeNotification:
		var t pb.RevokeMsgTips
		var c pb.MessageRevokedContent
		_ = json.Unmarshal(detail, &t) // a revoke carries one of the two shapes
		_ = json.Unmarshal(detail, &c)
		switch {
		case c.RevokerID != "":
			return n.name(c.RevokerID, c.RevokerNickname) + " withdrew a message"
		case t.RevokerUserID != "":
			nick := ""
			if t.RevokerUserID == m.SendID {
				nick = m.SenderNickname
			}
			return n.name(t.RevokerUserID, nick) + " withdrew a message"
		}
		return "A message was withdrawn"
	}
	return ""
}

// tip decodes a notification's detail as T and says it with text; "" when it does not decode.
func tip[T any](detail []byte, text func(*T) string) string {
	var t T
	if json.Unmarshal(detail, &t) != nil {
		return ""
	}
	return text(&t)
}

// Preview is the one line a conversation row shows for its last message.
func Preview(m *pb.MsgData, self string, group bool) string {
	if m == nil {
		return ""
	}
	if openim.IsNotification(m.ContentType) {
		return NotificationText(m, self)
	}
	text := MessageText(m)
	if text == "" {
		text = "[unsupported message]"
	}
	text = strings.Join(strings.Fields(text), " ")
	switch {
	case m.SendID == self:
		return "You: " + text
	case group:
		name := m.SenderNickname
		if name == "" {
			name = m.SendID
		}
		return name + ": " + text
	}
	return text
}
