package app

// version is LanIM's version. The Makefile and the packaging scripts set it from git
// (scripts/version.sh) with -ldflags "-X lanim/app.version=..."; a plain `go build` leaves this.
var version = "0.0.0-dev"

// Version is the version this binary was built as.
func Version() string { return version }
