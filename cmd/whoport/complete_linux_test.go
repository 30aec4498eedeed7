package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// completion is what whoport __complete answered: the words offered
// ("word\tdescription") and the directive.
type completion struct {
	words     []string
	directive string
}

// complete asks an app for completions, as a shell's script does.
func complete(t *testing.T, a *app, args ...string) completion {
	t.Helper()
	var out, errb bytes.Buffer
	a.stdout, a.stderr, a.terminal = &out, &errb, &out
	if code := a.run(context.Background(), append([]string{"__complete"}, args...)); code != 0 {
		t.Fatalf("whoport __complete %q: exit %d, stderr %s", args, code, errb.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, ":") {
		t.Fatalf("whoport __complete %q: no directive line in %q", args, out.String())
	}
	return completion{words: lines[:len(lines)-1], directive: last}
}

// words are the words offered, without descriptions.
func (c completion) plain() []string {
	out := make([]string, len(c.words))
	for i, w := range c.words {
		out[i], _, _ = strings.Cut(w, "\t")
	}
	return out
}

// completionFixture is the basic fixture as root sees it, with a
// sys/fs/file-nr saying how many files are open.
func completionFixture(t *testing.T, files int) string {
	root := rootsView(t)
	if err := os.MkdirAll(filepath.Join(root, "sys", "fs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "sys", "fs", "file-nr"), fmt.Appendf(nil, "%d\t0\t9223372036854775807\n", files), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestCompletePorts: kill, why, wait and whoport itself complete the ports
// that listen, each described by its holder on a small host, and by the
// socket's owner on a big one, where finding holders would cost a walk
// of every descriptor.
func TestCompletePorts(t *testing.T) {
	small := completionFixture(t, 500)
	big := completionFixture(t, completeWalkFiles+1)
	for _, c := range []struct {
		root string
		args []string
		want []string
	}{
		{small, []string{"kill", ""}, []string{
			"22\tsshd (pid 500) · tcp 0.0.0.0 · ssh",
			"53\tdnsmasq (pid 400) · udp 0.0.0.0, udp :: · domain",
			"80\tnginx (pid 100) · tcp 0.0.0.0, tcp :: · http",
			"5432\tpostgres (pid 200) · tcp 127.0.0.1, tcp ::1 · postgresql",
			"9090\tsocket of uid 7000 · tcp 0.0.0.0 · websm",
		}},
		{small, []string{"why", "5"}, []string{"53\tdnsmasq (pid 400) · udp 0.0.0.0, udp :: · domain", "5432\tpostgres (pid 200) · tcp 127.0.0.1, tcp ::1 · postgresql"}},
		{small, []string{"kill", "80", ""}, []string{"22", "53", "5432", "9090"}}, // a port given already is not offered again
		{big, []string{"wait", "8"}, []string{"80\tsocket of uid 7033 · tcp 0.0.0.0, tcp :: · http"}},
		{big, []string{"2"}, []string{"22\tsocket of root · tcp 0.0.0.0 · ssh"}},
	} {
		a := fixtureApp(nil, nil, asRoot)
		got := complete(t, a, append([]string{"--proc-root", c.root}, c.args...)...)
		words := got.words
		if !strings.Contains(c.want[0], "\t") {
			words = got.plain()
		}
		if !slices.Equal(words, c.want) || got.directive != ":36" {
			t.Errorf("whoport %q<TAB>:\ngot  %q %s\nwant %q :36 (no files, keep the order)", c.args, words, got.directive, c.want)
		}
	}
}

// TestCompleteValues: every flag that takes one of some values completes
// them, and queries and lookup complete service names.
func TestCompleteValues(t *testing.T) {
	root := completionFixture(t, 500)
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--color", ""}, []string{"auto", "always", "never"}},
		{[]string{"--format", ""}, []string{"text", "json", "tsv", "prom"}},
		{[]string{"lookup", "--format", ""}, []string{"text", "json"}},
		{[]string{"audit", "--format", "p"}, []string{"prom"}},
		{[]string{"--class", ""}, []string{"system", "user", "dynamic"}},
		{[]string{"--state", "l"}, []string{"LAST_ACK", "LISTEN"}},
		{[]string{"--state", "listen,tim"}, []string{"listen,TIME_WAIT"}},
		{[]string{"--state", "listen,l"}, []string{"listen,LAST_ACK"}},
		{[]string{"--sort", ""}, []string{"port", "pid", "proc", "state"}},
		{[]string{"-o", "pid,p"}, []string{"pid,proto", "pid,port"}},
		{[]string{"audit", "--fail-on", ""}, []string{"info", "warn", "high", "never"}},
		{[]string{"kill", "--signal", "T"}, []string{"TERM"}},
		{[]string{"kill", "-s", "K"}, []string{"KILL"}},
		{[]string{"-p", "10"}, []string{"100", "101"}},
		{[]string{"--user", "roo"}, []string{"root"}},
		{[]string{"lookup", "redi"}, []string{"redis"}},
		{[]string{"kill", "http-a"}, []string{"http-alt"}},
		{[]string{"lookup", ""}, nil},
		{[]string{"free", ""}, nil},
		{[]string{"audit", ""}, nil},
	} {
		got := complete(t, fixtureApp(nil, nil, asRoot), append([]string{"--proc-root", root}, c.args...)...)
		if !slices.Equal(got.plain(), c.want) {
			t.Errorf("whoport %q<TAB>: got %q, want %q", c.args, got.words, c.want)
		}
		if got.directive == ":0" {
			t.Errorf("whoport %q<TAB>: directive :0 offers file names too", c.args)
		}
	}
	got := complete(t, fixtureApp(nil, nil, asRoot), "--proc-root", root, "lookup", "redi")
	if len(got.words) != 1 || !strings.HasPrefix(got.words[0], "redis\t6379 · ") {
		t.Errorf("lookup redi<TAB>: got %q, want redis with its port and description", got.words)
	}
	got = complete(t, fixtureApp(nil, nil, asRoot), "--proc-root", root, "-p", "50")
	if !slices.Equal(got.words, []string{"500\tsshd (root)"}) {
		t.Errorf("-p 50<TAB>: got %q, want 500 described as sshd (root)", got.words)
	}
}

// TestCompleteLive: on the live host, a child's port is offered with the
// child as its holder (when the host is small enough to look; else its
// owner), and the child's pid with its name.
func TestCompleteLive(t *testing.T) {
	c := holdSockets(t, "listen-on", "127.0.0.1:0")
	port := c.said["port"]
	a := newApp(nil, nil)
	a.completeWalk = 1 << 30 // look for holders whatever the host's size
	got := complete(t, a, "kill", port)
	holder := fmt.Sprintf("whoport.test (pid %d)", c.pid)
	if !offered(got.words, port, holder, "tcp 127.0.0.1") {
		t.Errorf("kill %s<TAB>: got %q, want %s described by %s and tcp 127.0.0.1", port, got.words, port, holder)
	}
	a = newApp(nil, nil)
	a.completeWalk = 0 // never look
	got = complete(t, a, "kill", port)
	name := "" // the socket's owner, as whoport names it: from the host's users
	if u, err := user.LookupId(strconv.Itoa(os.Geteuid())); err == nil {
		name = u.Username
	}
	owner := "socket of " + userName(uint32(os.Geteuid()), name)
	if !offered(got.words, port, owner, "tcp 127.0.0.1") {
		t.Errorf("kill %s<TAB> without holders: got %q, want %s described by %s and tcp 127.0.0.1", port, got.words, port, owner)
	}
	got = complete(t, newApp(nil, nil), "-p", fmt.Sprint(c.pid))
	if want := fmt.Sprintf("%d\twhoport.test (", c.pid); !slices.ContainsFunc(got.words, func(w string) bool { return strings.HasPrefix(w, want) }) {
		t.Errorf("-p %d<TAB>: got %q, want the child named", c.pid, got.words)
	}
}

// offered reports whether a completion word offers port with each of parts
// in its description. Other processes may have sockets on the same number
// (on UDP, or another address): the word then names them too.
func offered(words []string, port string, parts ...string) bool {
	return slices.ContainsFunc(words, func(w string) bool {
		desc, ok := strings.CutPrefix(w, port+"\t")
		if !ok {
			return false
		}
		for _, p := range parts {
			if !strings.Contains(desc, p) {
				return false
			}
		}
		return true
	})
}

// shellCompletion runs a shell's completion of line through the script
// whoport completion SHELL writes, with the built whoport on PATH.
func shellCompletion(t *testing.T, shell, line string) []string {
	t.Helper()
	path, err := exec.LookPath(shell)
	if err != nil {
		t.Skipf("no %s here", shell)
	}
	if _, err := os.Stat("/usr/share/bash-completion/bash_completion"); shell == "bash" && err != nil {
		t.Skip("no bash-completion here, which cobra's bash script needs")
	}
	script := filepath.Join(t.TempDir(), "whoport."+shell)
	out, err := exec.Command(whoportBin, "completion", shell).Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, out, 0o644); err != nil {
		t.Fatal(err)
	}
	var prog string
	switch shell {
	case "bash":
		prog = `source /usr/share/bash-completion/bash_completion; source "$1"; COMP_LINE="$2"; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<<"$2"; [[ $2 == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); __start_whoport; printf '%s\n' "${COMPREPLY[@]}"`
	case "zsh": // the script's _describe and compadd, stubbed: print what it offers
		prog = `compdef() { :; }; _describe() { print -rl -- "${completions[@]}"; }; compadd() { :; }; _arguments() { :; }; source "$1"; words=(${(z)2}); [[ $2 == *" " ]] && words+=(""); CURRENT=${#words}; _whoport`
	case "fish":
		prog = `source $argv[1]; complete -C "$argv[2]"`
	}
	cmd := exec.Command(path, "-c", prog, "-", script, line)
	if shell == "fish" {
		cmd = exec.Command(path, "-c", prog, script, line)
	}
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(whoportBin)+":"+os.Getenv("PATH"))
	out, err = cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", shell, err, out)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// TestShellCompletion: bash, zsh and fish, through the scripts whoport
// completion writes, offer a child's listening port to whoport kill, with
// its holder where the shell shows descriptions, and the values of a flag.
func TestShellCompletion(t *testing.T) {
	c := holdSockets(t, "listen-on", "127.0.0.1:0")
	port := c.said["port"]
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			got := shellCompletion(t, shell, "whoport kill "+port)
			if !slices.ContainsFunc(got, func(w string) bool { return strings.HasPrefix(w, port) }) {
				t.Errorf("whoport kill %s<TAB>: got %q, want %s offered", port, got, port)
			}
			if shell != "bash" && !slices.ContainsFunc(got, func(w string) bool { return strings.Contains(w, "tcp 127.0.0.1") }) {
				t.Errorf("whoport kill %s<TAB>: got %q, want it described", port, got)
			}
			got = shellCompletion(t, shell, "whoport --color a")
			if plain := strings.Join(got, " "); !strings.Contains(plain, "auto") || !strings.Contains(plain, "always") || strings.Contains(plain, "never") {
				t.Errorf("whoport --color a<TAB>: got %q, want auto and always", got)
			}
		})
	}
}
