package slack

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// serveHTTP routes Slack's HTTP deliveries. Every request is verified before anything is parsed;
// the answer is always an immediate empty 200 (or the url_verification challenge), and the work
// happens afterwards, so Slack's three-second deadline is never at risk.
func (a *Adapter) serveHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			a.logPanic("http", p)
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	if a.cfg.Mode != ModeHTTP {
		http.NotFound(w, r)
		return
	}
	kind := strings.TrimPrefix(strings.TrimSuffix(r.URL.Path, "/"), "/slack")
	switch kind {
	case "/events", "/commands", "/interactions":
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := a.verify(r.Header, body); err != nil {
		a.log.Warn("refused a Slack request without a valid signature", "path", kind, "reason", err)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	accepted := true
	switch kind {
	case "/events":
		if !json.Valid(body) {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
		if err != nil {
			// Most often an event type slack-go does not know; nothing to do, and no retry wanted.
			a.log.Debug("ignoring an event that does not parse", "err", err)
			break
		}
		switch ev.Type {
		case slackevents.URLVerification:
			v, ok := ev.Data.(*slackevents.EventsAPIURLVerificationEvent)
			if !ok {
				http.Error(w, "bad request", http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = io.WriteString(w, v.Challenge)
			return
		case slackevents.AppRateLimited:
			a.log.Warn("Slack is rate-limiting the app's events")
		case slackevents.CallbackEvent:
			accepted = a.handleEventsAPI(ev)
		}
	case "/commands":
		cmd, err := slack.SlashCommandParse(r)
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		accepted = a.handleSlash(cmd)
	case "/interactions":
		ic, err := slack.InteractionCallbackParse(r)
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		accepted = a.handleInteraction(ic)
	}
	if !accepted {
		if kind == "/commands" { // a slash command shows this to the user: say why, kindly
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{"response_type": "ephemeral", "text": restartingText})
			return
		}
		http.Error(w, "shutting down", http.StatusServiceUnavailable) // Slack delivers events again later
		return
	}
	w.WriteHeader(http.StatusOK)
}

// verify checks the request's signature (HMAC-SHA256 with the signing secret over "v0:ts:body") and
// that its timestamp is within five minutes.
func (a *Adapter) verify(h http.Header, body []byte) error {
	if a.cfg.SigningSecret == "" {
		return errors.New("no signing secret configured")
	}
	sv, err := slack.NewSecretsVerifier(h, a.cfg.SigningSecret)
	if err != nil {
		return err
	}
	if _, err := sv.Write(body); err != nil {
		return err
	}
	return sv.Ensure()
}
