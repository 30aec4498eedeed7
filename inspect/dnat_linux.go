package inspect

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"strconv"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
	"golang.org/x/sys/unix"

	"github.com/whoport/whoport/services"
)

// readDNAT reads the rules of whoport's own network namespace's nftables
// that send destination ports elsewhere (DNAT), in every ip, ip6 and inet
// table: nftables' own rules and those iptables-nft writes (docker's,
// CNI's portmap, Kubernetes'), whose DNAT target is an xtables target.
// A rule that matches no port itself takes the ports of the rules that
// jump to its chain, as docker's DOCKER chain and CNI's per-container
// chains are reached. Rules for one destination address other than the
// host's own (a Kubernetes service's cluster IP) are left out: they do not
// publish a port of the host.
func readDNAT(local func(netip.Addr) bool) ([]DNATRule, error) {
	c, err := nftables.New(nftables.AsLasting())
	if err != nil {
		return nil, err
	}
	defer c.CloseLasting()
	chains, err := c.ListChains()
	if err != nil {
		return nil, err
	}
	var parsed []parsedRule
	for _, ch := range chains {
		switch ch.Table.Family {
		case nftables.TableFamilyIPv4, nftables.TableFamilyIPv6, nftables.TableFamilyINet:
		default:
			continue
		}
		rules, err := c.GetRules(ch.Table, ch)
		if err != nil {
			return nil, err
		}
		for _, r := range rules {
			p := parseRule(r.Exprs)
			p.table, p.chain = tableName(ch.Table), ch.Name
			parsed = append(parsed, p)
		}
	}
	return dnatRules(parsed, local), nil
}

// dnatSkipped words why the NAT rules could not be read.
func dnatSkipped(err error) string {
	if errors.Is(err, unix.EPERM) || errors.Is(err, os.ErrPermission) {
		return "reading them needs root (CAP_NET_ADMIN)"
	}
	return "they could not be read (" + err.Error() + ")"
}

func tableName(t *nftables.Table) string {
	fam := map[nftables.TableFamily]string{nftables.TableFamilyIPv4: "ip", nftables.TableFamilyIPv6: "ip6", nftables.TableFamilyINet: "inet"}[t.Family]
	return fam + " " + t.Name
}

// parsedRule is what whoport reads in one rule: its conditions on the
// protocol, destination port and address, and what it does.
type parsedRule struct {
	table, chain string
	proto        services.Proto
	ports        *PortRange
	daddr        netip.Addr
	jump         string // the chain it jumps or goes to
	dnat         bool
	to           netip.AddrPort
}

// parseRule follows a rule's expressions through their registers: meta
// l4proto and the transport header's destination port (offset 2) compared
// or ranged, the network header's destination address (offset 16 for
// IPv4, 24 for IPv6) compared, immediates loaded for a nat expression, a jump, and the
// xtables tcp/udp matches and DNAT target of iptables-nft.
func parseRule(exprs []expr.Any) parsedRule {
	var p parsedRule
	loaded := map[uint32]string{} // register → what was loaded into it
	imm := map[uint32][]byte{}
	for _, e := range exprs {
		switch e := e.(type) {
		case *expr.Meta:
			if e.Key == expr.MetaKeyL4PROTO && !e.SourceRegister {
				loaded[e.Register] = "l4proto"
			}
		case *expr.Payload:
			switch {
			case e.OperationType != expr.PayloadLoad:
			case e.Base == expr.PayloadBaseTransportHeader && e.Offset == 2 && e.Len == 2:
				loaded[e.DestRegister] = "dport"
			case e.Base == expr.PayloadBaseNetworkHeader && (e.Offset == 16 && e.Len == 4 || e.Offset == 24 && e.Len == 16): // IPv4, IPv6
				loaded[e.DestRegister] = "daddr"
			default:
				loaded[e.DestRegister] = ""
			}
		case *expr.Cmp:
			if e.Op != expr.CmpOpEq {
				continue
			}
			switch loaded[e.Register] {
			case "l4proto":
				if len(e.Data) == 1 {
					p.proto = l4proto(e.Data[0])
				}
			case "dport":
				if len(e.Data) == 2 {
					port := binary.BigEndian.Uint16(e.Data)
					p.ports = &PortRange{port, port}
				}
			case "daddr":
				p.daddr, _ = netip.AddrFromSlice(e.Data)
			}
		case *expr.Range:
			if e.Op == expr.CmpOpEq && loaded[e.Register] == "dport" && len(e.FromData) == 2 && len(e.ToData) == 2 {
				p.ports = &PortRange{binary.BigEndian.Uint16(e.FromData), binary.BigEndian.Uint16(e.ToData)}
			}
		case *expr.Immediate:
			imm[e.Register] = e.Data
		case *expr.NAT:
			if e.Type != expr.NATTypeDestNAT {
				continue
			}
			p.dnat = true
			addr, _ := netip.AddrFromSlice(imm[e.RegAddrMin])
			var port uint16
			if b := imm[e.RegProtoMin]; e.RegProtoMin != 0 && len(b) == 2 {
				port = binary.BigEndian.Uint16(b)
			}
			p.to = netip.AddrPortFrom(addr.Unmap(), port)
		case *expr.Verdict:
			if e.Kind == expr.VerdictJump || e.Kind == expr.VerdictGoto {
				p.jump = e.Chain
			}
		case *expr.Match:
			switch info := e.Info.(type) {
			case *xt.Tcp:
				p.proto, p.ports = services.TCP, xtPorts(info.DstPorts)
			case *xt.Udp:
				p.proto, p.ports = services.UDP, xtPorts(info.DstPorts)
			}
		case *expr.Target:
			if e.Name != "DNAT" {
				continue
			}
			p.dnat = true
			switch info := e.Info.(type) {
			case *xt.NatRange2:
				p.to = xtTarget(info.MinIP, info.MinPort)
			case *xt.NatRange:
				p.to = xtTarget(info.MinIP, info.MinPort)
			case *xt.NatIPv4MultiRangeCompat:
				if len(*info) > 0 {
					p.to = xtTarget((*info)[0].MinIP, (*info)[0].MinPort)
				}
			}
		}
	}
	return p
}

func l4proto(n byte) services.Proto {
	switch n {
	case unix.IPPROTO_TCP:
		return services.TCP
	case unix.IPPROTO_UDP:
		return services.UDP
	}
	return services.Proto(strconv.Itoa(int(n))) // matches neither tcp nor udp
}

func xtPorts(r [2]uint16) *PortRange {
	if r[0] == 0 && r[1] == 0xffff {
		return nil // any port
	}
	return &PortRange{r[0], r[1]}
}

func xtTarget(ip []byte, port uint16) netip.AddrPort {
	a, _ := netip.AddrFromSlice(ip)
	return netip.AddrPortFrom(a.Unmap(), port)
}

// dnatRules gives the DNAT rules among the parsed ones, each with the
// ports and protocol it matches itself or, failing that, inherits from
// the rules that jump to its chain (up to a few jumps up). A rule that
// matches no port, or only traffic to an address that is not local, is
// left out.
func dnatRules(parsed []parsedRule, local func(netip.Addr) bool) []DNATRule {
	jumpsTo := map[string][]*parsedRule{} // "table chain" → rules that jump there
	for i := range parsed {
		if p := &parsed[i]; p.jump != "" {
			jumpsTo[p.table+" "+p.jump] = append(jumpsTo[p.table+" "+p.jump], p)
		}
	}
	var out []DNATRule
	// inherit completes p from the rules that jump to chain at.
	var inherit func(p parsedRule, at string, depth int)
	inherit = func(p parsedRule, at string, depth int) {
		if p.daddr.IsValid() && local != nil && !local(p.daddr) {
			return
		}
		if p.ports != nil {
			out = append(out, DNATRule{Proto: p.proto, Ports: *p.ports, To: p.to, Table: p.table, Chain: p.chain})
			return
		}
		if depth == 4 {
			return
		}
		for _, from := range jumpsTo[p.table+" "+at] {
			q := p
			q.ports = from.ports
			if q.proto == "" {
				q.proto = from.proto
			}
			if !q.daddr.IsValid() {
				q.daddr = from.daddr
			}
			inherit(q, from.chain, depth+1)
		}
	}
	for _, p := range parsed {
		if p.dnat && p.to.Addr().IsValid() {
			inherit(p, p.chain, 0)
		}
	}
	return out
}
