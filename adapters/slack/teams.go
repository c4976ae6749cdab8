package slack

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/radbot/radbot/bot"
)

// Workspaces keeps the installations of the app, one per workspace (team id), as opaque sealed bytes:
// the adapter seals and opens them, the store only keeps them. The stores implement it.
type Workspaces interface {
	SaveWorkspace(ctx context.Context, teamID string, sealed []byte, at time.Time) error
	// Workspace returns an error wrapping bot.ErrNotFound for a workspace that is not installed.
	Workspace(ctx context.Context, teamID string) ([]byte, error)
	DeleteWorkspace(ctx context.Context, teamID string) (bool, error)
}

// installation is what the adapter keeps of one workspace, sealed.
type installation struct {
	TeamID    string `json:"team_id"`
	TeamName  string `json:"team_name,omitempty"`
	BotToken  string `json:"bot_token"`
	BotUserID string `json:"bot_user_id"`
	BotID     string `json:"bot_id"`
}

// sealer encrypts installations at rest with AES-256-GCM; the team id is bound as additional data, so
// a sealed token copied to another workspace's row does not open.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("the token key has %d bytes, want 32 (64 hex characters)", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(in installation) ([]byte, error) {
	plain, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plain, []byte(in.TeamID)), nil
}

func (s *sealer) open(teamID string, sealed []byte) (installation, error) {
	var in installation
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return in, errors.New("the sealed installation is too short")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(teamID))
	if err != nil {
		return in, errors.New("the sealed installation does not open with this key (was RADBOT_TOKEN_KEY changed?)")
	}
	if err := json.Unmarshal(plain, &in); err != nil {
		return in, err
	}
	return in, nil
}

// team is a workspace the adapter can talk to: its Web API client and who the bot is there.
type team struct {
	api  *slack.Client
	self atomic.Pointer[identity] // nil until known: for the env token, Run sets it after auth.test, while events may already be arriving
}

// is reports whether a user or bot id is the bot itself in this workspace.
func (t *team) is(userID, botID string) bool {
	id := t.self.Load()
	return id != nil && id.is(userID, botID)
}

// teamCacheTTL bounds how long a replica keeps using a workspace's token after another replica
// removed it (uninstall): the next event after that looks it up again.
const teamCacheTTL = 30 * time.Second

type cachedTeam struct {
	t  *team
	at time.Time
}

// teams finds the client for each workspace: the one of the token from the environment (when set),
// or the one installed through OAuth, read from the store and cached briefly.
type teams struct {
	a *Adapter

	mu     sync.Mutex
	cache  map[string]cachedTeam
	envTID string // the env token's team, from auth.test ("" until Run)
}

func (ts *teams) setEnvTeam(id string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.envTID = id
}

// ErrNotInstalled reports an event from a workspace with no token.
var ErrNotInstalled = errors.New("slack: the app is not installed in that workspace")

// get returns the team teamID, or an error wrapping ErrNotInstalled.
func (ts *teams) get(ctx context.Context, teamID string) (*team, error) {
	a := ts.a
	ts.mu.Lock()
	env := ts.envTID
	if c, ok := ts.cache[teamID]; ok && time.Since(c.at) < teamCacheTTL {
		ts.mu.Unlock()
		return c.t, nil
	}
	ts.mu.Unlock()
	if a.env != nil && (a.sealer == nil || teamID == "" || teamID == env) {
		return a.env, nil // one workspace (no OAuth), or the env token's own
	}
	if a.cfg.Workspaces == nil || a.sealer == nil {
		return nil, ErrNotInstalled
	}
	sealed, err := a.cfg.Workspaces.Workspace(ctx, teamID)
	if errors.Is(err, bot.ErrNotFound) {
		if a.env != nil && env == "" {
			return a.env, nil // the env token's team is not known yet
		}
		return nil, fmt.Errorf("workspace %s: %w", teamID, ErrNotInstalled)
	}
	if err != nil {
		return nil, fmt.Errorf("workspace %s: %w", teamID, err)
	}
	in, err := a.sealer.open(teamID, sealed)
	if err != nil {
		return nil, fmt.Errorf("workspace %s: %w", teamID, err)
	}
	t := &team{api: slack.New(in.BotToken, a.apiOptions(false)...)}
	t.self.Store(&identity{UserID: in.BotUserID, BotID: in.BotID})
	ts.mu.Lock()
	ts.cache[teamID] = cachedTeam{t: t, at: time.Now()}
	ts.mu.Unlock()
	return t, nil
}

// forget drops a workspace from the cache (after an uninstall, or a token Slack no longer accepts).
func (ts *teams) forget(teamID string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	delete(ts.cache, teamID)
}

// uninstall removes a workspace's token from the store: Slack sends app_uninstalled, or
// tokens_revoked naming the bot token, when a workspace removes the app.
func (a *Adapter) uninstall(ctx context.Context, teamID, why string) {
	a.teams.forget(teamID)
	if a.cfg.Workspaces == nil || teamID == "" {
		a.log.Warn("the app was removed from a workspace, but no installations are kept; remove the token from the environment", "team_id", teamID, "event", why)
		return
	}
	ok, err := a.cfg.Workspaces.DeleteWorkspace(ctx, teamID)
	if err != nil {
		a.log.Error("removing a workspace's token", "team_id", teamID, "err", err)
		return
	}
	a.log.Info("workspace token removed", "team_id", teamID, "event", why, "was_installed", ok)
}
