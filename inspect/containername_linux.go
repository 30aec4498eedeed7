package inspect

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// containerNames finds containers' names where their runtimes keep them
// on the host: docker in /var/lib/docker/containers/ID/config.v2.json,
// podman (rootful) in /var/lib/containers/storage/overlay-containers/
// containers.json. Each file is read at most once.
type containerNames struct {
	sys    System
	once   sync.Once
	podman map[string]string // id → name
}

func (n *containerNames) of(c *Container) string {
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
		n.once.Do(func() {
			b, err := os.ReadFile(n.sys.hostPath("var/lib/containers/storage/overlay-containers/containers.json"))
			if err != nil {
				return
			}
			var list []struct {
				ID    string   `json:"id"`
				Names []string `json:"names"`
			}
			if json.Unmarshal(b, &list) != nil {
				return
			}
			n.podman = map[string]string{}
			for _, e := range list {
				if len(e.Names) > 0 {
					n.podman[e.ID] = e.Names[0]
				}
			}
		})
		return n.podman[c.ID]
	}
	return ""
}
