package gui

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"lanim/test/nodeproc"
)

// TestMeasure is the desktop app's figures in docs/gui.md (scripts/gui-measure.sh runs it under
// Xvfb): the time from starting bin/lanim to its window showing, on a fresh data dir and again
// on that data dir; then, on the demo office (signed in, a chat open), the resident memory after
// it settles and the CPU time over a minute with the window hidden in the tray (a tray host on
// a private bus, as in TestTrayRealWindow). Each figure is the median of LANIM_GUI_MEASURE_RUNS
// runs (3). It measures, it does not judge: the figures go to the log.
func TestMeasure(t *testing.T) {
	if os.Getenv("LANIM_GUI_MEASURE") != "1" {
		t.Skip("measurements run under scripts/gui-measure.sh")
	}
	s := newSmoke(t)
	runs := 3
	if n, err := strconv.Atoi(os.Getenv("LANIM_GUI_MEASURE_RUNS")); err == nil && n > 0 {
		runs = n
	}
	settle := 30 * time.Second
	window := 60 * time.Second
	var fresh, again, rss, cpu []float64
	// The pointer off the windows: a window mapped under it gets pointer events, and Fyne (2.7.1)
	// can crash on one that arrives while it closes the window on SIGTERM.
	s.xdo("mousemove", "1390", "890")
	for i := range runs {
		dir := t.TempDir()
		args := []string{"--data", dir, "--api-addr", nodeproc.MustFreeAddr(t), "--ws-addr", nodeproc.MustFreeAddr(t),
			"--cluster-addr", nodeproc.MustFreeAddr(t)}
		for _, out := range []*[]float64{&fresh, &again} {
			p := s.start(fmt.Sprintf("start-%d", i), args...)
			began := time.Now()
			s.until("the window", func() bool { return s.visible(p) })
			*out = append(*out, time.Since(began).Seconds())
			time.Sleep(2 * time.Second) // the node settles before it stops
			if err := p.Stop(syscall.SIGTERM, waitFor); err != nil {
				t.Fatal(err)
			}
		}
	}
	host := startTrayHost(t)
	s.env = append(s.env, "DBUS_SESSION_BUS_ADDRESS="+host.addr)
	for i := range runs {
		p := s.start(fmt.Sprintf("demo-%d", i), "--demo")
		s.until("the demo signed in", func() bool { return strings.Contains(p.Log(), "signed in as ann") })
		win := s.window(p, 0)
		s.click(win, 224, 160) // the first chat of the list
		time.Sleep(settle)
		if i == 0 {
			s.shot("measure-chat-open")
		}
		rss = append(rss, float64(vmRSS(t, p.Cmd.Process.Pid))/1024)
		if err := closeWindow(win); err != nil {
			t.Fatal(err)
		}
		s.until("the window hidden", func() bool { return !s.visible(p) })
		time.Sleep(5 * time.Second)
		before := cpuTicks(t, p.Cmd.Process.Pid)
		time.Sleep(window)
		ticks := cpuTicks(t, p.Cmd.Process.Pid) - before
		cpu = append(cpu, 100*float64(ticks)/clockTicks(t)/window.Seconds())
		if err := p.Stop(syscall.SIGTERM, waitFor); err != nil {
			t.Fatal(err)
		}
	}
	load, _ := os.ReadFile("/proc/loadavg")
	nproc, _ := exec.Command("nproc").Output()
	t.Logf("machine: %s CPUs, load average %s", strings.TrimSpace(string(nproc)), strings.Join(strings.Fields(string(load))[:3], " "))
	t.Logf("| start-up to the window, fresh data dir | %.2f s | %v |", median(fresh), rounded(fresh))
	t.Logf("| start-up to the window, with a data dir | %.2f s | %v |", median(again), rounded(again))
	t.Logf("| RSS, demo signed in, a chat open | %.0f MB | %v |", median(rss), rounded(rss))
	t.Logf("| CPU with the window hidden (60 s) | %.2f %% of a core | %v |", median(cpu), rounded(cpu))
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	return s[len(s)/2]
}

func rounded(v []float64) []string {
	var out []string
	for _, x := range v {
		out = append(out, strconv.FormatFloat(x, 'f', 2, 64))
	}
	return out
}

// vmRSS is a process's resident set in KiB (/proc/PID/status).
func vmRSS(t *testing.T, pid int) int {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// cpuTicks is a process's user plus system CPU time in clock ticks (/proc/PID/stat fields 14
// and 15, counted after the parenthesised command name).
func cpuTicks(t *testing.T, pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return utime + stime
}

// clockTicks is the kernel's ticks per second (getconf CLK_TCK; 100 on Linux).
func clockTicks(t *testing.T) float64 {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err != nil {
		return 100
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || n <= 0 {
		return 100
	}
	return float64(n)
}
