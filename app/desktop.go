package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"lanim/assets"
	"lanim/ui"
)

// AppID is the desktop app's ID (FyneApp.toml's Details.ID): the key of its preferences.
const AppID = "com.lanim.app"

// desktopFlags are the desktop app's own flags; every other flag is a node flag (--data,
// --api-addr, --ws-addr...), parsed by parseNodeFlags.
type desktopFlags struct {
	// demo runs the GUI on a sample office: the embedded node on a throwaway data dir (app/demo.go).
	demo bool
	// connectAPI and connectWS open the GUI on a node that already runs (a `lanim node`, or
	// another app's node) instead of starting one; --data then only holds the app's session.
	connectAPI, connectWS string
}

// takeDesktopFlags removes the desktop's own flags from args.
func takeDesktopFlags(args []string) (desktopFlags, []string, error) {
	var f desktopFlags
	var rest []string
	strs := map[string]*string{"connect-api": &f.connectAPI, "connect-ws": &f.connectWS}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-demo" || a == "--demo" {
			f.demo = true
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if dst, ok := strs[name]; ok && strings.HasPrefix(a, "-") {
			if !hasValue {
				if i+1 >= len(args) {
					return f, nil, fmt.Errorf("flag --%s needs a value", name)
				}
				i++
				value = args[i]
			}
			*dst = value
			continue
		}
		rest = append(rest, a)
	}
	if (f.connectAPI == "") != (f.connectWS == "") {
		return f, nil, errors.New("--connect-api and --connect-ws go together")
	}
	return f, rest, nil
}

// flagGiven reports whether args set a flag, so a default port may move but a chosen one not.
func flagGiven(args []string, name string) bool {
	for _, a := range args {
		a = strings.TrimLeft(a, "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// freeAddr returns addr if it can be listened on, else the same host with a port the OS picks:
// a second app on one machine gets its own API and WS ports.
func freeAddr(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		ln.Close()
		return addr, nil
	}
	host, _, splitErr := net.SplitHostPort(addr)
	if splitErr != nil {
		return "", fmt.Errorf("address %s: %w", addr, splitErr)
	}
	ln, err = net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", fmt.Errorf("no free port on %s: %w", host, err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// runDesktop opens the desktop app with its embedded node (with --demo, on a sample office).
func runDesktop(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	df, rest, err := takeDesktopFlags(args)
	if err != nil {
		return err
	}
	cfg, err := parseNodeFlags("lanim", rest, stderr)
	if err != nil {
		return err
	}
	icon := fyne.NewStaticResource("lanim.png", assets.Icon)
	a := fyneapp.NewWithID(AppID)
	ui.Prepare() // while the node starts
	if df.demo {
		return runDemo(ctx, a, icon, stdout)
	}
	if df.connectAPI != "" {
		return runRemoteDesktop(ctx, a, icon, cfg.DataDir, df)
	}
	if !flagGiven(rest, "api-addr") {
		if cfg.APIAddr, err = freeAddr(cfg.APIAddr); err != nil {
			return err
		}
	}
	if !flagGiven(rest, "ws-addr") {
		if cfg.WSAddr, err = freeAddr(cfg.WSAddr); err != nil {
			return err
		}
	}
	if !flagGiven(rest, "cluster-addr") {
		if cfg.Cluster.Addr, err = freeAddr(defaultClusterAddr); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	logFile, err := os.OpenFile(filepath.Join(cfg.DataDir, "lanim.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	defer logFile.Close()
	log := slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelInfo}))
	n, err := startEmbedded(ctx, cfg, stdout, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := n.Close(); err != nil {
			log.Error("node shutdown", "err", err)
		}
	}()
	be := ui.NewClientBackend(ui.ClientConfig{APIAddr: n.cfg.APIAddr, WSAddr: n.cfg.WSAddr,
		AdminSecret: n.AdminSecret, Join: n.Join, AfterLeave: n.StartOver, Log: log})
	defer be.Close()
	defer quitOnSignal(ctx, a)()
	ui.Run(a, be, ui.Options{Icon: icon, SessionPath: filepath.Join(cfg.DataDir, "desktop-session.json"), Log: log,
		StartAtLogin: startAtLogin(a, a.Metadata().Release, cfg.DataDir, flagGiven(rest, "data"), log)})
	return nil
}

// APIAddr is the address the node's REST API listens on.
func (n *Node) APIAddr() string { return n.apiLn.Addr().String() }

// WSAddr is the address the node's WebSocket gateway listens on.
func (n *Node) WSAddr() string { return n.wsLn.Addr().String() }

// AdminSecret is the office's admin secret as this node knows it: --admin-secret, or the file a
// new office wrote; "" on a node that joined an office made elsewhere.
func (n *Node) AdminSecret() (string, error) {
	if n.cfg.AdminSecret != "" {
		return n.cfg.AdminSecret, nil
	}
	b, err := os.ReadFile(n.dir.file("admin-secret"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	return strings.TrimSpace(string(b)), err
}

// runRemoteDesktop opens the GUI on a node that already runs.
func runRemoteDesktop(ctx context.Context, a fyne.App, icon fyne.Resource, dataDir string, df desktopFlags) error {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	be := ui.NewClientBackend(ui.ClientConfig{APIAddr: df.connectAPI, WSAddr: df.connectWS})
	defer be.Close()
	defer quitOnSignal(ctx, a)()
	ui.Run(a, be, ui.Options{Icon: icon, SessionPath: filepath.Join(dataDir, "desktop-session.json")})
	return nil
}

// quitOnSignal quits the app as its Quit menu does (the window size kept) when ctx ends on
// SIGINT/SIGTERM; the returned func stops watching.
func quitOnSignal(ctx context.Context, a fyne.App) func() bool {
	return context.AfterFunc(ctx, func() { fyne.Do(func() { ui.Quit(a) }) })
}
