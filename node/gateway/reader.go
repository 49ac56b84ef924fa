package gateway

import (
	"context"

	"lanim/node/im"
	"lanim/node/pb"
	"lanim/node/store"
)

// Reader serves the pull requests (1001, 1002, 1005, 1006, 1007) for the connection's user, on the
// read pool. The rules (which conversations a user may read, min/max seq windows, revoked and
// deleted messages) live in node/im; tests may substitute their own.
type Reader interface {
	NewestSeqs(ctx context.Context, q store.Q, userID string) (*pb.GetMaxSeqResp, error)
	PullBySeqRanges(ctx context.Context, q store.Q, userID string, req *pb.PullMessageBySeqsReq) (*pb.PullMessageBySeqsResp, error)
	PullBySeqs(ctx context.Context, q store.Q, userID string, req *pb.GetSeqMessageReq) (*pb.GetSeqMessageResp, error)
	HasReadAndMaxSeqs(ctx context.Context, q store.Q, userID string, req *pb.GetConversationsHasReadAndMaxSeqReq) (*pb.GetConversationsHasReadAndMaxSeqResp, error)
	LastMessages(ctx context.Context, q store.Q, userID string, req *pb.GetLastMessageReq) (*pb.GetLastMessageResp, error)
}

// imReader is the node/im read functions.
type imReader struct{}

func (imReader) NewestSeqs(ctx context.Context, q store.Q, userID string) (*pb.GetMaxSeqResp, error) {
	return im.NewestSeqs(ctx, q, userID)
}

func (imReader) PullBySeqRanges(ctx context.Context, q store.Q, userID string, req *pb.PullMessageBySeqsReq) (*pb.PullMessageBySeqsResp, error) {
	return im.PullBySeqRanges(ctx, q, userID, req)
}

func (imReader) PullBySeqs(ctx context.Context, q store.Q, userID string, req *pb.GetSeqMessageReq) (*pb.GetSeqMessageResp, error) {
	return im.PullBySeqs(ctx, q, userID, req)
}

func (imReader) HasReadAndMaxSeqs(ctx context.Context, q store.Q, userID string, req *pb.GetConversationsHasReadAndMaxSeqReq) (*pb.GetConversationsHasReadAndMaxSeqResp, error) {
	return im.HasReadAndMaxSeqs(ctx, q, userID, req)
}

func (imReader) LastMessages(ctx context.Context, q store.Q, userID string, req *pb.GetLastMessageReq) (*pb.GetLastMessageResp, error) {
	return im.LastMessages(ctx, q, userID, req)
}
