package slack_test

import (
	"os"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/radbot/radbot/adapters/slack"
)

// The manifest must ask for exactly what the adapter uses.
func TestManifest(t *testing.T) {
	raw, err := os.ReadFile("manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			SlashCommands []struct {
				Command string `yaml:"command"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				BotEvents []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				Enabled bool `yaml:"is_enabled"`
			} `yaml:"interactivity"`
			SocketMode bool `yaml:"socket_mode_enabled"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest.yaml: %v", err)
	}
	scopes := slices.Sorted(slices.Values(m.OAuth.Scopes.Bot))
	want := []string{"app_mentions:read", "chat:write", "commands", "im:history", "im:read", "im:write"}
	if !slices.Equal(scopes, want) {
		t.Errorf("bot scopes = %v, want %v", scopes, want)
	}
	if events := slices.Sorted(slices.Values(m.Settings.Events.BotEvents)); !slices.Equal(events, []string{"app_mention", "message.im"}) {
		t.Errorf("bot events = %v", events)
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != slack.DefaultCommand {
		t.Errorf("slash commands = %+v, want %s", m.Features.SlashCommands, slack.DefaultCommand)
	}
	if !m.Settings.Interactivity.Enabled || !m.Settings.SocketMode {
		t.Errorf("interactivity %v, socket mode %v; want both on", m.Settings.Interactivity.Enabled, m.Settings.SocketMode)
	}
}
