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

var errNoReads = im.ErrInternal.With("message reads are not available in this build")

func (imReader) NewestSeqs(ctx context.Context, q store.Q, userID string) (*pb.GetMaxSeqResp, error) {
	return nil, errNoReads
}

func (imReader) PullBySeqRanges(ctx context.Context, q store.Q, userID string, req *pb.PullMessageBySeqsReq) (*pb.PullMessageBySeqsResp, error) {
	return nil, errNoReads
}

func (imReader) PullBySeqs(ctx context.Context, q store.Q, userID string, req *pb.GetSeqMessageReq) (*pb.GetSeqMessageResp, error) {
	return nil, errNoReads
}

func (imReader) HasReadAndMaxSeqs(ctx context.Context, q store.Q, userID string, req *pb.GetConversationsHasReadAndMaxSeqReq) (*pb.GetConversationsHasReadAndMaxSeqResp, error) {
	return nil, errNoReads
}

func (imReader) LastMessages(ctx context.Context, q store.Q, userID string, req *pb.GetLastMessageReq) (*pb.GetLastMessageResp, error) {
	return nil, errNoReads
}
