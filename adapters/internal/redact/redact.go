// Package redact keeps URLs out of logs. Chat platforms put credentials in URLs: a Discord
// interaction's token is part of its callback and webhook paths, and a Slack response_url is itself
// a credential. net/http quotes the URL in its errors ("Post \"https://…/callback\": EOF"), so any
// logged error can leak one. The Handler rewrites every URL in a record's message and values to its
// scheme and host.
package redact

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
)

var urlRE = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://[^\s"'<>\x60]+`)

// String replaces every URL in s by its scheme and host followed by "/…" when it had a path or query.
func String(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return urlRE.ReplaceAllStringFunc(s, func(u string) string {
		scheme, rest, _ := strings.Cut(u, "://")
		host, tail, found := strings.Cut(rest, "/")
		if i := strings.IndexAny(host, "?#"); i >= 0 {
			host, tail, found = host[:i], host[i:], true
		}
		if i := strings.LastIndexByte(host, '@'); i >= 0 { // user:password@host
			host = host[i+1:]
		}
		if !found || tail == "" {
			return scheme + "://" + host
		}
		return scheme + "://" + host + "/…"
	})
}

// Error returns err with URLs removed from its message; errors.Is and errors.As still see err.
func Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := String(msg); red != msg {
		return &redacted{msg: red, err: err}
	}
	return err
}

type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }

// Public marks a value that is safe to log as it is, such as the bot's invite link.
type Public string

// Handler wraps another slog.Handler and redacts URLs in every record that reaches it.
type Handler struct{ next slog.Handler }

// NewHandler wraps h (once: a Handler is returned as it is).
func NewHandler(h slog.Handler) slog.Handler {
	if r, ok := h.(*Handler); ok {
		return r
	}
	return &Handler{next: h}
}

// Logger returns l with its handler wrapped; a nil l discards output.
func Logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(NewHandler(l.Handler()))
}

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	nr := slog.NewRecord(r.Time, r.Level, String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(attr(a))
		return true
	})
	return h.next.Handle(ctx, nr)
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = attr(a)
	}
	return &Handler{next: h.next.WithAttrs(out)}
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler { return &Handler{next: h.next.WithGroup(name)} }

func attr(a slog.Attr) slog.Attr {
	if p, ok := a.Value.Any().(Public); ok && a.Value.Kind() == slog.KindAny {
		return slog.String(a.Key, string(p))
	}
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, ga := range g {
			out[i] = attr(ga)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok && err != nil {
			return slog.String(a.Key, String(err.Error()))
		}
		s := fmt.Sprint(v.Any())
		if red := String(s); red != s {
			return slog.String(a.Key, red)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
