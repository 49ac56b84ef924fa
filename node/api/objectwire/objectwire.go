// Package objectwire is the object API's JSON shapes and upstream's part size rule, shared by the
// node's API (node/api) and the Go client (node/client) so the two cannot drift apart. It holds no
// logic beyond the rule, which the SDK core applies to part_limit's answer too.
package objectwire

import "fmt"

// PartLimit is /object/part_limit's data.
type PartLimit struct {
	MinPartSize int64 `json:"minPartSize"`
	MaxPartSize int64 `json:"maxPartSize"`
	MaxNumSize  int64 `json:"maxNumSize"`
}

// PartSize is upstream's rule, which the SDK core applies to part_limit's answer: MinPartSize while
// MaxNumSize parts of it hold the object, else size / MaxNumSize rounded up.
func (l PartLimit) PartSize(size int64) (int64, error) {
	if size < 0 {
		return 0, fmt.Errorf("size %d is negative", size)
	}
	if size <= l.MinPartSize*l.MaxNumSize {
		return l.MinPartSize, nil
	}
	ps := (size + l.MaxNumSize - 1) / l.MaxNumSize
	if ps > l.MaxPartSize {
		return 0, fmt.Errorf("a file of %d bytes needs parts over %d bytes", size, l.MaxPartSize)
	}
	return ps, nil
}

// KeyValues is a query parameter or header of a signed URL (upstream's shape; values never null).
type KeyValues struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}

// SignPart is one signed part URL.
type SignPart struct {
	PartNumber int         `json:"partNumber"`
	URL        string      `json:"url"`
	Query      []KeyValues `json:"query"`
	Header     []KeyValues `json:"header"`
}

// AuthSign is a set of signed part URLs (/object/auth_sign's data). The JS SDK reads query and
// parts without a null check, so they are always arrays.
type AuthSign struct {
	URL    string      `json:"url"`
	Query  []KeyValues `json:"query"`
	Header []KeyValues `json:"header"`
	Parts  []SignPart  `json:"parts"`
}

// UploadInfo is initiate's upload.
type UploadInfo struct {
	UploadID   string   `json:"uploadID"`
	PartSize   int64    `json:"partSize"`
	Sign       AuthSign `json:"sign"`
	ExpireTime int64    `json:"expireTime"` // ms
}

// InitiateResp is initiate's data: URL alone when the office holds the content already.
type InitiateResp struct {
	URL    string      `json:"url"`
	Upload *UploadInfo `json:"upload,omitempty"`
}

// InitiateUploadReq is /object/initiate_multipart_upload's request.
type InitiateUploadReq struct {
	Hash        string `json:"hash"`
	Size        int64  `json:"size"`
	PartSize    int64  `json:"partSize"`
	MaxParts    int    `json:"maxParts"`
	Cause       string `json:"cause"`
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
}

// CompleteUploadReq is /object/complete_multipart_upload's request.
type CompleteUploadReq struct {
	UploadID    string   `json:"uploadID"`
	Parts       []string `json:"parts"`
	Name        string   `json:"name"`
	ContentType string   `json:"contentType"`
	Cause       string   `json:"cause"`
}
