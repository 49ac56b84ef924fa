package bench

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Spread is a figure measured over several runs: the median with the smallest and largest run,
// which is what every table cell shows.
type Spread struct {
	Median, Min, Max float64
	N                int
}

// SpreadOf summarizes the runs' values; no values is the zero Spread.
func SpreadOf(values []float64) Spread {
	if len(values) == 0 {
		return Spread{}
	}
	s := slices.Clone(values)
	slices.Sort(s)
	return Spread{Median: Median(s), Min: s[0], Max: s[len(s)-1], N: len(s)}
}

// Median of sorted values: the middle one, or the mean of the two middle ones.
func Median(sorted []float64) float64 {
	n := len(sorted)
	switch {
	case n == 0:
		return math.NaN()
	case n%2 == 1:
		return sorted[n/2]
	default:
		return (sorted[n/2-1] + sorted[n/2]) / 2
	}
}

// Percentile of sorted durations by the nearest-rank method (p in 0..100): the smallest value
// with at least p% of the values at or below it. p99 of 100 values is the 99th, never an
// interpolation that no message actually took.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// Latencies are one run's send-to-receive times.
type Latencies []time.Duration

// Quantiles returns p50, p99 and max in milliseconds.
func (l Latencies) Quantiles() (p50, p99, maxMS float64) {
	s := slices.Clone(l)
	slices.Sort(s)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	if len(s) == 0 {
		return 0, 0, 0
	}
	return ms(Percentile(s, 50)), ms(Percentile(s, 99)), ms(s[len(s)-1])
}

// Format shows the spread with the unit and precision of the figure: "5,120 (4,980–5,300)".
func (s Spread) Format(decimals int) string {
	if s.N == 0 {
		return "–"
	}
	if s.N == 1 {
		return num(s.Median, decimals)
	}
	return fmt.Sprintf("%s (%s–%s)", num(s.Median, decimals), num(s.Min, decimals), num(s.Max, decimals))
}

// num formats v with decimals and thousands separators.
func num(v float64, decimals int) string {
	s := fmt.Sprintf("%.*f", decimals, v)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	intPart, frac := s, ""
	for i := range s {
		if s[i] == '.' {
			intPart, frac = s[:i], s[i:]
			break
		}
	}
	var b []byte
	for i := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, intPart[i])
	}
	out := string(b) + frac
	if neg {
		out = "-" + out
	}
	return out
}
