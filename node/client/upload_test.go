package client

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"testing"
)

// TestPartMD5s: the parts hashed by several goroutines come back in order, each the MD5 of its
// own bytes, the last one short.
func TestPartMD5s(t *testing.T) {
	const partSize = 1000
	data := make([]byte, 9*partSize+123)
	for i := range data {
		data[i] = byte(i * 7 / 3)
	}
	got, err := partMD5s(bytes.NewReader(data), int64(len(data)), partSize)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 {
		t.Fatalf("%d sums, want 10", len(got))
	}
	for i, sum := range got {
		part := data[i*partSize : min(len(data), (i+1)*partSize)]
		if want := md5.Sum(part); sum != hex.EncodeToString(want[:]) {
			t.Fatalf("part %d: %s, want %x", i+1, sum, want)
		}
	}
	if got, err := partMD5s(bytes.NewReader(nil), 0, partSize); err != nil || len(got) != 0 {
		t.Fatalf("empty file: %v %v", got, err)
	}
}
