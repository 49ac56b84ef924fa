package im

import (
	"errors"
	"strings"
	"testing"

	"lanim/node/openim"
	"lanim/node/pb"
)

// TestCheckElem: each content type needs its element's fields; a wrong or missing one is 1001.
func TestCheckElem(t *testing.T) {
	cases := []struct {
		name    string
		ct      int32
		content string
		ok      bool
	}{
		{"text", openim.Text, `{"content":"hi"}`, true},
		{"text empty", openim.Text, `{"content":""}`, false},
		{"text number", openim.Text, `{"content":7}`, false},
		{"text array", openim.Text, `["hi"]`, false},
		{"markdown", openim.MarkdownText, `{"content":"*hi*"}`, true},
		{"markdown without content", openim.MarkdownText, `{"text":"hi"}`, false},
		{"picture", openim.Picture, `{"sourcePath":"","sourcePicture":{"uuid":"u","type":"png","size":1,"width":1,"height":1,"url":"http://x/p.png"},"bigPicture":{},"snapshotPicture":{}}`, true},
		{"picture without url", openim.Picture, `{"sourcePicture":{"uuid":"u"}}`, false},
		{"picture without source", openim.Picture, `{"bigPicture":{"url":"http://x"}}`, false},
		{"voice", openim.Voice, `{"sourceUrl":"http://x/a.ogg","duration":3}`, true},
		{"voice without url", openim.Voice, `{"duration":3}`, false},
		{"video", openim.Video, `{"videoUrl":"http://x/v.mp4","snapshotUrl":"http://x/s.png"}`, true},
		{"video without url", openim.Video, `{"snapshotUrl":"http://x/s.png"}`, false},
		{"file", openim.File, `{"sourceUrl":"http://x/f","fileName":"f.pdf","fileSize":3}`, true},
		{"file without name", openim.File, `{"sourceUrl":"http://x/f"}`, false},
		{"at text", openim.AtText, `{"text":"@bob hi","atUserList":["bob"]}`, true},
		{"at text without list", openim.AtText, `{"text":"@bob hi"}`, false},
		{"at text list not an array", openim.AtText, `{"text":"@bob hi","atUserList":"bob"}`, false},
		{"merger", openim.Merger, `{"title":"chat","abstractList":["a: hi"],"multiMessage":[{"clientMsgID":"c"}]}`, true},
		{"merger empty", openim.Merger, `{"title":"chat","multiMessage":[]}`, false},
		{"merger without messages", openim.Merger, `{"title":"chat","abstractList":["a: hi"]}`, false},
		{"merger messages not a list", openim.Merger, `{"title":"chat","multiMessage":{"clientMsgID":"c"}}`, false},
		{"merger message not an object", openim.Merger, `{"title":"chat","multiMessage":[{"clientMsgID":"c"},"hi"]}`, false},
		{"card", openim.Card, `{"userID":"bob","nickname":"Bob"}`, true},
		{"card without user", openim.Card, `{"nickname":"Bob"}`, false},
		{"location", openim.Location, `{"description":"office","longitude":13.4,"latitude":52.5}`, true},
		{"location off the globe", openim.Location, `{"longitude":200,"latitude":52.5}`, false},
		{"location as strings", openim.Location, `{"longitude":"13","latitude":"52"}`, false},
		{"custom", openim.Custom, `{"data":"{}","description":"","extension":""}`, true},
		{"custom without data", openim.Custom, `{"description":"x"}`, false},
		{"quote", openim.Quote, `{"text":"yes","quoteMessage":{"clientMsgID":"c"}}`, true},
		{"quote without message", openim.Quote, `{"text":"yes"}`, false},
		{"face", openim.Face, `{"index":3,"data":""}`, true},
		{"face without index", openim.Face, `{"data":"x"}`, false},
		{"advanced text", openim.AdvancedText, `{"text":"hi","messageEntityList":[]}`, true},
		{"OA notification", openim.OANotification, `{"notificationName":"HR","text":"office closed"}`, true},
		{"OA notification without text", openim.OANotification, `{"notificationName":"HR"}`, false},
		{"null", openim.Custom, `null`, false},
		{"not JSON", openim.Picture, `{"sourcePicture":`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := checkElem(tc.ct, []byte(tc.content))
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && !errors.Is(err, openim.ErrArgs) {
				t.Fatalf("got %v, want 1001", err)
			}
		})
	}
}

// TestSendMerger: a merged forward (107) is stored as sent; one whose content is not JSON, lacks
// its messages or is over the content limit is refused with 1001 naming the problem, and nothing
// is stored.
func TestSendMerger(t *testing.T) {
	tm := officeMachine(t)
	tm.register("alice", "bob")
	merger := func(content string) *pb.MsgData {
		m := tm.text("alice", "bob", "")
		m.ContentType, m.Content = openim.Merger, []byte(content)
		return m
	}
	good := `{"title":"Chat history of Carol","abstractList":["Carol: hi"],"multiMessage":[{"clientMsgID":"c1","sendID":"carol","contentType":101,"textElem":{"content":"hi"}}]}`
	tm.send(merger(good))
	cid := openim.SingleConversationID("alice", "bob")
	if got := tm.pull("bob", cid, 1, 1); len(got) != 1 || got[0].ContentType != openim.Merger || string(got[0].Content) != good {
		t.Fatalf("stored %+v", got)
	}
	big := `{"title":"t","multiMessage":[{"textElem":{"content":"` + strings.Repeat("x", openim.MaxContentBytes) + `"}}]}`
	cases := []struct{ name, content, detail string }{
		{"not JSON", `{"title":"t","multiMessage":[`, "JSON object"},
		{"no messages", `{"title":"t","abstractList":["a: b"]}`, "multiMessage is required"},
		{"messages not objects", `{"title":"t","multiMessage":[1]}`, "multiMessage entry 0 is not a message object"},
		{"over the limit", big, "at most"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := tm.fail("alice", "msg.send", &SendMsg{MsgData: merger(c.content)}, openim.ErrArgs.Code)
			if !strings.Contains(err.Detail, c.detail) {
				t.Fatalf("detail %q, want %q", err.Detail, c.detail)
			}
		})
	}
	if n := tm.maxSeq(cid); n != 1 {
		t.Fatalf("the refused sends stored messages: max seq %d", n)
	}
}
