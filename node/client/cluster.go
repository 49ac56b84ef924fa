package client

import "context"

// LanIM's own office endpoints (POST /cluster/*): node/api answers with these types and the
// desktop app decodes them, so the JSON names live here once.

// ClusterStatus is POST /cluster/status's data: the answering node's view of its office.
type ClusterStatus struct {
	OfficeID     string          `json:"officeID"`
	OfficeName   string          `json:"officeName"`
	NodeID       string          `json:"nodeID"`
	LeaderID     string          `json:"leaderID"` // "" while the office has no quorum
	AppliedIndex uint64          `json:"appliedIndex"`
	StateDigest  string          `json:"stateDigest"`
	Members      []ClusterMember `json:"members"`
	// OfficeAdmins are the users who may invite computers, rename the office and grant the role
	// (besides imAdmin), by user ID.
	OfficeAdmins []string `json:"officeAdmins"`
	// OnlineUserIDs are the users connected anywhere in the office (the node caps the list).
	OnlineUserIDs []string `json:"onlineUserIDs"`
	// RequireFriendship: the office refuses single messages between non-friends (1303); set by
	// an office admin through /cluster/set_require_friendship.
	RequireFriendship bool `json:"requireFriendship"`
	// BlobCopies is how many members should keep each file; BlobsUnderReplicated counts the files
	// fewer members keep yet (copies are pushed in the background), BlobsLost those no member of
	// the office keeps any more.
	BlobCopies           int `json:"blobCopies"`
	BlobsUnderReplicated int `json:"blobsUnderReplicated"`
	BlobsLost            int `json:"blobsLost"`
	// OutboxDepth counts the message sends waiting in this node's outbox for the office (answered
	// 1690), OutboxOldestAgeMs how long the oldest has waited (0 when none does).
	OutboxDepth       int   `json:"outboxDepth"`
	OutboxOldestAgeMs int64 `json:"outboxOldestAgeMs"`
}

// ClusterMember is one node of the office.
type ClusterMember struct {
	NodeID   string `json:"nodeID"`
	Address  string `json:"address"`
	Suffrage string `json:"suffrage"` // SuffrageVoter or "nonvoter"
	Healthy  bool   `json:"healthy"`
	// Name is the computer's host name ("" until the answering node has heard from it) and
	// UserIDs the people signed in on it (the answering node caps the list).
	Name    string   `json:"name,omitempty"`
	UserIDs []string `json:"userIDs"`
}

// SuffrageVoter is the suffrage of a member that votes in the office's Raft group.
const SuffrageVoter = "voter"

// Discovery is POST /cluster/discover's data.
type Discovery struct {
	// Enabled is false when the node does not look on the LAN (--discovery off, a standalone
	// node, or a loopback cluster address); Offices is then empty.
	Enabled bool               `json:"enabled"`
	Offices []DiscoveredOffice `json:"offices"`
}

// DiscoveredOffice is an office whose members answered on the LAN.
type DiscoveredOffice struct {
	OfficeID   string   `json:"officeID"`
	OfficeName string   `json:"officeName"`
	Addresses  []string `json:"addresses"` // cluster addresses of the members that answered
}

// Invite is POST /cluster/invite's data.
type Invite struct {
	JoinCode string `json:"joinCode"`
	// ShortCode is the same invite for a person to read aloud or type, on the office's LAN.
	ShortCode string `json:"shortCode"`
}

// ClusterStatus asks the node for its office's status; any valid token may.
func (c *Client) ClusterStatus(ctx context.Context) (*ClusterStatus, error) {
	var st ClusterStatus
	if err := c.Call(ctx, "/cluster/status", nil, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// Discover asks the node which offices it hears on the LAN; a caller on the node's machine needs
// no token.
func (c *Client) Discover(ctx context.Context) (*Discovery, error) {
	var d Discovery
	if err := c.Call(ctx, "/cluster/discover", nil, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Invite makes a single-use join code; the token must be imAdmin's or an office admin's.
func (c *Client) Invite(ctx context.Context) (string, error) {
	var r Invite
	err := c.Call(ctx, "/cluster/invite", nil, &r)
	return r.JoinCode, err
}
