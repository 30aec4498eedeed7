package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// TestSubcommandNames: each subcommand is listed under the name it has.
func TestSubcommandNames(t *testing.T) {
	a := newApp(io.Discard, io.Discard)
	for _, sub := range a.subcommands() {
		if got := sub.build().Name(); got != sub.name {
			t.Errorf("subcommand listed as %q is called %q", sub.name, got)
		}
	}
}

// TestCommandsFor: a run builds the command it runs, whatever comes before
// its name, and that command is the one the whole tree would have run.
func TestCommandsFor(t *testing.T) {
	for _, args := range [][]string{
		{"8080"},
		{"--version"},
		{"-c", "audit"}, // audit is -c's value: the root runs
		{"lookup", "8080"},
		{"--format", "json", "audit"},
		{"--proc-root", "/proc", "why", "22"},
		{"kill", "--signal=9", "8080"},
		{"-t", "--state", "listen", "watch", "-u", "53"},
		{"wait", "8080", "--free"},
		{"free", "8000-8100"},
	} {
		full, _, err := newApp(io.Discard, io.Discard).rootCommand().Find(args)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		lean := newApp(io.Discard, io.Discard).commandsFor(args)
		got, _, err := lean.Find(args)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		if got.Name() != full.Name() {
			t.Errorf("%q runs %s, want %s", args, got.Name(), full.Name())
		}
		if got != lean && got.UsageString() != full.UsageString() {
			t.Errorf("%q: %s is not built as the whole tree builds it:\n%s", args, got.Name(), got.UsageString())
		}
	}
}

// TestCommandsForHelp: help and completion get every command built, so
// that they show each one whole.
func TestCommandsForHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"-ah"}, {"help", "kill"}, {"lookup", "-h"}, {"completion", "bash"}, {"__complete", "ki"}} {
		root := newApp(io.Discard, io.Discard).commandsFor(args)
		for _, c := range root.Commands() {
			if c.Short == "" {
				t.Errorf("%q: %s is not built", args, c.Name())
			}
		}
	}
	var full, lean bytes.Buffer
	run(context.Background(), []string{"--help"}, &lean, io.Discard)
	root := newApp(&full, io.Discard).rootCommand()
	root.SetArgs([]string{"--help"})
	root.SetOut(&full)
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if lean.String() != full.String() {
		t.Errorf("whoport --help:\n%s\nwant:\n%s", lean.String(), full.String())
	}
	if strings.Contains(lean.String(), "(default [])") {
		t.Errorf("whoport --help gives an empty list as a default:\n%s", lean.String())
	}
	for _, sub := range newApp(io.Discard, io.Discard).subcommands() {
		if !strings.Contains(lean.String(), "\n  "+sub.name+" ") {
			t.Errorf("whoport --help does not list %s:\n%s", sub.name, lean.String())
		}
	}
}
