package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// whoportBin is the whoport built for the end-to-end tests, in a directory
// any user may read, so that it can also run as nobody.
var whoportBin string

// childMain, where the platform has one, runs the test binary as a child
// process that holds sockets for the end-to-end tests.
var childMain func(mode, arg string) int

func TestMain(m *testing.M) {
	if mode := os.Getenv("WHOPORT_TEST_CHILD"); mode != "" && childMain != nil {
		os.Exit(childMain(mode, os.Getenv("WHOPORT_TEST_ARG")))
	}
	dir, err := os.MkdirTemp("", "whoport-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Chmod(dir, 0o755)
	whoportBin = filepath.Join(dir, "whoport")
	if out, err := exec.Command("go", "build", "-o", whoportBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what a run of whoport printed and its exit status.
type result struct {
	stdout, stderr string
	code           int
}

// whoport runs the built binary.
func whoport(t *testing.T, args ...string) result {
	t.Helper()
	return runCmd(t, whoportCmd(args...))
}

// whoportCmd is the command that runs the built binary, without colour.
func whoportCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(whoportBin, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	cmd.Dir = "/"
	return cmd
}

// runCmd runs cmd and gathers what it printed and its exit status.
func runCmd(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	r := result{stdout: out.String(), stderr: errb.String()}
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
	return r
}

// runIn runs the command in this process, as main would.
func runIn(args ...string) result {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return result{out.String(), errb.String(), code}
}

// decode parses whoport's JSON document.
func decode(t *testing.T, r result) document {
	t.Helper()
	var doc document
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("bad JSON: %v\n%s\nstderr: %s", err, r.stdout, r.stderr)
	}
	if doc.Version != 1 {
		t.Errorf("got version %d, want 1", doc.Version)
	}
	return doc
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func readFile(name string) ([]byte, error) { return os.ReadFile(name) }
