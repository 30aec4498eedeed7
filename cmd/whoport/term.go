package main

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fatih/color"
)

// palette colours text when colour is on, and leaves it alone otherwise.
type palette struct {
	port, name, dim, state, pid, warn func(a ...any) string
}

func newPalette(on bool) palette {
	c := func(attrs ...color.Attribute) func(a ...any) string {
		col := color.New(attrs...)
		if on {
			col.EnableColor()
		} else {
			col.DisableColor()
		}
		return col.SprintFunc()
	}
	return palette{
		port:  c(color.Bold),
		name:  c(color.FgCyan),
		dim:   c(color.Faint),
		state: c(color.FgGreen),
		pid:   c(color.FgYellow),
		warn:  c(color.FgRed),
	}
}

// clean escapes what must not reach a terminal raw: control characters
// (ESC, CR, newline, …), bidirectional overrides and other invisible
// formatting characters, and invalid UTF-8. Other processes choose their
// names and arguments; they must not paint our output.
func clean(s string) string { return escape(s, true) }

// escape escapes what clean does, and backslashes (so that an escape is
// never ambiguous) if backslash is set.
func escape(s string, backslash bool) string {
	if plainASCII(s) {
		return s
	}
	ok := true
	for _, r := range s {
		if r == utf8.RuneError || !printable(r) || (backslash && r == '\\') {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\' && backslash:
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case !printable(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case !printable(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// plainASCII reports whether s is printable ASCII with no backslash: what
// almost every name and argument is, and what needs no escape (the fast
// path of clean, which a listing calls some 100,000 times).
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '\\' {
			return false
		}
	}
	return true
}

func printable(r rune) bool {
	return r == ' ' || (unicode.IsPrint(r) && !unicode.Is(unicode.Cf, r))
}

// commandLine joins argv for reading, escaping what clean escapes. When
// there are several arguments, empty ones and those with spaces are
// quoted; a lone argument is left as it is, since servers such as nginx
// and sshd rewrite their argv into one line of words.
func commandLine(argv []string, name string) string {
	if len(argv) == 0 {
		if name == "" {
			return "?"
		}
		return "[" + clean(name) + "]"
	}
	parts := make([]string, len(argv))
	for i, a := range argv {
		a = clean(a)
		if len(argv) > 1 && (a == "" || strings.ContainsAny(a, " '\"")) {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts[i] = a
	}
	return strings.Join(parts, " ")
}

// age writes how long ago t was, in at most two units: 45s, 12m, 3h12m, 4d3h.
func age(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}

// table lays out rows in columns, padding the plain text before styling
// it, so that colour codes do not upset the alignment. Given a width, it
// cuts one column's cells (cut, counted from 1) so that lines fit in it.
type table struct {
	style []func(a ...any) string // per column; nil leaves it plain
	rows  [][]string
	width int // of the terminal; 0 for no limit
	cut   int // the column to cut to fit width, from 1; 0 for none
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) {
	var widths []int
	for _, row := range t.rows {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], visibleWidth(c))
		}
	}
	if c := t.cut - 1; t.width > 0 && c >= 0 && c < len(widths) {
		line := 2 * (len(widths) - 1)
		for _, n := range widths {
			line += n
		}
		if line > t.width {
			widths[c] = max(widths[c]-(line-t.width), len("COMMAND"))
			for _, row := range t.rows {
				if c < len(row) {
					row[c] = fit(row[c], widths[c])
				}
			}
		}
	}
	for _, row := range t.rows {
		var b strings.Builder
		for i, c := range row {
			cell := c
			if i < len(row)-1 {
				cell += strings.Repeat(" ", max(0, widths[i]-visibleWidth(c))+2)
			}
			if i < len(t.style) && t.style[i] != nil && c != "" {
				cell = t.style[i](c) + cell[len(c):]
			}
			b.WriteString(cell)
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}
