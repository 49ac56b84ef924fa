package api

import (
	"mime"

	"google.golang.org/protobuf/proto"

	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
)

// The /jssdk/* endpoints take a raw protobuf body (Content-Type application/x-protobuf) and answer
// the JSON envelope with data = the protobuf response, which encoding/json writes as a base64
// string (openim-wire.md 4.4). Like upstream, a JSON request (or one without a Content-Type) gets
// the response as a JSON object instead.

// isProtobuf reports whether the request body is protobuf rather than JSON.
func (c *call) isProtobuf() bool {
	mt, _, err := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	return err == nil && (mt == "application/x-protobuf" || mt == "application/protobuf")
}

// decodeJSSDK reads the request as protobuf or JSON, by its Content-Type.
func (c *call) decodeJSSDK(body []byte, req proto.Message) error {
	if !c.isProtobuf() {
		return decode(body, req)
	}
	if err := proto.Unmarshal(body, req); err != nil {
		return openim.ErrArgs.With("bad protobuf body: %v", err)
	}
	return nil
}

// jssdkRequest decodes a request (decodeJSSDK) and returns its owner: its ownerUserID, the caller
// when empty; the caller must act for it.
func (c *call) jssdkRequest(body []byte, req interface {
	proto.Message
	GetOwnerUserID() string
}) (string, error) {
	if err := c.decodeJSSDK(body, req); err != nil {
		return "", err
	}
	owner := req.GetOwnerUserID()
	if owner == "" {
		owner = c.caller.UserID
	}
	return owner, im.CheckOwner(c.caller, "ownerUserID", owner)
}

// encodeJSSDK answers resp as protobuf bytes to a protobuf request, as itself to a JSON one.
// nonEmpty marks an answer the SDK cannot take as zero bytes (see neverEmpty).
func (c *call) encodeJSSDK(resp proto.Message, nonEmpty bool) (any, error) {
	if !c.isProtobuf() {
		return resp, nil
	}
	b, err := proto.Marshal(resp)
	if err != nil {
		return nil, openim.ErrInternal.With("encode response: %v", err)
	}
	if nonEmpty {
		return neverEmpty(b), nil
	}
	if b == nil {
		b = []byte{} // data "", not null
	}
	return b, nil
}

// emptyPayloadPad is an unknown field (15, varint 0) that every protobuf decoder skips.
var emptyPayloadPad = []byte{0x78, 0x00}

// neverEmpty pads an empty protobuf answer: the JS SDK decodes zero bytes to null and then fails on
// /jssdk/get_conversations (openim-wire.md 7.7).
func neverEmpty(b []byte) []byte {
	if len(b) > 0 {
		return b
	}
	return append([]byte(nil), emptyPayloadPad...)
}

func jssdkGetConversations(c *call, body []byte) (any, error) {
	req := &pb.GetConversationsReq{}
	owner, err := c.jssdkRequest(body, req)
	if err != nil {
		return nil, err
	}
	if err := im.CheckConversationIDs(req.ConversationIDs); err != nil {
		return nil, err
	}
	resp, err := im.JSSDKConversations(c.ctx, c.q(), owner, req.ConversationIDs)
	if err != nil {
		return nil, err
	}
	return c.encodeJSSDK(resp, len(req.ConversationIDs) > 0)
}

func jssdkGetActiveConversations(c *call, body []byte) (any, error) {
	req := &pb.GetActiveConversationsReq{}
	owner, err := c.jssdkRequest(body, req)
	if err != nil {
		return nil, err
	}
	resp, err := im.JSSDKActiveConversations(c.ctx, c.q(), owner, req.Count)
	if err != nil {
		return nil, err
	}
	return c.encodeJSSDK(resp, false)
}
