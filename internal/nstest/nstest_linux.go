package nstest

import (
	"crypto/rand"
	"encoding/hex"
	"net/netip"
	"os"
	"os/exec"
	"testing"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// New makes a network namespace with ip netns, named whoport-test-<random>,
// with loopback up, and removes it when the test ends. It skips the test
// where that is refused (not root, no ip, a kernel without namespaces).
func New(t testing.TB) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("making a network namespace needs root")
	}
	b := make([]byte, 4)
	rand.Read(b)
	name := "whoport-test-" + hex.EncodeToString(b)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Skipf("ip netns add refused: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	if out, err := exec.Command("ip", "-n", name, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("lo up in %s: %v: %s", name, err, out)
	}
	return name
}

// DNAT is a TCP port published by a DNAT rule.
type DNAT struct {
	Port uint16
	To   netip.AddrPort // an IPv4 address
	// Jump puts the DNAT in a chain of its own, reached by a jump from a
	// rule that matches the port, as docker and CNI's portmap do.
	Jump bool
}

// AddDNAT writes the rules in an nftables table of the namespace's own
// (ip whoport_test: a prerouting nat chain, and "published" for jumps).
// It skips the test where the kernel refuses NAT.
func AddDNAT(t testing.TB, ns string, rules ...DNAT) {
	t.Helper()
	f, err := os.Open("/run/netns/" + ns)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := nftables.New(nftables.WithNetNSFd(int(f.Fd())))
	if err != nil {
		t.Fatal(err)
	}
	table := c.AddTable(&nftables.Table{Family: nftables.TableFamilyIPv4, Name: "whoport_test"})
	pre := c.AddChain(&nftables.Chain{Name: "prerouting", Table: table, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookPrerouting, Priority: nftables.ChainPriorityNATDest})
	pub := c.AddChain(&nftables.Chain{Name: "published", Table: table})
	for _, r := range rules {
		dport := []expr.Any{
			&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_TCP}},
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.BigEndian.PutUint16(r.Port)},
		}
		ip := r.To.Addr().As4()
		dnat := []expr.Any{
			&expr.Immediate{Register: 1, Data: ip[:]},
			&expr.Immediate{Register: 2, Data: binaryutil.BigEndian.PutUint16(r.To.Port())},
			&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: 1, RegProtoMin: 2, Specified: true},
		}
		if r.Jump {
			c.AddRule(&nftables.Rule{Table: table, Chain: pre, Exprs: append(dport, &expr.Verdict{Kind: expr.VerdictJump, Chain: pub.Name})})
			c.AddRule(&nftables.Rule{Table: table, Chain: pub, Exprs: dnat})
		} else {
			c.AddRule(&nftables.Rule{Table: table, Chain: pre, Exprs: append(dport, dnat...)})
		}
	}
	if err := c.Flush(); err != nil {
		t.Skipf("nftables NAT refused here: %v", err)
	}
}
