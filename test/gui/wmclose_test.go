package gui

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// closeWindow asks an X window to close as a window manager's close button does: a
// WM_PROTOCOLS ClientMessage carrying WM_DELETE_WINDOW, sent to the window's client (ICCCM
// 4.2.8.1). Xvfb has no window manager and xdotool no such command, so the test speaks the few
// X11 requests this needs on the display's socket itself: connection setup (with the
// MIT-MAGIC-COOKIE-1 of $XAUTHORITY, as xvfb-run sets it), two InternAtom and a SendEvent.
func closeWindow(window string) error {
	win, err := strconv.ParseUint(window, 10, 32)
	if err != nil {
		return fmt.Errorf("window id %q: %w", window, err)
	}
	disp := strings.TrimPrefix(os.Getenv("DISPLAY"), ":")
	disp, _, _ = strings.Cut(disp, ".")
	conn, err := net.DialTimeout("unix", "/tmp/.X11-unix/X"+disp, 5*time.Second)
	if err != nil {
		return fmt.Errorf("X display: %w", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	name, data := xauthCookie(disp)
	setup := new(bytes.Buffer)
	setup.Write([]byte{'l', 0})
	binary.Write(setup, binary.LittleEndian, []uint16{11, 0, uint16(len(name)), uint16(len(data)), 0})
	setup.Write(pad4([]byte(name)))
	setup.Write(pad4(data))
	if _, err := conn.Write(setup.Bytes()); err != nil {
		return err
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(conn, head); err != nil {
		return fmt.Errorf("X setup: %w", err)
	}
	rest := make([]byte, 4*int(binary.LittleEndian.Uint16(head[6:])))
	if _, err := io.ReadFull(conn, rest); err != nil {
		return fmt.Errorf("X setup: %w", err)
	}
	if head[0] != 1 {
		return errors.New("X server refused the connection (authorisation)")
	}
	protocols, err := internAtom(conn, "WM_PROTOCOLS")
	if err != nil {
		return err
	}
	deleteWindow, err := internAtom(conn, "WM_DELETE_WINDOW")
	if err != nil {
		return err
	}
	req := new(bytes.Buffer)
	req.Write([]byte{25, 0}) // SendEvent, no propagation
	binary.Write(req, binary.LittleEndian, []uint16{11})
	binary.Write(req, binary.LittleEndian, []uint32{uint32(win), 0}) // to the window's client
	req.Write([]byte{33, 32, 0, 0})                                  // ClientMessage, format 32
	binary.Write(req, binary.LittleEndian, []uint32{uint32(win), protocols, deleteWindow, 0, 0, 0, 0})
	if _, err := conn.Write(req.Bytes()); err != nil {
		return err
	}
	_, err = internAtom(conn, "WM_PROTOCOLS") // a round trip: the event has been sent
	return err
}

// internAtom returns the atom of name (InternAtom, only-if-exists false).
func internAtom(conn net.Conn, name string) (uint32, error) {
	req := new(bytes.Buffer)
	req.Write([]byte{16, 0})
	p := pad4([]byte(name))
	binary.Write(req, binary.LittleEndian, []uint16{uint16(2 + len(p)/4), uint16(len(name)), 0})
	req.Write(p)
	if _, err := conn.Write(req.Bytes()); err != nil {
		return 0, err
	}
	for {
		reply := make([]byte, 32)
		if _, err := io.ReadFull(conn, reply); err != nil {
			return 0, fmt.Errorf("InternAtom %s: %w", name, err)
		}
		switch reply[0] {
		case 1:
			return binary.LittleEndian.Uint32(reply[8:]), nil
		case 0:
			return 0, fmt.Errorf("InternAtom %s: X error %d", name, reply[1])
		}
		// an event: skip it
	}
}

func pad4(b []byte) []byte { return append(b, make([]byte, (4-len(b)%4)%4)...) }

// xauthCookie is the MIT-MAGIC-COOKIE-1 for the display in $XAUTHORITY (or ~/.Xauthority);
// none when there is no file (an Xvfb started without -auth takes the connection as it is).
func xauthCookie(display string) (string, []byte) {
	path := os.Getenv("XAUTHORITY")
	if path == "" {
		home, _ := os.UserHomeDir()
		path = filepath.Join(home, ".Xauthority")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", nil
	}
	r := bytes.NewReader(raw)
	field := func() ([]byte, bool) {
		var n uint16
		if binary.Read(r, binary.BigEndian, &n) != nil {
			return nil, false
		}
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return b, err == nil
	}
	for {
		var family uint16
		if binary.Read(r, binary.BigEndian, &family) != nil {
			return "", nil
		}
		_, ok1 := field() // address
		number, ok2 := field()
		name, ok3 := field()
		data, ok4 := field()
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return "", nil
		}
		if string(name) == "MIT-MAGIC-COOKIE-1" && (len(number) == 0 || string(number) == display) {
			return string(name), data
		}
	}
}
