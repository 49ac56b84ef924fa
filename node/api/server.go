// Package api serves the OpenIM REST API: every endpoint is a POST with a JSON body (protobuf for
// /jssdk/*), headers operationID and token, and answers HTTP 200 with the envelope
// {errCode, errMsg, errDlt, data}. Handlers decode and check the request, then either read the
// local state or propose a command through replication; the rules themselves live in node/im.
package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"lanim/node/auth"
	"lanim/node/blob"
	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/ratelimit"
	"lanim/node/store"
)

// MaxBodyBytes bounds a request body. The largest legitimate body is a message with 64 KiB of
// content (base64) or a batch of 1,000 IDs.
const MaxBodyBytes = 1 << 20

// Request budgets, per user ID, so one client's flood slows only itself.
const (
	// UserRequestRate and UserRequestBurst bound a user's REST requests (the admin's are not: the app
	// server and the office's tools act for everyone). The JS SDK's login sync of a large account
	// stays well inside the burst.
	UserRequestRate  = 100
	UserRequestBurst = 1000
	// SignInBurst failed sign-ins (user_login, get_admin_token) in a row are allowed for one user
	// ID, then one per SignInInterval: a password cannot be guessed at the speed of the API.
	SignInBurst    = 10
	SignInInterval = 6 * time.Second
	// SignUpBurst sign-ups (each a bcrypt hash, a token and a log entry) are allowed in a row on a
	// node, then one per SignUpInterval. A refusal the replica decides (the ID is taken, a bad
	// field) costs none.
	SignUpBurst    = 10
	SignUpInterval = 3 * time.Second
)

// Proposer commits a command through Raft and returns the state machine's result.
type Proposer interface {
	Propose(ctx context.Context, cmd *im.Command) (*im.Result, error)
}

// Config is what the API server needs.
type Config struct {
	DB       *store.DB
	Proposer Proposer
	Verifier *auth.Verifier
	// AdminSecretOK reports whether a get_admin_token secret is the office's.
	AdminSecretOK func(ctx context.Context, secret string) bool
	// Cluster serves /cluster/* (nil: those endpoints answer that there is no cluster).
	Cluster Cluster
	// Presence is who is online in the office (nil: nobody, as far as the API knows).
	Presence Presence
	Log      *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	// Blobs is this node's store of file bytes (nil: the object API answers that it stores none).
	Blobs *blob.Store
	// Fetcher gets blobs this node lacks from the office (nil: such objects answer 404).
	Fetcher BlobFetcher
	// MaxObjectSize is the largest upload accepted, in bytes (0: DefaultMaxObjectSize).
	MaxObjectSize int64
	// SignKey is the node's secret key for signed part URLs (empty: a random key per process).
	SignKey []byte
}

// Server is the REST API of one node.
type Server struct {
	cfg      Config
	routes   map[string]route
	requests *ratelimit.Keyed // per user, every request with a user token
	signIns  *ratelimit.Keyed // per user ID, failed sign-ins only
	signUps  *ratelimit.Keyed // one key: sign-ups need no token, so they have no user to count by
	obj      *objects
}

// route is one endpoint: public routes need no token; local routes need none from this machine
// (a loopback caller), a valid one from anywhere else.
type route struct {
	public bool
	local  bool
	fn     func(c *call, body []byte) (any, error)
}

// New returns the API with every endpoint registered.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Server{cfg: cfg, routes: map[string]route{},
		requests: ratelimit.NewKeyed(UserRequestRate, UserRequestBurst),
		signIns:  ratelimit.NewKeyed(1/SignInInterval.Seconds(), SignInBurst),
		signUps:  ratelimit.NewKeyed(1/SignUpInterval.Seconds(), SignUpBurst), obj: newObjects(&cfg)}
	s.authRoutes()
	s.userRoutes()
	s.userCommandRoutes()
	s.pushTokenRoutes()
	s.msgRoutes()
	s.passwordRoutes()
	s.conversationRoutes()
	s.groupRoutes()
	s.friendRoutes()
	s.clusterRoutes()
	s.presenceRoutes()
	s.objectRoutes()
	s.thirdRoutes()
	return s
}

func (s *Server) add(path string, fn func(c *call, body []byte) (any, error)) {
	s.routes[path] = route{fn: fn}
}

func (s *Server) addPublic(path string, fn func(c *call, body []byte) (any, error)) {
	s.routes[path] = route{public: true, fn: fn}
}

func (s *Server) addLocal(path string, fn func(c *call, body []byte) (any, error)) {
	s.routes[path] = route{local: true, fn: fn}
}

// envelope is every response's body.
type envelope struct {
	ErrCode int    `json:"errCode"`
	ErrMsg  string `json:"errMsg"`
	ErrDlt  string `json:"errDlt"`
	Data    any    `json:"data,omitempty"`
}

// ServeHTTP answers CORS preflights, checks method, headers and token, runs the endpoint and
// writes the envelope. A panic in a handler becomes a 500 envelope, never a dropped connection.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.serveObjectData(w, r) {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Headers", "*")
	h.Set("Access-Control-Allow-Methods", "*")
	if r.Method == http.MethodOptions {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "Options Request!")
		return
	}
	rt, ok := s.routes[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		h.Set("Allow", "POST, OPTIONS")
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	data, err := s.serve(r, rt)
	s.write(w, r, data, err)
}

func (s *Server) serve(r *http.Request, rt route) (data any, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.cfg.Log.Error("panic in handler", "path", r.URL.Path, "panic", p)
			data, err = nil, openim.ErrInternal.With("internal error")
		}
	}()
	c := &call{s: s, ctx: r.Context(), r: r, opID: r.Header.Get("operationID"), now: s.cfg.Now()}
	if c.opID == "" {
		return nil, openim.ErrArgs.With("header must have operationID")
	}
	token := r.Header.Get("token")
	if !rt.public && !(rt.local && token == "" && fromLoopback(r.RemoteAddr)) {
		claims, ierr := s.cfg.Verifier.Verify(c.ctx, token, c.now)
		if ierr != nil {
			return nil, ierr
		}
		c.caller = im.Caller{UserID: claims.UserID, Platform: claims.PlatformID}
		if !c.caller.Admin() && !s.requests.Allow(claims.UserID, c.now) {
			return nil, openim.ErrRateLimited.With("more than %d requests a second from %s: slow down", UserRequestRate, claims.UserID)
		}
	}
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	return rt.fn(c, body)
}

// readBody enforces the size limit and the content types a client may send: JSON (or no
// Content-Type / text/plain, as browsers send for the upload endpoints) and protobuf for /jssdk.
func readBody(r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			return nil, openim.ErrArgs.With("bad Content-Type %q", ct)
		}
		switch mt {
		case "application/json", "text/plain":
		case "application/x-protobuf", "application/protobuf":
			if !strings.HasPrefix(r.URL.Path, "/jssdk/") {
				return nil, openim.ErrArgs.With("%s takes JSON, not %s", r.URL.Path, mt)
			}
		default:
			return nil, openim.ErrArgs.With("unsupported Content-Type %s: send application/json", mt)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, openim.ErrArgs.With("body over %d bytes", MaxBodyBytes)
		}
		return nil, openim.ErrArgs.With("read body: %v", err)
	}
	return body, nil
}

func (s *Server) write(w http.ResponseWriter, r *http.Request, data any, err error) {
	env := envelope{Data: data}
	if err != nil {
		e, internal := im.Public(err)
		// A caller that went away (its context ended) failed nothing worth an error in the log.
		if internal && r.Context().Err() == nil {
			s.cfg.Log.Error("request failed", "path", r.URL.Path, "err", err)
		}
		env = envelope{ErrCode: e.Code, ErrMsg: e.Msg, ErrDlt: e.Detail}
	} else if data == nil {
		env.Data = struct{}{}
	}
	b, merr := pb.MarshalJSON(&env)
	if merr != nil {
		s.cfg.Log.Error("encode response", "path", r.URL.Path, "err", merr)
		b = []byte(fmt.Sprintf(`{"errCode":500,"errMsg":"ServerInternalError","errDlt":%q}`, im.InternalDetail))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(b)
}
