// Command lanim is LanIM: office chat with no server. With no subcommand it opens the desktop app
// with its embedded node; `lanim node` runs a headless node. See README.md.
package main

import "lanim/app"

func main() { app.Main() }
