package discordtest

import (
	"testing"
)

// Payloads are shaped as in Discord's documentation (interactions/receiving-and-responding,
// resources/message): ids are strings, permissions are strings, and interactions carry application_id
// and token.

const timestamp = "2026-11-28T12:00:00.000000+00:00"

// allPermissions is what a member with most text permissions might have, as Discord sends it: a string.
const allPermissions = "2248473465835073"

// User is a Discord user in a payload.
type User struct {
	ID   string
	Name string
	Bot  bool
}

// Place is where an event happens: a guild channel, or a DM channel when GuildID is empty.
type Place struct {
	GuildID   string
	ChannelID string
}

// Guild returns a guild channel place.
func Guild(guildID, channelID string) Place { return Place{GuildID: guildID, ChannelID: channelID} }

// DM returns a direct-message place.
func DM(channelID string) Place { return Place{ChannelID: channelID} }

func userJSON(u User) map[string]any {
	m := map[string]any{"id": u.ID, "username": u.Name, "discriminator": "0", "global_name": u.Name,
		"avatar": nil, "public_flags": 0}
	if u.Bot {
		m["bot"] = true
	}
	return m
}

func memberJSON(u *User) map[string]any {
	m := map[string]any{"nick": nil, "avatar": nil, "roles": []any{}, "joined_at": "2025-09-01T10:00:00.000000+00:00",
		"premium_since": nil, "deaf": false, "mute": false, "flags": 0, "pending": false, "permissions": allPermissions}
	if u != nil {
		m["user"] = userJSON(*u)
	}
	return m
}

// Interaction is an INTERACTION_CREATE payload with the id and token its responses will use.
type Interaction struct {
	ID      string
	Token   string
	Payload map[string]any
}

// CallbackPath is where the bot's initial response goes.
func (in Interaction) CallbackPath() string {
	return "/api/v9/interactions/" + in.ID + "/" + in.Token + "/callback"
}

// OriginalPath is the deferred or initial response, for PATCH and DELETE.
func (s *Server) OriginalPath(in Interaction) string {
	return "/api/v9/webhooks/" + s.AppID + "/" + in.Token + "/messages/@original"
}

// FollowupPath is where followup messages are posted.
func (s *Server) FollowupPath(in Interaction) string {
	return "/api/v9/webhooks/" + s.AppID + "/" + in.Token
}

func (s *Server) interaction(typ int, u User, p Place, data map[string]any) Interaction {
	id := s.NewID()
	tok := "itok-" + id
	m := map[string]any{
		"id": id, "application_id": s.AppID, "type": typ, "data": data, "channel_id": p.ChannelID,
		"token": tok, "version": 1, "app_permissions": allPermissions, "locale": "en-GB", "entitlements": []any{},
	}
	if p.GuildID != "" {
		m["guild_id"] = p.GuildID
		m["guild"] = map[string]any{"id": p.GuildID, "locale": "en-GB", "features": []any{}}
		m["guild_locale"] = "en-GB"
		m["channel"] = map[string]any{"id": p.ChannelID, "type": 0, "guild_id": p.GuildID, "name": "general"}
		m["member"] = memberJSON(&u)
		m["authorizing_integration_owners"] = map[string]any{"0": p.GuildID}
		m["context"] = 0
	} else {
		m["channel"] = map[string]any{"id": p.ChannelID, "type": 1}
		m["user"] = userJSON(u)
		m["authorizing_integration_owners"] = map[string]any{"0": "0"}
		m["context"] = 1
	}
	return Interaction{ID: id, Token: tok, Payload: m}
}

// SlashCommand is a CHAT_INPUT command with string options (name → value).
func (s *Server) SlashCommand(u User, p Place, name string, options map[string]string) Interaction {
	opts := []any{}
	for k, v := range options {
		opts = append(opts, map[string]any{"name": k, "type": 3, "value": v})
	}
	data := map[string]any{"id": s.NewID(), "name": name, "type": 1, "options": opts}
	if p.GuildID != "" {
		data["guild_id"] = p.GuildID
	}
	return s.interaction(2, u, p, data)
}

// ButtonClick is a click on a button with customID, on a message the bot sent earlier.
func (s *Server) ButtonClick(u User, p Place, customID string) Interaction {
	in := s.interaction(3, u, p, map[string]any{"custom_id": customID, "component_type": 2})
	in.Payload["message"] = map[string]any{
		"id": s.NewID(), "channel_id": p.ChannelID, "type": 0, "content": "", "timestamp": timestamp,
		"edited_timestamp": nil, "tts": false, "mention_everyone": false, "mentions": []any{}, "mention_roles": []any{},
		"attachments": []any{}, "embeds": []any{}, "pinned": false, "flags": 0, "application_id": s.AppID,
		"author": userJSON(User{ID: s.BotID, Name: DefaultBotTag, Bot: true}),
		"components": []any{map[string]any{"type": 1, "id": 1, "components": []any{
			map[string]any{"type": 2, "id": 2, "style": 2, "label": "button", "custom_id": customID}}}},
	}
	return in
}

// ModalSubmit is the submission of a modal built from action rows with text inputs (inputs: custom_id
// → value), the shape discordgo v0.29.0 can decode.
func (s *Server) ModalSubmit(u User, p Place, customID string, inputs map[string]string) Interaction {
	rows := []any{}
	n := 0
	for k, v := range inputs {
		n += 2
		rows = append(rows, map[string]any{"type": 1, "id": n - 1, "components": []any{
			map[string]any{"type": 4, "id": n, "custom_id": k, "value": v}}})
	}
	return s.interaction(5, u, p, map[string]any{"custom_id": customID, "components": rows})
}

// ModalSubmitLabel is a modal submission using the Label component (type 18) that Discord now
// recommends. discordgo v0.29.0 cannot decode it and hands the handler an interaction with nil Data.
func (s *Server) ModalSubmitLabel(u User, p Place, customID, inputID, value string) Interaction {
	return s.interaction(5, u, p, map[string]any{"custom_id": customID, "components": []any{
		map[string]any{"type": 18, "id": 1, "component": map[string]any{"type": 4, "id": 2, "custom_id": inputID, "value": value}},
	}})
}

// Message is a MESSAGE_CREATE payload.
type Message struct {
	ID      string
	Payload map[string]any
}

// Message builds a MESSAGE_CREATE from author in p with content, mentioning the given users.
func (s *Server) Message(author User, p Place, content string, mentions ...User) Message {
	id := s.NewID()
	ms := []any{}
	for _, u := range mentions {
		j := userJSON(u)
		if p.GuildID != "" {
			j["member"] = memberJSON(nil)
		}
		ms = append(ms, j)
	}
	m := map[string]any{
		"id": id, "channel_id": p.ChannelID, "author": userJSON(author), "content": content, "timestamp": timestamp,
		"edited_timestamp": nil, "tts": false, "mention_everyone": false, "mentions": ms, "mention_roles": []any{},
		"attachments": []any{}, "embeds": []any{}, "nonce": id, "pinned": false, "type": 0, "flags": 0,
		"components": []any{},
	}
	if p.GuildID != "" {
		m["guild_id"] = p.GuildID
		m["member"] = memberJSON(nil)
	}
	return Message{ID: id, Payload: m}
}

// BotUser is the bot itself, for mentions.
func (s *Server) BotUser() User { return User{ID: s.BotID, Name: DefaultBotTag, Bot: true} }

// Interact dispatches an interaction.
func (s *Server) Interact(t testing.TB, in Interaction) {
	t.Helper()
	s.Dispatch(t, "INTERACTION_CREATE", in.Payload)
}

// Post dispatches a message.
func (s *Server) Post(t testing.TB, m Message) {
	t.Helper()
	s.Dispatch(t, "MESSAGE_CREATE", m.Payload)
}
