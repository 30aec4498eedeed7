package main

import (
	"encoding/json"
	"io"
	"time"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

// jsonVersion is the version of the JSON document. Fields may be added
// within a version; none is removed or changes meaning.
const jsonVersion = 1

type document struct {
	Version int `json:"version"`
	// Source is where the socket table came from: "sock_diag", "/proc/net"
	// (which does not say whether an IPv6 socket is IPV6_V6ONLY), or
	// "gopsutil" (other OSes).
	Source string `json:"source"`
	// Fallback says why sock_diag was not used where it should have been.
	Fallback string       `json:"fallback,omitempty"`
	Sockets  []jsonSocket `json:"sockets"`
	// Unreadable counts the processes whose descriptors could not be read.
	Unreadable int `json:"unreadable_processes"`
	// Hidepid is the /proc mount option that hid other users' processes.
	Hidepid string `json:"hidepid,omitempty"`
	// Searched lists the only processes searched for holders (-p, -c).
	Searched []int32 `json:"searched_pids,omitempty"`
	// NoSuchPIDs lists the pids -p named that are no process.
	NoSuchPIDs []int32 `json:"no_such_pids,omitempty"`
	// Walk says how holders were found: path "bpf" or "proc", and why.
	Walk *jsonWalk `json:"walk,omitempty"`

	// Network namespaces and NAT rules (netns.go).
	Namespaces   []jsonNetns `json:"namespaces,omitempty"`
	NetnsUnknown int         `json:"netns_unknown_processes,omitempty"`
	DNAT         []jsonDNAT  `json:"dnat,omitempty"`
	DNATSkipped  string      `json:"dnat_skipped,omitempty"`
}

type jsonSocket struct {
	Proto         string       `json:"proto"`
	Family        string       `json:"family"`
	Local         jsonEndpoint `json:"local"`
	Remote        jsonEndpoint `json:"remote"`
	State         string       `json:"state"`
	V6Only        *bool        `json:"v6only"` // null where the table does not say (/proc/net)
	UID           uint32       `json:"uid"`
	User          string       `json:"user"`
	Inode         uint64       `json:"inode"`
	TimerSeconds  float64      `json:"timer_seconds,omitempty"`
	Port          jsonPort     `json:"port"`
	Holders       []jsonHolder `json:"holders"`
	HoldersHidden bool         `json:"holders_hidden"`

	// Where the socket lives and who has it when no process does (netns.go).
	Netns    *jsonNetns   `json:"netns,omitempty"`
	Kernel   bool         `json:"kernel,omitempty"`
	Device   string       `json:"device,omitempty"`
	Orphaned bool         `json:"orphaned,omitempty"`
	Forward  *jsonForward `json:"forward,omitempty"`
}

type jsonEndpoint struct {
	Addr string `json:"addr"`
	Port uint16 `json:"port"`
}

type jsonPort struct {
	Number   uint16        `json:"number"`
	Class    string        `json:"class"`
	Status   string        `json:"status"`
	Services []jsonService `json:"services"`
}

type jsonService struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Local       bool   `json:"local,omitempty"`
}

type jsonHolder struct {
	PID     int32    `json:"pid"`
	PPID    int32    `json:"ppid"`
	Name    string   `json:"name"`
	User    string   `json:"user"`
	UID     uint32   `json:"uid"`
	Exe     string   `json:"exe"`
	Cmdline []string `json:"cmdline"`
	Started string   `json:"started,omitempty"` // RFC 3339, UTC

	// Who the process really is, where known (Linux): version 1 additions.
	ExeDeleted  bool           `json:"exe_deleted,omitempty"`
	Unit        string         `json:"unit,omitempty"`
	UserUnit    bool           `json:"user_unit,omitempty"`
	SocketUnits []string       `json:"socket_units,omitempty"`
	Container   *jsonContainer `json:"container,omitempty"`
	ForwardsTo  string         `json:"forwards_to,omitempty"`
}

type jsonContainer struct {
	Runtime string `json:"runtime"`
	ID      string `json:"id"`
	Pod     string `json:"pod,omitempty"`
	Name    string `json:"name,omitempty"`
}

func newDocument(snap *inspect.Snapshot) document {
	doc := document{Version: jsonVersion, Source: snap.Source, Fallback: snap.Fallback, Sockets: []jsonSocket{},
		Unreadable: len(snap.Unreadable), Hidepid: snap.Hidepid, Searched: snap.Searched,
		NoSuchPIDs: snap.NoSuchPIDs}
	for i := range snap.Sockets {
		doc.Sockets = append(doc.Sockets, newJSONSocket(&snap.Sockets[i]))
	}
	if w := snap.Walk; w.Path != "" {
		doc.Walk = &jsonWalk{w.Path, w.Why}
	}
	netnsDocument(&doc, snap)
	return doc
}

type jsonWalk struct {
	Path string `json:"path"`
	Why  string `json:"why"`
}

func newJSONSocket(s *inspect.Socket) jsonSocket {
	j := jsonSocket{
		Proto:         string(s.Proto),
		Family:        s.Family.String(),
		Local:         jsonEndpoint{s.Local.Addr().String(), s.Local.Port()},
		Remote:        jsonEndpoint{s.Remote.Addr().String(), s.Remote.Port()},
		State:         s.State.Name(s.Proto),
		V6Only:        v6only(s),
		UID:           s.UID,
		User:          s.User,
		Inode:         s.Inode,
		TimerSeconds:  s.Timer.Seconds(),
		Port:          newJSONPort(s.Port),
		Holders:       []jsonHolder{},
		HoldersHidden: s.Hidden,
	}
	for _, p := range s.Holders {
		j.Holders = append(j.Holders, newJSONHolder(p))
	}
	netnsSocket(&j, s)
	return j
}

// v6only is the socket's IPV6_V6ONLY, nil when the table did not say.
func v6only(s *inspect.Socket) *bool {
	if s.V6OnlyUnknown {
		return nil
	}
	return &s.V6Only
}

func newJSONPort(p services.Port) jsonPort {
	j := jsonPort{Number: p.Number, Class: p.Class.String(), Status: p.Status.String(), Services: []jsonService{}}
	for _, s := range p.Services {
		j.Services = append(j.Services, jsonService{s.Name, s.Description, s.Local})
	}
	return j
}

func newJSONHolder(p *inspect.Process) jsonHolder {
	j := jsonHolder{PID: p.PID, PPID: p.PPID, Name: p.Name, User: p.User, UID: p.UID, Exe: p.Exe, Cmdline: p.Cmdline,
		ExeDeleted: p.ExeDeleted, Unit: p.Unit, UserUnit: p.UserUnit, SocketUnits: p.SocketUnits, ForwardsTo: p.ForwardsTo}
	j.Container = newJSONContainer(p.Container)
	if j.Cmdline == nil {
		j.Cmdline = []string{}
	}
	if !p.Started.IsZero() {
		j.Started = p.Started.UTC().Format(time.RFC3339)
	}
	return j
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
