package redact_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/radbot/radbot/adapters/internal/redact"
)

const token = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5OnNlY3JldHRva2Vu"

func TestString(t *testing.T) {
	for in, want := range map[string]string{
		`Post "https://discord.com/api/v9/interactions/1/` + token + `/callback": EOF`: `Post "https://discord.com/…": EOF`,
		"https://hooks.slack.com/commands/T1/2/" + token:                               "https://hooks.slack.com/…",
		"ws://127.0.0.1:9/gw/?v=9&encoding=json":                                       "ws://127.0.0.1:9/…",
		"https://user:pass@example.com?token=" + token:                                 "https://example.com/…",
		"https://discord.com":                                                          "https://discord.com",
		"no url here: 127.0.0.1:8080":                                                  "no url here: 127.0.0.1:8080",
	} {
		if got := redact.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	log := redact.Logger(slog.New(slog.NewJSONHandler(&buf, nil))).With("base", "https://x.test/a/"+token)
	uerr := &url.Error{Op: "Post", URL: "https://discord.com/api/v9/webhooks/1/" + token, Err: errors.New("connection reset by peer")}
	wrapped := fmt.Errorf("sending followup: %w", uerr)
	log.Error("failed https://x.test/"+token, "err", wrapped, "n", 3,
		slog.Group("g", "url", "https://x.test/"+token), "invite", redact.Public("https://discord.com/oauth2/authorize?client_id=1"))
	out := buf.String()
	if strings.Contains(out, token) {
		t.Errorf("the token reached the log: %s", out)
	}
	for _, want := range []string{`"err":"sending followup: Post \"https://discord.com/…\": connection reset by peer"`,
		`"n":3`, `"invite":"https://discord.com/oauth2/authorize?client_id=1"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log %s\nhas no %s", out, want)
		}
	}
	if red := redact.Error(wrapped); strings.Contains(red.Error(), token) || !errors.Is(red, uerr) {
		t.Errorf("Error(err) = %v; want the URL gone and the chain kept", red)
	}
}
