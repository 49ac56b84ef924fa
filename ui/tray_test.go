package ui

import "testing"

func TestSessionBusSocket(t *testing.T) {
	cases := []struct {
		name, addr, runtime string
		bus                 bool // $XDG_RUNTIME_DIR/bus exists
		network, want       string
		ok                  bool
	}{
		{"none", "", "", false, "", "", false},
		{"runtime dir without a bus", "", "/run/user/1000", false, "", "", false},
		{"runtime dir bus", "", "/run/user/1000", true, "unix", "/run/user/1000/bus", true},
		{"path", "unix:path=/run/user/1000/bus,guid=ab", "", false, "unix", "/run/user/1000/bus", true},
		{"abstract", "unix:abstract=/tmp/dbus-x,guid=ab", "", false, "unix", "@/tmp/dbus-x", true},
		{"second of two", "tcp:host=h,port=1;unix:path=/b", "", false, "unix", "/b", true},
		{"tcp only", "tcp:host=h,port=1", "", false, "", "", true},
	}
	for _, tc := range cases {
		env := map[string]string{"DBUS_SESSION_BUS_ADDRESS": tc.addr, "XDG_RUNTIME_DIR": tc.runtime}
		network, addr, ok := sessionBusSocket(func(k string) string { return env[k] }, func(string) bool { return tc.bus })
		if network != tc.network || addr != tc.want || ok != tc.ok {
			t.Errorf("%s: %q %q %v, want %q %q %v", tc.name, network, addr, ok, tc.network, tc.want, tc.ok)
		}
	}
}
