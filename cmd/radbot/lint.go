package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/radbot/radbot/knowledge"
)

func cmdLint(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, dir := newFlags("lint", stderr)
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(stderr, "radbot lint: one folder or file at a time (got %d)\n", fs.NArg())
		return exitError{2}
	}
	where := *dir
	if fs.NArg() == 1 {
		where = fs.Arg(0)
	}
	// lint FILE: check the folder the file is in, and show only that file's problems.
	only := ""
	if where != "" {
		if info, err := os.Stat(where); err == nil && !info.IsDir() {
			if ext := strings.ToLower(filepath.Ext(where)); ext != ".yaml" {
				fmt.Fprintf(stderr, "radbot lint: %s is not a knowledge file (*.yaml) or folder\n", where)
				return exitError{2}
			}
			only = where
			where = filepath.Dir(where)
		}
	}
	name := where
	if name == "" {
		name = "embedded knowledge"
	}
	base, err := loadKnowledge(where)
	var list knowledge.ErrorList
	if err != nil && !errors.As(err, &list) {
		return fmt.Errorf("loading %s: %w", name, err)
	}
	if base != nil {
		list = base.Warnings
	}
	// In file mode the problems are named as the folder joined to the file's name.
	mine := func(e *knowledge.Error) bool { return only == "" || filepath.Clean(e.File) == filepath.Clean(only) }
	var errs, warns, elsewhere int
	for _, e := range list {
		if !mine(e) {
			if !e.Warning {
				elsewhere++
			}
			continue
		}
		if e.Warning {
			warns++
		} else {
			errs++
		}
		fmt.Fprintln(stdout, e.Error())
	}
	subject := name
	if only != "" {
		subject = only
	}
	if errs+warns > 0 {
		fmt.Fprintln(stdout)
	}
	switch {
	case errs > 0:
		fmt.Fprintf(stdout, "%s: %d %s. Fix each one at the file:line shown, then run lint again.\n", subject, errs, plural(int64(errs), "problem", "problems"))
	case only != "":
		fmt.Fprintf(stdout, "%s: ok%s\n", subject, warningCount(warns))
	case base != nil:
		s := base.Stats()
		fmt.Fprintf(stdout, "%s: ok: %d topics, %d entries, %d phrasings, %d synonym groups (version %s)%s\n",
			name, s.Topics, s.Entries, s.Phrasings, s.SynonymGroups, base.Version, warningCount(warns))
	}
	if elsewhere > 0 {
		fmt.Fprintf(stdout, "%s: %d more %s in other files; run: radbot lint %s\n", where, elsewhere, plural(int64(elsewhere), "problem", "problems"), where)
	}
	if errs > 0 {
		return exitError{1}
	}
	return nil
}

func warningCount(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %d %s above", n, plural(int64(n), "warning", "warnings"))
}
