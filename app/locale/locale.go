// Package locale lets the GUI toolkit read a C or POSIX locale quietly. Fyne parses the user's
// locale while its packages initialize, in every run of the binary (even `lanim node` or --help),
// and logs three lines about "C" under LANG=C.UTF-8, the default of many servers and containers.
// Importing this package (main does) first names English for such a locale.
//
// It must run before Fyne's lang package initializes: Go initializes packages in import-path order
// among those whose imports are done, so this package, which imports only os and strings, runs
// before text/template, which fyne.io/fyne/v2/lang imports.
package locale

import (
	"os"
	"strings"
)

func init() {
	if value, ok := language(os.Getenv); ok {
		os.Setenv("LANGUAGE", value)
	}
}

// language returns the LANGUAGE to set, and whether to set it: "en" when the locale in effect
// for messages is C or POSIX with a charset (C.UTF-8, POSIX.utf8) and LANGUAGE is not set.
// The bare C and POSIX already read as English (the toolkit's fallback), and English is what a C
// locale's messages are, so the variable changes no language for lanim or the programs it starts.
func language(getenv func(string) string) (string, bool) {
	loc := ""
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = getenv(name); loc != "" {
			break
		}
	}
	base, _, _ := strings.Cut(loc, ".")
	base, _, _ = strings.Cut(base, "@")
	if loc == base || (base != "C" && base != "POSIX") || getenv("LANGUAGE") != "" {
		return "", false
	}
	return "en", true
}
