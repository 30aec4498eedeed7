package inspect

import (
	"reflect"
	"strings"
	"testing"
)

func TestParsePolicy(t *testing.T) {
	got, err := ParsePolicy(strings.NewReader(`{
  "accept": [
    {"rule": "unexpected-program", "port": 80, "program": "node", "reason": "the shop serves 80 itself"},
    {"program": "code-server"}
  ],
  "expect": {"HTTP": ["gunicorn"], "ssh": ["teleport"]},
  "severity": [
    {"rule": "ephemeral-range", "severity": "WARN"},
    {"port": 5432, "severity": "info"}
  ]
}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Policy{
		Accept: []Selector{
			{Rule: RuleUnexpectedProgram, Port: 80, Program: "node", Reason: "the shop serves 80 itself"},
			{Program: "code-server"},
		},
		Expect: map[string][]string{"http": {"gunicorn"}, "ssh": {"teleport"}},
		Severity: []SeverityChange{
			{Selector{Rule: RuleEphemeralRange}, SeverityWarn},
			{Selector{Port: 5432}, SeverityInfo},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if _, err := ParsePolicy(strings.NewReader(" {} \n")); err != nil {
		t.Errorf("empty object: got %v, want no error", err)
	}
}

func TestParsePolicyErrors(t *testing.T) {
	for _, c := range []struct{ name, policy, want string }{
		{"unknown top key", "{\n  \"acept\": []\n}", `policy line 2: unknown key "acept": a policy has accept, expect and severity`},
		{"unknown entry key", "{\"accept\": [\n{\"rule\": \"ephemeral-range\", \"pid\": 4}]}", `policy line 2: unknown key "pid"`},
		{"unknown rule", `{"accept": [{"rule": "ephemeral"}]}`, `policy accept entry 1: unknown rule "ephemeral": the rules are hidden-holder, unexpected-program,`},
		{"selects everything", `{"accept": [{"reason": "all fine"}]}`, "policy accept entry 1: it selects every finding"},
		{"unknown severity", `{"severity": [{"rule": "ephemeral-range", "severity": "critical"}]}`, `unknown severity "critical": use info, warn or high`},
		{"no severity", `{"severity": [{"rule": "ephemeral-range"}]}`, "policy severity entry 1: no severity"},
		{"port out of range", "{\"accept\": [{\"port\": 70000}]}", "policy line 1: accept.port must be a port number from 1 to 65535, not number 70000"},
		{"port as text", `{"accept": [{"port": "80"}]}`, "accept.port must be a port number from 1 to 65535, not string"},
		{"expect a user port", `{"expect": {"postgresql": ["postgres"]}}`, `policy expect: "postgresql" is not the IANA name of a system port`},
		{"expect unknown service", `{"expect": {"htttp": ["nginx"]}}`, `policy expect: "htttp" is not the IANA name of a system port`},
		{"expect nothing", `{"expect": {"http": []}}`, `policy expect: give "http" a list of program names`},
		{"expect a name", `{"expect": {"http": "nginx"}}`, "expect must be a list, not string"},
		{"syntax", "{\n\"accept\": [,]}", "policy line 2: invalid character ','"},
		{"trailing", "{}\n{}", "policy line 2: more after the policy's closing brace"},
		{"empty", "", "policy is empty"},
		{"not an object", `[]`, "the policy must be an object, not array"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParsePolicy(strings.NewReader(c.policy))
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got error %v, want one line containing %q", err, c.want)
			}
		})
	}
}

// FuzzParsePolicy: a policy file is text from outside: whatever it holds,
// ParsePolicy answers without panicking, and its errors are one line.
func FuzzParsePolicy(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{"accept": [{"rule": "unexpected-program", "port": 80, "program": "node", "reason": "x"}]}`,
		`{"expect": {"http": ["gunicorn"]}, "severity": [{"port": 5432, "severity": "info"}]}`,
		"{\n\"acept\": []}",
		`{"accept": [{"port": 70000}]}`,
		`[]`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		_, err := ParsePolicy(strings.NewReader(text))
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("error of more than one line: %q", err)
		}
	})
}
