package slack

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// OAuthConfig configures distribution: the OAuth v2 install flow (GET /slack/install sends the browser
// to Slack with a signed state; GET /slack/oauth/callback checks it, exchanges the code with
// oauth.v2.access and keeps the workspace's bot token sealed in the store).
type OAuthConfig struct {
	ClientID     string
	ClientSecret string // from the environment; never logged
	// RedirectURL is the public URL of /slack/oauth/callback, as registered in the app's settings.
	RedirectURL string
	// AuthorizeURL is Slack's authorisation page (default https://slack.com/oauth/v2/authorize).
	AuthorizeURL string
	// TokenKey (32 bytes, from the environment) seals tokens at rest and signs the state.
	TokenKey []byte
	// Scopes are the bot scopes asked for (default: what RadBot needs).
	Scopes []string
}

// DefaultAuthorizeURL is Slack's OAuth v2 authorisation page.
const DefaultAuthorizeURL = "https://slack.com/oauth/v2/authorize"

// BotScopes are the bot scopes RadBot asks a workspace for (as in manifest.yaml).
var BotScopes = []string{"app_mentions:read", "chat:write", "commands", "im:history", "im:read", "im:write"}

const (
	stateTTL    = 10 * time.Minute
	stateCookie = "radbot_slack_oauth"
)

// CheckOAuth checks an OAuthConfig's URLs and client id, and returns every problem.
func CheckOAuth(c OAuthConfig) []Problem {
	var ps []Problem
	if strings.TrimSpace(c.ClientID) == "" {
		ps = append(ps, Problem{"client_id", "must be set (the app's Client ID)"})
	}
	if u, err := url.Parse(c.RedirectURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		!strings.HasSuffix(u.Path, "/slack/oauth/callback") {
		ps = append(ps, Problem{"redirect_url", fmt.Sprintf("%q must be this server's public URL ending in /slack/oauth/callback", c.RedirectURL)})
	}
	if c.AuthorizeURL != "" {
		if u, err := url.Parse(c.AuthorizeURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			ps = append(ps, Problem{"authorize_url", fmt.Sprintf("%q must be an http:// or https:// URL", c.AuthorizeURL)})
		}
	}
	return ps
}

// stateKey is the key that signs install states, derived from the token key.
func (a *Adapter) stateKey() []byte {
	m := hmac.New(sha256.New, a.cfg.OAuth.TokenKey)
	io.WriteString(m, "radbot slack oauth state")
	return m.Sum(nil)
}

// newState returns a state "nonce.expiry.signature" and its nonce.
func (a *Adapter) newState(now time.Time) (state, nonce string) {
	var b [16]byte
	rand.Read(b[:])
	nonce = hex.EncodeToString(b[:])
	body := nonce + "." + strconv.FormatInt(now.Add(stateTTL).Unix(), 10)
	m := hmac.New(sha256.New, a.stateKey())
	io.WriteString(m, body)
	return body + "." + hex.EncodeToString(m.Sum(nil)), nonce
}

// checkState verifies a state's signature and expiry and returns its nonce.
func (a *Adapter) checkState(state string, now time.Time) (string, error) {
	parts := strings.Split(state, ".")
	if len(parts) != 3 {
		return "", errors.New("malformed state")
	}
	m := hmac.New(sha256.New, a.stateKey())
	io.WriteString(m, parts[0]+"."+parts[1])
	sig, err := hex.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, m.Sum(nil)) {
		return "", errors.New("state signature does not match")
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || now.Unix() > exp {
		return "", errors.New("state expired")
	}
	return parts[0], nil
}

// serveInstall sends the browser to Slack's authorisation page with a fresh signed state, and binds
// the state to this browser with a cookie.
func (a *Adapter) serveInstall(w http.ResponseWriter, r *http.Request) {
	state, nonce := a.newState(time.Now())
	o := a.cfg.OAuth
	secure := strings.HasPrefix(o.RedirectURL, "https://")
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: nonce, Path: "/slack/oauth", MaxAge: int(stateTTL / time.Second),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	q := url.Values{
		"client_id":    {o.ClientID},
		"scope":        {strings.Join(o.Scopes, ",")},
		"redirect_uri": {o.RedirectURL},
		"state":        {state},
	}
	http.Redirect(w, r, o.AuthorizeURL+"?"+q.Encode(), http.StatusFound)
}

// serveCallback finishes an installation: it checks the state (signature, expiry, this browser's
// cookie, used once), exchanges the code, checks the token and keeps it sealed.
func (a *Adapter) serveCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		a.log.Info("slack installation cancelled", "reason", e)
		page(w, http.StatusOK, "Installation cancelled", "RadBot was not installed. You can close this page.")
		return
	}
	now := time.Now()
	nonce, err := a.checkState(q.Get("state"), now)
	if err == nil {
		if c, cerr := r.Cookie(stateCookie); cerr != nil || !hmac.Equal([]byte(c.Value), []byte(nonce)) {
			err = errors.New("the state was not issued to this browser")
		}
	}
	if err == nil && !a.once(r.Context(), "oauth-state:"+nonce, stateTTL) {
		err = errors.New("state already used")
	}
	if err != nil {
		a.log.Warn("refused a slack installation callback", "reason", err)
		page(w, http.StatusBadRequest, "Installation link expired", "This installation link is invalid or has expired. Please start again from the install page.")
		return
	}
	code := q.Get("code")
	if code == "" {
		page(w, http.StatusBadRequest, "Installation failed", "Slack sent no authorisation code. Please start again.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	in, err := a.install(ctx, code)
	if err != nil {
		a.log.Error("slack installation failed", "err", err)
		page(w, http.StatusBadGateway, "Installation failed", "Slack did not confirm the installation. Please try again in a moment.")
		return
	}
	a.log.Info("workspace installed", "team_id", in.TeamID)
	page(w, http.StatusOK, "RadBot is installed",
		"RadBot is now installed in "+in.TeamName+". Invite it to a channel with /invite @RadBot, or send it a direct message.")
}

// install exchanges code for the workspace's bot token, checks it with auth.test and keeps it.
func (a *Adapter) install(ctx context.Context, code string) (installation, error) {
	o := a.cfg.OAuth
	var opts []slack.OAuthOption
	if a.cfg.APIURL != "" {
		opts = append(opts, slack.OAuthOptionAPIURL(a.cfg.APIURL))
	}
	resp, err := slack.GetOAuthV2ResponseContext(ctx, http.DefaultClient, o.ClientID, o.ClientSecret, code, o.RedirectURL, opts...)
	if err != nil {
		return installation{}, fmt.Errorf("oauth.v2.access: %w", err)
	}
	if !strings.HasPrefix(resp.AccessToken, "xoxb-") || resp.Team.ID == "" {
		return installation{}, errors.New("oauth.v2.access: no bot token or team in the answer")
	}
	auth, err := slack.New(resp.AccessToken, a.apiOptions(false)...).AuthTestContext(ctx)
	if err != nil {
		return installation{}, fmt.Errorf("auth.test with the new token: %w", err)
	}
	if auth.TeamID != resp.Team.ID {
		return installation{}, errors.New("auth.test names another workspace than oauth.v2.access")
	}
	in := installation{TeamID: resp.Team.ID, TeamName: resp.Team.Name, BotToken: resp.AccessToken,
		BotUserID: auth.UserID, BotID: auth.BotID}
	sealed, err := a.sealer.seal(in)
	if err != nil {
		return installation{}, err
	}
	if err := a.cfg.Workspaces.SaveWorkspace(ctx, in.TeamID, sealed, time.Now()); err != nil {
		return installation{}, err
	}
	a.teams.forget(in.TeamID)
	return in, nil
}

// page writes a minimal HTML page.
func page(w http.ResponseWriter, status int, title, text string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>%s</title><body><h1>%s</h1><p>%s</p></body></html>\n",
		html.EscapeString(title), html.EscapeString(title), html.EscapeString(text))
}
