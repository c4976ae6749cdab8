package slack

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

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
	kind := strings.TrimPrefix(strings.TrimSuffix(r.URL.Path, "/"), "/slack")
	if a.cfg.OAuth != nil && (kind == "/install" || kind == "/oauth/callback") {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if kind == "/install" {
			a.serveInstall(w, r)
		} else {
			a.serveCallback(w, r)
		}
		return
	}
	if a.cfg.Mode != ModeHTTP {
		http.NotFound(w, r)
		return
	}
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
	// The answer to Slack waits (up to ackWait) for the work to be done, so that a replica that dies
	// before answering leaves the request unanswered and Slack sends it again, to another replica.
	var pending sync.WaitGroup
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
			accepted = a.handleEventsAPI(ev, &pending)
		}
	case "/commands":
		cmd, err := slack.SlashCommandParse(r)
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		accepted = a.handleSlash(cmd, &pending)
	case "/interactions":
		ic, err := slack.InteractionCallbackParse(r)
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		accepted = a.handleInteraction(ic, &pending)
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
	waitFor(&pending, ackWait)
	w.WriteHeader(http.StatusOK)
}

// ackWait is how long an acknowledgement waits for the work it acknowledges: well inside Slack's three
// seconds, with room to send it.
const ackWait = 1200 * time.Millisecond

// waitFor waits for wg, or at most d.
func waitFor(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
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
