package autostart

import (
	"strings"
	"testing"
)

func TestNewNeedsAnAbsolutePath(t *testing.T) {
	for _, p := range []string{"lanim", "bin/lanim", "", `C:lanim.exe`} {
		if _, err := New(p); err == nil {
			t.Errorf("New(%q) took a relative path", p)
		}
	}
	for _, p := range []string{"/usr/bin/lanim", `C:\Program Files\LanIM\LanIM.exe`, `\\server\share\LanIM.exe`} {
		if _, err := New(p); err != nil {
			t.Errorf("New(%q): %v", p, err)
		}
	}
}

func TestDesktopEntry(t *testing.T) {
	e, _ := New("/opt/Lan IM/lanim", "--data", `/home/ann/my "chat" 100%`, "--plain")
	got := desktopEntry(e)
	// Quoted (space, quote), the quote escaped inside the quotes, the % doubled, and every
	// backslash doubled once more by the string escape of the file format.
	const exec = `Exec="/opt/Lan IM/lanim" --data "/home/ann/my \\"chat\\" 100%%" --plain` + "\n"
	for _, want := range []string{"[Desktop Entry]\n", "Type=Application\n", "Name=LanIM\n", exec, "Terminal=false\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("desktop entry lacks %q:\n%s", want, got)
		}
	}
	plain, _ := New("/usr/bin/lanim")
	if !strings.Contains(desktopEntry(plain), "Exec=/usr/bin/lanim\n") {
		t.Errorf("a plain path is quoted:\n%s", desktopEntry(plain))
	}
}

func TestRunValue(t *testing.T) {
	cases := []struct {
		exec string
		args []string
		want string
	}{
		{`C:\Users\Ann\AppData\Local\Programs\LanIM\LanIM.exe`, nil, `C:\Users\Ann\AppData\Local\Programs\LanIM\LanIM.exe`},
		{`C:\Program Files\LanIM\LanIM.exe`, []string{"--data", `D:\chat data\`}, `"C:\Program Files\LanIM\LanIM.exe" --data "D:\chat data\\"`},
		{`C:\x\LanIM.exe`, []string{`say "hi"`, ""}, `C:\x\LanIM.exe "say \"hi\"" ""`},
	}
	for _, tc := range cases {
		e, err := New(tc.exec, tc.args...)
		if err != nil {
			t.Fatal(err)
		}
		if got := runValue(e); got != tc.want {
			t.Errorf("runValue(%q %q) = %s, want %s", tc.exec, tc.args, got, tc.want)
		}
	}
}

func TestLaunchAgent(t *testing.T) {
	e, _ := New("/Applications/LanIM.app/Contents/MacOS/lanim", "--data", "/Users/ann/chat & <work>")
	got := launchAgent(e)
	for _, want := range []string{
		"<key>Label</key>\n\t<string>com.lanim.app</string>",
		"<array>\n\t\t<string>/Applications/LanIM.app/Contents/MacOS/lanim</string>\n\t\t<string>--data</string>\n\t\t<string>/Users/ann/chat &amp; &lt;work&gt;</string>\n\t</array>",
		"<key>RunAtLoad</key>\n\t<true/>",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("plist lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "KeepAlive") {
		t.Error("a LaunchAgent with KeepAlive would restart LanIM after the user quits it")
	}
}
