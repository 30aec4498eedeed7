package inspect

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
)

// containerNames finds containers' names where their runtimes keep them
// on the host: docker in /var/lib/docker/containers/ID/config.v2.json,
// podman (rootful) in /var/lib/containers/storage/overlay-containers/
// containers.json. Each file is read at most once, and each container
// looked for once, found or not. Not for concurrent use.
type containerNames struct {
	sys    System
	known  map[string]string // "runtime/id" → name, "" where none was found
	podman map[string]string // id → name, once containers.json is read
}

func (n *containerNames) of(c *Container) string {
	key := c.Runtime + "/" + c.ID
	if name, ok := n.known[key]; ok {
		return name
	}
	name := n.find(c)
	if n.known == nil {
		n.known = map[string]string{}
	}
	n.known[key] = name
	return name
}

func (n *containerNames) find(c *Container) string {
	switch c.Runtime {
	case "docker":
		b, err := os.ReadFile(n.sys.hostPath(filepath.Join("var/lib/docker/containers", c.ID, "config.v2.json")))
		if err != nil {
			return ""
		}
		var cfg struct{ Name string }
		if json.Unmarshal(b, &cfg) != nil {
			return ""
		}
		return strings.TrimPrefix(cfg.Name, "/")
	case "podman":
		if n.podman == nil {
			n.podman = map[string]string{}
			b, err := os.ReadFile(n.sys.hostPath("var/lib/containers/storage/overlay-containers/containers.json"))
			if err != nil {
				return ""
			}
			var list []struct {
				ID    string   `json:"id"`
				Names []string `json:"names"`
			}
			if json.Unmarshal(b, &list) != nil {
				return ""
			}
			for _, e := range list {
				if len(e.Names) > 0 {
					n.podman[e.ID] = e.Names[0]
				}
			}
		}
		return n.podman[c.ID]
	}
	return ""
}
