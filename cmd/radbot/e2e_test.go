package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/discord/discordtest"
	"github.com/radbot/radbot/adapters/slack/slackfake"
)

// TestServeEndToEnd runs a real `radbot serve` with both platforms enabled against local fakes of
// Discord and Slack (Socket Mode): a question from each is answered and stored, the metrics count them,
// SIGTERM stops everything with status 0, and `radbot report` then sees both questions.
func TestServeEndToEnd(t *testing.T) {
	t.Parallel()
	dfake := discordtest.New(t)
	sfake := slackfake.New(t, slackfake.Options{Timeout: 15 * time.Second})
	dir := t.TempDir()
	db := filepath.Join(dir, "e2e.db")
	cfg := fmt.Sprintf(`store:
  path: %q
discord:
  enabled: true
  token_env: E2E_DISCORD_TOKEN
  guild_ids: ["400000000000000001"]
  api_url: %q
slack:
  enabled: true
  mode: socket
  bot_token_env: E2E_SLACK_BOT
  app_token_env: E2E_SLACK_APP
  api_url: %q
`, db, dfake.URL, sfake.APIURL())
	os.WriteFile(filepath.Join(dir, "radbot.yaml"), []byte(cfg), 0o600)
	hashKey := "e2e-hash-key-0123456789abcdef"
	p := startServe(t, dir, childEnv("E2E_DISCORD_TOKEN="+dfake.Token, "E2E_SLACK_BOT=xoxb-test",
		"E2E_SLACK_APP=xapp-1-test", "RADBOT_HASH_KEY="+hashKey), "--config", "radbot.yaml")

	// Discord: connected, /ask registered in the guild, then a slash command is answered.
	dfake.WaitSessions(t, 1)
	dfake.WaitRequest(t, "command registration", func(r discordtest.Request) bool {
		return r.Method == "PUT" && strings.Contains(r.Path, "/guilds/400000000000000001/commands")
	})
	duser := discordtest.User{ID: "300000000000000777", Name: "trainee"}
	in := dfake.SlashCommand(duser, discordtest.Guild("400000000000000001", "500000000000000001"), "ask",
		map[string]string{"question": "How long is radiology training?"})
	dfake.Interact(t, in)
	dfake.WaitRequest(t, "the answer to /ask", func(r discordtest.Request) bool {
		return r.Path == in.CallbackPath() || r.Path == dfake.OriginalPath(in)
	})

	// Slack: Socket Mode connected, then a slash command is acknowledged and answered.
	sfake.WaitConnections(t, 1)
	env := sfake.Send(t, slackfake.SlashCommands, map[string]any{
		"token": "unused", "team_id": "T0FAKE", "team_domain": "fake", "channel_id": "C0E2E",
		"channel_name": "general", "user_id": "UE2EUSER77", "user_name": "alice", "command": "/radiology",
		"text": "How long is radiology training?", "api_app_id": "A0FAKE", "is_enterprise_install": "false",
		"response_url": sfake.ResponseURL("e2e"), "trigger_id": "trig-e2e",
	})
	sfake.WaitAck(t, env)
	sfake.WaitCall(t, "response_url", nil)

	waitFor(t, 10*time.Second, "both questions to be counted", func() bool {
		_, body := p.get("/metrics")
		return sumSamples(body, `radbot_questions_total{platform="discord"`) == 1 &&
			sumSamples(body, `radbot_questions_total{platform="slack"`) == 1
	})
	if code, _ := p.get("/readyz"); code != 200 {
		t.Errorf("/readyz = %d", code)
	}

	took := p.stop(syscall.SIGTERM, 15*time.Second)
	if p.err != nil {
		t.Fatalf("exit after SIGTERM: %v", p.err)
	}
	t.Logf("shutdown with both platforms took %v", took)
	logs := p.logs.String()
	for _, secret := range []string{dfake.Token, "xoxb-test", "xapp-1-test", hashKey, duser.ID, "UE2EUSER77"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains %q (a secret or a raw user id)", secret)
		}
	}
	for _, want := range []string{`platform=discord`, `platform=slack`, "stopped cleanly"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log has no %q", want)
		}
	}

	out, err := exec.Command(radbotBin, "report", "--db", db, "--json").Output()
	if err != nil {
		t.Fatalf("radbot report: %v", err)
	}
	var rep reportView
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("report JSON: %v\n%s", err, out)
	}
	if rep.Totals.ByPlatform["discord"] != 1 || rep.Totals.ByPlatform["slack"] != 1 {
		t.Errorf("report totals by platform = %v, want one question from each", rep.Totals.ByPlatform)
	}

	// The Discord user can be forgotten with the same key; the Slack user's question stays.
	forget := exec.Command(radbotBin, "forget", "--db", db, "--platform", "discord", "--user", duser.ID)
	forget.Env = childEnv("RADBOT_HASH_KEY=" + hashKey)
	out, err = forget.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Erased 1 row ") {
		t.Errorf("radbot forget: %v\n%s", err, out)
	}
}

// sumSamples adds the values of every sample whose line starts with prefix.
func sumSamples(body, prefix string) float64 {
	var sum float64
	for line := range strings.SplitSeq(body, "\n") {
		if strings.HasPrefix(line, prefix) {
			if i := strings.LastIndexByte(line, ' '); i > 0 {
				var v float64
				fmt.Sscan(line[i+1:], &v)
				sum += v
			}
		}
	}
	return sum
}
