package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

// Exit statuses, as grep and fuser use them.
const (
	exitFound    = 0 // in use, found, done
	exitNotFound = 1 // not in use, nothing found, still held
	exitError    = 2 // bad input or an error
)

// app is one run of the command: where it writes, and the door to the
// host it asks everything of. It never asks the operating system anything
// itself.
type app struct {
	stdin          io.Reader // for kill's question
	stdout, stderr io.Writer // stdout is buffered while a command runs
	terminal       io.Writer // the stdout we were given, to ask whether it is a terminal
	getenv         func(string) string
	clock          inspect.Clock
	open           func(root string) (inspect.System, error)
	width          int // of the terminal stdout is, for the listing; 0 for no limit
	completeWalk   int // the most open files on a host for completion to find holders

	procRoot  string
	colorMode string
	format    string
	json      bool
	version   bool

	sys     *inspect.System // opened on first use
	outcome outcome         // what the command that ran concluded
}

// outcome is what a command concluded: its exit status and the hints to
// print after its output.
type outcome struct {
	code  int
	hints []string
}

// hint adds a hint to the outcome.
func (o *outcome) hint(format string, args ...any) {
	o.hints = append(o.hints, fmt.Sprintf(format, args...))
}

// run is the whole command: tests call it like main does.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return newApp(stdout, stderr).run(ctx, args)
}

func newApp(stdout, stderr io.Writer) *app {
	return &app{stdin: os.Stdin, stdout: stdout, stderr: stderr, terminal: stdout, getenv: os.Getenv,
		clock: inspect.RealClock{}, open: inspect.Open, width: outputWidth(stdout, os.Getenv("COLUMNS")),
		completeWalk: completeWalkFiles}
}

func (a *app) run(ctx context.Context, args []string) int {
	sink := &errWriter{w: a.stdout}
	out := bufio.NewWriter(sink) // a listing is thousands of lines: one write, not one each
	a.stdout = out
	root := a.commandsFor(args)
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		// What completes each flag and argument matters to the shell's
		// requests only, and costs half of building the commands.
		a.addCompletions(root)
	}
	root.SetArgs(killHabits(args))
	root.SetOut(out)
	root.SetErr(a.stderr)
	err := root.ExecuteContext(ctx)
	if ferr := out.Flush(); err == nil && ferr != nil && !errors.Is(ferr, syscall.EPIPE) {
		err = fmt.Errorf("write standard output: %w", ferr)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "whoport: error: %s\n", oneLine(err.Error()))
		for _, h := range hintsOf(err) {
			fmt.Fprintf(a.stderr, "whoport: hint: %s\n", oneLine(h))
		}
		return exitError
	}
	for _, h := range a.outcome.hints {
		fmt.Fprintf(a.stderr, "whoport: hint: %s\n", oneLine(h))
	}
	return a.outcome.code
}

// errWriter keeps the first error of its writer, so that a failed write
// is noticed once, at the end, however many writes came after it.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
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

// oneLine makes a message one line of text fit for a terminal: each run of
// white space becomes one space, and what clean escapes is escaped (but
// backslashes: a message quotes with %q, whose escapes must read as
// such). A message may carry what another process named.
func oneLine(s string) string { return escape(strings.Join(strings.Fields(s), " "), false) }

// system opens the host named by --proc-root, once.
func (a *app) system() (inspect.System, error) {
	if a.sys == nil {
		s, err := a.open(a.procRoot)
		if err != nil {
			return inspect.System{}, err
		}
		a.sys = &s
	}
	return *a.sys, nil
}

// liveSystem is the host for the commands that act on it (probe binds,
// signal processes): a proc root that is not the live host cannot.
func (a *app) liveSystem(cmd string) (inspect.System, error) {
	sys, err := a.system()
	if err == nil && !sys.Live() {
		err = withHint(fmt.Errorf("whoport %s acts on the live host, and %s is not its /proc (a fixture, or another pid namespace's)", cmd, sys.Proc()),
			fmt.Sprintf("whoport --proc-root %s [PORT] shows that root's sockets", sys.Proc()))
	}
	return sys, err
}

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

// helpCommand is "whoport help [COMMAND]", which says so when there is no
// such command instead of printing the usage.
func helpCommand(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]",
		Short: "Help about any command",
		RunE: func(_ *cobra.Command, args []string) error {
			cmd, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				var names []string
				for _, c := range root.Commands() {
					if c.IsAvailableCommand() {
						names = append(names, c.Name())
					}
				}
				return fmt.Errorf("no help for %q: the commands are %s", strings.Join(args, " "), strings.Join(names, ", "))
			}
			return cmd.Help()
		},
	}
}

// isQuery reports whether arg parses as a query of the IANA registry.
func isQuery(arg string) bool {
	_, err := inspect.ParseQuery(arg, services.Default())
	return err == nil
}

// Output formats. A command says which it writes in its "formats"
// annotation; text is everyone's.
const (
	formatText = "text"
	formatJSON = "json"
	formatTSV  = "tsv"
	formatProm = "prom"
)

// formats are every format some command writes.
var formats = []string{formatText, formatJSON, formatTSV, formatProm}

// formatsOf lists the formats cmd writes.
func formatsOf(cmd *cobra.Command) []string {
	f := cmd.Annotations["formats"]
	if f == "" {
		return []string{formatText}
	}
	return strings.Split(f, ",")
}

// checkFormat reads --format and --json for cmd.
func (a *app) checkFormat(cmd *cobra.Command) error {
	formatSet, given := cmd.Flags().Changed("format"), a.format
	if a.format == "table" { // audit's word for text, before --format was everyone's
		a.format = formatText
	}
	if a.json {
		if formatSet && a.format != formatJSON {
			return fmt.Errorf("--json and --format %s ask for two formats: give one", given)
		}
		a.format = formatJSON
	}
	ok := formatsOf(cmd)
	if !slices.Contains(ok, a.format) {
		if !slices.Contains(formats, a.format) {
			return fmt.Errorf("unknown --format %q: use text, json, tsv or prom", a.format)
		}
		return fmt.Errorf("%s writes %s, not %s", cmd.CommandPath(), strings.Join(ok, " or "), a.format)
	}
	return nil
}

// command makes a cobra command whose run returns an outcome: the one way
// commands end.
func (a *app) command(c *cobra.Command, formats string, run func(cmd *cobra.Command, args []string) (outcome, error)) *cobra.Command {
	if formats != "" {
		c.Annotations = map[string]string{"formats": formats}
	}
	c.RunE = func(cmd *cobra.Command, args []string) error {
		o, err := run(cmd, args)
		a.outcome = o
		return err
	}
	return c
}

// rootCommand is whoport's whole tree of commands.
func (a *app) rootCommand() *cobra.Command {
	return a.newRoot(func(string) bool { return true }, true)
}

// commandsFor builds the commands a run with args needs: the root, and
// the subcommands args name, one of which is the one that runs. Help and
// completion show every command, and get them all. Building one is most
// of what a run of lookup or --version does besides starting: its flags
// and their maps, cold code and memory.
func (a *app) commandsFor(args []string) *cobra.Command {
	for _, arg := range args {
		if showsCommands(arg) {
			return a.rootCommand()
		}
	}
	// The root's own flags are parsed only when it runs, or before the
	// name of a subcommand.
	rootFlags := len(args) == 0 || !slices.ContainsFunc(a.subcommands(), func(s subcommand) bool { return s.name == args[0] })
	return a.newRoot(func(name string) bool { return slices.Contains(args, name) }, rootFlags)
}

// showsCommands reports whether arg may ask for help or completion: the
// words, or -h alone or among other one-letter flags.
func showsCommands(arg string) bool {
	switch arg {
	case "help", "completion", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
		return true
	}
	short := strings.HasPrefix(arg, "-") && !strings.HasPrefix(arg, "--")
	return strings.HasPrefix(arg, "--help") || short && strings.Contains(arg, "h")
}

// unbuilt stands for a subcommand a run does not need: it has its name,
// for cobra to tell it from a query and to suggest it for a typo, and is
// never run (commandsFor builds every subcommand args name).
func unbuilt(name string) *cobra.Command {
	return &cobra.Command{Use: name, DisableFlagParsing: true, RunE: func(*cobra.Command, []string) error {
		return fmt.Errorf("internal error: whoport %s was not built", name)
	}}
}

// newRoot makes the root command, with its own flags if rootFlags (its
// persistent flags always), and its subcommands: built if build says so,
// else unbuilt.
func (a *app) newRoot(build func(name string) bool, rootFlags bool) *cobra.Command {
	var o portOptions
	root := a.command(&cobra.Command{
		Use:   "whoport [flags] [PORT|ADDR:PORT|RANGE|SERVICE]...",
		Short: "Who is on a port: every socket on it, every process holding it, and what the port is",
		Long: `whoport tells who is on a port: every TCP and UDP socket on it (IPv4 and IPv6,
every state), every process that holds it (pid, user, command line, age), and
what the port is (its IANA class and service name). It looks in every
network namespace (containers'; --netns narrows it), and says who has the
sockets no process holds (the kernel's, orphans) and where a published
port goes.

Queries: 8080, :8080, 127.0.0.1:8080, [::1]:8080, 8080/udp, udp:8080,
8000-8100, or a service name such as ssh or http-alt.

For scripts: --format json, --format tsv (with -o, --sort and --no-header to
shape the listing), or --format prom for node_exporter's textfile collector.
On a terminal the listing is cut to its width, the command line only.

Exit status: 0 in use, 1 not in use, 2 bad input or error.`,
		Args:          cobra.ArbitraryArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
	}, "text,json,tsv,prom", func(cmd *cobra.Command, args []string) (outcome, error) {
		if a.version {
			fmt.Fprintln(a.stdout, versionLine())
			return outcome{}, nil
		}
		if len(args) > 0 {
			if sub := closeCommand(cmd, args[0]); sub != "" && !isQuery(args[0]) {
				return outcome{}, fmt.Errorf("unknown command %q: did you mean whoport %s?", args[0], sub)
			}
		}
		return a.ports(cmd, args, o)
	})
	root.SetFlagErrorFunc(flagError)
	if rootFlags {
		// cobra's own --version would read the build info on every run,
		// and print it through text/template.
		root.Flags().BoolVarP(&a.version, "version", "v", false, "version for whoport")
		o.flags(root)
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.procRoot, "proc-root", "/proc", "the `DIR` procfs is mounted on (the host's /proc inside a container)")
	pf.StringVar(&a.colorMode, "color", "auto", "colour the output: `WHEN` is auto (on a terminal, without NO_COLOR), always or never")
	pf.StringVar(&a.format, "format", formatText, "write `FORMAT`: text, json, tsv (the listing) or prom (the listing, audit)")
	pf.BoolVar(&a.json, "json", false, "write JSON (the same as --format json; see README for the schema)")
	for _, sub := range a.subcommands() {
		if build(sub.name) {
			root.AddCommand(sub.build())
		} else {
			root.AddCommand(unbuilt(sub.name))
		}
	}
	root.SetHelpCommand(helpCommand(root))
	if build("completion") {
		root.InitDefaultCompletionCmd()
		c, _, _ := root.Find([]string{"completion"})
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("completion needs a shell: whoport completion bash, zsh, fish or powershell")
			}
			return fmt.Errorf("unknown shell %q: use bash, zsh, fish or powershell", args[0])
		}
	} else {
		root.AddCommand(unbuilt("completion")) // and cobra makes none
	}
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if a.version && cmd == root {
			return nil // whatever else is given, as cobra's --version did
		}
		switch a.colorMode {
		case "auto", "always", "never":
		default:
			return fmt.Errorf("invalid --color %q: use auto, always or never", a.colorMode)
		}
		if err := checkDurations(cmd); err != nil {
			return err
		}
		return a.checkFormat(cmd)
	}
	return root
}
