// Command lanim is LanIM: office chat with no server. With no subcommand it opens the desktop app with an
// embedded node; `lanim node` runs a headless node. The code lives in package app; this file stays a thin
// entry point because `fyne package` builds the module root.
package main

import "lanim/app"

func main() { app.Main() }
