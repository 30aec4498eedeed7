// Command whoport tells who is on a port: every TCP and UDP socket on it,
// every process that holds one, and what the port is.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
