package bench

import (
	"strings"
	"testing"
	"time"
)

// A window counts once however many writes committed in it; a window without one does not.
func TestAvailabilityWindows(t *testing.T) {
	t0 := time.Unix(1_000, 0)
	n := &availNode{commit: []time.Time{t0.Add(100 * time.Millisecond), t0.Add(900 * time.Millisecond),
		t0.Add(2500 * time.Millisecond), t0.Add(5 * time.Second)}}
	if hit, total := n.windows(t0, t0.Add(4*time.Second)); hit != 2 || total != 4 {
		t.Fatalf("windows: %d of %d, want 2 of 4", hit, total)
	}
}

// The availability section shows both modes per phase, the demotion time and the drain ratio,
// and the targets judge the worst phase with demotion on.
func TestAvailabilityMarkdown(t *testing.T) {
	s := func(v float64) Spread { return Spread{Median: v, Min: v, Max: v, N: 3} }
	r := &Report{Options: Options{Runs: 3, Scenarios: []string{"availability"}},
		Avail: &availabilityFigures{Phase: availPhase, DemoteAfter: 15 * time.Second, DrainSenders: 16, Queued: 2000,
			On:       map[int]Spread{5: s(100), 4: s(93), 3: s(95), 2: s(91)},
			Off:      map[int]Spread{5: s(100), 4: s(96), 3: s(100), 2: s(0)},
			Demotion: s(16.2), Normal: s(800), Drain: s(2400), DrainRatio: s(3)}}
	var b strings.Builder
	r.Markdown(&b, testNotes())
	md := b.String()
	for _, want := range []string{
		"## Availability",
		"| 2 | 91 (91–91)% | 0 (0–0)% |",
		"non-voter: 16.2 (16.2–16.2) s",
		"| 800 (800–800) | 2,400 (2,400–2,400) | 3.00 (3.00–3.00)× |",
		"| writes while an office of 5 sleeps one by one, worst phase until 2 awake | ≥ 90% of 1-s windows | 91 (91–91) % | met |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}
