package im

import (
	"errors"
	"testing"

	"lanim/node/openim"
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
