package bench

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
)

// bar shows how far a long step (filling a node with up to a million messages, seeding an
// account) has got: a redrawn progress bar when the progress writer is a terminal, and a log line
// at every tenth otherwise (`make bench > log` should not fill the log with redraws).
type bar struct {
	pb *progressbar.ProgressBar

	o     Options
	desc  string
	total int64
	start time.Time

	mu     sync.Mutex
	done   int64
	logged int64 // tenths already logged
}

// bar starts a progress display for total units of desc; a nil *bar ignores every call.
func (o Options) bar(total int, desc string) *bar {
	if o.Progress == nil || total <= 0 {
		return nil
	}
	b := &bar{o: o, desc: desc, total: int64(total), start: time.Now()}
	if isTerminal(o.Progress) {
		b.pb = progressbar.NewOptions64(int64(total),
			progressbar.OptionSetWriter(o.Progress),
			progressbar.OptionSetDescription("[bench] "+desc),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return b
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// Add counts n more units done; safe from several goroutines.
func (b *bar) Add(n int) {
	if b == nil {
		return
	}
	if b.pb != nil {
		b.pb.Add(n)
		return
	}
	// The line is written under the lock: Progress may be any writer, not one safe for
	// concurrent writes.
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += int64(n)
	if tenth := b.done * 10 / b.total; tenth > b.logged && tenth < 10 {
		b.logged = tenth
		b.o.logf("%s: %d/%d (%d%%, %v)", b.desc, b.done, b.total, tenth*10, time.Since(b.start).Round(time.Second))
	}
}

// Finish ends the display and logs the step's total time.
func (b *bar) Finish() {
	if b == nil {
		return
	}
	if b.pb != nil {
		b.pb.Finish()
	}
	b.o.logf("%s: done in %v", b.desc, time.Since(b.start).Round(100*time.Millisecond))
}
