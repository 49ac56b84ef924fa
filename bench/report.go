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
	// Load averages (1, 5, 15 min) when the run started and ended: the machine may be shared, and
	// a load above the CPU count means the figures had competition.
	LoadStart, LoadEnd string
}

// loadAvg is the first three fields of /proc/loadavg, or "unknown".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

func machine(bin string) Machine {
	m := Machine{CPUs: runtime.NumCPU(), CPU: "unknown", Go: runtime.Version(), Kernel: "unknown",
		Date: time.Now().UTC().Format("2006-01-02 15:04 MST"), LoadStart: loadAvg()}
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

// target is one goal of issue 7 or 12 and whether the median met it.
type target struct {
	what, goal string
	value      string
	met        bool
	known      bool
}

func (r *Report) targets() []target {
	var t []target
	add := func(what, goal string, s Spread, dec int, unit string, met func(float64) bool) {
		t = append(t, newTarget(what, goal, s, dec, unit, met))
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
	add("RSS for 1,000 idle WS connections", "≤ 20 MB more", foot.ConnRSS, 1, "MB", func(v float64) bool { return v <= 20 })
	add("data dir per 100,000 text messages", "≤ 60 MB", foot.DiskPer100k, 1, "MB", func(v float64) bool { return v <= 60 })
	var files fileFigures
	if r.Files != nil {
		files = *r.Files
	}
	half := func(v float64) bool { return v >= 0.5 }
	add("file upload through the node / plain loopback PUT", "≥ 0.5×", files.UploadRatio, 2, "×", half)
	add("file download from the node / plain loopback GET", "≥ 0.5×", files.DownloadRatio, 2, "×", half)
	add("cross-node file fetch / plain loopback GET", "≥ 0.5×", files.CrossRatio, 2, "×", half)
	add("node RSS growth during a file transfer (largest of the three)", "< 50 MB", r.Files.largestRSS(), 1, "MB",
		func(v float64) bool { return v < 50 })
	var avail availabilityFigures
	if r.Avail != nil {
		avail = *r.Avail
	}
	add("writes while an office of 5 sleeps one by one, worst phase until 2 awake", "≥ 90% of 1-s windows",
		avail.worstOn(), 0, "%", func(v float64) bool { return v >= 90 })
	add("outbox drain rate / normal send rate", "≥ 0.5×", avail.DrainRatio, 2, "×", half)
	return append(t, r.limitTargets()...)
}

// md writes one line of the report.
type md func(format string, args ...any)

// section starts a "## title" section.
func (p md) section(title string) {
	p("## %s", title)
	p("")
}

// table starts a table: its header row (cells between pipes) and the separator row under it.
func (p md) table(header string) {
	p("%s", header)
	p("|%s", strings.Repeat("---|", strings.Count(header, "|")-1))
}

// Markdown writes the report. notes is hand-written analysis appended under its own heading.
func (r *Report) Markdown(w io.Writer, notes string) {
	p := md(func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) })
	p("# Benchmarks")
	p("")
	p("Measured by `make bench` (`bin/lanim bench`): real `lanim node` processes on 127.0.0.1 with temp data dirs,")
	p("driven through `node/client` over REST and real WebSocket connections (JSON envelopes, as the JS SDK). The")
	p("load generator runs on the same machine and competes with the nodes for the CPUs. Every figure is the **median**")
	p("of %d runs with the (min–max) in brackets. Regenerate with `make bench` (`make bench BENCH_ARGS=-quick` for a", r.Options.Runs)
	p("short smoke run).")
	p("")
	p.table("| Machine | |")
	p("| CPUs (`nproc`) | %d |", r.Machine.CPUs)
	p("| CPU model | %s |", r.Machine.CPU)
	p("| Go | %s |", r.Machine.Go)
	p("| Kernel | %s |", r.Machine.Kernel)
	p("| Date | %s |", r.Machine.Date)
	p("| Runs per figure, run length | %d × %v%s |", r.Options.Runs, r.Options.Duration, map[bool]string{true: " (-quick)"}[r.Options.Quick])
	p("| Load average (1, 5, 15 min) at start → end | %s → %s |", r.Machine.LoadStart, r.Machine.LoadEnd)
	if r.Login != nil && r.Login.NodeJS != "" {
		p("| Node.js (login sync) | %s |", r.Login.NodeJS)
	}
	p("| Whole benchmark took | %v |", r.Took.Round(time.Second))
	if len(r.Options.Scenarios) > 0 {
		p("| Scenarios in this run | %s |", strings.Join(r.Options.Scenarios, ", "))
	}
	p("")
	p.section("Targets")
	p.table("| Target | Goal | Measured | |")
	for _, t := range r.targets() {
		verdict := "not measured"
		if t.known {
			verdict = map[bool]string{true: "met", false: "**missed**"}[t.met]
		}
		p("| %s | %s | %s | %s |", t.what, t.goal, t.value, verdict)
	}
	p("")
	// A section appears when its scenario measured something (footprint: also when it failed).
	sections := []struct {
		present bool
		write   func(md)
	}{
		{r.Single != nil || r.Office != nil, r.loadMarkdown},
		{r.Raw != nil, r.rawMarkdown},
		{r.Idle != nil, r.idleMarkdown},
		{r.Login != nil, r.loginMarkdown},
		{r.Growth != nil && len(r.Growth.Points) > 0, r.growthMarkdown},
		{r.Files != nil, r.filesMarkdown},
		{r.Avail != nil, r.availabilityMarkdown},
		{r.Foot != nil || r.Options.runs("footprint"), r.footprintMarkdown},
	}
	for _, s := range sections {
		if s.present {
			s.write(p)
		}
	}
	if len(r.Problems) > 0 {
		p.section("Problems during this run")
		for _, pr := range r.Problems {
			p("- %s", strings.ReplaceAll(pr, "\n", " "))
		}
		p("")
	}
	if notes != "" {
		p("%s", strings.TrimSpace(notes))
	}
}

// loadMarkdown is the throughput, latency, fan-out and history sections.
func (r *Report) loadMarkdown(p md) {
	p.section("Messages: throughput")
	p("Each sender is its own user with its own WS connection and sends 1003 (a one-to-one text message) to its own peer,")
	p("who is connected (in the office, to the next node, so every message crosses nodes); each sender waits for the")
	p("answer before the next send and sends at most %d per second: the gateway refuses more than %d requests per second", senderRate, gateway.ConnRequestRate)
	p("on one connection (1692 RateLimited), so one sender cannot go faster and 256 senders are needed to offer more than")
	p("5,000 messages per second. A message counts when the receiver has its push; messages/s is the count over the")
	p("time from the run's start to the last push. CPU/msg is the user+system CPU time of all the node processes over a")
	p("run divided by the messages received in it (µs): on a shared machine it moves much less than the rate. Gen.")
	p("CPU/msg is the same for the load generator (this benchmark's process, every client's work), which runs on the")
	p("same cores: what it spends, the nodes do not get.")
	p("")
	p.table("| Senders | Single node msg/s | 3-node office msg/s | Office / single | Single CPU/msg (µs) | Office CPU/msg (µs) | Single gen. CPU/msg (µs) | Office gen. CPU/msg (µs) |")
	for _, n := range r.Options.senderCounts() {
		s, o := r.fig(r.Single, n), r.fig(r.Office, n)
		p("| %d | %s | %s | %s | %s | %s | %s | %s |", n, s.Format(0), o.Format(0), ratio(o, s),
			r.cpuPerMsg(r.Single, n, false).Format(0), r.cpuPerMsg(r.Office, n, false).Format(0),
			r.cpuPerMsg(r.Single, n, true).Format(0), r.cpuPerMsg(r.Office, n, true).Format(0))
	}
	p("")
	p.section("Messages: send-to-receive latency")
	p("From just before the sender's 1003 until the receiver's push, in milliseconds. At %d/s the load is offered at", fixedRate)
	p("a fixed rate over %d senders; at saturation it is the throughput runs above (every sender as fast as it can).", fixedRateSenders)
	p("")
	p.table("| Load | Single p50 | Single p99 | Single max | Office p50 | Office p99 | Office max |")
	fx := func(f *clusterFigures) [3]Spread {
		if f == nil {
			return [3]Spread{}
		}
		return f.Fixed
	}
	s, o := fx(r.Single), fx(r.Office)
	p("| %d/s (%d senders) | %s | %s | %s | %s | %s | %s |", fixedRate, fixedRateSenders, s[0].Format(1), s[1].Format(1), s[2].Format(1),
		o[0].Format(1), o[1].Format(1), o[2].Format(1))
	for _, n := range r.Options.senderCounts() {
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
	p.section("Groups and history")
	p.table("| Scenario | Single node | 3-node office | Office / single |")
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
}

func (r *Report) footprintMarkdown(p md) {
	p.section("Footprint")
	if f := r.Foot; f != nil {
		p.table("| Figure | Value |")
		p("| Idle RSS of a fresh headless node (VmRSS, %v after start) | %s MB |", settleIdle, f.IdleRSS.Format(1))
		p("| RSS growth with %s idle WS connections (after %v) | %s MB |", num(idleConns, 0), settleIdle, f.ConnRSS.Format(1))
		p("| Data dir growth per 100,000 one-to-one text messages (measured over %s messages per run, scaled) | %s MB |",
			num(float64(f.DiskMsgsPerRun), 0), f.DiskPer100k.Format(1))
		for _, g := range diskGroups {
			if v, ok := f.DiskSplit[g]; ok {
				p("| … of which %s | %s MB |", g, v.Format(1))
			}
		}
		if f.DiskFirstSplit != nil {
			var parts []string
			for _, g := range diskGroups {
				parts = append(parts, fmt.Sprintf("%s %s", g, num(f.DiskFirstSplit[g], 1)))
			}
			p("| Data dir growth over the first %s messages, before the runs above (the Raft log to its ceiling, the WAL to its checkpoint size, and the messages) | %s MB (%s) |",
				num(float64(f.DiskFirstMsgs), 0), num(f.DiskFirst, 1), strings.Join(parts, ", "))
		}
		if total, state, ok := r.Growth.per100k(); ok {
			g := r.Growth.Points
			p("| Data dir growth per 100,000 messages over the growth curve (%s → %s stored) | %s MB, of which state.db %s MB |",
				num(float64(g[0].Stored), 0), num(float64(g[len(g)-1].Stored), 0), num(total, 1), num(state, 1))
		}
		if len(f.DiskFiles) > 0 {
			p("")
			p("Files that grew over the %d data-dir runs (%s messages in all): %s.", r.Options.Runs,
				num(float64(r.Options.Runs*f.DiskMsgsPerRun), 0), strings.Join(f.DiskFiles, ", "))
		}
	} else {
		p("Not measured.")
	}
	p("")
}

func (r *Report) fig(f *clusterFigures, senders int) Spread {
	if f == nil {
		return Spread{}
	}
	return f.Throughput[senders]
}

// cpuPerMsg is the nodes' CPU time per message, or with gen the load generator's.
func (r *Report) cpuPerMsg(f *clusterFigures, senders int, gen bool) Spread {
	if f == nil {
		return Spread{}
	}
	if gen {
		return f.GenCPU[senders]
	}
	return f.CPUPerMsg[senders]
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

func (r *Report) loginMarkdown(p md) {
	l := r.Login
	p.section("Login sync (official JS SDK)")
	p("A fresh login of the official `@openim/client-sdk` (0.0.14, the npm package in test/js, under Node.js with the")
	p("compatibility suite's WebSocket shim): a new Node process per login, so nothing is cached from an earlier one,")
	p("timed from `login()` until the SDK fires `OnSyncServerFinish` (it fires `OnSyncServerStart` when the WS is up,")
	p("then syncs messages, conversations, friends, groups and the user, and fires Finish when all are done). The")
	p("seeded account has %d friends, %d groups of %d members and %s conversations (a one-to-one chat with %d people,",
		syncFriends, syncGroups, syncGroupSize, num(syncConversations, 0), syncPeers)
	p("the friends among them, and the groups), each with a message; seeded through the REST API in %v. The empty",
		l.Seed.Round(100*time.Millisecond))
	p("account is the baseline, logged in alternately with the full one in the same run; %d runs each.", l.Runs)
	p("")
	p.table("| Account | login → OnSyncServerFinish (ms) | login → OnConnectSuccess (ms) | SDK CPU (ms) | node CPU (ms) |")
	row := func(name string, s loginSpread) {
		p("| %s | %s | %s | %s | %s |", name, s.Total.Format(0), s.Connect.Format(0), s.SDKCPU.Format(0), s.NodeCPU.Format(0))
	}
	row("empty (baseline)", l.Empty)
	row(fmt.Sprintf("%d friends, %d groups, %s conversations", syncFriends, syncGroups, num(syncConversations, 0)), l.Full)
	p("")
	p("SDK CPU is the Node process's CPU time from `login()` to Finish; node CPU is the `lanim node` process's CPU time")
	p("from the script's start to Finish, read from /proc in 10 ms ticks. Together they can exceed the wall time: the")
	p("two run on different cores.")
	verdict := "as seeded"
	if !l.HeldOK {
		verdict = "**not** what was seeded"
	}
	p("After each sync of the full account the SDK listed (conversations, friends, joined groups, by its own paged calls")
	p("after the timing): %s, %s.", strings.Join(l.Held, "; "), verdict)
	if len(l.Profile) > 0 {
		p("This run recorded CPU profiles of the node and of the SDK during the login (`-pprof DIR`); the notes say what")
		p("they show.")
	}
	p("")
}

func (r *Report) growthMarkdown(p md) {
	g := r.Growth
	p.section("Growth: send latency and memory as stored messages grow")
	var pts []string
	for _, pt := range g.Points {
		pts = append(pts, num(float64(pt.Target), 0))
	}
	p("One node is filled through REST `/msg/send_msg` (%d workers, spread over %d one-to-one chats) up to each point", growthWorkers, growthChats)
	p("(this run: %s); at each point %d WS senders send at %d/s for %d runs of %v (the latency table's load) and the",
		strings.Join(pts, " → "), fixedRateSenders, fixedRate, r.Options.Runs, r.Options.Duration)
	p("node's RSS is read after each run, with its file-backed part (RssFile: pages of mapped files, the binary's own")
	p("code, ~30 MB, the Raft log's meta database, SQLite's WAL index; the kernel can drop them under memory pressure,")
	p("unlike the Go heap). Latencies in ms, send-to-receive.")
	p("`make bench-growth` (`-growth`) takes the curve to 1,000,000 messages; the default stops at 100,000.")
	p("")
	p("The fill is followed by a wait until the node is idle (under 10%% of a core for a second, at most %v): the", quietLimit)
	p("point measures a node holding that many messages, not one still busy with the fill's last commits or a Raft")
	p("snapshot (*busy after fill*). Data dir is state.db (with WAL), the Raft log (raft-wal's segments) and the Raft snapshots")
	p("(the two newest, each a copy of state.db); *runs in a snapshot* counts runs during which the node took one.")
	p("")
	p.table("| Stored messages | p50 | p99 | max | RSS (MB) | of it file-backed (MB) | Busy after fill (s) | Runs in a snapshot |")
	errors := 0
	for _, pt := range g.Points {
		errors += pt.Errors
		busy := "–"
		if pt.FillRate > 0 {
			busy = num(pt.Busy.Seconds(), 0)
		}
		p("| %s | %s | %s | %s | %s | %s | %s | %d of %d |", num(float64(pt.Stored), 0), pt.Lat[0].Format(1),
			pt.Lat[1].Format(1), pt.Lat[2].Format(1), pt.RSS.Format(1), pt.RSSFile.Format(1), busy, pt.InSnap, pt.Lat[0].N)
	}
	p("")
	if last := g.Points[len(g.Points)-1]; len(last.Mapped) > 0 {
		p("The largest file mappings in the node's RSS at %s messages (/proc/PID/smaps): %s.", num(float64(last.Stored), 0),
			strings.Join(last.Mapped, ", "))
		p("")
	}
	p.table("| Stored messages | Data dir (MB) | state.db (MB) | Raft log (MB) | Raft snapshots (MB) | Fill rate to here (msg/s) |")
	for _, pt := range g.Points {
		fillRate := "–"
		if pt.FillRate > 0 {
			fillRate = num(pt.FillRate, 0)
		}
		p("| %s | %s | %s | %s | %s | %s |", num(float64(pt.Stored), 0), num(pt.Disk, 1), num(pt.State, 1),
			num(pt.RaftLog, 1), num(pt.Snaps, 1), fillRate)
	}
	p("")
	p("Stored messages counts the fill and the load runs so far. Sends that failed or were never pushed: %d.", errors)
	p("")
}
