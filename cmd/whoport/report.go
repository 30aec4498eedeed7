package main

import (
	"io"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

// report is what a command found, ready to be written in any format it
// has: every command builds one, and write alone chooses the format.
type report interface {
	text(r *renderer) // for people
	json() any        // the JSON document
}

// promReport is a report that also has a Prometheus text form.
type promReport interface {
	prom(w io.Writer) error
}

// tsvReport is a report that also has a tab-separated form.
type tsvReport interface {
	tsv(r *renderer)
}

// write writes rep in the format asked (checked against the command's
// formats before it ran).
func (a *app) write(rep report, sys inspect.System) error {
	switch a.format {
	case formatJSON:
		return writeJSON(a.stdout, rep.json())
	case formatProm:
		return rep.(promReport).prom(a.stdout)
	case formatTSV:
		r := a.renderer(sys)
		r.p = newPalette(false) // for scripts: no colour, whatever --color says
		rep.(tsvReport).tsv(r)
		return nil
	}
	rep.text(a.renderer(sys))
	return nil
}

// portsReport is whoport [QUERY...]'s answer.
type portsReport struct {
	snap    *inspect.Snapshot
	qs      []inspect.Query
	queries *inspect.QuerySet
	opts    portOptions
	// unfiltered are the sockets on the ports asked for, whatever the
	// filters, where the filters left none: a port is not free because
	// the filters hid what is on it.
	unfiltered map[uint16][]inspect.Socket
	// shaped reports that flags asked for the listing's shape (columns,
	// order, no header): a query's answer is then written as the listing.
	shaped bool
	// headers is what the registry says of each port the answer names,
	// for each protocol.
	headers map[uint16]map[services.Proto]services.Port
}

func (p portsReport) text(r *renderer) {
	switch {
	case p.opts.quiet:
		for _, pid := range holderPIDs(p.snap.Sockets) {
			r.printf("%d\n", pid)
		}
	case p.opts.byProcess:
		r.byProcess(p.snap.Sockets)
	case len(p.qs) == 0 || p.shaped:
		r.listing(p.snap.Sockets, p.peers(), p.opts.shapeOptions)
		if len(p.qs) == 0 {
			r.dnatListing(p.snap.Sockets, p.snap.DNAT)
		}
	default:
		r.answer(p)
	}
}

func (p portsReport) json() any { return newDocument(p.snap) }

// portHeaders looks up what the registry says of the ports an answer
// names: the single ports asked for, on TCP and UDP, and those of the
// sockets found, on theirs.
func portHeaders(set *inspect.QuerySet, socks []inspect.Socket, reg *services.Registry) map[uint16]map[services.Proto]services.Port {
	h := map[uint16]map[services.Proto]services.Port{}
	add := func(p services.Port) {
		if h[p.Number] == nil {
			h[p.Number] = map[services.Proto]services.Port{}
		}
		h[p.Number][p.Proto] = p
	}
	for _, port := range set.Singles() {
		for _, proto := range []services.Proto{services.TCP, services.UDP} {
			add(reg.Port(port, proto))
		}
	}
	for _, s := range socks {
		add(s.Port)
	}
	return h
}
