package bench

import "time"

// evenTokens offers rate starts a second from start until end, evenly spaced, on the returned
// channel, which is closed at end; nil when rate is 0 (no pacing). A start nobody takes at once is
// dropped: the takers are behind, and the offered load is above what they keep up with.
func evenTokens(start, end time.Time, rate float64) chan struct{} {
	if rate <= 0 {
		return nil
	}
	tokens := make(chan struct{}, int(rate)+1)
	go func() {
		defer close(tokens)
		for i := 0; ; i++ {
			due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
			if !due.Before(end) {
				return
			}
			time.Sleep(time.Until(due))
			select {
			case tokens <- struct{}{}:
			default:
			}
		}
	}()
	return tokens
}
