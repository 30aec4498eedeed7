package main

import (
	"fmt"
	"runtime/debug"

	"github.com/whoport/whoport/services"
)

// version is set at build time with -ldflags "-X main.version=…"; left
// at "dev", the version comes from the build info the go command records.
var version = "dev"

// versionLine is what whoport --version prints: the version, and the
// date of the IANA registry built in.
func versionLine() string {
	info, _ := debug.ReadBuildInfo()
	return fmt.Sprintf("whoport %s (IANA registry of %s)", buildVersion(version, info), services.Date)
}

// buildVersion names the build: the version given to the linker, or else
// the module version the go command recorded (go install
// github.com/whoport/whoport/cmd/whoport@v1.2.3 records v1.2.3), or for
// a build from a checkout, which the go command calls (devel), the
// commit it was built from, its date, and whether it had changes.
func buildVersion(linked string, info *debug.BuildInfo) string {
	if linked != "dev" && linked != "" {
		return linked
	}
	if info == nil {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	rev := settings["vcs.revision"]
	if rev == "" {
		return "devel"
	}
	out := "devel " + rev[:min(12, len(rev))]
	if t := settings["vcs.time"]; len(t) >= len("2006-01-02") {
		out += " " + t[:len("2006-01-02")]
	}
	if settings["vcs.modified"] == "true" {
		out += " (modified)"
	}
	return out
}
