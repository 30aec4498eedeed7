package main

import "testing"

// TestClean: what other processes wrote reaches the terminal escaped, and
// a backslash of theirs is escaped too, so that an escape is never
// ambiguous.
func TestClean(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"nginx", "nginx"},
		{"a\x1b[31mred", `a\x1b[31mred`},
		{`a\x1b[31mred`, `a\\x1b[31mred`}, // typed by the process, not an ESC
		{"two\nlines", `two\nlines`},
		{"bidi\u202e", `bidi\u202e`},
		{"C:\\Program Files", `C:\\Program Files`},
	} {
		if got := clean(c.in); got != c.want {
			t.Errorf("clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestOneLine: an error or hint is one line on stderr, with what clean
// escapes escaped, but the backslashes of its own %q quoting left alone.
func TestOneLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"no port in \"udp:\"", `no port in "udp:"`},
		{"two\nlines,\t  spaced", "two lines, spaced"},
		{`unknown service "\x1b[31m"`, `unknown service "\x1b[31m"`}, // %q's escape, kept
		{"whoport kill takes a port, not \x1b[2Jx", `whoport kill takes a port, not \x1b[2Jx`},
		{"name \u202eevil", `name \u202eevil`},
		{"bad \xff byte", `bad \xff byte`},
	} {
		if got := oneLine(c.in); got != c.want {
			t.Errorf("oneLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
