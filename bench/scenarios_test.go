package bench

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParallel(t *testing.T) {
	var seen [100]atomic.Int32
	var out bytes.Buffer
	b := Options{Progress: &out}.bar(100, "step")
	if err := parallel(context.Background(), 100, 7, b, func(i int) error { seen[i].Add(1); return nil }); err != nil {
		t.Fatal(err)
	}
	for i := range seen {
		if n := seen[i].Load(); n != 1 {
			t.Fatalf("index %d ran %d times", i, n)
		}
	}
	// Not a terminal: one log line per tenth from 10% to 90%.
	if got := strings.Count(out.String(), "step: "); got != 9 {
		t.Errorf("%d progress lines, want 9:\n%s", got, out.String())
	}

	boom := errors.New("boom")
	var calls atomic.Int32
	err := parallel(context.Background(), 1000, 4, nil, func(i int) error {
		calls.Add(1)
		if i == 10 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
	if n := calls.Load(); n >= 1000 {
		t.Errorf("%d calls after the error, want it to stop early", n)
	}
}

func TestGrowthPer100k(t *testing.T) {
	g := &growthFigures{Points: []growthPoint{
		{Stored: 10_000, Disk: 50, State: 10},
		{Stored: 110_000, Disk: 350, State: 75},
	}}
	total, state, ok := g.per100k()
	if !ok || total != 300 || state != 65 {
		t.Errorf("per100k = %v %v %v, want 300 65 true", total, state, ok)
	}
	if _, _, ok := (&growthFigures{Points: g.Points[:1]}).per100k(); ok {
		t.Error("one point gives a slope")
	}
	if _, _, ok := (*growthFigures)(nil).per100k(); ok {
		t.Error("no figures give a slope")
	}
}

func TestDefaultOptions(t *testing.T) {
	tests := []struct {
		quick, long bool
		want        []int
	}{
		{false, false, growthShort},
		{false, true, growthLong},
		{true, true, growthQuick},
	}
	for _, tc := range tests {
		o := DefaultOptions("lanim", tc.quick, tc.long)
		if len(o.GrowthPoints) != len(tc.want) || o.GrowthPoints[len(o.GrowthPoints)-1] != tc.want[len(tc.want)-1] {
			t.Errorf("quick %v long %v: points %v, want %v", tc.quick, tc.long, o.GrowthPoints, tc.want)
		}
	}
	if got := growthLong[len(growthLong)-1]; got != 1_000_000 {
		t.Errorf("the long curve ends at %d, want 1,000,000", got)
	}
	o := Options{Scenarios: []string{"growth"}}
	if !o.runs("growth") || o.runs("single") || !(Options{}).runs("single") {
		t.Error("runs: -only not honoured")
	}
}

// TestMarkdownSections: the new sections render their figures, and a partial run leaves out what
// it did not measure.
func TestMarkdownSections(t *testing.T) {
	s := func(v float64) Spread { return Spread{Median: v, Min: v, Max: v, N: 3} }
	r := &Report{
		Options: Options{Runs: 3, Duration: 4 * time.Second, Scenarios: []string{"loginsync", "growth"}},
		Login: &loginFigures{NodeJS: "v20", Runs: 5, HeldOK: true, Held: []string{"1,000 conversations, 500 friends, 100 groups"},
			Empty: loginSpread{Total: s(45)}, Full: loginSpread{Total: s(210), NodeCPU: s(180)}},
		Growth: &growthFigures{Points: []growthPoint{
			{Target: 10_000, Stored: 16_000, Lat: [3]Spread{s(1.2), s(5.5), s(9)}, RSS: s(60), Disk: 70, State: 20},
			{Target: 100_000, Stored: 112_000, Lat: [3]Spread{s(1.3), s(6.1), s(12)}, RSS: s(80), Disk: 400, State: 80},
		}},
	}
	var b strings.Builder
	r.Markdown(&b, testNotes())
	md := b.String()
	for _, want := range []string{
		"## Login sync (official JS SDK)",
		"| empty (baseline) | 45 (45–45) |",
		"| 500 friends, 100 groups, 1,000 conversations | 210 (210–210) |",
		"as seeded",
		"## Growth",
		"| 112,000 | 1.3 (1.3–1.3) | 6.1 (6.1–6.1) |",
		"10,000 → 100,000",
		"| Scenarios in this run | loginsync, growth |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	for _, absent := range []string{"## Messages: throughput", "## Footprint"} {
		if strings.Contains(md, absent) {
			t.Errorf("partial report has %q", absent)
		}
	}
}

func testNotes() string { return "<!-- notes -->\n" }
