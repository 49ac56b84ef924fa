package ui

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
)

// parseClusterStatus reads /cluster/status leniently: the fields the office panel knows under
// the names a status answer commonly uses, and every other field as a labelled value, so the
// panel shows whatever the node reports.
func parseClusterStatus(raw map[string]any) *ClusterStatus {
	st := &ClusterStatus{}
	used := map[string]bool{}
	take := func(keys ...string) any {
		for _, k := range keys {
			if v, ok := raw[k]; ok {
				used[k] = true
				return v
			}
		}
		return nil
	}
	switch off := take("officeName", "office", "name").(type) {
	case string:
		st.OfficeName = off
	case map[string]any:
		st.OfficeName = str(off, "name", "officeName")
	}
	st.NodeID = asString(take("nodeID", "nodeId", "id", "self"))
	st.LeaderID = asString(take("leaderID", "leaderId", "leader"))
	quorum, known := asBool(take("hasQuorum", "quorum", "healthy"))
	st.HasQuorum = quorum || !known && st.LeaderID != ""
	for _, item := range asList(take("nodes", "servers", "members", "peers")) {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		n := NodeStatus{ID: str(m, "id", "nodeID", "nodeId", "ID"), Name: str(m, "name", "hostname"),
			Addr: str(m, "addr", "address", "raftAddr")}
		n.Voter, _ = asBool(firstOf(m, "voter", "isVoter"))
		if s := str(m, "suffrage", "role"); strings.EqualFold(s, "voter") {
			n.Voter = true
		}
		n.Leader, _ = asBool(firstOf(m, "leader", "isLeader"))
		n.Leader = n.Leader || n.ID != "" && n.ID == st.LeaderID
		reach, known := asBool(firstOf(m, "reachable", "healthy", "alive", "online"))
		n.Reachable = reach || !known
		st.Nodes = append(st.Nodes, n)
	}
	for _, item := range asList(take("officeAdmins")) {
		if s, ok := item.(string); ok {
			st.OfficeAdmins = append(st.OfficeAdmins, s)
		}
	}
	for _, item := range asList(take("online", "onlineUsers", "onlineUserIDs")) {
		if s, ok := item.(string); ok {
			st.Online = append(st.Online, s)
		}
	}
	if depth, ok := take("outboxDepth").(float64); ok {
		st.Outbox = int(depth)
	}
	if age, ok := take("outboxOldestAgeMs").(float64); ok {
		st.OutboxOldest = time.Duration(age) * time.Millisecond
	}
	if h, ok := take("health", "node", "this").(map[string]any); ok {
		st.Health = kvs(h)
	}
	// This node's Raft and state figures belong with its health.
	health := map[string]any{}
	for _, k := range healthKeys {
		if v, ok := raw[k]; ok && !used[k] {
			used[k] = true
			health[k] = v
		}
	}
	st.Health = append(st.Health, kvs(health)...)
	rest := map[string]any{}
	for k, v := range raw {
		if !used[k] {
			rest[k] = v
		}
	}
	st.Extra = kvs(rest)
	return st
}

// healthKeys are status fields about this node itself.
var healthKeys = []string{"state", "raftState", "term", "appliedIndex", "commitIndex", "lastIndex", "lastContact",
	"stateDigest", "uptime", "version"}

// kvs lists a map's fields by key, values shown as text.
func kvs(m map[string]any) []KV {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]KV, 0, len(keys))
	for _, k := range keys {
		out = append(out, KV{Key: label(k), Value: asString(m[k])})
	}
	return out
}

// label turns a JSON key into words: "appliedIndex" -> "Applied index", "officeID" -> "Office ID".
func label(key string) string {
	var words []string
	start := 0
	runes := []rune(key)
	for i := 1; i < len(runes); i++ {
		if unicode.IsUpper(runes[i]) && unicode.IsLower(runes[i-1]) {
			words = append(words, string(runes[start:i]))
			start = i
		}
	}
	words = append(words, string(runes[start:]))
	for i, w := range words {
		if strings.ToUpper(w) != w { // an acronym stays as it is
			w = strings.ToLower(w)
		}
		if i == 0 {
			r := []rune(w)
			r[0] = unicode.ToUpper(r[0])
			w = string(r)
		}
		words[i] = w
	}
	return strings.Join(words, " ")
}

func firstOf(m map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return nil
}

// str is the first of the keys that holds a string (or a number, as text).
func str(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if v, ok := m[k]; ok && v != nil {
			return asString(v)
		}
	}
	return ""
}

// firstList is the first of the keys that holds a list.
func firstList(m map[string]any, keys ...string) []any {
	for _, k := range keys {
		if l := asList(m[k]); l != nil {
			return l
		}
	}
	return nil
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func asBool(v any) (value, known bool) {
	switch b := v.(type) {
	case bool:
		return b, true
	case string:
		return strings.EqualFold(b, "true") || strings.EqualFold(b, "yes"), true
	}
	return false, false
}

func asString(v any) string {
	switch s := v.(type) {
	case nil:
		return ""
	case string:
		return s
	case float64:
		if s == float64(int64(s)) {
			return fmt.Sprint(int64(s))
		}
		return fmt.Sprint(s)
	case bool:
		if s {
			return "yes"
		}
		return "no"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
