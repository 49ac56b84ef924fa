package im

import (
	"context"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// Group reads that carry rules: who may see a group's members and requests. They take a store.Q,
// so REST and any other front end serve them alike; none of them writes.

// maxGroupSyncDiff bounds one incremental answer: a client further behind gets full=true and
// refetches everything, as upstream does past its log limit.
const maxGroupSyncDiff = 500

// GroupIDTaken reports whether a group (live or dismissed) has this ID: the proposer draws a
// random ID for create_group until it finds a free one.
func GroupIDTaken(ctx context.Context, q store.Q, groupID string) (bool, error) {
	g, err := store.GetGroup(ctx, q, groupID)
	return g != nil, err
}

// GroupReader answers group reads for one caller.
type GroupReader struct {
	Ctx    context.Context
	Q      store.Q
	Caller Caller
}

// isManager reports whether userID is the owner or an admin of the group.
func (r GroupReader) isManager(groupID, userID string) (bool, error) {
	m, err := store.GetMember(r.Ctx, r.Q, groupID, userID)
	return m != nil && m.RoleLevel >= openim.RoleAdmin, err
}

// existingGroup is the group, 1001 for a bad ID, 1004 for an unknown one.
func (r GroupReader) existingGroup(groupID string) (*pb.GroupInfo, error) {
	if err := checkID("groupID", groupID); err != nil {
		return nil, err
	}
	return loadGroup(r.Ctx, r.Q, groupID)
}

// requireSeeMembers passes members of an existing group and app admins: 1004 for an unknown
// group, 1002 for anyone else.
func (r GroupReader) requireSeeMembers(groupID string) (*pb.GroupInfo, error) {
	g, err := r.existingGroup(groupID)
	if err != nil {
		return nil, err
	}
	if r.Caller.Admin() {
		return g, nil
	}
	m, err := store.GetMember(r.Ctx, r.Q, groupID, r.Caller.UserID)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, openim.ErrNoPermission.With("%s is not in group %s", r.Caller.UserID, groupID)
	}
	return g, nil
}

// GroupsInfo is get_groups_info: any user may look groups up; unknown IDs are left out.
func (r GroupReader) GroupsInfo(groupIDs []string) ([]*pb.GroupInfo, error) {
	if err := checkIDs("groupIDs", groupIDs); err != nil {
		return nil, err
	}
	return store.GetGroups(r.Ctx, r.Q, groupIDs)
}

// MemberList is get_group_member_list: members or app admins; owner, admins, then join order.
func (r GroupReader) MemberList(groupID, keyword string, offset, limit int) ([]*pb.GroupMemberFullInfo, int64, error) {
	if _, err := r.requireSeeMembers(groupID); err != nil {
		return nil, 0, err
	}
	if err := checkKeyword("keyword", keyword, openim.MaxNameLen); err != nil {
		return nil, 0, err
	}
	return store.MembersPage(r.Ctx, r.Q, groupID, keyword, offset, limit)
}

// MembersInfo is get_group_members_info: members and app admins see the listed users who are
// members; a former member (someone who left or was kicked, and still reads the group's history up
// to then) sees those of them who joined before they left, as they are now: the people of the
// history they may read. "Before" is the order of the member log, which every node applies alike
// (clocks of different proposers are not ordered). Anyone else gets 1002, an unknown group 1004.
// Listed users who are not (visible) members are left out: the official core asks once and takes
// what it gets.
func (r GroupReader) MembersInfo(groupID string, userIDs []string) ([]*pb.GroupMemberFullInfo, error) {
	if err := checkIDs("userIDs", userIDs); err != nil {
		return nil, err
	}
	if _, err := r.existingGroup(groupID); err != nil {
		return nil, err
	}
	member, err := r.isMember(groupID)
	if err != nil {
		return nil, err
	}
	if member {
		return store.GetMembers(r.Ctx, r.Q, groupID, userIDs)
	}
	entries, err := store.VersionEntries(r.Ctx, r.Q, memberLog(groupID), append([]string{r.Caller.UserID}, userIDs...))
	if err != nil {
		return nil, err
	}
	left, former := entries[r.Caller.UserID]
	if !former || left.State != store.VersionDelete {
		return nil, openim.ErrNoPermission.With("%s is not in group %s", r.Caller.UserID, groupID)
	}
	ms, err := store.GetMembers(r.Ctx, r.Q, groupID, userIDs)
	if err != nil {
		return nil, err
	}
	seen := ms[:0]
	for _, m := range ms {
		if entries[m.UserID].Inserted < left.Version {
			seen = append(seen, m)
		}
	}
	return seen, nil
}

// isMember reports whether the caller is in the group, or is an app admin.
func (r GroupReader) isMember(groupID string) (bool, error) {
	if r.Caller.Admin() {
		return true, nil
	}
	m, err := store.GetMember(r.Ctx, r.Q, groupID, r.Caller.UserID)
	return m != nil, err
}

// JoinedGroups is get_joined_group_list: self or admin.
func (r GroupReader) JoinedGroups(userID string, offset, limit int) ([]*pb.GroupInfo, int64, error) {
	if err := checkFields(checkID("fromUserID", userID), r.Caller.Access(userID)); err != nil {
		return nil, 0, err
	}
	return store.JoinedGroups(r.Ctx, r.Q, userID, offset, limit)
}

// RecvApplications is get_recv_group_applicationList: the requests to the groups userID manages
// (self or admin), or to the listed groups, each of which the caller must manage (1002).
func (r GroupReader) RecvApplications(userID string, groupIDs []string, results []int32, offset, limit int) ([]*pb.GroupRequest, int64, error) {
	if err := checkFields(checkID("fromUserID", userID), r.Caller.Access(userID)); err != nil {
		return nil, 0, err
	}
	if len(groupIDs) == 0 {
		ids, err := store.ManagedGroupIDs(r.Ctx, r.Q, userID)
		if err != nil || len(ids) == 0 {
			return nil, 0, err
		}
		groupIDs = ids
	} else {
		groupIDs = dedupe(groupIDs)
		if err := checkIDs("groupIDs", groupIDs); err != nil {
			return nil, 0, err
		}
		for _, gid := range groupIDs {
			if err := r.requireManages(gid); err != nil {
				return nil, 0, err
			}
		}
	}
	if err := checkHandleResults(results); err != nil {
		return nil, 0, err
	}
	reqs, total, err := store.GroupRequests(r.Ctx, r.Q, store.GroupRequestFilter{GroupIDs: groupIDs, HandleResults: results},
		offset, limit)
	if err != nil {
		return nil, 0, err
	}
	out, err := r.requestsInfo(reqs)
	return out, total, err
}

// requireManages passes the caller when they manage the group, or are an app admin and the group
// exists (1201 otherwise).
func (r GroupReader) requireManages(groupID string) error {
	if r.Caller.Admin() {
		g, err := store.GetGroup(r.Ctx, r.Q, groupID)
		if err != nil || g != nil {
			return err
		}
		return openim.ErrGroupIDNotFound.With("group %s not found", groupID)
	}
	ok, err := r.isManager(groupID, r.Caller.UserID)
	if err != nil || ok {
		return err
	}
	return openim.ErrNoPermission.With("%s is not the owner or an admin of group %s", r.Caller.UserID, groupID)
}

func checkHandleResults(results []int32) error {
	if len(results) > 3 {
		return openim.ErrArgs.With("handleResults lists %d values", len(results))
	}
	for _, v := range results {
		if err := checkRange("handleResults", v, openim.GroupRequestRefused, openim.GroupRequestAgreed); err != nil {
			return err
		}
	}
	return nil
}

// UserApplications is get_user_req_group_applicationList: self or admin; the user must exist.
func (r GroupReader) UserApplications(userID string, groupIDs []string, results []int32, offset, limit int) ([]*pb.GroupRequest, int64, error) {
	if err := checkFields(checkID("userID", userID), r.Caller.Access(userID)); err != nil {
		return nil, 0, err
	}
	if len(groupIDs) > 0 {
		groupIDs = dedupe(groupIDs)
		if err := checkIDs("groupIDs", groupIDs); err != nil {
			return nil, 0, err
		}
	}
	if err := checkHandleResults(results); err != nil {
		return nil, 0, err
	}
	u, err := store.GetUser(r.Ctx, r.Q, userID)
	if err != nil {
		return nil, 0, err
	}
	if u == nil {
		return nil, 0, openim.ErrRecordNotFound.With("user %s not found", userID)
	}
	reqs, total, err := store.GroupRequests(r.Ctx, r.Q, store.GroupRequestFilter{UserID: userID, GroupIDs: groupIDs,
		HandleResults: results}, offset, limit)
	if err != nil {
		return nil, 0, err
	}
	out, err := r.requestsInfo(reqs)
	return out, total, err
}

// SpecifiedRequest is get_specified_user_group_request_info: a user's request to a group, for
// that user, the group's managers and app admins (1002 for anyone else).
func (r GroupReader) SpecifiedRequest(groupID, userID string) ([]*pb.GroupRequest, error) {
	if err := checkID("userID", userID); err != nil {
		return nil, err
	}
	if _, err := r.existingGroup(groupID); err != nil {
		return nil, err
	}
	if userID != r.Caller.UserID && !r.Caller.Admin() {
		ok, err := r.isManager(groupID, r.Caller.UserID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, openim.ErrNoPermission.With("only the applicant and the group's managers see this request")
		}
	}
	req, err := store.GetGroupRequest(r.Ctx, r.Q, groupID, userID)
	if err != nil || req == nil {
		return []*pb.GroupRequest{}, err
	}
	return r.requestsInfo([]*store.GroupRequest{req})
}

// requestsInfo adds the applicant's profile and the group to each request.
func (r GroupReader) requestsInfo(reqs []*store.GroupRequest) ([]*pb.GroupRequest, error) {
	if len(reqs) == 0 {
		return nil, nil
	}
	var gids, uids []string
	for _, req := range reqs {
		gids, uids = append(gids, req.GroupID), append(uids, req.UserID)
	}
	groups, err := store.GetGroups(r.Ctx, r.Q, dedupe(gids))
	if err != nil {
		return nil, err
	}
	users, err := store.GetUsers(r.Ctx, r.Q, dedupe(uids))
	if err != nil {
		return nil, err
	}
	groupByID := make(map[string]*pb.GroupInfo, len(groups))
	for _, g := range groups {
		groupByID[g.GroupID] = g
	}
	userByID := make(map[string]*pb.PublicUserInfo, len(users))
	for _, u := range users {
		userByID[u.UserID] = &pb.PublicUserInfo{UserID: u.UserID, Nickname: u.Nickname, FaceURL: u.FaceURL, Ex: u.Ex}
	}
	out := make([]*pb.GroupRequest, 0, len(reqs))
	for _, req := range reqs {
		u := userByID[req.UserID]
		if u == nil {
			u = &pb.PublicUserInfo{UserID: req.UserID}
		}
		out = append(out, GroupRequestInfo(req, u, groupByID[req.GroupID]))
	}
	return out, nil
}

// ---------------------------------------------------------------------------------------------
// Full ID lists and incremental sync (openim-wire.md 4.5)

// FullMemberIDs is get_full_group_member_user_ids' answer: the whole list unless the client's
// hash of it matches. Lists are [] rather than null, so clients may always read their length.
type FullMemberIDs struct {
	Version   uint64   `json:"version"`
	VersionID string   `json:"versionID"`
	Equal     bool     `json:"equal"`
	UserIDs   []string `json:"userIDs"`
}

// FullJoinedGroupIDs is get_full_join_group_ids' answer, shaped as FullMemberIDs.
type FullJoinedGroupIDs struct {
	Version   uint64   `json:"version"`
	VersionID string   `json:"versionID"`
	Equal     bool     `json:"equal"`
	GroupIDs  []string `json:"groupIDs"`
}

// FullMemberIDs lists a group's members (members and app admins only).
func (r GroupReader) FullMemberIDs(groupID string, idHash uint64) (*FullMemberIDs, error) {
	if _, err := r.requireSeeMembers(groupID); err != nil {
		return nil, err
	}
	ids, err := store.MemberIDs(r.Ctx, r.Q, groupID)
	if err != nil {
		return nil, err
	}
	head, err := logHead(r.Ctx, r.Q, memberLog(groupID))
	if err != nil {
		return nil, err
	}
	equal := idHash == IDHash(ids)
	return &FullMemberIDs{Version: head.Version, VersionID: head.ID, Equal: equal, UserIDs: idsUnlessEqual(ids, equal)}, nil
}

// FullJoinedGroupIDs lists a user's groups (self or admin).
func (r GroupReader) FullJoinedGroupIDs(userID string, idHash uint64) (*FullJoinedGroupIDs, error) {
	if err := checkFields(checkID("userID", userID), r.Caller.Access(userID)); err != nil {
		return nil, err
	}
	ids, err := store.JoinedGroupIDs(r.Ctx, r.Q, userID)
	if err != nil {
		return nil, err
	}
	head, err := logHead(r.Ctx, r.Q, joinedGroupLog(userID))
	if err != nil {
		return nil, err
	}
	equal := idHash == IDHash(ids)
	return &FullJoinedGroupIDs{Version: head.Version, VersionID: head.ID, Equal: equal, GroupIDs: idsUnlessEqual(ids, equal)}, nil
}

// groupSyncDiff is what changed in a log since the client's position.
type groupSyncDiff struct {
	head                   store.VersionHead
	full                   bool
	inserted, updated, del []string
	selfChanged            bool // element "": the object owning the log (a group) changed
}

// diffGroupSync compares the client's (versionID, version) with the log: full when the client has
// nothing, another log, a future version or is too far behind; nothing when it is current; else
// every element whose latest change is newer, by state.
func diffGroupSync(ctx context.Context, q store.Q, key, versionID string, version uint64) (*groupSyncDiff, error) {
	v, err := diffVersion(ctx, q, key, versionID, version)
	if err != nil {
		return nil, err
	}
	d := &groupSyncDiff{head: v.Head, full: v.Full}
	if len(v.Changes) > maxGroupSyncDiff {
		d.full = true
		return d, nil
	}
	for _, c := range v.Changes {
		switch {
		case c.Element == "":
			d.selfChanged = true
		case c.State == store.VersionInsert:
			d.inserted = append(d.inserted, c.Element)
		case c.State == store.VersionDelete:
			d.del = append(d.del, c.Element)
		default:
			d.updated = append(d.updated, c.Element)
		}
	}
	return d, nil
}

// IncrementalJoinGroups is get_incremental_join_groups' answer.
type IncrementalJoinGroups = Incremental[*pb.GroupInfo]

// IncrementalJoinGroups diffs a user's joined-group list (self or admin).
func (r GroupReader) IncrementalJoinGroups(userID, versionID string, version uint64) (*IncrementalJoinGroups, error) {
	if err := checkFields(checkID("userID", userID), r.Caller.Access(userID)); err != nil {
		return nil, err
	}
	d, err := diffGroupSync(r.Ctx, r.Q, joinedGroupLog(userID), versionID, version)
	if err != nil {
		return nil, err
	}
	out := &IncrementalJoinGroups{VersionID: d.head.ID, Version: d.head.Version, Full: d.full, Delete: d.del}
	if out.Insert, err = r.groupsOrNil(d.inserted); err != nil {
		return nil, err
	}
	if out.Update, err = r.groupsOrNil(d.updated); err != nil {
		return nil, err
	}
	return out, nil
}

func (r GroupReader) groupsOrNil(ids []string) ([]*pb.GroupInfo, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	gs, err := store.GetGroups(r.Ctx, r.Q, ids)
	if len(gs) == 0 {
		return nil, err
	}
	return gs, err
}

// IncrementalMembers is one group's entry of get_incremental_group_members(_batch). Empty insert
// and update lists are left out, neither null nor []: the JS SDK takes an empty array for present
// and reads its first element, and the official core treats absent as empty.
type IncrementalMembers struct {
	VersionID   string                    `json:"versionID"`
	Version     uint64                    `json:"version"`
	Full        bool                      `json:"full"`
	Delete      []string                  `json:"delete"`
	Insert      []*pb.GroupMemberFullInfo `json:"insert,omitempty"`
	Update      []*pb.GroupMemberFullInfo `json:"update,omitempty"`
	Group       *pb.GroupInfo             `json:"group"`
	SortVersion uint64                    `json:"sortVersion"`
}

// IncrementalMembers diffs one group's member list (members and app admins only; 1204 for a
// dismissed group). The group comes along when the answer is full or anything changed.
func (r GroupReader) IncrementalMembers(groupID, versionID string, version uint64) (*IncrementalMembers, error) {
	g, err := r.requireSeeMembers(groupID)
	if err != nil {
		return nil, err
	}
	if g.Status == openim.GroupStatusDismissed {
		return nil, openim.ErrDismissedAlready.With("group %s is dismissed", groupID)
	}
	return r.incrementalMembers(g, versionID, version, false)
}

func (r GroupReader) incrementalMembers(g *pb.GroupInfo, versionID string, version uint64, forceFull bool) (*IncrementalMembers, error) {
	d, err := diffGroupSync(r.Ctx, r.Q, memberLog(g.GroupID), versionID, version)
	if err != nil {
		return nil, err
	}
	if forceFull {
		d = &groupSyncDiff{head: d.head, full: true}
	}
	out := &IncrementalMembers{VersionID: d.head.ID, Version: d.head.Version, Full: d.full, Delete: d.del}
	if out.Insert, err = r.membersOrNil(g.GroupID, d.inserted); err != nil {
		return nil, err
	}
	if out.Update, err = r.membersOrNil(g.GroupID, d.updated); err != nil {
		return nil, err
	}
	if d.full || d.selfChanged || len(d.inserted)+len(d.updated)+len(d.del) > 0 {
		out.Group = g
	}
	return out, nil
}

func (r GroupReader) membersOrNil(groupID string, ids []string) ([]*pb.GroupMemberFullInfo, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ms, err := store.GetMembers(r.Ctx, r.Q, groupID, ids)
	if len(ms) == 0 {
		return nil, err
	}
	return ms, err
}

// MemberVersionReq is one group of get_incremental_group_members_batch.
type MemberVersionReq struct {
	GroupID   string `json:"groupID"`
	VersionID string `json:"versionID"`
	Version   uint64 `json:"version"`
}

// IncrementalMembersBatch answers get_incremental_group_members_batch for userID (self or admin)
// with an entry for every requested group: the official core asks again until each group it asked
// about is answered, so a group left out makes it loop. A group userID is in gets its diff; any
// other (left, kicked, dismissed, unknown) gets its request echoed back, full=false with no lists
// and no group: the client keeps what it had and learns nothing new (DESIGN.md, "Incremental and
// batch answers"). Past maxGroupSyncDiff changes in total, the remaining groups answer full=true.
func (r GroupReader) IncrementalMembersBatch(userID string, reqs []MemberVersionReq) (map[string]*IncrementalMembers, error) {
	userID = idOrDefault(userID, r.Caller.UserID)
	if err := checkFields(checkID("userID", userID), r.Caller.Access(userID)); err != nil {
		return nil, err
	}
	if len(reqs) > openim.MaxBatch {
		return nil, openim.ErrArgs.With("reqList has %d groups, at most %d", len(reqs), openim.MaxBatch)
	}
	for _, req := range reqs {
		if err := checkID("groupID", req.GroupID); err != nil {
			return nil, err
		}
	}
	out := make(map[string]*IncrementalMembers, len(reqs))
	changes := 0
	for _, req := range reqs {
		if _, done := out[req.GroupID]; done {
			continue
		}
		g, err := r.liveGroupOf(req.GroupID, userID)
		if err != nil {
			return nil, err
		}
		if g == nil {
			out[req.GroupID] = unchangedMembers(req)
			continue
		}
		resp, err := r.incrementalMembers(g, req.VersionID, req.Version, changes >= maxGroupSyncDiff)
		if err != nil {
			return nil, err
		}
		changes += len(resp.Insert) + len(resp.Update) + len(resp.Delete)
		out[req.GroupID] = resp
	}
	return out, nil
}

// liveGroupOf is the group when it exists, is not dismissed and userID is in it; nil otherwise.
func (r GroupReader) liveGroupOf(groupID, userID string) (*pb.GroupInfo, error) {
	m, err := store.GetMember(r.Ctx, r.Q, groupID, userID)
	if err != nil || m == nil {
		return nil, err
	}
	g, err := store.GetGroup(r.Ctx, r.Q, groupID)
	if err != nil || g == nil || g.Status == openim.GroupStatusDismissed {
		return nil, err
	}
	return g, nil
}

// unchangedMembers is the answer for a group the reader may not follow: their own position back,
// nothing changed. The core's sync then stores nothing and moves on; should they rejoin, their
// next diff starts from where their copy really is.
func unchangedMembers(req MemberVersionReq) *IncrementalMembers {
	return &IncrementalMembers{VersionID: req.VersionID, Version: req.Version, Delete: []string{}}
}
