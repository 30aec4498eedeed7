package services

import "strconv"

// Proto is a transport protocol as the registry names it.
type Proto string

// The transport protocols of the registry.
const (
	TCP  Proto = "tcp"
	UDP  Proto = "udp"
	SCTP Proto = "sctp"
	DCCP Proto = "dccp"
)

// protos lists the protocols in the order lookups sort them. A protocol's
// bit in an entry's protocol set is 1 shifted by its index here.
var protos = [...]Proto{TCP, UDP, SCTP, DCCP}

// protoBit returns p's bit in a protocol set, or 0 for an unknown protocol.
func protoBit(p Proto) uint8 {
	switch p {
	case TCP:
		return 1
	case UDP:
		return 2
	case SCTP:
		return 4
	case DCCP:
		return 8
	}
	return 0
}

// Class is a port's range as RFC 6335 divides the port space.
type Class int

// The port classes of RFC 6335, section 6.
const (
	System  Class = iota // 0–1023, assigned by IANA with IETF review; binding one needs privilege on most systems
	User                 // 1024–49151, assigned by IANA on request
	Dynamic              // 49152–65535, never assigned; free for ephemeral and private use
)

// ClassOf returns the class of port.
func ClassOf(port uint16) Class {
	switch {
	case port < 1024:
		return System
	case port < 49152:
		return User
	}
	return Dynamic
}

// String returns "system", "user" or "dynamic".
func (c Class) String() string {
	switch c {
	case System:
		return "system"
	case User:
		return "user"
	case Dynamic:
		return "dynamic"
	}
	return "Class(" + strconv.Itoa(int(c)) + ")"
}

// MarshalText returns c.String(), so that c reads as a word in JSON.
func (c Class) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// PortZero explains port 0, which the registry reserves and which no service
// can listen on: it is a system port, but not one a service owns.
const PortZero = "port 0 is reserved: binding it asks the OS to pick a free port"

// Status is what IANA says about a port for one protocol.
type Status int

// The statuses of a port.
const (
	Assigned   Status = iota // IANA gave the port to one or more named services
	Reserved                 // IANA set the port aside and assigns it to no service
	Unassigned               // nobody has the port, as far as IANA knows
)

// String returns "assigned", "reserved" or "unassigned".
func (s Status) String() string {
	switch s {
	case Assigned:
		return "assigned"
	case Reserved:
		return "reserved"
	case Unassigned:
		return "unassigned"
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText returns s.String(), so that s reads as a word in JSON.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Service is one name registered for a port.
type Service struct {
	Name        string
	Description string // one line; for a local name, the comment on its line
	Local       bool   // the name came from the host's services file, not from IANA
}

// Port is everything the registry says about one port and protocol.
type Port struct {
	Number uint16
	Proto  Proto
	Class  Class
	// Status is IANA's word on the port: names from the host's services file
	// appear in Services but do not make a port Assigned.
	Status Status
	// Note is the registry's remark on a port that has no service, such as
	// "De-registered" or "any private mail system", or PortZero for port 0.
	Note string
	// Services are the names for the port, primary first: IANA's in registry
	// order (80/tcp is http, www, www-http), then ranges that cover the port,
	// then local names.
	Services []Service
}

// Registration is one name's claim on a port, or on a range of ports.
type Registration struct {
	Name        string
	Proto       Proto
	First, Last uint16 // equal unless the name holds a range, such as x11's 6000–6063
	Description string
	Local       bool // the name came from the host's services file, not from IANA
}
