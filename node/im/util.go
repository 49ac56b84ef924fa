package im

import "strconv"

func itoa[T ~int | ~int32 | ~int64 | ~uint64](v T) string { return strconv.FormatInt(int64(v), 10) }
