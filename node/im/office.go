package im

import (
	"context"
	"encoding/json"
	"fmt"

	"lanim/node/pb"
	"lanim/node/store"
)

// Office is the office-wide settings, made once by the first command of a new office and
// replicated to every node that joins it.
type Office struct {
	OfficeID        string `json:"officeID"`
	Name            string `json:"name"`
	JWTKey          []byte `json:"jwtKey"`          // HS256 key of every token in the office
	AdminSecretHash string `json:"adminSecretHash"` // bcrypt of the admin secret (get_admin_token)
	CreateTime      int64  `json:"createTime"`
}

// CreateOffice is the first command of an office's log.
type CreateOffice struct {
	Office
}

// Check requires the node itself to propose it, with a key and a secret hash.
func (a *CreateOffice) Check(c Caller) error {
	if c.UserID != "" {
		return ErrNoPermission.With("only a node creates an office")
	}
	if a.OfficeID == "" || len(a.JWTKey) < 32 || a.AdminSecretHash == "" {
		return ErrArgs.With("office needs an ID, a 32-byte key and an admin secret")
	}
	return checkLen("name", a.Name, MaxNameLen)
}

func officeHandlers() map[string]handler {
	return map[string]handler{"office.create": args(createOffice)}
}

func createOffice(o *op, a *CreateOffice) (any, error) {
	if _, ok, err := store.GetMeta(o.ctx, o.tx, store.MetaOffice); err != nil || ok {
		if ok {
			return nil, ErrArgs.With("the office already exists")
		}
		return nil, err
	}
	a.CreateTime = o.now
	b, err := json.Marshal(a.Office)
	if err != nil {
		return nil, err
	}
	if err := store.SetMeta(o.ctx, o.tx, store.MetaOffice, b); err != nil {
		return nil, err
	}
	admin := &pb.UserInfo{UserID: AdminUserID, Nickname: "superAdmin", CreateTime: o.now, AppMangerLevel: 2}
	return nil, store.InsertUser(o.ctx, o.tx, admin)
}

// LoadOffice reads the office settings; nil when the office's first command has not been applied.
func LoadOffice(ctx context.Context, q store.Q) (*Office, error) {
	b, ok, err := store.GetMeta(ctx, q, store.MetaOffice)
	if err != nil || !ok {
		return nil, err
	}
	var off Office
	if err := json.Unmarshal(b, &off); err != nil {
		return nil, fmt.Errorf("decode office: %w", err)
	}
	return &off, nil
}
