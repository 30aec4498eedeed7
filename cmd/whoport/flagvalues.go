package main

import (
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// countFlag is a flag that takes a whole number of 0 or more.
type countFlag struct{ n *int }

func (f countFlag) String() string {
	if f.n == nil {
		return "0"
	}
	return strconv.Itoa(*f.n)
}

func (f countFlag) Type() string { return "count" }

func (f countFlag) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("give a whole number, 0 or more")
	}
	*f.n = n
	return nil
}

// boolFlag is a flag that is on or off, and says so in words when it is
// given a value that is neither (--exposed=maybe).
type boolFlag struct{ b *bool }

func (f boolFlag) String() string {
	if f.b == nil {
		return "false"
	}
	return strconv.FormatBool(*f.b)
}

func (f boolFlag) Type() string { return "bool" }

func (f boolFlag) IsBoolFlag() bool { return true }

func (f boolFlag) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("give true or false, or the flag alone")
	}
	*f.b = b
	return nil
}

// boolVar defines a flag that is on or off, as pflag's BoolVar does, with
// boolFlag's words for a bad value.
func boolVar(fs *pflag.FlagSet, p *bool, name, usage string) {
	fs.Var(boolFlag{p}, name, usage)
	fs.Lookup(name).NoOptDefVal = "true"
}

// listFlag is a flag that can be given again, each time adding to its
// list, as pflag's StringSlice (split at commas, as CSV) and StringArray
// (taken whole) are. It is cheaper to define: pflag renders the default
// of its own through encoding/csv with a 4 KB buffer, for each flag of
// each command, on every run.
type listFlag struct {
	p     *[]string
	split bool // at commas, read as CSV: "a,b" is two, `"a,b"` one
	set   bool // given: the first value replaces the default
}

func (f *listFlag) String() string {
	if f.p == nil {
		return ""
	}
	return strings.Join(*f.p, ",")
}

func (f *listFlag) Type() string {
	if f.split {
		return "stringSlice" // cobra offers a flag again when its type is a slice or an array
	}
	return "stringArray"
}

func (f *listFlag) Set(s string) error {
	vs := []string{s}
	if f.split && s == "" {
		vs = nil // given empty: checkGiven says so
	} else if f.split {
		var err error
		if vs, err = csv.NewReader(strings.NewReader(s)).Read(); err != nil {
			return fmt.Errorf("give a comma-separated list: %v", err)
		}
	}
	if !f.set {
		*f.p = nil
		f.set = true
	}
	*f.p = append(*f.p, vs...)
	return nil
}

// listVar defines a flag of many values, split at commas (--state
// LISTEN,ESTABLISHED) or taken whole (--command 'a,b').
func listVar(fs *pflag.FlagSet, p *[]string, name, shorthand string, split bool, usage string) {
	fs.VarP(&listFlag{p: p, split: split}, name, shorthand, usage)
}
