package inspect

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/whoport/whoport/internal/fixture"
	"github.com/whoport/whoport/services"
)

// auditFixture collects testdata/proc/audit.txt, made into a tree under
// root, and audits it.
func auditFixture(t *testing.T, root string, p Policy) []string {
	t.Helper()
	sys := Fixture(root, Identity{})
	snap, err := sys.Collect(context.Background(), Filter{Listening: true})
	if err != nil {
		t.Fatal(err)
	}
	return findingWords(Audit(snap.Sockets, sys.NetConfig(), services.Default(), p))
}

// TestAuditFixture: every rule on a fake host, with Linux's defaults.
func TestAuditFixture(t *testing.T) {
	root := fixture.Materialize(t, "../testdata/proc/audit.txt")
	got := auditFixture(t, root, Policy{})
	want := []string{
		"plaintext-exposed high tcp 0.0.0.0:23 40",
		"local-service-exposed high tcp 0.0.0.0:6379 70",
		"unexpected-program warn tcp 0.0.0.0:25 41",
		"plaintext-exposed warn tcp 0.0.0.0:25 41",
		"hidden-holder warn tcp 0.0.0.0:2024",
		"local-service-exposed warn tcp 0.0.0.0:3000 60",
		"non-root-system-port info tcp 0.0.0.0:443 30",
		"ephemeral-range info tcp 127.0.0.1:45000 80",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// TestAuditFixtureLowered: with net.ipv4.ip_unprivileged_port_start at
// 80, caddy no longer needs its capability for 443, and any user could
// have taken the port.
func TestAuditFixtureLowered(t *testing.T) {
	root := fixture.Materialize(t, "../testdata/proc/audit.txt")
	if err := os.WriteFile(filepath.Join(root, "sys/net/ipv4/ip_unprivileged_port_start"), []byte("80\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := auditFixture(t, root, Policy{})
	want := "non-root-system-port warn tcp 0.0.0.0:443 30"
	if !slices.Contains(got, want) {
		t.Errorf("got\n\t%s\nwant among them %q", strings.Join(got, "\n\t"), want)
	}
}

// TestAuditFixturePolicy: the policy file of the CLI's tests, on the
// same host.
func TestAuditFixturePolicy(t *testing.T) {
	root := fixture.Materialize(t, "../testdata/proc/audit.txt")
	f, err := os.Open("../testdata/policy/audit.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := ParsePolicy(f)
	if err != nil {
		t.Fatal(err)
	}
	got := auditFixture(t, root, p)
	want := []string{
		"plaintext-exposed high tcp 0.0.0.0:23 40",
		"local-service-exposed high tcp 0.0.0.0:6379 70",
		"plaintext-exposed warn tcp 0.0.0.0:25 41",
		"hidden-holder warn tcp 0.0.0.0:2024 accepted",
		"local-service-exposed warn tcp 0.0.0.0:3000 60 accepted",
		"ephemeral-range warn tcp 127.0.0.1:45000 80",
		"non-root-system-port info tcp 0.0.0.0:443 30",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}
