package main

import "github.com/spf13/cobra"

// subcommands lists whoport's subcommands, by name: a run builds the
// ones it needs (commandsFor). A subcommand wins over an IANA service of
// the same name (there is a service called audit): the service is still
// reached by its port or as NAME/tcp.
func (a *app) subcommands() []subcommand {
	return []subcommand{
		{"lookup", a.lookupCommand},
		{"why", a.whyCommand},
		{"kill", a.killCommand},
		{"wait", a.waitCommand},
		{"watch", a.watchCommand},
		{"free", a.freeCommand},
		{"audit", a.auditCommand},
	}
}

// subcommand is a subcommand's name, and how to build it.
type subcommand struct {
	name  string
	build func() *cobra.Command
}
