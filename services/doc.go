// Package services knows which service names IANA registered for which
// ports, and which class of port (system, user or dynamic) a number is.
//
// The data is IANA's Service Name and Transport Protocol Port Number Registry
// (https://www.iana.org/assignments/service-names-port-numbers/), embedded in
// the package as of [Date]; a build needs neither the network nor the CSV.
// [Default] returns it, parsed on first use in about a millisecond and
// 300 KB; [Host] adds the names of the host's /etc/services that IANA lacks.
//
//	p := services.Default().Port(80, services.TCP)
//	// p.Services: http, www, www-http; p.Class: system; p.Status: assigned
//	regs := services.Default().ByName("x11")
//	// regs: 6000–6063/tcp and 6000–6063/udp
//
// # Reading the registry
//
// The registry's CSV is irregular in ways that matter to a port tool, and
// the package reads it so:
//
//   - A port may have several names, in the registry's order: 80/tcp is http,
//     www and www-http. Names with "_" (subntbcst_tftp) are historic aliases
//     of hyphenated names, and are kept.
//   - A few registrations hold a range of ports (x11 has 6000–6063); they
//     answer lookups for every port in the range.
//   - A few old registrations name no transport protocol (boe-cms at 6400,
//     flex-lm at 27000–27009); they count for both tcp and udp.
//   - Service names without a port (mostly DNS-SD) are dropped: they name no
//     port, so lookups, ByName and Suggest do not know them.
//   - Rows without a name say a port is reserved or unassigned, sometimes
//     with a remark ("De-registered", "any private mail system", a note on
//     who had it before); a Port's Status and Note carry them. Every port no
//     row names is unassigned, including the whole dynamic range.
//   - Port 0 is reserved, and means "any port" to bind(2): its Note is always
//     [PortZero].
//
// # The embedded form
//
// The package embeds the registry in a compact text form (iana.txt), which
// [Registry.WriteTo] writes and [Parse] reads. Its first line is
// "whoport-services 1" and the newest date in the data; lines starting with
// "#" are comments. Every other line is one entry, five tab-separated
// fields:
//
//	6000-6063	tu	a	x11	X Window System
//
// a port or a range; its protocols (t tcp, u udp, s sctp, d dccp); a kind (a
// assigned by IANA, l local, r reserved, n unassigned with a note); the
// service name, empty for r and n; and the description or note, on one line.
// Entries are sorted by first port and keep the registry's order within a
// port. Parsing it makes one slice of entries whose strings point into the
// embedded text, so nothing is copied.
//
// To update the data, replace the CSV and run go generate in this directory,
// which runs ./internal/gen on ../../shared/data/service-names-port-numbers.csv:
// it parses the CSV with [ParseCSV] and writes iana.txt and iana.go (the
// [Date] constant). The output depends only on the CSV.
package services
