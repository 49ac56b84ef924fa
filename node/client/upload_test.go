package client

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"testing"
)

// TestPartMD5s: the parts come back in order, each the MD5 of its own bytes, the last one short,
// whether they were hashed by crypto/md5 (fewer than simdParts) or side by side in vector lanes,
// also with more parts than lanes and than the lanes of every core.
func TestPartMD5s(t *testing.T) {
	const partSize = 1000
	for _, parts := range []int{1, 3, simdParts, 10, 2*simdLanes + 5, simdServers*simdLanes*2 + 3} {
		data := make([]byte, (parts-1)*partSize+123)
		for i := range data {
			data[i] = byte(i * 7 / 3)
		}
		got, err := partMD5s(bytes.NewReader(data), int64(len(data)), partSize)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != parts {
			t.Fatalf("%d sums, want %d", len(got), parts)
		}
		for i, sum := range got {
			part := data[i*partSize : min(len(data), (i+1)*partSize)]
			if want := md5.Sum(part); sum != hex.EncodeToString(want[:]) {
				t.Fatalf("%d parts: part %d: %s, want %x", parts, i+1, sum, want)
			}
		}
	}
	if got, err := partMD5s(bytes.NewReader(nil), 0, partSize); err != nil || len(got) != 0 {
		t.Fatalf("empty file: %v %v", got, err)
	}
}
