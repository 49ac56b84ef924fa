package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/store"
)

// call is one request being served.
type call struct {
	s      *Server
	ctx    context.Context
	r      *http.Request
	opID   string
	caller im.Caller
	now    time.Time
}

// q is the read pool: handlers read committed state without Raft.
func (c *call) q() store.Q { return c.s.cfg.DB.Reader() }

// propose commits a command and returns its result data (nil when it has none).
func (c *call) propose(kind string, args any) (json.RawMessage, error) {
	cmd, err := im.NewCommand(kind, c.caller, c.now.UnixMilli(), c.opID, args)
	if err != nil {
		return nil, err
	}
	res, err := c.s.cfg.Proposer.Propose(c.ctx, cmd)
	if err != nil {
		return nil, err
	}
	if res.Err != nil {
		return nil, res.Err
	}
	return res.Data, nil
}

// decode reads a JSON body into v. Like upstream, keys match case-insensitively, unknown keys are
// ignored, and a type mismatch is a 1001 whose errMsg is the decoder's text.
func decode(body []byte, v any) error {
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := checkUTF8(body); err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		if errors.As(err, &typeErr) || errors.As(err, &syntaxErr) {
			return &openim.Error{Code: openim.ErrArgs.Code, Msg: err.Error()}
		}
		return openim.ErrArgs.With("%v", err)
	}
	return nil
}

// checker is a command's arguments: the same struct is the request body and the command, and its
// Check runs here as a fast path and again in the FSM.
type checker[A any] interface {
	*A
	Check(im.Caller) error
}

// proposeJSON is the handler of an endpoint whose JSON body is the command's arguments.
func proposeJSON[A any, PA checker[A]](kind string) func(c *call, body []byte) (any, error) {
	return func(c *call, body []byte) (any, error) {
		a := PA(new(A))
		if err := decode(body, a); err != nil {
			return nil, err
		}
		return c.proposeChecked(kind, a)
	}
}

// read is the handler of a read endpoint with a JSON request.
func read[R any](fn func(c *call, req *R) (any, error)) func(c *call, body []byte) (any, error) {
	return func(c *call, body []byte) (any, error) {
		req := new(R)
		if err := decode(body, req); err != nil {
			return nil, err
		}
		return fn(c, req)
	}
}

// checkedRead is read for a request that carries its access rule (an im query's Check): the rule
// runs on the caller before fn, so no handler can leave it out.
func checkedRead[R any, P interface {
	*R
	Check(im.Caller) error
}](fn func(c *call, req P) (any, error)) func(c *call, body []byte) (any, error) {
	return read(func(c *call, req *R) (any, error) {
		if err := P(req).Check(c.caller); err != nil {
			return nil, err
		}
		return fn(c, req)
	})
}

// paged is the handler of a paged list, whose request embeds its *Pagination: the pagination is
// checked (after the access rule, under checkedRead) and fn reads the page at offset, limit.
func paged[P interface {
	page() (offset, limit int, err error)
}](fn func(c *call, req P, offset, limit int) (any, error)) func(c *call, req P) (any, error) {
	return func(c *call, req P) (any, error) {
		offset, limit, err := req.page()
		if err != nil {
			return nil, err
		}
		return fn(c, req, offset, limit)
	}
}

// Pagination is upstream's {pageNumber >= 1, showNumber > 0}.
type Pagination struct {
	PageNumber int32 `json:"pageNumber"`
	ShowNumber int32 `json:"showNumber"`
}

// page returns offset and limit, checking the bounds.
func (p *Pagination) page() (offset, limit int, err error) {
	if p == nil || p.PageNumber < 1 || p.ShowNumber < 1 {
		return 0, 0, openim.ErrArgs.With("pagination needs pageNumber >= 1 and showNumber >= 1")
	}
	if p.ShowNumber > openim.MaxPageSize {
		return 0, 0, openim.ErrArgs.With("showNumber %d is over %d", p.ShowNumber, openim.MaxPageSize)
	}
	return int(p.PageNumber-1) * int(p.ShowNumber), int(p.ShowNumber), nil
}

// refuse runs a command's Check and its stateful rules against this node's replica.
func (c *call) refuse(a interface{ Check(im.Caller) error }) error {
	if err := a.Check(c.caller); err != nil {
		return err
	}
	return im.Refuse(c.ctx, c.q(), c.caller, c.now.UnixMilli(), a)
}

// proposeChecked runs a command's Check (the fast path) and the refusals the replica can decide
// (im.Refuse: a refused call costs no log entry), then proposes it.
func (c *call) proposeChecked(kind string, a interface{ Check(im.Caller) error }) (any, error) {
	if err := c.refuse(a); err != nil {
		return nil, err
	}
	data, err := c.propose(kind, a)
	if err != nil || data == nil {
		return nil, err
	}
	return data, nil
}

// checkUTF8 refuses a JSON body that is not UTF-8 or escapes half a surrogate pair: encoding/json
// would turn either into U+FFFD, and a client's text is refused, never rewritten (node/im
// checks the decoded strings). A backslash occurs only inside JSON strings, so escapes are found
// without tracking the strings.
func checkUTF8(body []byte) error {
	if !utf8.Valid(body) {
		return openim.ErrArgs.With("the body is not valid UTF-8")
	}
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' || i+1 >= len(body) {
			continue
		}
		if body[i+1] != 'u' {
			i++ // a one-character escape, such as \\ or \"
			continue
		}
		r := escapedRune(body[i:])
		switch {
		case !utf16.IsSurrogate(r):
			i += 5
		case utf16.DecodeRune(r, escapedRune(body[i+6:])) != utf8.RuneError:
			i += 11 // a high surrogate and its low half
		default:
			return openim.ErrArgs.With("the body escapes half a surrogate pair (\\u%04X): not valid UTF-16 text", r)
		}
	}
	return nil
}

// escapedRune reads the \uXXXX escape b starts with; -1 when it does not start with one.
func escapedRune(b []byte) rune {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return -1
	}
	n, err := strconv.ParseUint(string(b[2:6]), 16, 16)
	if err != nil {
		return -1
	}
	return rune(n)
}
