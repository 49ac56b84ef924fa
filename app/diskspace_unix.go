//go:build !windows

package app

import "syscall"

// freeSpace is the space an unprivileged user may still write on dir's file system, in bytes.
func freeSpace(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}
