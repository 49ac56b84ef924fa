package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Hardening: what an outside probe and a newcomer met first (issue 16).

// runLanimEnv runs lanim to completion like runLanim, with env added to the environment (later
// entries win), and returns stdout and stderr apart.
func runLanimEnv(t *testing.T, timeout time.Duration, env []string, args ...string) (stdout, stderr string, exitCode int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, lanimBin, args...)
	cmd.SysProcAttr = childProcAttr()
	cmd.WaitDelay = time.Second
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("lanim %s: still running after %v; killed. Stderr:\n%s", strings.Join(args, " "), timeout, errOut.String())
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("lanim %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// TestHelpQuietUnderCLocale: the help of every command, under the C and POSIX locales that servers and
// containers default to, is the usage and nothing from the GUI toolkit.
func TestHelpQuietUnderCLocale(t *testing.T) {
	locales := [][]string{
		{"LANG=C.UTF-8", "LC_ALL=", "LC_MESSAGES=", "LANGUAGE="},
		{"LANG=C", "LC_ALL=", "LC_MESSAGES=", "LANGUAGE="},
		{"LANG=POSIX", "LC_ALL=", "LC_MESSAGES=", "LANGUAGE="},
		{"LANG=en_US.UTF-8", "LC_ALL=C.utf8", "LC_MESSAGES=", "LANGUAGE="},
		{"LANG=", "LC_ALL=", "LC_MESSAGES=POSIX.UTF-8", "LANGUAGE="},
	}
	for _, env := range locales {
		for _, args := range [][]string{{"--help"}, {"node", "-h"}, {"bench", "-h"}} {
			_, stderr, code := runLanimEnv(t, 30*time.Second, env, args...)
			if code == 0 || !strings.Contains(stderr, "Usage of") {
				t.Errorf("%v lanim %v: exit %d, want the usage and a non-zero exit; stderr:\n%s", env, args, code, stderr)
			}
			if strings.Contains(stderr, "Fyne") || strings.Contains(stderr, "locale") || strings.Contains(stderr, "/pkg/mod/") {
				t.Errorf("%v lanim %v: stderr has more than the usage:\n%s", env, args, stderr)
			}
		}
	}
}

// TestMakeBuildChecksDeps: `make build` on a fresh machine first installs the cgo headers the GUI
// toolkit needs (or stops with the command to run), instead of failing in the C compiler.
func TestMakeBuildChecksDeps(t *testing.T) {
	// go test runs in the package's directory, test/e2e.
	out, err := exec.Command("make", "--no-print-directory", "-n", "-C", "../..", "build").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n build: %v\n%s", err, out)
	}
	deps := strings.Index(string(out), "scripts/deps.sh --build")
	build := strings.Index(string(out), "go build")
	if deps < 0 || build < 0 || deps > build {
		t.Fatalf("make build does not check its dependencies before compiling:\n%s", out)
	}
}
