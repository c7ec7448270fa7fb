package main

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// buildVersion is set at link time for releases and container images:
//
//	go build -ldflags "-X main.buildVersion=v1.2.0" ./cmd/newsbot
var buildVersion string

// version says which newsbot this is: the release set at link time, else
// the module version the go command stamped (a tag, or a pseudo-version),
// with the commit when the binary was built from a git checkout.
func version() string {
	v := buildVersion
	info, ok := debug.ReadBuildInfo()
	var rev, modified string
	if ok {
		if v == "" && info.Main.Version != "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	var extra []string
	if rev != "" && !strings.Contains(v, shortRev(rev)) {
		c := "commit " + shortRev(rev)
		if modified == "true" {
			c += ", modified"
		}
		extra = append(extra, c)
	}
	extra = append(extra, runtime.Version())
	return v + " (" + strings.Join(extra, ", ") + ")"
}

func shortRev(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}
