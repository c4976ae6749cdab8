package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// reloadDebounce is how long the folder must be quiet after a change before it is reloaded, so that an
// editor's save (often several events) or a copied batch of files gives one reload.
const reloadDebounce = 250 * time.Millisecond

// reloader swaps new knowledge into the bot when the folder changes or on SIGHUP. A reload that fails
// validation leaves the bot serving the previous content.
type reloader struct {
	dir      string // "" means the embedded knowledge, which cannot change
	bot      *bot.Bot
	metrics  *metrics
	log      *slog.Logger
	watcher  *fsnotify.Watcher // nil when not watching
	debounce time.Duration
}

// newReloader prepares reloading of dir (empty: embedded knowledge, nothing to reload). When watch is
// set and dir is not empty it starts watching the folder now, so that changes made as soon as serve
// reports it is listening are seen. If the watch cannot be set up, it logs why and relies on SIGHUP.
func newReloader(dir string, watch bool, b *bot.Bot, m *metrics, log *slog.Logger) *reloader {
	r := &reloader{dir: dir, bot: b, metrics: m, log: log.With("component", "reload"), debounce: reloadDebounce}
	if dir == "" || !watch {
		return r
	}
	w, err := fsnotify.NewWatcher()
	if err == nil {
		err = w.Add(dir)
		if err != nil {
			w.Close()
		}
	}
	if err != nil {
		r.log.Error("cannot watch the knowledge folder; reload it with SIGHUP instead", "dir", dir, "err", err)
		return r
	}
	r.watcher = w
	r.log.Info("watching the knowledge folder for changes", "dir", dir)
	return r
}

// run reloads on folder changes (debounced) and on every value from hup, until ctx is done. It closes
// the watcher before returning.
func (r *reloader) run(ctx context.Context, hup <-chan os.Signal) {
	var events <-chan fsnotify.Event
	var errs <-chan error
	if r.watcher != nil {
		defer r.watcher.Close()
		events, errs = r.watcher.Events, r.watcher.Errors
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if r.dir == "" {
				r.log.Info("SIGHUP received: the knowledge is embedded in the binary, so there is nothing to reload")
				continue
			}
			r.reload("SIGHUP")
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if relevantChange(ev) {
				r.log.Debug("knowledge folder changed", "file", filepath.Base(ev.Name), "op", ev.Op.String())
				timer.Reset(r.debounce)
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			r.log.Warn("watching the knowledge folder", "err", err)
		case <-timer.C:
			r.reload("file change")
		}
	}
}

// relevantChange reports whether an event may change the knowledge: a YAML file written, created,
// removed or renamed. Editors' swap and backup files are ignored; names starting with ".." are the
// symlink swaps of Kubernetes-mounted folders.
func relevantChange(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	name := filepath.Base(ev.Name)
	if strings.HasPrefix(name, "..") {
		return true
	}
	ext := strings.ToLower(filepath.Ext(name))
	return (ext == ".yaml" || ext == ".yml") && !strings.HasPrefix(name, ".#")
}

// reload loads and validates the folder and, if it is valid, swaps it in. It reports whether it did.
func (r *reloader) reload(reason string) bool {
	old := r.bot.Knowledge()
	base, err := knowledge.LoadDir(r.dir)
	if err != nil {
		r.metrics.reloaded(false)
		problems := problemLines(err)
		r.log.Error("knowledge reload failed; still serving the previous version",
			"reason", reason, "dir", r.dir, "problems", len(problems), "version", versionOf(old))
		for _, p := range problems {
			r.log.Error("knowledge problem", "problem", p)
		}
		return false
	}
	r.bot.SetKnowledge(base)
	r.metrics.setKnowledge(base)
	r.metrics.reloaded(true)
	r.log.Info("knowledge reloaded", "reason", reason, "dir", r.dir, "entries", len(base.Entries),
		"version", base.Version, "previous_version", versionOf(old))
	return true
}

func versionOf(b *knowledge.Base) string {
	if b == nil {
		return ""
	}
	return b.Version
}

// problemLines splits a knowledge loading error into one line per problem (each carries file:line), so
// that each is logged on its own.
func problemLines(err error) []string {
	var list knowledge.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		lines := make([]string, len(list))
		for i, e := range list {
			lines[i] = e.Error()
		}
		return lines
	}
	var lines []string
	var add func(error)
	add = func(err error) {
		if multi, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range multi.Unwrap() {
				add(e)
			}
			return
		}
		for l := range strings.SplitSeq(err.Error(), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
	}
	add(err)
	if len(lines) == 0 {
		lines = []string{fmt.Sprint(err)}
	}
	return lines
}
