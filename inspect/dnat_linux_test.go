package inspect

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// TestDNATRules reads rules as iptables-nft writes them for docker (an
// xtables tcp match and DNAT target, reached from PREROUTING by a jump),
// as CNI's portmap chains them (the port in the jumping rule), and as a
// Kubernetes service's cluster IP is matched, IPv4 or IPv6 (left out: not
// a host port).
func TestDNATRules(t *testing.T) {
	jump := func(chain string) expr.Any { return &expr.Verdict{Kind: expr.VerdictJump, Chain: chain} }
	daddr := func(a string) []expr.Any {
		ip := netip.MustParseAddr(a)
		off := uint32(16) // in the IPv4 header; 24 in IPv6's
		if ip.Is6() {
			off = 24
		}
		return []expr.Any{
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: uint32(ip.BitLen() / 8)},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: ip.AsSlice()},
		}
	}
	tcpPort := func(p uint16) []expr.Any {
		return []expr.Any{
			&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_TCP}},
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.BigEndian.PutUint16(p)},
		}
	}
	rule := func(table, chain string, exprs ...[]expr.Any) parsedRule {
		p := parseRule(slices.Concat(exprs...))
		p.table, p.chain = table, chain
		return p
	}
	parsed := []parsedRule{
		// docker, iptables-nft
		rule("ip nat", "PREROUTING", []expr.Any{&expr.Match{Name: "addrtype", Info: &xt.Unknown{}}, jump("DOCKER")}),
		rule("ip nat", "DOCKER", []expr.Any{
			&expr.Match{Name: "tcp", Info: &xt.Tcp{SrcPorts: [2]uint16{0, 0xffff}, DstPorts: [2]uint16{8080, 8080}}},
			&expr.Target{Name: "DNAT", Rev: 2, Info: &xt.NatRange2{NatRange: xt.NatRange{Flags: 3, MinIP: net.ParseIP("172.17.0.2").To4(), MinPort: 80, MaxPort: 80}}},
		}),
		// CNI portmap: the port in the jump, the target in the chain
		rule("ip nat", "CNI-HOSTPORT-DNAT", tcpPort(9090), []expr.Any{jump("CNI-DN-1")}),
		rule("ip nat", "CNI-DN-1", []expr.Any{&expr.Target{Name: "DNAT", Rev: 0, Info: &xt.NatIPv4MultiRangeCompat{{MinIP: net.ParseIP("10.88.0.7").To4(), MinPort: 9000}}}}),
		// a service's cluster IP
		rule("ip nat", "KUBE-SERVICES", daddr("10.96.0.10"), tcpPort(53), []expr.Any{jump("KUBE-SVC-X")}),
		rule("ip nat", "KUBE-SVC-X", []expr.Any{jump("KUBE-SEP-Y")}),
		rule("ip nat", "KUBE-SEP-Y", []expr.Any{&expr.Target{Name: "DNAT", Rev: 2, Info: &xt.NatRange2{NatRange: xt.NatRange{MinIP: net.ParseIP("10.244.1.5").To4(), MinPort: 53}}}}),
		// a dual-stack service's IPv6 cluster IP
		rule("ip6 nat", "KUBE-SERVICES", daddr("fd00:10:96::a"), tcpPort(53), []expr.Any{jump("KUBE-SVC-X6")}),
		rule("ip6 nat", "KUBE-SVC-X6", []expr.Any{&expr.Target{Name: "DNAT", Rev: 2, Info: &xt.NatRange2{NatRange: xt.NatRange{MinIP: net.ParseIP("fd00:10:244::5"), MinPort: 53}}}}),
		// a NodePort on the host's own address
		rule("ip nat", "KUBE-NODEPORTS", daddr("192.0.2.2"), tcpPort(30080), []expr.Any{jump("KUBE-SEP-Z")}),
		rule("ip nat", "KUBE-SEP-Z", []expr.Any{&expr.Target{Name: "DNAT", Rev: 2, Info: &xt.NatRange2{NatRange: xt.NatRange{MinIP: net.ParseIP("10.244.1.6").To4(), MinPort: 8080}}}}),
	}
	local := func(a netip.Addr) bool { return a == netip.MustParseAddr("192.0.2.2") }
	var got []string
	for _, r := range dnatRules(parsed, local) {
		got = append(got, fmt.Sprintf("%s %d-%d %s %s/%s", r.Proto, r.Ports.First, r.Ports.Last, r.To, r.Table, r.Chain))
	}
	want := []string{
		"tcp 8080-8080 172.17.0.2:80 ip nat/DOCKER",
		"tcp 9090-9090 10.88.0.7:9000 ip nat/CNI-DN-1",
		"tcp 30080-30080 10.244.1.6:8080 ip nat/KUBE-SEP-Z",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got rules\n\t%q\nwant\n\t%q", got, want)
	}
}

// TestParseLinkMessage reads a VXLAN device's RTM_NEWLINK message as the
// kernel writes it.
func TestParseLinkMessage(t *testing.T) {
	data, _ := netlink.MarshalAttributes([]netlink.Attribute{{Type: unix.IFLA_VXLAN_PORT, Data: []byte{0x12, 0xb5}}})
	info, _ := netlink.MarshalAttributes([]netlink.Attribute{
		{Type: unix.IFLA_INFO_KIND, Data: []byte("vxlan\x00")},
		{Type: unix.IFLA_INFO_DATA | unix.NLA_F_NESTED, Data: data},
	})
	attrs, _ := netlink.MarshalAttributes([]netlink.Attribute{
		{Type: unix.IFLA_IFNAME, Data: []byte("vx0\x00")},
		{Type: unix.IFLA_LINKINFO | unix.NLA_F_NESTED, Data: info},
	})
	msg := append(make([]byte, unix.SizeofIfInfomsg), attrs...)
	if got, ok := parseLinkMessage(msg); !ok || got != (Tunnel{"vxlan", "vx0", 4789}) {
		t.Errorf("got %+v %v, want vxlan vx0 on 4789", got, ok)
	}
	wg, _ := netlink.MarshalAttributes([]netlink.Attribute{
		{Type: unix.WGDEVICE_A_IFNAME, Data: []byte("wg0\x00")},
		{Type: unix.WGDEVICE_A_LISTEN_PORT, Data: binaryutil.NativeEndian.PutUint16(51820)},
	})
	if got := wireguardListenPort(append([]byte{unix.WG_CMD_GET_DEVICE, 1, 0, 0}, wg...)); got != 51820 {
		t.Errorf("wireguard: got port %d, want 51820", got)
	}
}
