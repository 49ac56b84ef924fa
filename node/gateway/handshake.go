package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/coder/websocket"

	"lanim/node/gateway/wire"
	"lanim/node/openim"
)

// params are a connection's query parameters (openim-semantics.md 7.1).
type params struct {
	userID      string
	token       string
	platformID  int32
	operationID string
	background  bool
	msgResp     bool // isMsgResp / sendResponse: answer the handshake with a text frame
	gob         bool // sdkType go (or empty)
	gzip        bool
	sdkVersion  string
	pending     bool // lanimPending: LanIM's desktop app asks for messages still waiting for a quorum (2090)
}

// vParams is the JSON of the alternative ?v=<base64url JSON> form.
type vParams struct {
	Token        string `json:"token"`
	UserID       string `json:"userID"`
	PlatformID   int32  `json:"platformID"`
	OperationID  string `json:"operationID"`
	Compression  string `json:"compression"`
	SDKType      string `json:"sdkType"`
	SendResponse bool   `json:"sendResponse"`
	Background   bool   `json:"background"`
	SDKVersion   string `json:"sdkVersion"`
	LanIMPending bool   `json:"lanimPending"`
}

// parseParams reads the query (or its v form). The returned params carry msgResp even on error,
// so the refusal takes the form the client asked for.
func parseParams(r *http.Request) (params, *openim.Error) {
	query := r.URL.Query()
	if v := query.Get("v"); v != "" {
		return parseV(v)
	}
	var p params
	p.msgResp, _ = strconv.ParseBool(query.Get("isMsgResp"))
	p.userID = query.Get("sendID")
	p.token = query.Get("token")
	p.operationID = query.Get("operationID")
	p.sdkVersion = query.Get("sdkVersion")
	p.pending, _ = strconv.ParseBool(query.Get("lanimPending"))
	p.gzip = query.Get("compression") == "gzip" || r.Header.Get("compression") == "gzip"
	if p.token == "" || p.userID == "" || p.operationID == "" {
		return p, openim.ErrConnArgs.With("args err, need token, sendID, platformID, operationID")
	}
	pid, err := strconv.ParseInt(query.Get("platformID"), 10, 32)
	if err != nil || !openim.ValidPlatform(int32(pid)) {
		return p, openim.ErrConnArgs.With("platformID %q is not a known platform", query.Get("platformID"))
	}
	p.platformID = int32(pid)
	if p.background, err = strconv.ParseBool(query.Get("isBackground")); err != nil {
		return p, openim.ErrConnArgs.With("isBackground %q is not a bool", query.Get("isBackground"))
	}
	var ierr *openim.Error
	p.gob, ierr = sdkTypeGob(query.Get("sdkType"))
	return p, ierr
}

func parseV(v string) (params, *openim.Error) {
	var p params
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(v, "="))
	if err != nil {
		return p, openim.ErrConnArgs.With("v is not base64url: %v", err)
	}
	var vp vParams
	if err := json.Unmarshal(raw, &vp); err != nil {
		return p, openim.ErrConnArgs.With("v is not JSON: %v", err)
	}
	p = params{userID: vp.UserID, token: vp.Token, platformID: vp.PlatformID, operationID: vp.OperationID,
		background: vp.Background, msgResp: vp.SendResponse, gzip: vp.Compression == "gzip", sdkVersion: vp.SDKVersion,
		pending: vp.LanIMPending}
	if p.token == "" || p.userID == "" || p.operationID == "" {
		return p, openim.ErrConnArgs.With("args err, need token, userID, platformID, operationID")
	}
	if !openim.ValidPlatform(p.platformID) {
		return p, openim.ErrConnArgs.With("platformID %d is not a known platform", p.platformID)
	}
	var ierr *openim.Error
	p.gob, ierr = sdkTypeGob(vp.SDKType)
	return p, ierr
}

func sdkTypeGob(sdkType string) (bool, *openim.Error) {
	switch sdkType {
	case "", "go":
		return true, nil
	case "js":
		return false, nil
	default:
		return false, openim.ErrConnArgs.With("sdkType %q: use js or go", sdkType)
	}
}

// ServeHTTP is the handshake: upstream's checks in order (connection count 1601, parameters 1602,
// token 15xx, token owner 1502), then the upgrade and, with isMsgResp, the first text frame.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		http.Error(w, "node shutting down", http.StatusServiceUnavailable)
		return
	}
	g.wg.Add(1)
	g.mu.Unlock()
	defer g.wg.Done()

	defer g.nconns.Add(-1)
	if g.nconns.Add(1) > int64(g.cfg.MaxConns) {
		p, _ := parseParams(r)
		g.refuse(w, r, p, openim.ErrConnOverMaxNum.With("over max conn num limit %d", g.cfg.MaxConns))
		return
	}
	p, ierr := parseParams(r)
	if ierr == nil {
		ierr = g.checkToken(r.Context(), p)
	}
	if ierr != nil {
		g.refuse(w, r, p, ierr)
		return
	}
	c := newConn(g, p)
	ws, err := websocket.Accept(smallBuffers{ResponseWriter: w, conn: &c.raw}, r, &websocket.AcceptOptions{
		// Any origin: browsers run the JS SDK from the app's own origin; the token is the credential.
		InsecureSkipVerify: true,
		CompressionMode:    websocket.CompressionDisabled,
		OnPingReceived:     func(context.Context, []byte) bool { c.touch(); return true },
		OnPongReceived:     func(context.Context, []byte) { c.touch() },
	})
	if err != nil {
		g.cfg.Log.Debug("ws upgrade failed", "user", p.userID, "err", err)
		return
	}
	ws.SetReadLimit(wire.ReadLimit)
	c.ws = ws
	if p.msgResp {
		ctx, cancel := context.WithTimeout(r.Context(), g.cfg.WriteTimeout)
		err := ws.Write(ctx, websocket.MessageText, wire.ConnectOK)
		cancel()
		if err != nil {
			ws.CloseNow()
			return
		}
	}
	if !c.start() {
		return
	}
	// The connection runs on a goroutine of its own and the handler returns: net/http then lets
	// go of the request, its own buffers (smallBuffers gave the connection smaller ones) and the
	// handler's deep stack, none of which a hijacked connection uses again.
	g.wg.Add(1)
	g.nconns.Add(1)
	go func() {
		defer g.wg.Done()
		defer g.nconns.Add(-1)
		c.run()
	}()
}

// checkToken verifies the token and that it belongs to the connecting user and platform.
func (g *Gateway) checkToken(ctx context.Context, p params) *openim.Error {
	claims, ierr := g.cfg.Verifier.Verify(ctx, p.token, g.cfg.Now())
	if ierr != nil {
		return ierr
	}
	if claims.UserID != p.userID || claims.PlatformID != p.platformID {
		return openim.ErrTokenInvalid.With("token is for %s on platform %d, not %s on %d",
			claims.UserID, claims.PlatformID, p.userID, p.platformID)
	}
	return nil
}

// refuse answers a failed handshake: with isMsgResp, upgrade, send the error as a text frame and
// close; otherwise a plain HTTP 200 whose body is the envelope (the Go SDK reads it after a failed dial).
func (g *Gateway) refuse(w http.ResponseWriter, r *http.Request, p params, ierr *openim.Error) {
	body, _ := json.Marshal(wire.Result{ErrCode: ierr.Code, ErrMsg: ierr.Msg, ErrDlt: ierr.Detail})
	if !p.msgResp {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		w.Write(body)
		return
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.cfg.WriteTimeout)
	defer cancel()
	if err := ws.Write(ctx, websocket.MessageText, body); err != nil {
		ws.CloseNow()
		return
	}
	ws.Close(websocket.StatusPolicyViolation, closeReason(ierr))
}

// closeReason fits an error into a close frame's 123 bytes.
func closeReason(e *openim.Error) string {
	s := strconv.Itoa(e.Code) + " " + e.Msg
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}
