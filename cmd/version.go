package cmd

import (
	"fmt"
	"runtime/debug"
)

// Set at release time through -ldflags "-X github.com/imgpar/imgpar/cmd.version=...".
var (
	version = ""
	commit  = ""
	date    = ""
)

// versionString is what --version prints: the release's version, commit and
// build date, or "dev" with what the Go toolchain recorded for go run and
// go install builds.
func versionString() string {
	v, c, d := version, commit, date
	if v == "" {
		v = "dev"
		if bi, ok := debug.ReadBuildInfo(); ok {
			if mv := bi.Main.Version; mv != "" && mv != "(devel)" {
				v = "dev (module " + mv + ")"
			}
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					if c == "" {
						c = s.Value
					}
				case "vcs.time":
					if d == "" {
						d = s.Value
					}
				}
			}
		}
	}
	if c == "" {
		c = "unknown"
	}
	if d == "" {
		d = "unknown"
	}
	return fmt.Sprintf("%s (commit %s, built %s)", v, c, d)
}
