package e2e

import "lanim/node/pb"

// Response shapes the tests decode (entities are the wire types, whose JSON is upstream's).

type pagination struct {
	PageNumber int32 `json:"pageNumber"`
	ShowNumber int32 `json:"showNumber"`
}

func page(number, show int32) pagination { return pagination{PageNumber: number, ShowNumber: show} }

type usersInfo struct {
	UsersInfo []*pb.UserInfo `json:"usersInfo"`
	Users     []*pb.UserInfo `json:"users"`
}

type friendList struct {
	FriendsInfo []*pb.FriendInfo `json:"friendsInfo"`
	Total       int64            `json:"total"`
}

type friendApplies struct {
	Recv  []*pb.FriendRequest `json:"FriendRequests"`
	Sent  []*pb.FriendRequest `json:"friendRequests"`
	Total int64               `json:"total"`
}

type blackList struct {
	Blacks []*pb.BlackInfo `json:"blacks"`
	Total  int64           `json:"total"`
}

type incrementalFriends struct {
	VersionID string           `json:"versionID"`
	Version   uint64           `json:"version"`
	Full      bool             `json:"full"`
	Delete    []string         `json:"delete"`
	Insert    []*pb.FriendInfo `json:"insert"`
	Update    []*pb.FriendInfo `json:"update"`
}

type fullFriendIDs struct {
	VersionID string   `json:"versionID"`
	Version   uint64   `json:"version"`
	Equal     bool     `json:"equal"`
	UserIDs   []string `json:"userIDs"`
}
