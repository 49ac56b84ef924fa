package app

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// NodeConfig is the command line of a node.
type NodeConfig struct {
	DataDir     string
	APIAddr     string
	WSAddr      string
	AdminSecret string
}

func parseNodeFlags(name string, args []string, stderr io.Writer) (*NodeConfig, error) {
	cfg := &NodeConfig{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data", defaultDataDir(), "data directory (state, Raft log, keys)")
	fs.StringVar(&cfg.APIAddr, "api-addr", "127.0.0.1:10002", "REST API listen address")
	fs.StringVar(&cfg.WSAddr, "ws-addr", "127.0.0.1:10001", "WebSocket gateway listen address")
	fs.StringVar(&cfg.AdminSecret, "admin-secret", "",
		"admin secret of a new office (first start only); generated and stored in the data dir when empty")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if cfg.DataDir == "" {
		return nil, fmt.Errorf("no data dir: pass --data DIR")
	}
	return cfg, nil
}

// defaultDataDir is the OS user config dir + /lanim.
func defaultDataDir() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "lanim")
}
