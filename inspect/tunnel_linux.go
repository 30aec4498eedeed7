package inspect

import (
	"encoding/binary"
	"os"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// tunnelsIn lists the devices of a network namespace whose kernel sockets
// listen on a UDP port, as ip -d link shows them: VXLAN, Geneve and
// bareudp devices from rtnetlink's link attributes, and WireGuard's from
// its generic netlink family (its port is not a link attribute). handle
// names the namespace (/proc/PID/ns/net, /run/netns/NAME), "" for
// whoport's own.
func tunnelsIn(handle string) ([]Tunnel, error) {
	cfg := &netlink.Config{}
	if handle != "" {
		f, err := os.Open(handle)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		cfg.NetNS = int(f.Fd())
	}
	c, err := netlink.Dial(unix.NETLINK_ROUTE, cfg)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	msgs, err := c.Execute(netlink.Message{
		Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request | netlink.Dump},
		Data:   make([]byte, unix.SizeofIfInfomsg),
	})
	if err != nil {
		return nil, err
	}
	var tunnels, wireguard []Tunnel
	for _, m := range msgs {
		t, ok := parseLinkMessage(m.Data)
		switch {
		case ok && t.Kind == "wireguard":
			wireguard = append(wireguard, t)
		case ok && t.Port != 0:
			tunnels = append(tunnels, t)
		}
	}
	if len(wireguard) > 0 {
		tunnels = append(tunnels, wireguardPorts(cfg, wireguard)...)
	}
	return tunnels, nil
}

// parseLinkMessage reads an RTM_NEWLINK message (struct ifinfomsg and its
// attributes): the device's name, its kind (IFLA_INFO_KIND), and for the
// kinds that have one the UDP port of its socket (network byte order in
// IFLA_INFO_DATA).
func parseLinkMessage(b []byte) (Tunnel, bool) {
	var t Tunnel
	if len(b) < unix.SizeofIfInfomsg {
		return t, false
	}
	ad, err := netlink.NewAttributeDecoder(b[unix.SizeofIfInfomsg:])
	if err != nil {
		return t, false
	}
	var data []byte
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_IFNAME:
			t.Name = ad.String()
		case unix.IFLA_LINKINFO:
			ad.Nested(func(info *netlink.AttributeDecoder) error {
				for info.Next() {
					switch info.Type() {
					case unix.IFLA_INFO_KIND:
						t.Kind = info.String()
					case unix.IFLA_INFO_DATA:
						data = info.Bytes()
					}
				}
				return nil
			})
		}
	}
	if ad.Err() != nil || t.Kind == "" {
		return t, false
	}
	portAttr := map[string]uint16{"vxlan": unix.IFLA_VXLAN_PORT, "geneve": unix.IFLA_GENEVE_PORT, "bareudp": unix.IFLA_BAREUDP_PORT}[t.Kind]
	if portAttr != 0 && data != nil {
		if dd, err := netlink.NewAttributeDecoder(data); err == nil {
			for dd.Next() {
				if b := dd.Bytes(); dd.Type() == portAttr && len(b) == 2 {
					t.Port = binary.BigEndian.Uint16(b)
				}
			}
		}
	}
	return t, true
}

// wireguardPorts asks WireGuard's generic netlink family for each
// device's listen port (WG_CMD_GET_DEVICE, WGDEVICE_A_LISTEN_PORT).
func wireguardPorts(cfg *netlink.Config, devices []Tunnel) []Tunnel {
	c, err := netlink.Dial(unix.NETLINK_GENERIC, cfg)
	if err != nil {
		return nil
	}
	defer c.Close()
	ae := netlink.NewAttributeEncoder()
	ae.String(unix.CTRL_ATTR_FAMILY_NAME, "wireguard")
	attrs, _ := ae.Encode()
	msgs, err := c.Execute(netlink.Message{
		Header: netlink.Header{Type: unix.GENL_ID_CTRL, Flags: netlink.Request},
		Data:   append([]byte{unix.CTRL_CMD_GETFAMILY, 1, 0, 0}, attrs...),
	})
	if err != nil || len(msgs) == 0 || len(msgs[0].Data) < 4 {
		return nil
	}
	var family uint16
	if ad, err := netlink.NewAttributeDecoder(msgs[0].Data[4:]); err == nil {
		for ad.Next() {
			if ad.Type() == unix.CTRL_ATTR_FAMILY_ID {
				family = ad.Uint16()
			}
		}
	}
	var out []Tunnel
	for _, d := range devices {
		ae := netlink.NewAttributeEncoder()
		ae.String(unix.WGDEVICE_A_IFNAME, d.Name)
		attrs, _ := ae.Encode()
		msgs, err := c.Execute(netlink.Message{
			Header: netlink.Header{Type: netlink.HeaderType(family), Flags: netlink.Request | netlink.Dump},
			Data:   append([]byte{unix.WG_CMD_GET_DEVICE, 1, 0, 0}, attrs...),
		})
		if err != nil || len(msgs) == 0 {
			continue
		}
		if d.Port = wireguardListenPort(msgs[0].Data); d.Port != 0 {
			out = append(out, d)
		}
	}
	return out
}

// wireguardListenPort reads WGDEVICE_A_LISTEN_PORT from a generic netlink
// message (genlmsghdr, then attributes).
func wireguardListenPort(b []byte) uint16 {
	if len(b) < 4 {
		return 0
	}
	ad, err := netlink.NewAttributeDecoder(b[4:])
	if err != nil {
		return 0
	}
	for ad.Next() {
		if ad.Type() == unix.WGDEVICE_A_LISTEN_PORT {
			return ad.Uint16()
		}
	}
	return 0
}
