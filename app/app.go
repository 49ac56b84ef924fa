// Package app is LanIM's composition root: it parses the command line, prepares the data dir and
// starts the pieces (state store, replication, API, gateway, and the desktop UI) in order.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Main runs the lanim command and exits with its status.
func Main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "lanim:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := ""
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	if cmd == "" && len(args) == 1 && (args[0] == "--version" || args[0] == "-version") {
		cmd, args = "version", nil
	}
	switch cmd {
	case "version":
		if len(args) > 0 {
			return fmt.Errorf("version takes no arguments, got %v", args)
		}
		fmt.Fprintln(stdout, "lanim", Version())
		return nil
	case "node":
		cfg, err := parseNodeFlags("node", args, stderr)
		if err != nil {
			return err
		}
		return runNode(ctx, cfg, stdout)
	case "bench":
		return runBench(ctx, args, stdout, stderr)
	case "":
		return runDesktop(ctx, args, stdout, stderr)
	default:
		return fmt.Errorf("unknown command %q (commands: node, bench, version)", cmd)
	}
}
