package blob

import (
	"crypto/md5"
	"hash"

	md5simd "github.com/minio/md5-simd"
)

// simdParts is how many parts must be received at once (this one included) before a part's MD5 is
// computed in vector lanes. MD5 is a chain that one core cannot speed up for one stream, but
// minio/md5-simd hashes up to 16 streams at once in one core's lanes (AVX-512; AVX2 two sets of
// 8): measured on the benchmark machine, 1 GiB cost crypto/md5 1.3 s of CPU, the lanes 1.1 s with
// 8 streams and 0.75 s with 16, but more than crypto/md5 with 4 or fewer (each write is copied to
// the hashing goroutine and the lanes idle).
const simdParts = 8

// partMD5 returns a hash for the MD5 of a part about to be received, and the func to call once
// its sum has been read. While simdParts or more parts are received at once (node/client sends
// them side by side) the hash is a stream of an md5simd server, which is started for them and
// stopped when the last of them is done, so an idle store runs no goroutine for it.
func (s *Store) partMD5() (hash.Hash, func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.receiving++
	if s.receiving < simdParts {
		return md5.New(), s.partReceived
	}
	if s.simd == nil || s.simd.served >= simdRetire {
		s.simd = &simdServer{Server: md5simd.NewServer()}
	}
	srv := s.simd
	srv.users++
	srv.served++
	h := srv.NewHash()
	return h, func() {
		h.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		s.receiving--
		if srv.users--; srv.users == 0 {
			srv.Close()
			if s.simd == srv {
				s.simd = nil
			}
		}
	}
}

// simdServer is an md5simd server and the streams it hashes. md5simd v1.1.2 keeps an entry for
// every stream it ever served (a closed stream is not removed from its maps) and walks them each
// round, so a server is retired after simdRetire streams: later parts start a new one.
type simdServer struct {
	md5simd.Server
	users  int // streams open
	served int // streams started
}

// simdRetire is how many parts' MD5 one md5simd server computes.
const simdRetire = 256

// partReceived ends a part's MD5 computed with crypto/md5.
func (s *Store) partReceived() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.receiving--
}
