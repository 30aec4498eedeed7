package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/spf13/cobra/doc"

	"github.com/whoport/whoport/services"
)

// manDir is where the manual pages are kept, one per command.
const manDir = "../../doc"

// writeManPages writes whoport's manual pages into dir, generated from
// its commands: whoport.1, whoport-kill.1, … They carry the registry's
// date, the one date a build has, so that writing them again changes
// nothing unless a command did.
func writeManPages(dir string) error {
	root := newApp(os.Stdout, os.Stderr).rootCommand()
	root.DisableAutoGenTag = true
	date, err := time.Parse(time.DateOnly, services.Date)
	if err != nil {
		return err
	}
	header := &doc.GenManHeader{Title: "WHOPORT", Section: "1", Source: "whoport", Manual: "whoport manual", Date: &date}
	return doc.GenManTree(root, header, dir)
}

// TestManPages: the manual pages in doc/ are those the commands make now;
// go test -run TestManPages -update (or go generate ./cmd/whoport) writes
// them again.
func TestManPages(t *testing.T) {
	got := t.TempDir()
	if err := writeManPages(got); err != nil {
		t.Fatal(err)
	}
	if *update {
		old, _ := filepath.Glob(filepath.Join(manDir, "*.1"))
		for _, f := range old {
			os.Remove(f)
		}
		if err := writeManPages(manDir); err != nil {
			t.Fatal(err)
		}
		return
	}
	names := func(dir string) []string {
		files, _ := filepath.Glob(filepath.Join(dir, "*.1"))
		for i, f := range files {
			files[i] = filepath.Base(f)
		}
		slices.Sort(files)
		return files
	}
	if g, w := names(got), names(manDir); !slices.Equal(g, w) {
		t.Fatalf("the commands make pages %q, doc/ has %q: run go generate ./cmd/whoport", g, w)
	}
	for _, name := range names(got) {
		g, _ := os.ReadFile(filepath.Join(got, name))
		w, _ := os.ReadFile(filepath.Join(manDir, name))
		if !bytes.Equal(g, w) {
			t.Errorf("doc/%s is not what the commands make now: run go generate ./cmd/whoport", name)
		}
	}
	page, _ := os.ReadFile(filepath.Join(manDir, "whoport.1"))
	for _, want := range []string{`.TH "WHOPORT" "1"`, "whoport - Who is on a port", `\fB--proc-root\fP`} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("whoport.1 lacks %q", want)
		}
	}
}
