package pb

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// ---------------------------------------------------------------------------
// JSON shape (encoding/json over the generated structs, as upstream serves it)
// ---------------------------------------------------------------------------

// openimPackages are the proto packages compiled into this Go package.
var openimPackages = []protoreflect.FullName{
	"openim.sdkws", "openim.msg", "openim.jssdk", "openim.conversation", "openim.relation", "openim.push",
}

// jsonKeys marshals v with encoding/json and returns its top-level object.
func jsonKeys(t *testing.T, v any) (map[string]json.RawMessage, string) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal(%T): %v", v, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("json.Unmarshal(%s): %v", b, err)
	}
	return m, string(b)
}

// TestJSONZeroValuesPresent checks that the zero value of an entity has a key
// for every non-map field and none for an empty map field.
func TestJSONZeroValuesPresent(t *testing.T) {
	for _, msg := range []proto.Message{&UserInfo{}, &GroupInfo{}, &FriendInfo{}, &MsgData{}, &GroupMemberFullInfo{}, &Conversation{}} {
		m, raw := jsonKeys(t, msg)
		fds := msg.ProtoReflect().Descriptor().Fields()
		want := 0
		for i := 0; i < fds.Len(); i++ {
			fd := fds.Get(i)
			name := string(fd.Name())
			_, ok := m[name]
			if fd.IsMap() {
				if ok {
					t.Errorf("%T: empty map field %q present in %s", msg, name, raw)
				}
				continue
			}
			want++
			if !ok {
				t.Errorf("%T: field %q missing from %s", msg, name, raw)
			}
		}
		if len(m) != want {
			t.Errorf("%T: %d JSON keys, want %d: %s", msg, len(m), want, raw)
		}
	}
}

func TestJSONZeroValueLiterals(t *testing.T) {
	cases := []struct {
		msg  any
		want []string
	}{
		{&UserInfo{}, []string{`"userID":""`, `"faceURL":""`, `"createTime":0`, `"globalRecvMsgOpt":0`}},
		{&GroupInfo{}, []string{`"faceURL":""`, `"createTime":0`, `"memberCount":0`, `"displayIsRead":false`, `"notificationUserID":""`}},
		{&FriendInfo{}, []string{`"friendUser":null`, `"createTime":0`, `"isPinned":false`}},
		{&BlackInfo{}, []string{`"blackUserInfo":null`}},
		{&MsgData{}, []string{`"clientMsgID":""`, `"content":null`, `"seq":0`, `"isRead":false`, `"offlinePushInfo":null`, `"atUserIDList":null`, `"dstUserIDs":null`, `"keyVersion":0`}},
		{&MarkAsReadTips{}, []string{`"seqs":null`, `"hasReadSeq":0`}},
		{&MemberKickedTips{}, []string{`"group":null`, `"kickedUserList":null`, `"groupMemberVersion":0`}},
		{&MemberInvitedTips{}, []string{`"invitedUserList":null`}},
	}
	for _, c := range cases {
		_, raw := jsonKeys(t, c.msg)
		for _, w := range c.want {
			if !strings.Contains(raw, w) {
				t.Errorf("%T: %s does not contain %s", c.msg, raw, w)
			}
		}
	}
	_, raw := jsonKeys(t, &MsgData{})
	if strings.Contains(raw, `"options"`) {
		t.Errorf("empty MsgData.options should be omitted: %s", raw)
	}
}

func TestJSONNonEmptyMapPresent(t *testing.T) {
	_, raw := jsonKeys(t, &MsgData{Options: map[string]bool{"unreadCount": false}})
	if !strings.Contains(raw, `"options":{"unreadCount":false}`) {
		t.Errorf("options missing: %s", raw)
	}
}

func TestJSONUpstreamKeyNames(t *testing.T) {
	m, raw := jsonKeys(t, &PullMsgs{Msgs: []*MsgData{{ClientMsgID: "x"}}, IsEnd: true})
	if _, ok := m["Msgs"]; !ok {
		t.Errorf("PullMsgs must use key Msgs: %s", raw)
	}
	if _, ok := m["msgs"]; ok {
		t.Errorf("PullMsgs must not use key msgs: %s", raw)
	}

	m, raw = jsonKeys(t, &RevokeMsgTips{SesstionType: 3, Seq: 7})
	if string(m["sesstionType"]) != "3" {
		t.Errorf("RevokeMsgTips must use key sesstionType: %s", raw)
	}
	if _, ok := m["sessionType"]; ok {
		t.Errorf("RevokeMsgTips must not use key sessionType: %s", raw)
	}

	m, raw = jsonKeys(t, &FriendApplicationTips{FromToUserID: &FromToUserID{FromUserID: "a", ToUserID: "b"}})
	if string(m["fromToUserID"]) != `{"fromUserID":"a","toUserID":"b"}` {
		t.Errorf("FriendApplicationTips.fromToUserID: %s", raw)
	}
}

func TestJSONInt64IsNumber(t *testing.T) {
	m, raw := jsonKeys(t, &MsgData{Seq: 1 << 40, SendTime: 1700000000123})
	if string(m["seq"]) != "1099511627776" || string(m["sendTime"]) != "1700000000123" {
		t.Errorf("int64 must be a JSON number: %s", raw)
	}
	m, raw = jsonKeys(t, &GroupCreatedTips{GroupMemberVersion: 42})
	if string(m["groupMemberVersion"]) != "42" {
		t.Errorf("uint64 must be a JSON number: %s", raw)
	}
}

// TestJSONTagsPostProcessed checks every generated struct of the package: no
// json tag carries omitempty except on map fields, which must keep it. This
// fails if generate.sh's post-processing was skipped.
func TestJSONTagsPostProcessed(t *testing.T) {
	n := 0
	for _, pkg := range openimPackages {
		protoregistry.GlobalTypes.RangeMessages(func(mt protoreflect.MessageType) bool {
			if mt.Descriptor().ParentFile().Package() != pkg {
				return true
			}
			n++
			st := reflect.TypeOf(mt.New().Interface()).Elem()
			for i := 0; i < st.NumField(); i++ {
				f := st.Field(i)
				if !f.IsExported() {
					continue
				}
				tag, ok := f.Tag.Lookup("json")
				if !ok {
					t.Errorf("%s.%s: no json tag", st.Name(), f.Name)
					continue
				}
				omit := strings.HasSuffix(tag, ",omitempty")
				if isMap := f.Type.Kind() == reflect.Map; omit != isMap {
					t.Errorf("%s.%s: json tag %q (map=%v)", st.Name(), f.Name, tag, isMap)
				}
			}
			return true
		})
	}
	// Every message declared in the .proto files must have been visited.
	declared := 0
	for _, pkg := range openimPackages {
		protoregistry.GlobalFiles.RangeFilesByPackage(pkg, func(fd protoreflect.FileDescriptor) bool {
			declared += fd.Messages().Len()
			return true
		})
	}
	if n != declared || n < 70 {
		t.Errorf("checked %d message types, %d declared", n, declared)
	}
}

// TestGoNamesMatchProtoNames guards the single-Go-package layout: every
// message's and enum's Go type name equals its proto name.
func TestGoNamesMatchProtoNames(t *testing.T) {
	for _, pkg := range openimPackages {
		protoregistry.GlobalTypes.RangeMessages(func(mt protoreflect.MessageType) bool {
			if mt.Descriptor().ParentFile().Package() != pkg {
				return true
			}
			got := reflect.TypeOf(mt.New().Interface()).Elem().Name()
			if want := string(mt.Descriptor().Name()); got != want {
				t.Errorf("Go type %s for proto message %s", got, mt.Descriptor().FullName())
			}
			return true
		})
	}
	if got := reflect.TypeOf(PullOrder_PullOrderAsc).Name(); got != "PullOrder" {
		t.Errorf("Go type %s for enum PullOrder", got)
	}
}

// ---------------------------------------------------------------------------
// Protobuf wire format
// ---------------------------------------------------------------------------

type wireField struct {
	num protowire.Number
	typ protowire.Type
	v   uint64 // varint / fixed value
	b   []byte // length-delimited payload
}

// parseWire splits an encoded message into its top-level fields, by number.
func parseWire(t *testing.T, b []byte) map[protowire.Number][]wireField {
	t.Helper()
	out := map[protowire.Number][]wireField{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		f := wireField{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			f.v = uint64(v)
		case protowire.Fixed64Type:
			f.v, n = protowire.ConsumeFixed64(b)
		default:
			t.Fatalf("field %d: unexpected wire type %d", num, typ)
		}
		if n < 0 {
			t.Fatalf("field %d: %v", num, protowire.ParseError(n))
		}
		b = b[n:]
		out[num] = append(out[num], f)
	}
	return out
}

func marshal(t *testing.T, m proto.Message) map[protowire.Number][]wireField {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatalf("marshal %T: %v", m, err)
	}
	return parseWire(t, b)
}

// only returns the single field with number num, failing if it is absent,
// repeated or of another wire type.
func only(t *testing.T, fs map[protowire.Number][]wireField, num protowire.Number, typ protowire.Type) wireField {
	t.Helper()
	got := fs[num]
	if len(got) != 1 {
		t.Fatalf("field %d: %d occurrences, want 1 (fields: %v)", num, len(got), numbers(fs))
	}
	if got[0].typ != typ {
		t.Fatalf("field %d: wire type %d, want %d", num, got[0].typ, typ)
	}
	return got[0]
}

func numbers(fs map[protowire.Number][]wireField) []protowire.Number {
	var ns []protowire.Number
	for n := range fs {
		ns = append(ns, n)
	}
	return ns
}

func wantNumbers(t *testing.T, what string, fs map[protowire.Number][]wireField, want ...protowire.Number) {
	t.Helper()
	if len(fs) != len(want) {
		t.Errorf("%s: field numbers %v, want %v", what, numbers(fs), want)
	}
	for _, n := range want {
		if _, ok := fs[n]; !ok {
			t.Errorf("%s: field %d missing (have %v)", what, n, numbers(fs))
		}
	}
}

func wantString(t *testing.T, what string, f wireField, s string) {
	t.Helper()
	if string(f.b) != s {
		t.Errorf("%s: %q, want %q", what, f.b, s)
	}
}

func wantVarint(t *testing.T, what string, f wireField, v uint64) {
	t.Helper()
	if f.v != v {
		t.Errorf("%s: %d, want %d", what, f.v, v)
	}
}

// packedVarints decodes a packed repeated varint payload.
func packedVarints(t *testing.T, b []byte) []uint64 {
	t.Helper()
	var out []uint64
	for len(b) > 0 {
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			t.Fatalf("packed: %v", protowire.ParseError(n))
		}
		out = append(out, v)
		b = b[n:]
	}
	return out
}

// mapEntries decodes the entries of a map field into key -> raw value field.
func mapEntries(t *testing.T, entries []wireField) map[string]wireField {
	t.Helper()
	out := map[string]wireField{}
	for _, e := range entries {
		if e.typ != protowire.BytesType {
			t.Fatalf("map entry with wire type %d", e.typ)
		}
		fs := parseWire(t, e.b)
		k := only(t, fs, 1, protowire.BytesType)
		vs := fs[2]
		if len(vs) != 1 {
			t.Fatalf("map entry %q: value field 2 occurs %d times", k.b, len(vs))
		}
		out[string(k.b)] = vs[0]
	}
	return out
}

func TestWireMsgData(t *testing.T) {
	fs := marshal(t, &MsgData{
		SendID:      "A",
		RecvID:      "B",
		ClientMsgID: "0123456789abcdef0123456789abcdef",
		SessionType: 1,
		ContentType: 101,
		Content:     []byte(`{"content":"hi"}`),
		Seq:         9,
		SendTime:    1700000000123,
		Options:     map[string]bool{"history": false, "unreadCount": true},
		KeyVersion:  3,
		DstUserIDs:  []string{"X"},
	})
	wantNumbers(t, "MsgData", fs, 1, 2, 4, 9, 11, 12, 14, 15, 19, 40, 41)
	wantString(t, "sendID", only(t, fs, 1, protowire.BytesType), "A")
	wantString(t, "recvID", only(t, fs, 2, protowire.BytesType), "B")
	wantString(t, "clientMsgID", only(t, fs, 4, protowire.BytesType), "0123456789abcdef0123456789abcdef")
	wantVarint(t, "sessionType", only(t, fs, 9, protowire.VarintType), 1)
	wantVarint(t, "contentType", only(t, fs, 11, protowire.VarintType), 101)
	wantString(t, "content", only(t, fs, 12, protowire.BytesType), `{"content":"hi"}`)
	wantVarint(t, "seq", only(t, fs, 14, protowire.VarintType), 9)
	wantVarint(t, "sendTime", only(t, fs, 15, protowire.VarintType), 1700000000123)
	wantVarint(t, "keyVersion", only(t, fs, 40, protowire.VarintType), 3)
	wantString(t, "dstUserIDs", only(t, fs, 41, protowire.BytesType), "X")

	opts := mapEntries(t, fs[19])
	if len(opts) != 2 {
		t.Fatalf("options: %d entries, want 2", len(opts))
	}
	if v := opts["history"]; v.typ != protowire.VarintType || v.v != 0 {
		t.Errorf("options[history] = %+v, want varint 0", v)
	}
	if v := opts["unreadCount"]; v.typ != protowire.VarintType || v.v != 1 {
		t.Errorf("options[unreadCount] = %+v, want varint 1", v)
	}
}

func TestWireGroupInfoDisplayIsRead(t *testing.T) {
	fs := marshal(t, &GroupInfo{GroupID: "g", MemberCount: 3, DisplayIsRead: true})
	wantNumbers(t, "GroupInfo", fs, 1, 8, 18)
	wantVarint(t, "memberCount", only(t, fs, 8, protowire.VarintType), 3)
	wantVarint(t, "displayIsRead", only(t, fs, 18, protowire.VarintType), 1)
}

func TestWireConversationSeqs(t *testing.T) {
	fs := marshal(t, &GetSeqMessageReq{
		UserID:        "u",
		Conversations: []*ConversationSeqs{{ConversationID: "si_A_B", Seqs: []int64{1, 2, 300}}},
		Order:         PullOrder_PullOrderDesc,
	})
	wantNumbers(t, "GetSeqMessageReq", fs, 1, 2, 3)
	wantVarint(t, "order", only(t, fs, 3, protowire.VarintType), 1)
	cs := parseWire(t, only(t, fs, 2, protowire.BytesType).b)
	wantNumbers(t, "ConversationSeqs", cs, 2, 3)
	wantString(t, "conversationID", only(t, cs, 2, protowire.BytesType), "si_A_B")
	seqs := packedVarints(t, only(t, cs, 3, protowire.BytesType).b)
	if !reflect.DeepEqual(seqs, []uint64{1, 2, 300}) {
		t.Errorf("seqs %v", seqs)
	}

	// Decode what the JS encoder sends (hand-built): field 2 conversationID,
	// field 3 packed seqs, inside GetSeqMessageReq field 2.
	var inner []byte
	inner = protowire.AppendTag(inner, 2, protowire.BytesType)
	inner = protowire.AppendString(inner, "sg_g1")
	inner = protowire.AppendTag(inner, 3, protowire.BytesType)
	inner = protowire.AppendBytes(inner, protowire.AppendVarint(protowire.AppendVarint(nil, 0), 5))
	var outer []byte
	outer = protowire.AppendTag(outer, 1, protowire.BytesType)
	outer = protowire.AppendString(outer, "me")
	outer = protowire.AppendTag(outer, 2, protowire.BytesType)
	outer = protowire.AppendBytes(outer, inner)
	var req GetSeqMessageReq
	if err := proto.Unmarshal(outer, &req); err != nil {
		t.Fatal(err)
	}
	if req.UserID != "me" || len(req.Conversations) != 1 || req.Conversations[0].ConversationID != "sg_g1" ||
		!reflect.DeepEqual(req.Conversations[0].Seqs, []int64{0, 5}) {
		t.Errorf("decoded %v", &req)
	}
}

func TestWireConversationMsg(t *testing.T) {
	fs := marshal(t, &ConversationMsg{
		Conversation: &Conversation{ConversationID: "si_A_B", ConversationType: 1},
		LastMsg:      &MsgData{ClientMsgID: "c"},
		User:         &UserInfo{UserID: "B"},
		Friend:       &FriendInfoOnly{FriendUserID: "B"},
		Group:        &GroupInfo{GroupID: "g"},
		MaxSeq:       10,
		ReadSeq:      4,
	})
	wantNumbers(t, "ConversationMsg", fs, 1, 2, 3, 4, 5, 6, 7)
	conv := parseWire(t, only(t, fs, 1, protowire.BytesType).b)
	wantString(t, "conversation.conversationID", only(t, conv, 2, protowire.BytesType), "si_A_B")
	wantVarint(t, "conversation.conversationType", only(t, conv, 4, protowire.VarintType), 1)
	wantString(t, "lastMsg.clientMsgID", only(t, parseWire(t, only(t, fs, 2, protowire.BytesType).b), 4, protowire.BytesType), "c")
	wantString(t, "user.userID", only(t, parseWire(t, only(t, fs, 3, protowire.BytesType).b), 1, protowire.BytesType), "B")
	wantString(t, "friend.friendUserID", only(t, parseWire(t, only(t, fs, 4, protowire.BytesType).b), 2, protowire.BytesType), "B")
	wantString(t, "group.groupID", only(t, parseWire(t, only(t, fs, 5, protowire.BytesType).b), 1, protowire.BytesType), "g")
	wantVarint(t, "maxSeq", only(t, fs, 6, protowire.VarintType), 10)
	wantVarint(t, "readSeq", only(t, fs, 7, protowire.VarintType), 4)

	resp := marshal(t, &GetConversationsResp{UnreadCount: 6, Conversations: []*ConversationMsg{{MaxSeq: 1}}})
	wantNumbers(t, "GetConversationsResp", resp, 1, 2)
	wantVarint(t, "unreadCount", only(t, resp, 1, protowire.VarintType), 6)
}

func TestWireGetMaxSeqResp(t *testing.T) {
	fs := marshal(t, &GetMaxSeqResp{
		MaxSeqs: map[string]int64{"si_A_B": 7},
		MinSeqs: map[string]int64{"si_A_B": 1},
	})
	wantNumbers(t, "GetMaxSeqResp", fs, 1, 2)
	if v := mapEntries(t, fs[1])["si_A_B"]; v.typ != protowire.VarintType || v.v != 7 {
		t.Errorf("maxSeqs entry %+v", v)
	}
	if v := mapEntries(t, fs[2])["si_A_B"]; v.typ != protowire.VarintType || v.v != 1 {
		t.Errorf("minSeqs entry %+v", v)
	}
}

func TestWirePushMessages(t *testing.T) {
	fs := marshal(t, &PushMessages{
		Msgs:             map[string]*PullMsgs{"si_A_B": {Msgs: []*MsgData{{ClientMsgID: "m"}}}},
		NotificationMsgs: map[string]*PullMsgs{"n_A_B": {Msgs: []*MsgData{{ClientMsgID: "n"}}, IsEnd: true, EndSeq: 5}},
	})
	wantNumbers(t, "PushMessages", fs, 1, 2)

	v := mapEntries(t, fs[1])["si_A_B"]
	if v.typ != protowire.BytesType {
		t.Fatalf("msgs value wire type %d", v.typ)
	}
	pull := parseWire(t, v.b)
	wantNumbers(t, "PullMsgs", pull, 1)
	wantString(t, "Msgs[0].clientMsgID", only(t, parseWire(t, only(t, pull, 1, protowire.BytesType).b), 4, protowire.BytesType), "m")

	v = mapEntries(t, fs[2])["n_A_B"]
	pull = parseWire(t, v.b)
	wantNumbers(t, "PullMsgs", pull, 1, 2, 3)
	wantVarint(t, "isEnd", only(t, pull, 2, protowire.VarintType), 1)
	wantVarint(t, "endSeq", only(t, pull, 3, protowire.VarintType), 5)

	// An empty PullMsgs value must still produce a map entry (the SDK reads msgs[cid].Msgs).
	fs = marshal(t, &GetSeqMessageResp{Msgs: map[string]*PullMsgs{"si_A_B": {}}})
	if _, ok := mapEntries(t, fs[1])["si_A_B"]; !ok {
		t.Errorf("empty PullMsgs entry not encoded")
	}
}

func TestWireSubUserOnlineStatus(t *testing.T) {
	fs := marshal(t, &SubUserOnlineStatusTips{Subscribers: []*SubUserOnlineStatusElem{
		{UserID: "A", OnlinePlatformIDs: []int32{5, 2}},
		{UserID: "B"},
	}})
	wantNumbers(t, "SubUserOnlineStatusTips", fs, 1)
	if len(fs[1]) != 2 {
		t.Fatalf("subscribers: %d, want 2", len(fs[1]))
	}
	a := parseWire(t, fs[1][0].b)
	wantNumbers(t, "SubUserOnlineStatusElem", a, 1, 2)
	wantString(t, "userID", only(t, a, 1, protowire.BytesType), "A")
	if got := packedVarints(t, only(t, a, 2, protowire.BytesType).b); !reflect.DeepEqual(got, []uint64{5, 2}) {
		t.Errorf("onlinePlatformIDs %v", got)
	}
	b := parseWire(t, fs[1][1].b)
	wantNumbers(t, "SubUserOnlineStatusElem(B)", b, 1)

	req := marshal(t, &SubUserOnlineStatus{SubscribeUserID: []string{"A"}, UnsubscribeUserID: []string{"B"}})
	wantString(t, "subscribeUserID", only(t, req, 1, protowire.BytesType), "A")
	wantString(t, "unsubscribeUserID", only(t, req, 2, protowire.BytesType), "B")
}

func TestWireSmallMessages(t *testing.T) {
	fs := marshal(t, &GetConversationsHasReadAndMaxSeqResp{Seqs: map[string]*Seqs{"si_A_B": {MaxSeq: 3, HasReadSeq: 2, MaxSeqTime: 99}}})
	wantNumbers(t, "GetConversationsHasReadAndMaxSeqResp", fs, 1)
	seqs := parseWire(t, mapEntries(t, fs[1])["si_A_B"].b)
	wantNumbers(t, "Seqs", seqs, 1, 2, 3)
	wantVarint(t, "maxSeqTime", only(t, seqs, 3, protowire.VarintType), 99)

	fs = marshal(t, &UserSendMsgResp{ServerMsgID: "s", ClientMsgID: "c", SendTime: 1})
	wantNumbers(t, "UserSendMsgResp", fs, 1, 2, 3)
	fs = marshal(t, &SendMsgResp{ServerMsgID: "s", ClientMsgID: "c", SendTime: 1})
	wantNumbers(t, "SendMsgResp", fs, 1, 2, 3)

	fs = marshal(t, &PullMessageBySeqsReq{UserID: "u", SeqRanges: []*SeqRange{{ConversationID: "c", Begin: 1, End: 2, Num: 10}}})
	wantNumbers(t, "PullMessageBySeqsReq", fs, 1, 2)
	wantNumbers(t, "SeqRange", parseWire(t, only(t, fs, 2, protowire.BytesType).b), 1, 2, 3, 4)

	fs = marshal(t, &RevokeMsgTips{SesstionType: 3, Seq: 6, IsAdminRevoke: true})
	wantNumbers(t, "RevokeMsgTips", fs, 5, 6, 8)

	fs = marshal(t, &DelUserPushTokenReq{UserID: "u", PlatformID: 5})
	wantNumbers(t, "DelUserPushTokenReq", fs, 1, 2)
	fs = marshal(t, &GetLastMessageResp{Msgs: map[string]*MsgData{"c": {Seq: 1}}})
	wantNumbers(t, "GetLastMessageResp", fs, 1)
}

// TestTipsFieldNumbers spot-checks the descriptor against the field numbers
// documented for the notification tips (openim-wire.md 3.3).
func TestTipsFieldNumbers(t *testing.T) {
	cases := []struct {
		msg   proto.Message
		field string
		num   protowire.Number
	}{
		{&MemberEnterTips{}, "groupMemberVersion", 5},
		{&MemberEnterTips{}, "groupMemberVersionID", 6},
		{&GroupApplicationAcceptedTips{}, "handleMsg", 4},
		{&GroupApplicationAcceptedTips{}, "receiverAs", 5},
		{&GroupApplicationRejectedTips{}, "request", 7},
		{&GroupOwnerTransferredTips{}, "oldGroupOwnerInfo", 6},
		{&GroupMemberMutedTips{}, "mutedSeconds", 5},
		{&GroupMemberInfoSetTips{}, "groupSortVersion", 7},
		{&FriendApplicationApprovedTips{}, "request", 5},
		{&FriendAddedTips{}, "opUser", 3},
		{&MessageRevokedContent{}, "sessionType", 10},
		{&MessageRevokedContent{}, "ex", 12},
		{&MarkAsReadTips{}, "hasReadSeq", 4},
		{&Conversation{}, "isMsgDestruct", 17},
		{&FriendInfo{}, "friendUser", 4},
		{&BlackInfo{}, "blackUserInfo", 3},
	}
	for _, c := range cases {
		fd := c.msg.ProtoReflect().Descriptor().Fields().ByName(protoreflect.Name(c.field))
		if fd == nil {
			t.Errorf("%T has no field %s", c.msg, c.field)
			continue
		}
		if fd.Number() != c.num {
			t.Errorf("%T.%s = %d, want %d", c.msg, c.field, fd.Number(), c.num)
		}
	}
}

func TestMsgDataRoundTrip(t *testing.T) {
	in := &MsgData{
		SendID:           "A",
		RecvID:           "B",
		GroupID:          "g",
		ClientMsgID:      "0123456789abcdef0123456789abcdef",
		ServerMsgID:      "srv",
		SenderPlatformID: 5,
		SenderNickname:   "Alice",
		SenderFaceURL:    "http://x/a.png",
		SessionType:      3,
		MsgFrom:          100,
		ContentType:      101,
		Content:          []byte(`{"content":"héllo"}`),
		Seq:              1 << 40,
		SendTime:         1700000000123,
		CreateTime:       1700000000100,
		Status:           2,
		IsRead:           true,
		Options:          map[string]bool{"history": true, "unreadCount": false},
		OfflinePushInfo:  &OfflinePushInfo{Title: "t", Desc: "d", Ex: "e", IOSPushSound: "s", IOSBadgeCount: true, SignalInfo: "i"},
		AtUserIDList:     []string{"B", "C"},
		AttachedInfo:     `{"a":1}`,
		Ex:               "ex",
		KeyVersion:       2,
		DstUserIDs:       []string{"D"},
	}
	b, err := proto.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	out := &MsgData{}
	if err := proto.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(in, out) {
		t.Errorf("round trip changed the message:\n in: %v\nout: %v", in, out)
	}
	if len(out.ProtoReflect().GetUnknown()) != 0 {
		t.Errorf("unknown fields after round trip: %x", out.ProtoReflect().GetUnknown())
	}
	b2, err := proto.MarshalOptions{Deterministic: true}.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	b1, _ := proto.MarshalOptions{Deterministic: true}.Marshal(in)
	if !bytes.Equal(b1, b2) {
		t.Errorf("re-encoding differs")
	}

	// Every field must survive, so a fully set message leaves nothing at its zero value.
	fds := out.ProtoReflect().Descriptor().Fields()
	for i := 0; i < fds.Len(); i++ {
		if !out.ProtoReflect().Has(fds.Get(i)) {
			t.Errorf("field %s not set after round trip", fds.Get(i).Name())
		}
	}

	// encoding/json round trip (how tips and HTTP bodies travel) keeps it too.
	j, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON MsgData
	if err := json.Unmarshal(j, &fromJSON); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(in, &fromJSON) {
		t.Errorf("JSON round trip changed the message:\n in: %v\nout: %v", in, &fromJSON)
	}
}
