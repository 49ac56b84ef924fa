package api

import (
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/store"
)

// Upstream's /third/* calls the official apps make that concern files. fcm_update_token and
// set_app_badge live in push_token.go.

// LogCause is the cause of the objects /third/logs/upload records: an office admin lists them with
// /third/logs/search.
const LogCause = "log"

// MaxLogFiles bounds the files of one /third/logs/upload.
const MaxLogFiles = 20

func (s *Server) thirdRoutes() {
	s.add("/third/logs/upload", read(s.uploadLogs))
	s.add("/third/logs/search", read(s.searchLogs))
}

type logFileURL struct {
	Filename string `json:"filename"`
	URL      string `json:"URL"`
}

type uploadLogsReq struct {
	Platform     int32        `json:"platform"`
	FileURLs     []logFileURL `json:"fileURLs"`
	AppFramework string       `json:"appFramework"`
	Version      string       `json:"version"`
	Ex           string       `json:"ex"`
	SystemType   string       `json:"systemType"`
}

// uploadLogs keeps the log files an app uploaded (through the object API) as objects of the log
// cause, named <userID>/log/<platform>/<time>/<filename>, so an office admin can find and read them.
// Each file must be an object of this office that the caller uploaded.
func (s *Server) uploadLogs(c *call, req *uploadLogsReq) (any, error) {
	if len(req.FileURLs) == 0 || len(req.FileURLs) > MaxLogFiles {
		return nil, openim.ErrArgs.With("fileURLs lists %d files: 1..%d", len(req.FileURLs), MaxLogFiles)
	}
	for _, f := range req.FileURLs {
		o, err := s.objectOfURL(c, f.URL)
		if err != nil {
			return nil, err
		}
		if o.UserID != c.caller.UserID && !c.caller.Admin() {
			return nil, openim.ErrNoPermission.With("%s is not a file you uploaded", f.URL)
		}
		base := path.Base(f.Filename)
		if f.Filename == "" || base == "." || base == "/" {
			base = path.Base(o.Name)
		}
		if !utf8.ValidString(base) || utf8.RuneCountInString(base) > openim.MaxNameLen {
			return nil, openim.ErrArgs.With("filename must be valid UTF-8 of at most %d characters", openim.MaxNameLen)
		}
		name := c.caller.UserID + "/log/" + strconv.Itoa(int(req.Platform)) + "/" +
			strconv.FormatInt(c.now.UnixMilli(), 10) + "/" + base
		if _, err := s.commitObject(c, &im.CompleteObject{Name: name, Key: o.Key, Hash: o.Hash, Size: o.Size,
			ContentType: o.ContentType, Cause: LogCause}); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// objectOfURL finds the object an object URL of this office names (any node's host).
func (s *Server) objectOfURL(c *call, raw string) (*store.Object, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, openim.ErrArgs.With("%q is not a URL", raw)
	}
	_, rest, ok := strings.Cut(u.Path, "/object/")
	key, name, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		return nil, openim.ErrArgs.With("%q is not a file URL of this office", raw)
	}
	o, err := im.Object(c.ctx, c.q(), name, key)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, openim.ErrRecordNotFound.With("no file at %q", raw)
	}
	return o, nil
}

type searchLogsReq struct {
	StartTime  int64       `json:"startTime"` // ms, inclusive
	EndTime    int64       `json:"endTime"`   // ms, exclusive; 0: now
	Pagination *Pagination `json:"pagination"`
}

// LogInfo is one uploaded log in /third/logs/search's data.
type LogInfo struct {
	UserID     string `json:"userID"`
	Platform   int32  `json:"platform"`
	URL        string `json:"url"`
	Filename   string `json:"filename"`
	Size       int64  `json:"size"`
	CreateTime int64  `json:"createTime"`
}

// searchLogs lists uploaded logs, newest first, to an office admin.
func (s *Server) searchLogs(c *call, req *searchLogsReq) (any, error) {
	ok, err := im.MayRunOffice(c.ctx, c.q(), c.caller.UserID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, openim.ErrNoPermission.With("only an office admin reads the apps' logs")
	}
	offset, limit, err := req.Pagination.page()
	if err != nil {
		return nil, err
	}
	end := req.EndTime
	if end == 0 {
		end = c.now.UnixMilli() + 1
	}
	objs, err := im.ObjectsByCause(c.ctx, c.q(), LogCause, req.StartTime, end, offset+limit)
	if err != nil {
		return nil, err
	}
	logs := []LogInfo{}
	for i := offset; i < len(objs); i++ {
		o := objs[i]
		// <userID>/log/<platform>/<time>/<filename>
		f := strings.SplitN(o.Name, "/", 5)
		li := LogInfo{UserID: o.UserID, URL: objectURL(c.r, o.Key, o.Name), Filename: path.Base(o.Name),
			Size: o.Size, CreateTime: o.CreateTime}
		if len(f) == 5 {
			p, _ := strconv.Atoi(f[2])
			li.Platform = int32(p)
		}
		logs = append(logs, li)
	}
	return map[string]any{"logsInfos": logs, "total": len(logs)}, nil
}
