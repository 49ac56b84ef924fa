package im

import (
	"errors"
	"testing"
)

// TestCheckElem: each content type needs its element's fields; a wrong or missing one is 1001.
func TestCheckElem(t *testing.T) {
	cases := []struct {
		name    string
		ct      int32
		content string
		ok      bool
	}{
		{"text", Text, `{"content":"hi"}`, true},
		{"text empty", Text, `{"content":""}`, false},
		{"text number", Text, `{"content":7}`, false},
		{"text array", Text, `["hi"]`, false},
		{"markdown", MarkdownText, `{"content":"*hi*"}`, true},
		{"markdown without content", MarkdownText, `{"text":"hi"}`, false},
		{"picture", Picture, `{"sourcePath":"","sourcePicture":{"uuid":"u","type":"png","size":1,"width":1,"height":1,"url":"http://x/p.png"},"bigPicture":{},"snapshotPicture":{}}`, true},
		{"picture without url", Picture, `{"sourcePicture":{"uuid":"u"}}`, false},
		{"picture without source", Picture, `{"bigPicture":{"url":"http://x"}}`, false},
		{"voice", Voice, `{"sourceUrl":"http://x/a.ogg","duration":3}`, true},
		{"voice without url", Voice, `{"duration":3}`, false},
		{"video", Video, `{"videoUrl":"http://x/v.mp4","snapshotUrl":"http://x/s.png"}`, true},
		{"video without url", Video, `{"snapshotUrl":"http://x/s.png"}`, false},
		{"file", File, `{"sourceUrl":"http://x/f","fileName":"f.pdf","fileSize":3}`, true},
		{"file without name", File, `{"sourceUrl":"http://x/f"}`, false},
		{"at text", AtText, `{"text":"@bob hi","atUserList":["bob"]}`, true},
		{"at text without list", AtText, `{"text":"@bob hi"}`, false},
		{"at text list not an array", AtText, `{"text":"@bob hi","atUserList":"bob"}`, false},
		{"merger", Merger, `{"title":"chat","abstractList":["a: hi"],"multiMessage":[{"clientMsgID":"c"}]}`, true},
		{"merger empty", Merger, `{"title":"chat","multiMessage":[]}`, false},
		{"card", Card, `{"userID":"bob","nickname":"Bob"}`, true},
		{"card without user", Card, `{"nickname":"Bob"}`, false},
		{"location", Location, `{"description":"office","longitude":13.4,"latitude":52.5}`, true},
		{"location off the globe", Location, `{"longitude":200,"latitude":52.5}`, false},
		{"location as strings", Location, `{"longitude":"13","latitude":"52"}`, false},
		{"custom", Custom, `{"data":"{}","description":"","extension":""}`, true},
		{"custom without data", Custom, `{"description":"x"}`, false},
		{"quote", Quote, `{"text":"yes","quoteMessage":{"clientMsgID":"c"}}`, true},
		{"quote without message", Quote, `{"text":"yes"}`, false},
		{"face", Face, `{"index":3,"data":""}`, true},
		{"face without index", Face, `{"data":"x"}`, false},
		{"advanced text", AdvancedText, `{"text":"hi","messageEntityList":[]}`, true},
		{"OA notification", OANotification, `{"notificationName":"HR","text":"office closed"}`, true},
		{"OA notification without text", OANotification, `{"notificationName":"HR"}`, false},
		{"null", Custom, `null`, false},
		{"not JSON", Picture, `{"sourcePicture":`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := checkElem(tc.ct, []byte(tc.content))
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrArgs) {
				t.Fatalf("got %v, want 1001", err)
			}
		})
	}
}
