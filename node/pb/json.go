package pb

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
)

// maxJSONDepth bounds the walk of MarshalJSON; wire values are a few levels deep.
const maxJSONDepth = 32

var jsonMarshaler = reflect.TypeFor[json.Marshaler]()

// MarshalJSON is the JSON of every REST answer, FSM result and notification tips: encoding/json,
// except that a nil slice is written as [] and a nil map as {}, as upstream's API does. The
// official SDK core passes lists straight to its local database code, which maps over them, so a
// null list breaks it. Fields tagged omitempty are still left out when empty. []byte (base64,
// json.RawMessage) and types with their own MarshalJSON are written as they are.
//
// It fills the nil slices and maps of v in place (what v points to must be the caller's alone);
// a value passed by value is copied first.
func MarshalJSON(v any) ([]byte, error) {
	fillEmpty(reflect.ValueOf(&v).Elem(), 0) // v's own slot, so a value inside it can be replaced
	return json.Marshal(v)
}

// fillEmpty replaces the nil slices and maps reachable from v with empty ones, where v can be set.
func fillEmpty(v reflect.Value, depth int) {
	if !v.IsValid() || depth > maxJSONDepth {
		return
	}
	if k := v.Kind(); k != reflect.Pointer && k != reflect.Interface &&
		(v.Type().Implements(jsonMarshaler) || reflect.PointerTo(v.Type()).Implements(jsonMarshaler)) {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() && !v.Type().Implements(jsonMarshaler) {
			fillEmpty(v.Elem(), depth+1)
		}
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		e := v.Elem()
		if e.Kind() == reflect.Pointer || !v.CanSet() {
			fillEmpty(e, depth+1)
			return
		}
		c := reflect.New(e.Type()).Elem()
		c.Set(e)
		fillEmpty(c, depth+1)
		v.Set(c)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Tag.Get("json") == "-" {
				continue
			}
			fillEmpty(v.Field(i), depth+1)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		if v.IsNil() {
			if v.CanSet() {
				v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			}
			return
		}
		for i := range v.Len() {
			fillEmpty(v.Index(i), depth+1)
		}
	case reflect.Array:
		for i := range v.Len() {
			fillEmpty(v.Index(i), depth+1)
		}
	case reflect.Map:
		if v.IsNil() {
			if v.CanSet() {
				v.Set(reflect.MakeMap(v.Type()))
			}
			return
		}
		for _, k := range v.MapKeys() {
			e := v.MapIndex(k)
			if e.Kind() == reflect.Pointer {
				fillEmpty(e, depth+1)
				continue
			}
			c := reflect.New(e.Type()).Elem()
			c.Set(e)
			fillEmpty(c, depth+1)
			v.SetMapIndex(k, c)
		}
	}
}

// nullableFields are the message fields that are null when absent, as upstream writes a nil
// message pointer; clients test them before use.
var nullableFields = map[string]bool{
	"group": true, "groupInfo": true, "user": true, "friendUser": true, "blackUserInfo": true, "friend": true,
	"opUser": true, "conversation": true, "lastMsg": true, "latestMsg": true, "msg": true,
	"offlinePushInfo": true, "request": true, "userInfo": true, "selfInfo": true, "groupOwner": true,
}

// NullLists returns the paths of the nulls in a JSON document that a client could trip on: every
// null except a nullable message field's. Tests use it to hold every answer and tips to
// MarshalJSON's promise.
func NullLists(doc []byte) ([]string, error) {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, err
	}
	return nullPaths(v, "$"), nil
}

func nullPaths(v any, path string) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			switch {
			case v[k] == nil && !nullableFields[k]:
				out = append(out, path+"."+k)
			case v[k] != nil:
				out = append(out, nullPaths(v[k], path+"."+k)...)
			}
		}
	case []any:
		for i, e := range v {
			p := fmt.Sprintf("%s[%d]", path, i)
			if e == nil {
				out = append(out, p)
				continue
			}
			out = append(out, nullPaths(e, p)...)
		}
	}
	return out
}
