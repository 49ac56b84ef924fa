// Command lanim is LanIM: office chat with no server. With no subcommand it opens the desktop app
// with its embedded node; `lanim node` runs a headless node. See README.md.
package main

import (
	"lanim/app"
	// First, so the GUI toolkit reads a C or POSIX locale as English (see the package).
	_ "lanim/app/locale"
)

func main() { app.Main() }
