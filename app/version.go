package app

// version is LanIM's version, from git (scripts/version.sh): `make build` sets it with -ldflags
// "-X lanim/app.version=...", the packaging scripts on their copy of the tree (fyne loses -X on
// Windows); a plain `go build` leaves this.
var version = "0.0.0-dev"

// Version is the version this binary was built as.
func Version() string { return version }
