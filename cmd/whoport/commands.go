package main

import "github.com/spf13/cobra"

// subcommands lists whoport's subcommands. A subcommand wins over an IANA
// service of the same name (there is a service called audit): the service
// is still reached by its port or as NAME/tcp.
func (a *app) subcommands() []*cobra.Command {
	return []*cobra.Command{
		a.lookupCommand(),
		a.whyCommand(),
		a.killCommand(),
		a.waitCommand(),
		a.watchCommand(),
		a.freeCommand(),
		a.auditCommand(),
	}
}
