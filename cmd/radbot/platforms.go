package main

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/radbot/radbot/adapters/discord"
	"github.com/radbot/radbot/adapters/slack"
	"github.com/radbot/radbot/bot"
)

// buildPlatforms builds the enabled chat adapters from the configuration and the secrets read from the
// environment. In Slack's http mode it also returns the handler that serve mounts at /slack/.
func buildPlatforms(cfg Config, secrets Secrets, b *bot.Bot, deps platformDeps, log *slog.Logger) ([]platform, http.Handler, error) {
	var ps []platform
	var slackHandler http.Handler
	if cfg.Discord.Enabled {
		a, err := discord.New(discord.Config{
			Token:          secrets.DiscordToken,
			ApplicationID:  cfg.Discord.ApplicationID,
			GuildIDs:       cfg.Discord.GuildIDs,
			Mentions:       cfg.Discord.Mentions,
			DMs:            cfg.Discord.DMs,
			Command:        cfg.Discord.Command,
			APIURL:         cfg.Discord.APIURL,
			Logger:         log,
			HandlerTimeout: cfg.HandlerTimeout.D(),
			AuthCheckAfter: cfg.Discord.AuthCheckAfter.D(),
			ShardID:        cfg.Discord.ShardID,
			ShardCount:     cfg.Discord.ShardCount,
		}, b)
		if err != nil {
			return nil, nil, fmt.Errorf("discord: %w", err)
		}
		ps = append(ps, platform{name: string(bot.PlatformDiscord), run: a.Run, health: a.Health, post: a.Post})
	}
	if cfg.Slack.Enabled {
		var oauth *slack.OAuthConfig
		if o := cfg.Slack.OAuth; o.Enabled {
			oauth = &slack.OAuthConfig{ClientID: o.ClientID, ClientSecret: secrets.SlackClientSecret,
				RedirectURL: o.RedirectURL, AuthorizeURL: o.AuthorizeURL, TokenKey: secrets.TokenKey}
		}
		a, err := slack.New(slack.Config{
			Mode:          cfg.Slack.Mode,
			BotToken:      secrets.SlackBotToken,
			AppToken:      secrets.SlackAppToken,
			SigningSecret: secrets.SlackSigningSecret,
			Command:       cfg.Slack.Command,
			APIURL:        cfg.Slack.APIURL,
			Logger:        log,
			JobTimeout:    cfg.HandlerTimeout.D(),
			Claims:        deps.Claims,
			OAuth:         oauth,
			Workspaces:    deps.Workspaces,
		}, b)
		if err != nil {
			return nil, nil, fmt.Errorf("slack: %w", err)
		}
		ps = append(ps, platform{name: string(bot.PlatformSlack), run: a.Run, health: a.Health, post: a.Post})
		if cfg.Slack.Mode == "http" || oauth != nil {
			slackHandler = a.Handler()
		}
	}
	return ps, slackHandler, nil
}
