// Package assets holds the resources bundled into the binary with go:embed.
package assets

import _ "embed"

// Icon is the 512x512 PNG application icon (assets/icon.png, made by scripts/icon.sh); FyneApp.toml points
// `fyne package` at the same file.
//
//go:embed icon.png
var Icon []byte
