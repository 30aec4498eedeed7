package main

import (
	"archive/zip"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/whoport/whoport/services"
)

func TestBuildVersion(t *testing.T) {
	setting := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i+1 < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, c := range []struct {
		name   string
		linked string
		info   *debug.BuildInfo
		want   string
	}{
		{"go install @v1.2.3", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{"a pseudo-version", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261130101010-0123456789ab"}}, "v0.0.0-20261130101010-0123456789ab"},
		{"the linker's", "1.4.0", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "1.4.0"},
		{"a checkout", "dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: setting("vcs", "git", "vcs.revision", "4150a37c0ffee0123456789", "vcs.time", "2026-11-30T10:00:00Z", "vcs.modified", "true")},
			"devel 4150a37c0ffe 2026-11-30 (modified)"},
		{"a clean checkout", "dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: setting("vcs.revision", "4150a37", "vcs.modified", "false")}, "devel 4150a37"},
		{"no vcs", "dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
		{"no build info", "dev", nil, "dev"},
	} {
		if got := buildVersion(c.linked, c.info); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// TestVersionFlag: whoport --version names its build and the registry's
// date, in one line.
func TestVersionFlag(t *testing.T) {
	r := runIn("--version")
	want := "(IANA registry of " + services.Date + ")\n"
	if r.code != 0 || !strings.HasPrefix(r.stdout, "whoport ") || !strings.HasSuffix(r.stdout, want) || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("--version: exit %d, %q; want one line ending %q", r.code, r.stdout, want)
	}
}

// TestInstallVersion: go install github.com/whoport/whoport/cmd/whoport@VERSION
// builds a whoport whose --version names VERSION. The module comes from a
// module proxy made of this checkout, its dependencies from the module
// cache: no network.
func TestInstallVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds whoport from a module proxy: not with -short")
	}
	const module, v = "github.com/whoport/whoport", "v0.99.1"
	modcache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skipf("go env GOMODCACHE: %v", err)
	}
	files, err := exec.Command("git", "-C", "../..", "ls-files", "--cached", "--others", "--exclude-standard", "-z").Output()
	if err != nil {
		t.Skipf("git ls-files: %v (the test zips the checkout's files)", err)
	}
	proxy := t.TempDir()
	dir := filepath.Join(proxy, module, "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for _, name := range strings.Split(strings.TrimSuffix(string(files), "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join("../..", name))
		if os.IsNotExist(err) {
			continue // deleted in the work tree
		}
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(module + "@" + v + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		v + ".zip":  zb.Bytes(),
		v + ".mod":  gomod,
		v + ".info": []byte(`{"Version":"` + v + `","Time":"2026-11-30T00:00:00Z"}`),
		"list":      []byte(v + "\n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := t.TempDir()
	cmd := exec.Command("go", "install", module+"/cmd/whoport@"+v)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOSUMDB=off", "GOFLAGS=", "GOTOOLCHAIN=local",
		"GOPROXY=file://"+proxy+",file://"+filepath.Join(strings.TrimSpace(string(modcache)), "cache", "download"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(bin, "whoport"), "--version").Output()
	if want := "whoport " + v + " (IANA registry of " + services.Date + ")\n"; err != nil || string(out) != want {
		t.Errorf("--version: %q, %v; want %q", out, err, want)
	}
}
