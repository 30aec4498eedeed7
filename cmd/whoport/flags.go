package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The regular expressions are compiled when first used, not at start:
// most runs use none of them.
var (
	negativeArg = lazyRegexp(`in (-\d\S*)$`)
	// badFlagValue is pflag's "invalid argument "abc" for "-p, --pid" flag: strconv.ParseInt: …".
	badFlagValue = lazyRegexp(`^invalid argument "(.*)" for "(?:-\w, )?--([\w-]+)" flag: `)
	// goWords are the Go library's words in a parse error.
	goWords = lazyRegexp(`strconv|time: |parsing|invalid syntax`)
)

func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// flagValues say what each flag that takes a typed value wants.
var flagValues = map[string]string{
	"pid":      "give process ids, 1 or more: -p 42, -p 42,43 or -p 42 -p 43",
	"number":   "give a count, 1 or more",
	"timeout":  durationWords,
	"interval": durationWords,
}

// durationWords say what a flag that takes a duration wants.
const durationWords = "give a duration such as 500ms, 5s or 2m"

// flagError turns pflag's complaints into one line without Go's words: a
// negative number is a bad port, not an unknown flag, and a value that
// does not parse says what the flag wants.
func flagError(_ *cobra.Command, err error) error {
	msg := err.Error()
	if m := negativeArg().FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("invalid port %q: ports are numbers from 1 to 65535", m[1])
	}
	if m := badFlagValue().FindStringSubmatch(msg); m != nil {
		want, ok := msg[len(m[0]):], true // our own flag types say it plainly (flagvalues.go)
		if goWords().MatchString(want) {
			want, ok = flagValues[m[2]]
		}
		if !ok {
			want = "see whoport --help"
		}
		return fmt.Errorf("invalid --%s %q: %s", m[2], m[1], want)
	}
	return fmt.Errorf("%w (see whoport --help)", err)
}

// args checks a command's arguments: at least min and at most max (-1:
// any), and says what is missing in the command's own words.
func args(min, max int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < min:
			return fmt.Errorf("%s needs %s: whoport %s", cmd.Name(), what, cmd.Use)
		case max >= 0 && len(args) > max:
			return fmt.Errorf("%s takes %s, not %s", cmd.Name(), what, strings.Join(args, " "))
		}
		return nil
	}
}

// checkDurations refuses a negative duration given to any flag of cmd
// (kill's, wait's and watch's --timeout, watch's --interval): every
// duration whoport takes is 0 or more. A value that is no duration at all
// is refused as it is parsed, in durationWords (flagError).
func checkDurations(cmd *cobra.Command) error {
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if err != nil || f.Value.Type() != "duration" {
			return
		}
		if d, perr := time.ParseDuration(f.Value.String()); perr == nil && d < 0 {
			err = fmt.Errorf("invalid --%s %s: give a duration of 0 or more, such as 500ms, 5s or 2m", f.Name, d)
		}
	})
	return err
}

// checkPIDs refuses a --pid that is no process id: 0 or less.
func checkPIDs(pids []int32) error {
	for _, pid := range pids {
		if pid <= 0 {
			return fmt.Errorf("invalid --pid %d: give a process id, 1 or more", pid)
		}
	}
	return nil
}

// closeCommand gives the subcommand word is probably a typo of ("kil"),
// or "": cobra's own suggestions (a Levenshtein distance of 2 at most, or
// a prefix), for a word that is no port, range or address.
func closeCommand(root *cobra.Command, word string) string {
	if len(word) < 2 || strings.ContainsAny(word, "0123456789:/[]") {
		return ""
	}
	if s := root.SuggestionsFor(word); len(s) > 0 {
		return s[0]
	}
	return ""
}

// killSignal is kill(1)'s way to give a signal: -9, -KILL, -SIGKILL.
var killSignal = lazyRegexp(`^-([0-9]{1,2}|[A-Z]+[0-9]*)$`)

// killHabits rewrites "whoport kill -9 PORT" as "whoport kill --signal=9
// PORT": the habit of kill(1), which flags would take for a bad flag.
func killHabits(args []string) []string {
	i := slices.Index(args, "kill")
	if i < 0 || slices.Contains(args[:i], "--") {
		return args
	}
	out := slices.Clone(args)
	for j := i + 1; j < len(out) && out[j] != "--"; j++ {
		if m := killSignal().FindStringSubmatch(out[j]); m != nil {
			out[j] = "--signal=" + m[1]
		}
	}
	return out
}
