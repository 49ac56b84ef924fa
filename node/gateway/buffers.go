package gateway

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
)

// connBufSize is the read and write buffer of a WebSocket connection. net/http hands a hijacked
// connection 4 KB for each, held for the connection's whole life: 8 MB per thousand idle
// connections. A frame larger than the buffer is read and written straight through, so a small
// buffer costs at most a second system call for a large frame.
const connBufSize = 1024

// smallBuffers is a ResponseWriter whose Hijack gives the connection connBufSize buffers instead
// of net/http's.
//
// The bytes net/http had already read past the request (a client that sent its first frame with
// the upgrade, or the byte net/http's background read took from a frame sent just after the 101)
// must come first and once. They go into the new reader's buffer, not into a reader behind it:
// coder/websocket's Accept keeps only what the hijacked reader reports as Buffered and re-bases
// the reader on the connection itself, so bytes held anywhere else were dropped, the WebSocket
// reader started inside a frame, and the connection closed on "unexpected rsv bits"
// (TestFramesSentWithTheUpgrade).
type smallBuffers struct {
	http.ResponseWriter
	// conn, when set, receives the hijacked connection (its write deadline bounds the frames).
	conn *net.Conn
}

func (w smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	n := brw.Reader.Buffered()
	early, _ := brw.Reader.Peek(n)
	br := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(early), conn), max(connBufSize, n))
	// One fill copies the early bytes into br's buffer (the bytes.Reader answers the whole of
	// them at once and the connection is not read); net/http's buffer is not used again.
	if got, err := br.Peek(n); err != nil || len(got) != n {
		conn.Close()
		return nil, nil, fmt.Errorf("carry %d buffered bytes over: %w", n, err)
	}
	if w.conn != nil {
		*w.conn = conn
	}
	return conn, bufio.NewReadWriter(br, bufio.NewWriterSize(conn, connBufSize)), nil
}

// maxPooledFrame is the largest frame buffer put back in the pool; the read limit (wire.ReadLimit)
// keeps client frames below it.
const maxPooledFrame = 64 << 10

// framePool lends the read loops their frame buffers: a frame's bytes are needed only while it is
// decoded, so a pool of a few buffers serves every connection, and an idle one holds none.
type framePool struct{ p sync.Pool }

func (fp *framePool) get() *bytes.Buffer {
	if b, ok := fp.p.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

func (fp *framePool) put(b *bytes.Buffer) {
	if b.Cap() <= maxPooledFrame {
		fp.p.Put(b)
	}
}
