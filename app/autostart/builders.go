package autostart

import (
	"encoding/xml"
	"strings"
)

// desktopEntry is the XDG autostart file (Desktop Entry Specification 1.5: Exec arguments with a
// space, quote, backslash or other reserved character are double-quoted, and inside quotes ", `,
// $ and \ are escaped with a backslash; a literal % is written %%).
func desktopEntry(e *Entry) string {
	var b strings.Builder
	b.WriteString("[Desktop Entry]\nType=Application\nName=" + Name + "\n")
	b.WriteString("Comment=Office chat: keeps this computer in the office\n")
	b.WriteString("Exec=" + desktopExec(append([]string{e.Exec}, e.Args...)) + "\n")
	b.WriteString("Icon=lanim\nTerminal=false\nX-GNOME-Autostart-enabled=true\n")
	return b.String()
}

func desktopExec(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		a = strings.ReplaceAll(a, "%", "%%")
		if a != "" && !strings.ContainsAny(a, " \t\n\"'\\><~|&;$*?#()`") {
			out[i] = a
			continue
		}
		r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", `$`, `\$`)
		out[i] = `"` + r.Replace(a) + `"`
	}
	// The file format escapes a backslash once more when it reads a string value.
	return strings.ReplaceAll(strings.Join(out, " "), `\`, `\\`)
}

// runValue is the HKCU Run value: the command line Windows runs at sign-in, each argument
// quoted as CommandLineToArgvW reads it back (backslashes before a quote doubled).
func runValue(e *Entry) string {
	parts := make([]string, 0, 1+len(e.Args))
	for _, a := range append([]string{e.Exec}, e.Args...) {
		parts = append(parts, windowsQuote(a))
	}
	return strings.Join(parts, " ")
}

func windowsQuote(a string) string {
	if a != "" && !strings.ContainsAny(a, " \t\"") {
		return a
	}
	var b strings.Builder
	b.WriteByte('"')
	slashes := 0
	for _, r := range a {
		switch r {
		case '\\':
			slashes++
			continue
		case '"':
			b.WriteString(strings.Repeat(`\`, 2*slashes+1))
		default:
			b.WriteString(strings.Repeat(`\`, slashes))
		}
		slashes = 0
		b.WriteRune(r)
	}
	b.WriteString(strings.Repeat(`\`, 2*slashes))
	b.WriteByte('"')
	return b.String()
}

// launchAgentLabel is the LaunchAgent's label (and file name, with .plist): the app's ID.
const launchAgentLabel = "com.lanim.app"

// launchAgent is the LaunchAgent property list: launchd runs ProgramArguments when the user
// signs in (RunAtLoad) and does not restart it after a Quit (no KeepAlive).
func launchAgent(e *Entry) string {
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString("<plist version=\"1.0\">\n<dict>\n")
	b.WriteString("\t<key>Label</key>\n\t<string>" + launchAgentLabel + "</string>\n")
	b.WriteString("\t<key>ProgramArguments</key>\n\t<array>\n")
	for _, a := range append([]string{e.Exec}, e.Args...) {
		b.WriteString("\t\t<string>")
		_ = xml.EscapeText(&b, []byte(a)) // a strings.Builder does not fail
		b.WriteString("</string>\n")
	}
	b.WriteString("\t</array>\n\t<key>RunAtLoad</key>\n\t<true/>\n\t<key>ProcessType</key>\n\t<string>Interactive</string>\n")
	b.WriteString("</dict>\n</plist>\n")
	return b.String()
}
