package ui

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"
	"time"

	"lanim/node/pb"
)

// SeedDemo fills an in-memory office with a small team, friendships, two groups and a few days
// of conversation, ending at now. It backs `lanim --demo` and the screenshots, and returns the
// password every demo account has.
func SeedDemo(o *MemOffice, now time.Time) (password string) {
	const pw = "lanim-demo"
	real := o.now
	// day is a time of day some days before now, in now's zone.
	day := func(daysAgo, hour, minute int) time.Time {
		y, m, d := now.AddDate(0, 0, -daysAgo).Date()
		return time.Date(y, m, d, hour, minute, 0, 0, now.Location())
	}
	at := day(3, 9, 5)
	o.now = func() int64 { return at.UnixMilli() }
	defer func() { o.now = real }()
	step := func(d time.Duration) { at = at.Add(d) }

	ctx := context.Background()
	people := []struct{ id, name, face string }{
		{"ann", "Ann Lee", "emoji:🦊"}, {"bob", "Bob Martin", ""}, {"cyrus", "Cyrus Wong", "emoji:🐼"},
		{"dana", "Dana Kovac", ""}, {"eve", "Eve Adams", "emoji:🌻"}, {"farid", "Farid Haddad", ""},
	}
	be := map[string]*MemBackend{}
	for _, p := range people {
		b := o.NewBackend()
		b.SignUp(ctx, p.id, p.name, pw)
		if p.face != "" {
			b.UpdateSelf(ctx, p.name, p.face)
		}
		be[p.id] = b
	}
	// Ann created the office; Cyrus (IT) helps run it. Two other offices share the network.
	be["ann"].SetOfficeAdmin(ctx, "ann", true)
	be["ann"].SetOfficeAdmin(ctx, "cyrus", true)
	o.SetLAN([]OfficeAd{
		{ID: "4f1c9a0e7b2d6358", Name: "Bakery front office", Addrs: []string{"192.168.1.40:10003"}},
		{ID: "9d27e5b01c84a3f6", Name: "Riverside Dental", Addrs: []string{"192.168.1.61:10003",
			"192.168.1.62:10003", "192.168.1.64:10003"}},
	})
	befriend := func(a, b string) {
		be[a].AddFriend(ctx, b, "Hi!")
		be[b].RespondFriend(ctx, a, true)
	}
	for _, b := range []string{"bob", "cyrus", "dana", "eve"} {
		befriend("ann", b)
	}
	befriend("bob", "cyrus")
	befriend("bob", "dana")
	be["ann"].SetRemark(ctx, "cyrus", "Cy (IT)")

	say := func(from, to, text string) {
		self := o.users[from].info
		conv := &Conversation{Type: SessionSingle, PeerID: to}
		be[from].Send(ctx, NewTextMessage(self, conv, text, nil, at.UnixMilli()))
		step(2 * time.Minute)
	}
	// attach sends a picture or file the way the app does: upload, then the message with its URL.
	attach := func(from, to, name string, data []byte) {
		self := o.users[from].info
		conv := &Conversation{Type: SessionSingle, PeerID: to}
		a, err := imageAttachment(name, data)
		if err != nil { // not a picture: a file
			a = &attachment{name: name, data: data, size: int64(len(data)), mime: mimeOf(name, data)}
		}
		ct := ContentFile
		if a.picture {
			ct = ContentPicture
		}
		m := newMessage(self, conv, ct, at.UnixMilli())
		a.url = o.PutObject(a.objectName(from, m.ClientMsgID), data)
		m.Content = a.content()
		be[from].Send(ctx, m)
		step(2 * time.Minute)
	}
	sayGroup := func(from, group, text string, at ...string) {
		self := o.users[from].info
		conv := &Conversation{Type: SessionGroup, GroupID: group}
		be[from].Send(ctx, NewTextMessage(self, conv, text, at, o.now()))
		step(3 * time.Minute)
	}

	design, _ := be["ann"].CreateGroup(ctx, &pb.GroupInfo{GroupName: "Design team", GroupType: 2,
		Notification: "Weekly review on Thursdays at 10:00 in the big room."}, []string{"bob", "cyrus", "dana"})
	step(10 * time.Minute)
	sayGroup("ann", design.GroupID, "Welcome to the design team channel 👋")
	sayGroup("bob", design.GroupID, "Thanks Ann! I'll post the new mockups here later today.")
	sayGroup("dana", design.GroupID, "Great, looking forward to it.")
	at = day(2, 9, 40)
	be["ann"].Invite(ctx, design.GroupID, []string{"eve"})
	step(5 * time.Minute)
	sayGroup("eve", design.GroupID, "Hi everyone, happy to be here!")
	be["ann"].SetRole(ctx, design.GroupID, "bob", RoleAdmin)
	step(time.Hour)
	sayGroup("bob", design.GroupID, "Mockups are in the shared folder: /design/2024/onboarding. Feedback welcome!")
	sayGroup("cyrus", design.GroupID, "@Ann Lee the projector in the big room is fixed, by the way.", "ann")

	lunch, _ := be["bob"].CreateGroup(ctx, &pb.GroupInfo{GroupName: "Lunch club", GroupType: 2}, []string{"ann", "dana"})
	step(20 * time.Minute)
	sayGroup("dana", lunch.GroupID, "Pizza on Friday? 🍕")
	sayGroup("bob", lunch.GroupID, "Count me in")

	at = day(1, 9, 12)
	say("bob", "ann", "Morning! Do you have a minute to go over the onboarding flow?")
	say("ann", "bob", "Sure, give me ten minutes ☕")
	say("bob", "ann", "Perfect. I'd like to simplify the first screen: only two choices, create or join.")
	say("ann", "bob", "Agreed. And the join code should be one paste, nothing else to type.")
	step(time.Hour)
	say("cyrus", "ann", "The new laptop is ready for Farid, I'll set LanIM up on it this afternoon.")
	say("ann", "cyrus", "Thanks Cy!")
	step(3 * time.Hour)
	say("eve", "ann", "Could you review my slides before tomorrow?")

	// Today.
	at = now.Add(-95 * time.Minute)
	if !sameDay(at, now) {
		at = day(0, 0, 5)
	}
	say("dana", "ann", "Are we still on for the review at 3?")
	say("ann", "dana", "Yes, see you there.")
	attach("ann", "dana", "Review agenda.txt", []byte("1. Onboarding flow\n2. Join codes\n3. Files and pictures\n"))
	step(30 * time.Minute)
	say("bob", "ann", "I pushed the changes we talked about. The first screen now has just the two cards, and the join flow is a single paste of the code. Let me know what you think when you have a moment!")
	attach("bob", "ann", "onboarding-mockup.png", demoMockup())
	step(20 * time.Minute)
	say("eve", "ann", "Slides are in your inbox 🙏")
	attach("eve", "ann", "Q3 review slides.pdf", []byte("%PDF-1.4\n% LanIM demo slides\n"+strings.Repeat("0", 184_000)))

	be["farid"].AddFriend(ctx, "ann", "Hi Ann, Cyrus set me up. I'm the new backend developer.")
	be["farid"].ApplyToJoin(ctx, design.GroupID, "Could I join the design reviews?")

	// Ann read everything but today's last messages.
	for id := range o.views["ann"] {
		o.readSeq["ann"][id] = int64(len(o.convs[id]))
	}
	o.readSeq["ann"][SingleConversationID("ann", "bob")] -= 2
	o.readSeq["ann"][SingleConversationID("ann", "eve")] -= 2
	o.readSeq["ann"][GroupConversationID(design.GroupID)] -= 2
	o.views["ann"][GroupConversationID(design.GroupID)].IsPinned = true
	o.views["ann"][GroupConversationID(lunch.GroupID)].RecvMsgOpt = RecvNotNotify
	for _, b := range be {
		b.SignOut(ctx)
	}
	return pw
}

// demoMockup draws the demo's picture message: a wireframe of the two-card welcome screen.
func demoMockup() []byte {
	const w, h = 960, 600
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	fill := func(r image.Rectangle, c color.NRGBA) {
		draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
	}
	fill(img.Rect, color.NRGBA{0xF1, 0xF5, 0xF9, 0xFF})
	fill(image.Rect(0, 0, w, 64), color.NRGBA{0x3B, 0x82, 0xF6, 0xFF})
	fill(image.Rect(40, 20, 220, 44), color.NRGBA{0xFF, 0xFF, 0xFF, 0xC0})
	for i, c := range []color.NRGBA{{0x10, 0xB9, 0x81, 0xFF}, {0x8B, 0x5C, 0xF6, 0xFF}} {
		x := 120 + i*380
		fill(image.Rect(x, 140, x+340, 480), color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF})
		fill(image.Rect(x+120, 190, x+220, 290), c)
		fill(image.Rect(x+60, 330, x+280, 350), color.NRGBA{0x33, 0x41, 0x55, 0xFF})
		fill(image.Rect(x+90, 370, x+250, 384), color.NRGBA{0x94, 0xA3, 0xB8, 0xFF})
		fill(image.Rect(x+110, 420, x+230, 452), c)
	}
	var buf bytes.Buffer
	png.Encode(&buf, img) // encoding to memory does not fail
	return buf.Bytes()
}
