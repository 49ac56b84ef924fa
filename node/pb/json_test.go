package pb

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestMarshalJSONEmptyLists checks that nil lists and maps become [] and {} at every depth (struct
// fields, pointers, slices and maps of structs, interfaces, generated messages), while omitempty,
// []byte, raw JSON and nil message pointers keep encoding/json's output.
func TestMarshalJSONEmptyLists(t *testing.T) {
	type inner struct {
		IDs []string `json:"ids"`
	}
	type outer struct {
		List    []string          `json:"list"`
		Omitted []string          `json:"omitted,omitempty"`
		Map     map[string]*inner `json:"map"`
		Values  map[string]inner  `json:"values"`
		Items   []inner           `json:"items"`
		Any     any               `json:"any"`
		Raw     json.RawMessage   `json:"raw"`
		Bytes   []byte            `json:"bytes"`
		Group   *GroupInfo        `json:"group"`
		Tips    *MemberKickedTips `json:"tips"`
	}
	v := &outer{
		Map:    map[string]*inner{"a": {}},
		Values: map[string]inner{"b": {}},
		Items:  []inner{{}},
		Any:    inner{},
		Raw:    json.RawMessage(`{"x":null}`),
		Tips:   &MemberKickedTips{OperationTime: 7},
	}
	b, err := MarshalJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"list":[],"map":{"a":{"ids":[]}},"values":{"b":{"ids":[]}},"items":[{"ids":[]}],"any":{"ids":[]},` +
		`"raw":{"x":null},"bytes":null,"group":null,"tips":{"group":null,"opUser":null,"kickedUserList":[],` +
		`"operationTime":7,"groupMemberVersion":0,"groupMemberVersionID":""}}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}

	for _, c := range []struct {
		in   any
		want string
	}{
		{nil, `null`},
		{[]string(nil), `[]`},
		{map[string][]int(nil), `{}`},
		{struct{ L []int }{}, `{"L":[]}`},
		{map[string]any{"l": []string(nil)}, `{"l":[]}`},
		{[]*GroupInfo(nil), `[]`},
	} {
		b, err := MarshalJSON(c.in)
		if err != nil || string(b) != c.want {
			t.Errorf("MarshalJSON(%#v) = %s, %v; want %s", c.in, b, err, c.want)
		}
	}
}

func TestNullLists(t *testing.T) {
	got, err := NullLists([]byte(`{"group":null,"ids":null,"a":[{"friendUser":null,"seqs":null},null],"m":{"k":{"l":null}}}`))
	want := []string{"$.a[0].seqs", "$.a[1]", "$.ids", "$.m.k.l"}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("NullLists = %v, %v; want %v", got, err, want)
	}
	if _, err := NullLists([]byte(`{`)); err == nil {
		t.Fatal("bad JSON accepted")
	}
}
