package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// Exit statuses, as grep and fuser use them.
const (
	exitFound    = 0 // in use, found, done
	exitNotFound = 1 // not in use, nothing found, still held
	exitError    = 2 // bad input or an error
)

// app is one run of the command: where it writes and what the commands
// decided. Commands set code and queue hints; run prints errors and hints
// once, on stderr.
type app struct {
	stdin          io.Reader // for kill's question
	stdout, stderr io.Writer // stdout is buffered while a command runs
	terminal       io.Writer // the stdout we were given, to ask whether it is a terminal
	getenv         func(string) string
	now            func() time.Time
	reg            func() *services.Registry

	procRoot  string
	colorMode string

	code  int
	hints []string
}

// run is the whole command: tests call it like main does.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return newApp(stdout, stderr).run(ctx, args)
}

func newApp(stdout, stderr io.Writer) *app {
	return &app{stdin: os.Stdin, stdout: stdout, stderr: stderr, terminal: stdout, getenv: os.Getenv, now: time.Now, reg: services.Host}
}

func (a *app) run(ctx context.Context, args []string) int {
	out := bufio.NewWriter(a.stdout) // a listing is thousands of lines: one write, not one each
	stdout, stderr := out, a.stderr
	a.stdout = out
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	out.Flush()
	if err != nil {
		fmt.Fprintf(stderr, "whoport: error: %s\n", oneLine(err.Error()))
		for _, h := range hintsOf(err) {
			fmt.Fprintf(stderr, "whoport: hint: %s\n", h)
		}
		return exitError
	}
	for _, h := range a.hints {
		fmt.Fprintf(stderr, "whoport: hint: %s\n", h)
	}
	return a.code
}

// hintError is an error with hints for the user.
type hintError struct {
	err   error
	hints []string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

func withHint(err error, hints ...string) error { return &hintError{err, hints} }

func hintsOf(err error) []string {
	var h *hintError
	if errors.As(err, &h) {
		return h.hints
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// hint queues a hint for stderr, printed after the output.
func (a *app) hint(format string, args ...any) {
	a.hints = append(a.hints, fmt.Sprintf(format, args...))
}

func (a *app) system() inspect.System { return inspect.System{Proc: a.procRoot} }

// registry is the IANA registry with the host's /etc/services names.
func (a *app) registry() *services.Registry { return a.reg() }

// isTerminal reports whether w is a terminal.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// colorOn decides whether to colour stdout: --color=always or never, or
// for auto a terminal without NO_COLOR and with a TERM that is not dumb.
func (a *app) colorOn() bool {
	switch a.colorMode {
	case "always":
		return true
	case "never":
		return false
	}
	if a.getenv("NO_COLOR") != "" || a.getenv("TERM") == "dumb" {
		return false
	}
	return isTerminal(a.terminal)
}

var negativeArg = regexp.MustCompile(`in (-\d\S*)$`)

// flagError turns pflag's complaints into one line; a negative number is
// a bad port, not an unknown flag.
func flagError(_ *cobra.Command, err error) error {
	if m := negativeArg.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Errorf("invalid port %q: ports are numbers from 1 to 65535", m[1])
	}
	return fmt.Errorf("%w (see whoport --help)", err)
}

func (a *app) rootCommand() *cobra.Command {
	var o portOptions
	root := &cobra.Command{
		Use:   "whoport [flags] [PORT|ADDR:PORT|RANGE|SERVICE]...",
		Short: "Who is on a port: every socket on it, every process holding it, and what the port is",
		Long: `whoport tells who is on a port: every TCP and UDP socket on it (IPv4 and IPv6,
every state), every process that holds it (pid, user, command line, age), and
what the port is (its IANA class and service name).

Queries: 8080, :8080, 127.0.0.1:8080, [::1]:8080, 8080/udp, udp:8080,
8000-8100, or a service name such as ssh or http-alt.

Exit status: 0 in use, 1 not in use, 2 bad input or error.`,
		Args:          cobra.ArbitraryArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.pidSet = cmd.Flags().Changed("pid")
			return a.ports(cmd.Context(), args, o)
		},
	}
	root.SetVersionTemplate(fmt.Sprintf("whoport {{.Version}} (IANA registry of %s)\n", services.Date))
	root.SetFlagErrorFunc(flagError)
	pf := root.PersistentFlags()
	pf.StringVar(&a.procRoot, "proc-root", "/proc", "the `DIR` procfs is mounted on (the host's /proc inside a container)")
	pf.StringVar(&a.colorMode, "color", "auto", "colour the output: `WHEN` is auto (on a terminal, without NO_COLOR), always or never")
	o.flags(root)
	root.AddCommand(a.subcommands()...)
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		switch a.colorMode {
		case "auto", "always", "never":
			return nil
		}
		return fmt.Errorf("invalid --color %q: use auto, always or never", a.colorMode)
	}
	return root
}
