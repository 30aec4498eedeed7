package main

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptCmds are the commands the scripts in testdata/script have beyond
// testscript's own; platform files add theirs (hold, on Linux).
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"badinput": badInput,
}

// TestScripts runs the CLI scripts in testdata/script: whoport used as a
// person would, each script a page of documentation that is checked.
// whoport there is this test binary under that name (see TestMain).
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{Dir: "../../testdata/script", Cmds: scriptCmds, RequireExplicitExec: true})
}

// badInput is the scripts' badinput ARGS...: it runs whoport with the
// arguments and checks what all bad input gets: exit status 2, nothing on
// stdout, and one line on stderr starting "whoport: error: ", in words
// rather than Go's (no strconv, time or flag package errors). The script
// then checks what the line says.
func badInput(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("badinput cannot be negated")
	}
	err := ts.Exec("whoport", args...)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		ts.Fatalf("whoport %q: got %v, want exit status 2", args, err)
	}
	if out := ts.ReadFile("stdout"); out != "" {
		ts.Fatalf("whoport %q: got stdout %q, want nothing", args, out)
	}
	e := ts.ReadFile("stderr")
	if !strings.HasPrefix(e, "whoport: error: ") || strings.Count(e, "\n") != 1 || !strings.HasSuffix(e, "\n") {
		ts.Fatalf("whoport %q: got stderr %q, want one line starting \"whoport: error: \"", args, e)
	}
	for _, goWords := range []string{"strconv", "time: ", "pflag", "cobra", "Parse", "arg(s)"} {
		if strings.Contains(e, goWords) {
			ts.Fatalf("whoport %q: stderr %q speaks Go (%q)", args, e, goWords)
		}
	}
}
