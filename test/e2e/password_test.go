package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lanim/node/client"
)

// The desktop app's password accounts: user_signup, user_login and set_password (LanIM's own).

func signUp(t *testing.T, n *Node, userID, password string) string {
	t.Helper()
	var tok client.TokenResp
	n.PostOK(t, "/auth/user_signup", "", map[string]any{"userID": userID, "nickname": "N" + userID,
		"password": password, "platformID": platformWeb}, &tok)
	return tok.Token
}

func login(n *Node, t *testing.T, userID, password string) Envelope {
	t.Helper()
	return n.Post(t, "/auth/user_login", "", map[string]any{"userID": userID, "password": password,
		"platformID": platformWeb})
}

func TestPasswordAccounts(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	tok := signUp(t, n, "alice", "password1")
	var info struct {
		UsersInfo []struct {
			Nickname string `json:"nickname"`
		} `json:"usersInfo"`
	}
	n.PostOK(t, "/user/get_users_info", tok, map[string]any{"userIDs": []string{"alice"}}, &info)
	if len(info.UsersInfo) != 1 || info.UsersInfo[0].Nickname != "Nalice" {
		t.Fatalf("alice after sign-up: %+v", info)
	}
	bob := signUp(t, n, "bob", "password2")

	n.PostErr(t, "/auth/user_signup", "", map[string]any{"userID": "alice", "nickname": "A", "password": "password9",
		"platformID": platformWeb}, 1102)
	n.PostErr(t, "/auth/user_signup", "", map[string]any{"userID": "carol", "nickname": "C", "password": "short",
		"platformID": platformWeb}, 1001)
	n.PostErr(t, "/auth/user_signup", "", map[string]any{"userID": "carol", "nickname": "C", "password": "password3",
		"platformID": 10}, 1001) // the admin platform
	var none struct {
		UsersInfo []any `json:"usersInfo"`
	}
	n.PostOK(t, "/user/get_users_info", n.AdminToken, map[string]any{"userIDs": []string{"carol"}}, &none)
	if len(none.UsersInfo) != 0 {
		t.Fatalf("refused sign-ups registered carol: %+v", none)
	}

	env := login(n, t, "alice", "password1")
	if env.ErrCode != 0 {
		t.Fatalf("alice's sign-in: %d %s", env.ErrCode, env.ErrDlt)
	}
	var again client.TokenResp // a sign-in on her platform ends the sign-up's session: use the new token
	if err := json.Unmarshal(env.Data, &again); err != nil || again.Token == "" {
		t.Fatalf("sign-in answer %s: %v", env.Data, err)
	}
	tok = again.Token
	if env := login(n, t, "alice", "password2"); env.ErrCode != 1002 {
		t.Fatalf("sign-in with bob's password: %d, want 1002", env.ErrCode)
	}
	if env := login(n, t, "nobody", "password1"); env.ErrCode != 1004 {
		t.Fatalf("sign-in of an unknown user: %d, want 1004", env.ErrCode)
	}

	n.PostErr(t, "/auth/set_password", bob, map[string]any{"userID": "alice", "password": "taken-over"}, 1002)
	n.PostOK(t, "/auth/set_password", tok, map[string]any{"userID": "alice", "password": "password-new"}, nil)
	if env := login(n, t, "alice", "password1"); env.ErrCode != 1002 {
		t.Fatalf("the old password after a change: %d, want 1002", env.ErrCode)
	}
	if env := login(n, t, "alice", "password-new"); env.ErrCode != 0 {
		t.Fatalf("the new password: %d %s", env.ErrCode, env.ErrDlt)
	}
}

// TestSignInThrottle: after a burst of failed sign-ins a user ID is refused at once (1692), even
// with the right password, while other users sign in as usual; the admin secret likewise.
func TestSignInThrottle(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	signUp(t, n, "carol", "password1")
	signUp(t, n, "dave", "password2")

	const burst = 10 // api.SignInBurst
	for i := range burst {
		if env := login(n, t, "carol", "wrong-guess"); env.ErrCode != 1002 {
			t.Fatalf("failed sign-in %d: %d, want 1002 within the burst", i, env.ErrCode)
		}
	}
	throttled := false
	for range 2 * burst { // one refills every 6 s: a slow machine may get one more guess in
		env := login(n, t, "carol", "wrong-guess")
		if env.ErrCode == 1692 {
			throttled = true
			break
		}
	}
	if !throttled {
		t.Fatal("failed sign-ins were never throttled")
	}
	if env := login(n, t, "carol", "password1"); env.ErrCode != 1692 {
		t.Fatalf("the right password while throttled: %d, want 1692", env.ErrCode)
	}
	if env := login(n, t, "dave", "password2"); env.ErrCode != 0 {
		t.Fatalf("dave while carol is throttled: %d %s", env.ErrCode, env.ErrDlt)
	}

	wrong := map[string]string{"secret": "wrong", "userID": "imAdmin"}
	throttled = false
	for range 3 * burst {
		env := n.Post(t, "/auth/get_admin_token", "", wrong)
		if env.ErrCode == 1692 {
			throttled = true
			break
		}
		if env.ErrCode != 1002 {
			t.Fatalf("a wrong admin secret: %d, want 1002 or 1692", env.ErrCode)
		}
	}
	if !throttled {
		t.Fatal("wrong admin secrets were never throttled")
	}
	n.PostErr(t, "/auth/get_admin_token", "", map[string]string{"secret": n.AdminSecret, "userID": "imAdmin"}, 1692)
}

// TestRESTRequestRate: a user who floods the REST API gets 1692 and changes nothing, while another
// user and the admin are served.
func TestRESTRequestRate(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	n.RegisterUsers(t, "erin", "frank")
	erin, frank := n.UserToken(t, "erin", platformWeb), n.UserToken(t, "frank", platformWeb)

	// At most 20,000 requests from 8 workers: the 1,000 burst and 100/s refill are used up unless
	// the machine serves fewer than about 500 requests a second.
	var sent, limited atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for range 8 {
		wg.Go(func() {
			for sent.Add(1) <= 20_000 && limited.Load() == 0 {
				env, err := n.post(context.Background(), "/user/get_users_info", erin,
					map[string]any{"userIDs": []string{"erin"}})
				switch {
				case err != nil:
					firstErr.CompareAndSwap(nil, err)
					return
				case env.ErrCode == 1692:
					if !strings.Contains(env.ErrDlt, "erin") {
						firstErr.CompareAndSwap(nil, env)
					}
					limited.Add(1)
				case env.ErrCode != 0:
					firstErr.CompareAndSwap(nil, env)
					return
				}
			}
		})
	}
	wg.Wait()
	if e := firstErr.Load(); e != nil {
		t.Fatalf("while flooding: %v", e)
	}
	t.Logf("%d requests until the first refusal", sent.Load())
	if limited.Load() == 0 {
		t.Fatalf("%d requests from one user, none refused", sent.Load())
	}
	// Still over budget, erin writes 50 nicknames at once: at most the refilled few are served
	// (the budget refills 100 a second, so a loaded machine that takes longer over the 50 serves
	// more), and her nickname is then one of those (a refused write changes nothing). Frank and
	// the admin are served meanwhile.
	const refillPerSecond = 100
	began := time.Now()
	var mu sync.Mutex
	served := map[string]bool{"Nick erin": true} // RegisterUsers' nickname, if none is served
	for i := range 50 {
		wg.Go(func() {
			nick := fmt.Sprint("flooded-", i)
			env, err := n.post(context.Background(), "/user/update_user_info_ex", erin,
				map[string]any{"userInfo": map[string]any{"userID": "erin", "nickname": nick}})
			if err == nil && env.ErrCode == 0 {
				mu.Lock()
				served[nick] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	allowed := 10 + int(time.Since(began).Seconds()*refillPerSecond)
	if len(served)-1 > allowed {
		t.Fatalf("%d of 50 writes over budget were served, the refill allows %d", len(served)-1, allowed)
	}
	var info struct {
		UsersInfo []struct {
			Nickname string `json:"nickname"`
		} `json:"usersInfo"`
	}
	n.PostOK(t, "/user/get_users_info", frank, map[string]any{"userIDs": []string{"erin"}}, &info)
	if len(info.UsersInfo) != 1 || !served[info.UsersInfo[0].Nickname] {
		t.Fatalf("erin is %+v, not a nickname a served write set (%v)", info, served)
	}
	for range 2 * 1000 { // past a user's burst: the admin has no budget
		n.PostOK(t, "/user/get_users_info", n.AdminToken, map[string]any{"userIDs": []string{"erin"}}, nil)
	}
}
