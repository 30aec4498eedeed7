package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// whoportBin is the test binary itself, copied (or linked) as "whoport"
// into a directory any user may read, so that it can also run as nobody.
// Run under that name it is whoport: TestMain hands it to main.
var whoportBin string

// childMain, where the platform has one, runs the test binary as a child
// process that holds sockets for the end-to-end tests.
var childMain func(mode, arg string) int

// TestMain runs the test binary as one of three things: a child holding
// sockets (WHOPORT_TEST_CHILD set), whoport itself (run under the name
// whoport, as the scripts and the end-to-end tests do), or the tests.
func TestMain(m *testing.M) {
	if mode := os.Getenv("WHOPORT_TEST_CHILD"); mode != "" && childMain != nil {
		os.Exit(childMain(mode, os.Getenv("WHOPORT_TEST_ARG")))
	}
	testscript.Main(withWhoport{m}, map[string]func(){"whoport": main})
}

// withWhoport runs the tests with whoportBin in place, and removes it after.
type withWhoport struct{ m *testing.M }

func (w withWhoport) Run() int {
	dir, err := os.MkdirTemp("", "whoport-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	whoportBin = filepath.Join(dir, "whoport")
	if runtime.GOOS == "windows" {
		whoportBin += ".exe"
	}
	self, err := os.Executable()
	if err == nil {
		err = linkOrCopy(self, whoportBin)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "whoport as the test binary: %v\n", err)
		return 2
	}
	return w.m.Run()
}

// linkOrCopy makes to the same executable as from: a hard link where it
// can, else a copy readable and executable by anyone.
func linkOrCopy(from, to string) error {
	if os.Link(from, to) == nil {
		return nil
	}
	return copyExecutable(from, to)
}

func copyExecutable(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// result is what a run of whoport printed and its exit status.
type result struct {
	stdout, stderr string
	code           int
}

// whoport runs the test binary as whoport.
func whoport(t *testing.T, args ...string) result {
	t.Helper()
	return runCmd(t, whoportCmd(args...))
}

// whoportCmd is the command that runs the test binary as whoport, without
// colour.
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
