package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionText(t *testing.T) {
	t.Parallel()
	base := defaultBase(t)
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/radbot/radbot", Version: "v0.0.0-20261202023028-9813afb56d1c"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "9813afb56d1c32ecb2235dc2829763e4adb3b484"},
			{Key: "vcs.time", Value: "2026-12-02T02:30:28Z"}, {Key: "vcs.modified", Value: "true"}}}
	got := versionText(info, base, "")
	for _, want := range []string{
		"radbot v0.0.0-20261202023028-9813afb56d1c\n",
		"revision:  9813afb56d1c32ecb2235dc2829763e4adb3b484 (2026-12-02T02:30:28Z), with uncommitted changes\n",
		"knowledge: " + base.Version + " (built in: ",
		"go:        go1.26.8 ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("version text lacks %q:\n%s", want, got)
		}
	}
	// Built without version control information (go run, go test): it says so rather than nothing.
	if got := versionText(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, base, "kdir"); !strings.Contains(got, "revision:  unknown") ||
		!strings.Contains(got, "(kdir: ") {
		t.Errorf("without VCS information:\n%s", got)
	}
	// Both spellings run it.
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if code, out, _ := runRadbot(t, "", args...); code != 0 || !strings.HasPrefix(out, "radbot ") || !strings.Contains(out, "knowledge: "+base.Version) {
			t.Errorf("%v = %d:\n%s", args, code, out)
		}
	}
}

// TestHelpStyle: every command's help has the same shape, whichever way it is asked for.
func TestHelpStyle(t *testing.T) {
	t.Parallel()
	for _, c := range subcommands() {
		for _, args := range [][]string{{c.name, "-h"}, {"help", c.name}, {c.name, "--help"}} {
			code, out, errOut := runRadbot(t, "", args...)
			if code != 0 || errOut != "" || !strings.HasPrefix(out, "Usage: radbot "+c.name+" ") || !strings.Contains(out, "\n\nFlags:\n  -") || !strings.Contains(out, "\n  -knowledge") {
				t.Errorf("%v = %d, stderr %q:\n%s", args, code, errOut, out)
			}
		}
	}
	code, out, _ := runRadbot(t, "")
	if code != 0 || !strings.Contains(out, "Usage: radbot COMMAND") {
		t.Errorf("radbot = %d:\n%s", code, out)
	}
	for _, c := range subcommands() {
		if !strings.Contains(out, "\n  "+c.name+" ") {
			t.Errorf("the overview does not list %s", c.name)
		}
	}
}
