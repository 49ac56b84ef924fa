package gateway

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
)

// connBufSize is the read and write buffer of a WebSocket connection. net/http hands a hijacked
// connection 4 KB for each, held for the connection's whole life: 8 MB per thousand idle
// connections. A frame larger than the buffer is read and written straight through, so a small
// buffer costs at most a second system call for a large frame.
const connBufSize = 1024

// smallBuffers is a ResponseWriter whose Hijack gives the connection connBufSize buffers instead
// of net/http's, carrying over any bytes the client already sent.
type smallBuffers struct {
	http.ResponseWriter
}

func (w smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	var r io.Reader = conn
	if n := brw.Reader.Buffered(); n > 0 {
		early, _ := brw.Reader.Peek(n)
		r = io.MultiReader(bytes.NewReader(bytes.Clone(early)), conn)
	}
	return conn, bufio.NewReadWriter(bufio.NewReaderSize(r, connBufSize), bufio.NewWriterSize(conn, connBufSize)), nil
}
