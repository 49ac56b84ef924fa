package im

import (
	"encoding/json"
	"fmt"

	"lanim/node/openim"
)

// Message elements. A client sends its element as JSON in MsgData.content; upstream's send_msg
// validates it per contentType (apistruct's *Elem structs with `validate:"required"`). LanIM checks
// the same shape for every send, REST or WebSocket, so no client stores a message that the SDKs
// cannot render: the element is a JSON object and carries the fields its type is read by. Fields
// beyond those are kept as sent.

// elemField is one required field of an element.
type elemField struct {
	name string
	kind elemKind
}

type elemKind int

const (
	textField     elemKind = iota // a non-empty string
	stringField                   // a string, may be empty
	numberField                   // a number
	arrayField                    // an array
	nonEmptyArray                 // an array with at least one entry
	messageList                   // an array of messages (objects, the SDK's MsgStruct), at least one
	objectField                   // an object
)

// elemRules lists the required fields per content type (the JS SDK's entity.d.ts names).
var elemRules = map[int32][]elemField{
	openim.Text:                         {{"content", textField}},
	openim.MarkdownText:                 {{"content", textField}},
	openim.AdvancedText:                 {{"text", textField}},
	openim.AtText:                       {{"text", stringField}, {"atUserList", arrayField}},
	openim.Picture:                      {{"sourcePicture", objectField}},
	openim.Voice:                        {{"sourceUrl", textField}},
	openim.Video:                        {{"videoUrl", textField}},
	openim.File:                         {{"sourceUrl", textField}, {"fileName", textField}},
	openim.Merger:                       {{"title", stringField}, {"multiMessage", messageList}},
	openim.Card:                         {{"userID", textField}},
	openim.Location:                     {{"longitude", numberField}, {"latitude", numberField}},
	openim.Custom:                       {{"data", stringField}},
	openim.CustomNotTriggerConversation: {{"data", stringField}},
	openim.CustomOnlineOnly:             {{"data", stringField}},
	openim.Quote:                        {{"text", stringField}, {"quoteMessage", objectField}},
	openim.Face:                         {{"index", numberField}},
	openim.OANotification:               {{"text", textField}},
}

// checkElem checks content against its type's element: a JSON object with the required fields,
// a picture's source with a URL, a location on the globe.
func checkElem(contentType int32, content []byte) error {
	var elem map[string]json.RawMessage
	if err := json.Unmarshal(content, &elem); err != nil || elem == nil {
		return openim.ErrArgs.With("content of contentType %d must be a JSON object (its message element)", contentType)
	}
	for _, f := range elemRules[contentType] {
		if err := f.check(elem[f.name]); err != nil {
			return openim.ErrArgs.With("contentType %d: %s %v", contentType, f.name, err)
		}
	}
	switch contentType {
	case openim.Picture:
		var p struct {
			SourcePicture struct {
				URL string `json:"url"`
			} `json:"sourcePicture"`
		}
		if json.Unmarshal(content, &p) != nil || p.SourcePicture.URL == "" {
			return openim.ErrArgs.With("contentType %d: sourcePicture.url is required", contentType)
		}
	case openim.Location:
		var l struct {
			Longitude float64 `json:"longitude"`
			Latitude  float64 `json:"latitude"`
		}
		if json.Unmarshal(content, &l) != nil || l.Longitude < -180 || l.Longitude > 180 || l.Latitude < -90 || l.Latitude > 90 {
			return openim.ErrArgs.With("contentType %d: longitude must be in -180..180 and latitude in -90..90", contentType)
		}
	}
	return nil
}

// check reports what is wrong with a field's raw JSON value (nil when absent).
func (f elemField) check(raw json.RawMessage) error {
	if raw == nil || string(raw) == "null" {
		return fmt.Errorf("is required")
	}
	var err error
	switch f.kind {
	case textField, stringField:
		var s string
		if err = json.Unmarshal(raw, &s); err == nil && f.kind == textField && s == "" {
			return fmt.Errorf("is empty")
		}
		if err == nil {
			if terr := checkChars("it", s, multiLine); terr != nil {
				return fmt.Errorf("is not text: %s", openim.AsError(terr).Detail)
			}
		}
	case numberField:
		var n float64
		err = json.Unmarshal(raw, &n)
	case arrayField, nonEmptyArray, messageList:
		var a []json.RawMessage
		if err = json.Unmarshal(raw, &a); err == nil && f.kind != arrayField && len(a) == 0 {
			return fmt.Errorf("is empty")
		}
		for i := 0; err == nil && f.kind == messageList && i < len(a); i++ {
			var o map[string]json.RawMessage
			if json.Unmarshal(a[i], &o) != nil || o == nil {
				return fmt.Errorf("entry %d is not a message object", i)
			}
		}
	case objectField:
		var o map[string]json.RawMessage
		if err = json.Unmarshal(raw, &o); err == nil && o == nil {
			err = fmt.Errorf("null")
		}
	}
	if err != nil {
		return fmt.Errorf("has the wrong type")
	}
	return nil
}
