package bench

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"lanim/node/gateway"
)

// Machine is what the figures were measured on.
type Machine struct {
	CPUs   int
	CPU    string
	Go     string
	Kernel string
	Date   string
}

func machine(bin string) Machine {
	m := Machine{CPUs: runtime.NumCPU(), CPU: "unknown", Go: runtime.Version(), Kernel: "unknown",
		Date: time.Now().UTC().Format("2006-01-02 15:04 MST")}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = runtime.GOOS + " " + strings.TrimSpace(string(b))
	}
	return m
}

// target is one goal of issue 7 and whether the median met it.
type target struct {
	what, goal string
	value      string
	met        bool
	known      bool
}

func (r *Report) targets() []target {
	var t []target
	add := func(what, goal string, s Spread, dec int, unit string, met func(float64) bool) {
		tg := target{what: what, goal: goal, value: "not measured"}
		if s.N > 0 {
			tg.value, tg.met, tg.known = s.Format(dec)+" "+unit, met(s.Median), true
		}
		t = append(t, tg)
	}
	var single, office clusterFigures
	if r.Single != nil {
		single = *r.Single
	}
	if r.Office != nil {
		office = *r.Office
	}
	best := func(f clusterFigures) Spread {
		var b Spread
		for _, s := range f.Throughput {
			if s.Median > b.Median {
				b = s
			}
		}
		return b
	}
	add("single node, messages/s (best sender count)", "≥ 5,000", best(single), 0, "msg/s", func(v float64) bool { return v >= 5000 })
	add("single node, p99 at 500/s", "< 20 ms", single.Fixed[1], 1, "ms", func(v float64) bool { return v < 20 })
	add("3-node office, messages/s (best sender count)", "≥ 2,000", best(office), 0, "msg/s", func(v float64) bool { return v >= 2000 })
	add("3-node office, p99 at 500/s", "< 100 ms", office.Fixed[1], 1, "ms", func(v float64) bool { return v < 100 })
	var foot footprint
	if r.Foot != nil {
		foot = *r.Foot
	}
	add("idle RSS of a headless node", "< 40 MB", foot.IdleRSS, 1, "MB", func(v float64) bool { return v < 40 })
	add("RSS for 1,000 idle WS connections", "< 50 MB more", foot.ConnRSS, 1, "MB", func(v float64) bool { return v < 50 })
	return t
}

// Markdown writes the report. notes is hand-written analysis appended under its own heading.
func (r *Report) Markdown(w io.Writer, notes string) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("# Benchmarks")
	p("")
	p("Measured by `make bench` (`bin/lanim bench`): real `lanim node` processes on 127.0.0.1 with temp data dirs,")
	p("driven through `node/client` over REST and real WebSocket connections (JSON envelopes, as the JS SDK). The")
	p("load generator runs on the same machine and competes with the nodes for the CPUs. Every figure is the **median**")
	p("of %d runs with the (min–max) in brackets. Regenerate with `make bench` (`make bench BENCH_ARGS=-quick` for a", r.Options.Runs)
	p("short smoke run).")
	p("")
	p("| Machine | |")
	p("|---|---|")
	p("| CPUs (`nproc`) | %d |", r.Machine.CPUs)
	p("| CPU model | %s |", r.Machine.CPU)
	p("| Go | %s |", r.Machine.Go)
	p("| Kernel | %s |", r.Machine.Kernel)
	p("| Date | %s |", r.Machine.Date)
	p("| Runs per figure, run length | %d × %v%s |", r.Options.Runs, r.Options.Duration, map[bool]string{true: " (-quick)"}[r.Options.Quick])
	p("| Whole benchmark took | %v |", r.Took.Round(time.Second))
	p("")
	p("## Targets")
	p("")
	p("| Target | Goal | Measured | |")
	p("|---|---|---|---|")
	for _, t := range r.targets() {
		verdict := "not measured"
		if t.known {
			verdict = map[bool]string{true: "met", false: "**missed**"}[t.met]
		}
		p("| %s | %s | %s | %s |", t.what, t.goal, t.value, verdict)
	}
	p("")
	p("## Messages: throughput")
	p("")
	p("Each sender is its own user with its own WS connection and sends 1003 (a one-to-one text message) to its own peer,")
	p("who is connected (in the office, to the next node, so every message crosses nodes); each sender waits for the")
	p("answer before the next send and sends at most %d per second: the gateway refuses more than %d requests per second", senderRate, gateway.RequestRate)
	p("on one connection (1692 RateLimited), so one sender cannot go faster and 256 senders are needed to offer more than")
	p("5,000 messages per second. A message counts when the receiver has its push; messages/s is the count over the")
	p("time from the run's start to the last push.")
	p("")
	p("| Senders | Single node msg/s | 3-node office msg/s | Office / single |")
	p("|---|---|---|---|")
	for _, n := range senderCounts {
		s, o := r.fig(r.Single, n), r.fig(r.Office, n)
		p("| %d | %s | %s | %s |", n, s.Format(0), o.Format(0), ratio(o, s))
	}
	p("")
	p("## Messages: send-to-receive latency")
	p("")
	p("From just before the sender's 1003 until the receiver's push, in milliseconds. At %d/s the load is offered at", fixedRate)
	p("a fixed rate over %d senders; at saturation it is the throughput runs above (every sender as fast as it can).", fixedRateSenders)
	p("")
	p("| Load | Single p50 | Single p99 | Single max | Office p50 | Office p99 | Office max |")
	p("|---|---|---|---|---|---|---|")
	fx := func(f *clusterFigures) [3]Spread {
		if f == nil {
			return [3]Spread{}
		}
		return f.Fixed
	}
	s, o := fx(r.Single), fx(r.Office)
	p("| %d/s (%d senders) | %s | %s | %s | %s | %s | %s |", fixedRate, fixedRateSenders, s[0].Format(1), s[1].Format(1), s[2].Format(1),
		o[0].Format(1), o[1].Format(1), o[2].Format(1))
	for _, n := range senderCounts {
		s, o := r.sat(r.Single, n), r.sat(r.Office, n)
		p("| saturated, %d sender(s) | %s | %s | %s | %s | %s | %s |", n, s[0].Format(1), s[1].Format(1), s[2].Format(1),
			o[0].Format(1), o[1].Format(1), o[2].Format(1))
	}
	if r.Single != nil || r.Office != nil {
		p("")
		p("Rate achieved in the %d/s runs: single %s msg/s, office %s msg/s. Sends that failed or were never pushed: single %d, office %d.",
			fixedRate, fr(r.Single).Format(0), fr(r.Office).Format(0), errs(r.Single), errs(r.Office))
	}
	p("")
	p("## Groups and history")
	p("")
	p("| Scenario | Single node | 3-node office | Office / single |")
	p("|---|---|---|---|")
	fan := func(f *clusterFigures) Spread {
		if f == nil {
			return Spread{}
		}
		return f.FanOut
	}
	hist := func(f *clusterFigures) Spread {
		if f == nil {
			return Spread{}
		}
		return f.History
	}
	p("| Group fan-out: ms until the last of %d connected members has the owner's message | %s | %s | %s |", groupMembers,
		fan(r.Single).Format(1), fan(r.Office).Format(1), ratio(fan(r.Office), fan(r.Single)))
	p("| History: ms to pull %s messages of one chat by seq ranges of %d (1002, %d requests in sequence) | %s | %s | %s |",
		num(historyMessages, 0), historyPage, historyMessages/historyPage, hist(r.Single).Format(0), hist(r.Office).Format(0),
		ratio(hist(r.Office), hist(r.Single)))
	p("")
	p("In the office the group's members are spread over the three nodes and the history is pulled from a different node")
	p("than the one the messages were sent to.")
	p("")
	p("## Footprint")
	p("")
	if f := r.Foot; f != nil {
		p("| Figure | Value |")
		p("|---|---|")
		p("| Idle RSS of a fresh headless node (VmRSS, %v after start) | %s MB |", settleIdle, f.IdleRSS.Format(1))
		p("| RSS growth with %s idle WS connections (after %v) | %s MB |", num(idleConns, 0), settleIdle, f.ConnRSS.Format(1))
		p("| Data dir growth per 100,000 one-to-one text messages (measured over %s messages per run, scaled) | %s MB |",
			num(float64(f.DiskMsgsPerRun), 0), f.DiskPer100k.Format(1))
		if len(f.DiskFiles) > 0 {
			p("")
			p("Files that grew over the %d data-dir runs (%s messages in all): %s.", r.Options.Runs,
				num(float64(r.Options.Runs*f.DiskMsgsPerRun), 0), strings.Join(f.DiskFiles, ", "))
		}
	} else {
		p("Not measured.")
	}
	if len(r.Problems) > 0 {
		p("")
		p("## Problems during this run")
		p("")
		for _, pr := range r.Problems {
			p("- %s", strings.ReplaceAll(pr, "\n", " "))
		}
	}
	if notes != "" {
		p("")
		p("%s", strings.TrimSpace(notes))
	}
}

func (r *Report) fig(f *clusterFigures, senders int) Spread {
	if f == nil {
		return Spread{}
	}
	return f.Throughput[senders]
}

func (r *Report) sat(f *clusterFigures, senders int) [3]Spread {
	if f == nil {
		return [3]Spread{}
	}
	return f.SatLatency[senders]
}

func fr(f *clusterFigures) Spread {
	if f == nil {
		return Spread{}
	}
	return f.FixedRate
}

func errs(f *clusterFigures) int {
	if f == nil {
		return 0
	}
	return f.Errors
}

// ratio is a/b of the medians, "–" when either is missing.
func ratio(a, b Spread) string {
	if a.N == 0 || b.N == 0 || b.Median == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a.Median/b.Median)
}
