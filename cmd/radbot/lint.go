package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/radbot/radbot/knowledge"
)

func cmdLint(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, dir := newFlags("lint", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: radbot lint [DIR]   check a knowledge folder (default: the embedded content)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	where := *dir
	if fs.NArg() > 0 {
		where = fs.Arg(0)
	}
	base, err := loadKnowledge(where)
	name := where
	if name == "" {
		name = "embedded knowledge"
	}
	var list knowledge.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Fprintln(stdout, e.Error())
		}
		fmt.Fprintf(stdout, "\n%s: %d problem(s). Fix each one at the file:line shown, then run lint again.\n", name, len(list))
		return exitError{1}
	}
	if err != nil {
		return fmt.Errorf("loading %s: %w", name, err)
	}
	s := base.Stats()
	fmt.Fprintf(stdout, "%s: ok: %d topics, %d entries, %d phrasings, %d synonym groups (version %s)\n",
		name, s.Topics, s.Entries, s.Phrasings, s.SynonymGroups, base.Version)
	return nil
}
