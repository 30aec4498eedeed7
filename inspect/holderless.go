package inspect

import "github.com/whoport/whoport/services"

// closing reports the TCP states of a socket whose holder has closed it
// (or shut it down) while the kernel finishes the goodbye: FIN_WAIT1,
// FIN_WAIT2, CLOSING and LAST_ACK.
func closing(st State) bool {
	return st == FinWait1 || st == FinWait2 || st == Closing || st == LastAck
}

// markHolderless says who has the sockets that no process holds, once
// holders are attached. A TCP socket closing with no holder is orphaned:
// the kernel finishes closing it and it goes away by itself (an orphan
// has no inode; one with an inode lost its last holder while we looked).
// A root-owned socket with an inode and no holder while every process
// was read is the kernel's own (the kernel makes its sockets as root; a
// user's socket with no holder lost it to an exit while we looked). Only processes that could not be read make a holder
// hidden; attach has marked those.
func markHolderless(socks []Socket, someUnreadable bool) {
	for i := range socks {
		s := &socks[i]
		if len(s.Holders) > 0 {
			continue
		}
		switch {
		case s.Proto == services.TCP && closing(s.State) && (s.Inode == 0 || !someUnreadable):
			s.Orphaned, s.Hidden = true, false
		case s.Inode != 0 && !someUnreadable && s.UID == 0:
			s.Kernel = true
		}
	}
}

// Tunnel is a device whose kernel socket listens on a UDP port: a VXLAN,
// Geneve, bareudp or WireGuard device.
type Tunnel struct {
	Kind string // "vxlan", "geneve", "bareudp", "wireguard"
	Name string // the device: "vx0"
	Port uint16 // its UDP port
}

// nameKernelSockets gives each UDP socket with no holder the device of
// its namespace that listens on its port. A device's port settles whose
// socket it is even when some processes could not be read (a sandbox
// may hide pid 1 even from root): the device holds the port, so no
// process can.
func nameKernelSockets(socks []Socket, tunnels map[*Netns][]Tunnel) {
	for i := range socks {
		s := &socks[i]
		if !holderlessUDP(s) {
			continue
		}
		for _, t := range tunnels[s.Netns] {
			if t.Port == s.Local.Port() {
				s.Device = t.Kind + " " + t.Name
				s.Kernel, s.Hidden = true, false
				break
			}
		}
	}
}

// holderlessUDP reports a UDP socket with an inode and no holder found:
// the kernel's, or hidden.
func holderlessUDP(s *Socket) bool {
	return s.Proto == services.UDP && (s.Kernel || s.Hidden)
}
