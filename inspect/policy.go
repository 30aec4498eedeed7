package inspect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/whoport/whoport/services"
)

// Policy is what an operator tells the audit about a host: findings that
// are known and meant, programs to expect on a service's ports, and
// severities to change. ParsePolicy reads it from JSON:
//
//	{
//	  "accept": [
//	    {"rule": "unexpected-program", "port": 80, "program": "node", "reason": "the shop serves port 80 itself"}
//	  ],
//	  "expect": {"http": ["gunicorn"]},
//	  "severity": [
//	    {"rule": "ephemeral-range", "severity": "warn"},
//	    {"rule": "local-service-exposed", "port": 5432, "severity": "info"}
//	  ]
//	}
type Policy struct {
	// Accept selects findings that are known and meant: the audit marks
	// them accepted, and they do not count.
	Accept []Selector `json:"accept"`
	// Expect adds programs to those the unexpected-program rule expects
	// on an IANA service's system ports, by service name ("ssh",
	// "http"); a service without built-in programs is checked from then
	// on.
	Expect map[string][]string `json:"expect"`
	// Severity changes the severity of the findings an entry selects;
	// where several select a finding, the last one wins.
	Severity []SeverityChange `json:"severity"`
}

// Selector selects findings: those of a rule, on a port (TCP or UDP),
// held by a program. A field left out selects any, but a Selector must
// give one at least.
type Selector struct {
	Rule string `json:"rule,omitempty"`
	Port uint16 `json:"port,omitempty"`
	// Program is compared with the names of every holder of the socket,
	// as the unexpected-program rule compares them: the executable's base
	// name, the process name, the first word of argv[0].
	Program string `json:"program,omitempty"`
	// Reason is for the policy's readers; the audit does not use it.
	Reason string `json:"reason,omitempty"`
}

// SeverityChange gives the findings a Selector selects another severity.
type SeverityChange struct {
	Selector
	Severity Severity `json:"severity"`
}

// ParsePolicy reads a policy written as JSON. Unknown keys, unknown rules
// and severities, selectors that select every finding, and services
// without a system port are errors, each said in one line with where it
// is.
func ParsePolicy(r io.Reader) (Policy, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Policy{}, fmt.Errorf("read policy: %w", err)
	}
	var p Policy
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Policy{}, decodeError(data, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Policy{}, fmt.Errorf("policy line %d: more after the policy's closing brace", lineAt(data, dec.InputOffset()))
	}
	if err := p.check(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// decodeError says in one line what is wrong where, in the words of the
// policy rather than those of Go's types.
func decodeError(data []byte, dec *json.Decoder, err error) error {
	var (
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
	)
	switch {
	case errors.Is(err, io.EOF):
		return errors.New("policy is empty: write {} for a policy that changes nothing")
	case errors.As(err, &syntax):
		return fmt.Errorf("policy line %d: %s", lineAt(data, syntax.Offset), strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "the policy"
		}
		return fmt.Errorf("policy line %d: %s must be %s, not %s", lineAt(data, typeErr.Offset), field, typeWords(typeErr.Type), typeErr.Value)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if key, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return fmt.Errorf("policy line %d: unknown key %s: a policy has accept, expect and severity; their entries rule, port, program, reason and severity",
			lineAt(data, keyOffset(data, key)), key)
	}
	return fmt.Errorf("policy line %d: %s", lineAt(data, dec.InputOffset()), msg)
}

// keyOffset finds where the quoted key first appears as a key: followed
// by a colon.
func keyOffset(data []byte, quoted string) int64 {
	for from := 0; ; {
		i := bytes.Index(data[from:], []byte(quoted))
		if i < 0 {
			return 0
		}
		from += i + len(quoted)
		if rest := bytes.TrimLeft(data[from:], " \t\r\n"); len(rest) > 0 && rest[0] == ':' {
			return int64(from)
		}
	}
}

// typeWords names what a policy value of type t is.
func typeWords(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[uint16]():
		return "a port number from 1 to 65535"
	case t == reflect.TypeFor[Severity]():
		return "a severity: info, warn or high"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}

func lineAt(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return 1 + bytes.Count(data[:offset], []byte("\n"))
}

// check finds what JSON alone cannot: unknown rules, empty selectors,
// missing severities, and services that have no system port.
func (p *Policy) check() error {
	for i, s := range p.Accept {
		if err := s.check(); err != nil {
			return fmt.Errorf("policy accept entry %d: %w", i+1, err)
		}
	}
	for i, c := range p.Severity {
		if err := c.Selector.check(); err != nil {
			return fmt.Errorf("policy severity entry %d: %w", i+1, err)
		}
		if c.Severity == 0 {
			return fmt.Errorf("policy severity entry %d: no severity: give \"severity\": info, warn or high", i+1)
		}
	}
	expect := make(map[string][]string, len(p.Expect))
	for name, progs := range p.Expect {
		key := strings.ToLower(name)
		if !slices.ContainsFunc(services.Default().ByName(key), func(r services.Registration) bool { return r.First <= 1023 }) {
			return fmt.Errorf("policy expect: %q is not the IANA name of a system port (0-1023), which the unexpected-program rule checks; whoport lookup PORT names a port's services", name)
		}
		if len(progs) == 0 || slices.Contains(progs, "") {
			return fmt.Errorf("policy expect: give %q a list of program names, as in [\"sshd\"]", name)
		}
		expect[key] = append(expect[key], progs...)
	}
	p.Expect = expect
	return nil
}

func (s Selector) check() error {
	switch {
	case s.Rule != "" && !slices.Contains(AuditRules(), s.Rule):
		return fmt.Errorf("unknown rule %q: the rules are %s", s.Rule, strings.Join(AuditRules(), ", "))
	case s.Rule == "" && s.Port == 0 && s.Program == "":
		return errors.New("it selects every finding: give a rule, a port or a program")
	}
	return nil
}

// selects reports whether the selector selects the finding.
func (s Selector) selects(f *AuditFinding) bool {
	return (s.Rule == "" || s.Rule == f.Rule) &&
		(s.Port == 0 || s.Port == f.Socket.Local.Port()) &&
		(s.Program == "" || slices.ContainsFunc(f.Socket.Holders, func(h *Process) bool { return goesBy(h, s.Program) }))
}

// apply changes the finding's severity and accepts it as the policy says.
func (p *Policy) apply(f *AuditFinding) {
	for _, c := range p.Severity {
		if c.selects(f) {
			f.Severity = c.Severity
		}
	}
	f.Accepted = slices.ContainsFunc(p.Accept, func(s Selector) bool { return s.selects(f) })
}
