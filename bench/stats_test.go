package bench

import (
	"testing"
	"time"
)

func TestSpreadOf(t *testing.T) {
	tests := []struct {
		in   []float64
		want Spread
	}{
		{nil, Spread{}},
		{[]float64{7}, Spread{7, 7, 7, 1}},
		{[]float64{3, 1, 2}, Spread{2, 1, 3, 3}},
		{[]float64{4, 1, 3, 2}, Spread{2.5, 1, 4, 4}},
		{[]float64{5, 5, 9, 1, 5}, Spread{5, 1, 9, 5}},
	}
	for _, tc := range tests {
		in := append([]float64(nil), tc.in...)
		if got := SpreadOf(tc.in); got != tc.want {
			t.Errorf("SpreadOf(%v) = %+v, want %+v", tc.in, got, tc.want)
		}
		for i := range in {
			if in[i] != tc.in[i] {
				t.Fatalf("SpreadOf reordered its input: %v", tc.in)
			}
		}
	}
}

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i + 1)
	}
	tests := []struct {
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, 0},
		{[]time.Duration{9}, 99, 9},
		{hundred, 50, 50},
		{hundred, 99, 99},
		{hundred, 100, 100},
		{hundred, 0, 1},
		{[]time.Duration{1, 2, 3}, 50, 2},
		{[]time.Duration{1, 2, 3, 4}, 50, 2},
		{[]time.Duration{1, 2, 3, 4}, 99, 4},
	}
	for _, tc := range tests {
		if got := Percentile(tc.in, tc.p); got != tc.want {
			t.Errorf("Percentile(%d values, %v) = %v, want %v", len(tc.in), tc.p, got, tc.want)
		}
	}
}

func TestQuantiles(t *testing.T) {
	l := Latencies{3 * time.Millisecond, 1 * time.Millisecond, 2 * time.Millisecond}
	p50, p99, mx := l.Quantiles()
	if p50 != 2 || p99 != 3 || mx != 3 {
		t.Errorf("Quantiles = %v %v %v, want 2 3 3", p50, p99, mx)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		s    Spread
		dec  int
		want string
	}{
		{Spread{}, 0, "–"},
		{Spread{1234.5, 1234.5, 1234.5, 1}, 1, "1,234.5"},
		{Spread{5120, 4980, 1234567, 3}, 0, "5,120 (4,980–1,234,567)"},
		{Spread{0.42, 0.4, 0.5, 3}, 2, "0.42 (0.40–0.50)"},
	}
	for _, tc := range tests {
		if got := tc.s.Format(tc.dec); got != tc.want {
			t.Errorf("%+v.Format(%d) = %q, want %q", tc.s, tc.dec, got, tc.want)
		}
	}
}
