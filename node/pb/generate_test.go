package pb

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// versionLine is the generated header's tool version lines; another protoc release on a fresh
// machine changes only these.
var versionLine = regexp.MustCompile(`(?m)^// \t(protoc|protoc-gen-go) +v.*$`)

// TestGenerateReproducible runs generate.sh (what `make proto` runs) on a copy of the .proto files
// and checks that it writes exactly the committed Go: the generated code is never edited by hand
// and never stale. protoc and protoc-gen-go come from scripts/deps.sh, which make test runs first.
func TestGenerateReproducible(t *testing.T) {
	// Where `go install` puts protoc-gen-go, and Go's own gofmt, even when not on PATH.
	path := os.Getenv("PATH")
	if env, err := exec.Command("go", "env", "GOPATH", "GOROOT").Output(); err == nil {
		for _, d := range bytes.Fields(env) {
			path += string(os.PathListSeparator) + filepath.Join(string(d), "bin")
		}
	}
	for _, tool := range []string{"protoc", "protoc-gen-go", "gofmt", "bash"} {
		if _, err := lookPath(tool, path); err != nil {
			t.Fatalf("%s not installed (scripts/deps.sh installs it): %v", tool, err)
		}
	}
	dir := t.TempDir()
	sources, err := filepath.Glob("*.proto")
	if err != nil || len(sources) == 0 {
		t.Fatalf("no .proto files: %v", err)
	}
	for _, f := range append(sources, "generate.sh") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("bash", filepath.Join(dir, "generate.sh"))
	cmd.Env = append(os.Environ(), "PATH="+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generate.sh: %v\n%s", err, out)
	}
	committed, _ := filepath.Glob("*.pb.go")
	generated, _ := filepath.Glob(filepath.Join(dir, "*.pb.go"))
	if len(generated) != len(committed) {
		t.Fatalf("generate.sh wrote %d files, %d are committed", len(generated), len(committed))
	}
	for _, f := range committed {
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("generate.sh did not write %s: %v", f, err)
		}
		if !bytes.Equal(versionLine.ReplaceAll(got, nil), versionLine.ReplaceAll(want, nil)) {
			t.Errorf("%s differs from what `make proto` generates: run make proto and commit", f)
		}
	}
}

// lookPath is exec.LookPath over the given PATH.
func lookPath(name, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}
