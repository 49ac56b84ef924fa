package app

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Without -ldflags -X the binary says 0.0.0-dev; --version, -version and the version command
// print it and nothing else, and start no node.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if got := out.String(); got != "lanim 0.0.0-dev\n" || errOut.Len() != 0 {
			t.Fatalf("%v: stdout %q stderr %q, want stdout \"lanim 0.0.0-dev\\n\"", args, got, errOut.String())
		}
	}
	err := run(context.Background(), []string{"version", "extra"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "no arguments") {
		t.Fatalf("version extra: %v, want an error", err)
	}
}
