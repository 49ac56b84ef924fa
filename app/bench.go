package app

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"lanim/bench"
)

// notesMarker starts the hand-written part of the report, which a new run keeps.
const notesMarker = "<!-- notes: written by hand, kept by `lanim bench` -->"

// runBench is `lanim bench`: the load generator. It starts nodes from this very binary.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quick := fs.Bool("quick", false, "short runs (a smoke check of the benchmark, not figures to quote)")
	out := fs.String("out", "docs/benchmarks.md", "Markdown report to write (- for stdout)")
	runs := fs.Int("runs", 0, "runs per figure (0: 3, or 2 with -quick)")
	dur := fs.Duration("duration", 0, "length of one load run (0: 4s, or 1.5s with -quick)")
	growth := fs.Bool("growth", false, "growth curve to 1,000,000 stored messages (default: to 100,000)")
	only := fs.String("only", "", "comma-separated scenarios to run ("+strings.Join(bench.Scenarios, ", ")+
		"); the others are left out of the report")
	jsDir := fs.String("js", "test/js", "directory of the JS SDK suite (node_modules and bench/loginsync.mjs)")
	senders := fs.String("senders", "", "comma-separated sender counts of the single and office load runs (default: all; a subset leaves out fan-out and history)")
	pprofDir := fs.String("pprof", "", "write CPU profiles of the load runs (single node, each office member, and this load generator), the login sync (node and SDK) and the growth points to this directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected arguments: %v", fs.Args())
	}
	var scenarios []string
	var sendersList []int
	for _, name := range strings.Split(*only, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		if !slices.Contains(bench.Scenarios, name) {
			return fmt.Errorf("bench: -only: unknown scenario %q (scenarios: %s)", name, strings.Join(bench.Scenarios, ", "))
		}
		scenarios = append(scenarios, name)
	}
	for _, f := range strings.Split(*senders, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return fmt.Errorf("bench: -senders: %q is not a sender count", f)
		}
		sendersList = append(sendersList, n)
	}
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: own binary: %w", err)
	}
	o := bench.DefaultOptions(bin, *quick, *growth)
	o.JSDir, o.PprofDir, o.Scenarios, o.Senders = *jsDir, *pprofDir, scenarios, sendersList
	if *runs > 0 {
		o.Runs = *runs
	}
	if *dur > 0 {
		o.Duration = *dur
	}
	o.Progress = stderr
	r := bench.Run(ctx, o)
	var notes string
	if *out != "-" {
		if old, err := os.ReadFile(*out); err == nil {
			if i := bytes.Index(old, []byte(notesMarker)); i >= 0 {
				notes = string(old[i:])
			}
		}
	}
	if notes == "" {
		notes = notesMarker + "\n"
	}
	var b strings.Builder
	r.Markdown(&b, notes)
	if *out == "-" {
		_, err = io.WriteString(stdout, b.String())
	} else {
		err = os.WriteFile(*out, []byte(b.String()), 0o644)
		fmt.Fprintf(stdout, "bench: wrote %s in %v\n", *out, r.Took.Round(time.Second))
	}
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	// A scenario that failed leaves "–" in its rows: say so in the exit status too, so that a
	// missing figure is not mistaken for a finished run.
	if len(r.Problems) > 0 {
		return fmt.Errorf("bench: %d scenario(s) failed, the report lists them; the first: %s", len(r.Problems), r.Problems[0])
	}
	return nil
}
