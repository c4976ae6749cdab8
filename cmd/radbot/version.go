package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/radbot/radbot/knowledge"
)

func cmdVersion(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, dir := newFlags("version", stderr)
	if err := parseCmdFlags(fs, args); err != nil {
		return err
	}
	base, err := loadKnowledge(*dir)
	if err != nil {
		return err
	}
	info, _ := debug.ReadBuildInfo()
	fmt.Fprint(stdout, versionText(info, base, *dir))
	return nil
}

// versionText says which radbot this is: the module version and the source revision it was built from
// (as the go command recorded them), and the knowledge it answers from.
func versionText(info *debug.BuildInfo, base *knowledge.Base, dir string) string {
	version, revision, when, modified := "unknown", "", "", false
	goVersion := runtime.Version()
	if info != nil {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		goVersion = info.GoVersion
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "radbot %s\n", version)
	switch {
	case revision == "":
		b.WriteString("revision:  unknown (built without version control information, e.g. by go run or go test)\n")
	default:
		fmt.Fprintf(&b, "revision:  %s", revision)
		if when != "" {
			fmt.Fprintf(&b, " (%s)", when)
		}
		if modified {
			b.WriteString(", with uncommitted changes")
		}
		b.WriteString("\n")
	}
	where := "built in"
	if dir != "" {
		where = dir
	}
	s := base.Stats()
	fmt.Fprintf(&b, "knowledge: %s (%s: %d topics, %d entries)\n", base.Version, where, s.Topics, s.Entries)
	fmt.Fprintf(&b, "go:        %s %s/%s\n", goVersion, runtime.GOOS, runtime.GOARCH)
	return b.String()
}
