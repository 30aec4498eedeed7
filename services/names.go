package services

import (
	"slices"
	"strings"
)

// Names returns the service names that start with prefix, compared
// without regard to case, each once as the registry spells it, sorted: a
// shell's completion of a service name. An empty prefix gives every name.
func (r *Registry) Names(prefix string) []string {
	prefix = strings.ToLower(prefix)
	var out []string
	for key, i := range r.nameIndex() {
		if strings.HasPrefix(key, prefix) {
			out = append(out, r.entries[i].name)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out
}
