package discord_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/discord"
	"github.com/radbot/radbot/adapters/discord/discordtest"
)

// runShard runs an adapter for one shard against fake until the test ends.
func runShard(t *testing.T, fake *discordtest.Server, id, count int, b discord.Answerer) (*discord.Adapter, chan error) {
	t.Helper()
	cfg := defaultConfig()
	cfg.Token, cfg.APIURL, cfg.ShardID, cfg.ShardCount = fake.Token, fake.URL, id, count
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := discord.New(cfg, b)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("shard %d: Run: %v", id, err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("shard %d: Run did not return", id)
		}
	})
	return a, done
}

// Two replicas, each serving one of two shards: Discord sends each guild's events to one shard, so
// every question is answered once, by the replica whose shard has the guild; DMs go to shard 0.
// Each replica's readiness follows its own shard's session.
func TestShardsSplitTheGuilds(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	b0, b1 := newScripted(), newScripted()
	a0, _ := runShard(t, fake, 0, 2, b0)
	a1, _ := runShard(t, fake, 1, 2, b1)
	fake.WaitShards(t, 2)
	for _, a := range []*discord.Adapter{a0, a1} {
		waitHealth(t, a, true)
	}
	var shards []int
	for _, id := range fake.Identifies() {
		if len(id.Shard) != 2 || id.Shard[1] != 2 {
			t.Errorf("IDENTIFY shard = %v, want [id 2]", id.Shard)
		}
		shards = append(shards, id.Shard[0])
	}
	if fmt.Sprint(shards) != "[0 1]" && fmt.Sprint(shards) != "[1 0]" {
		t.Errorf("shards identified = %v, want 0 and 1", shards)
	}

	user := discordtest.User{ID: "300000000000000009", Name: "student"}
	const perShard = 6
	for n := range perShard {
		for shard := range 2 {
			g := discordtest.GuildOnShard(shard, 2, n)
			if got := discordtest.ShardFor(g, 2); got != shard {
				t.Fatalf("GuildOnShard(%d) gave a guild of shard %d", shard, got)
			}
			p := discordtest.Guild(g, fake.NewID())
			fake.Post(t, fake.Message(user, p, "<@"+fake.BotID+"> how do I apply?", fake.BotUser()))
		}
	}
	fake.Post(t, fake.Message(user, discordtest.DM(fake.NewID()), "how do I apply?"))

	isReply := func(r discordtest.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/messages") && strings.Contains(string(r.Body), "national recruitment")
	}
	fake.WaitRequests(t, "one reply per question", 2*perShard+1, isReply)
	time.Sleep(200 * time.Millisecond) // a double answer would arrive about now
	if n := len(fake.WaitRequests(t, "replies", 1, isReply)); n != 2*perShard+1 {
		t.Errorf("%d replies to %d questions, want exactly one each", n, 2*perShard+1)
	}
	if q0, q1 := b0.numQueries(), b1.numQueries(); q0 != perShard+1 || q1 != perShard {
		t.Errorf("questions asked: shard 0 %d, shard 1 %d; want %d (its guilds and the DM) and %d", q0, q1, perShard+1, perShard)
	}
	// Commands are the application's: only shard 0's replica registers them.
	register := discordtest.Is(http.MethodPut, "/api/v9/applications/"+fake.AppID+"/commands")
	fake.WaitRequests(t, "command registration", 1, register)
	time.Sleep(100 * time.Millisecond)
	if n := len(fake.WaitRequests(t, "command registration", 1, register)); n != 1 {
		t.Errorf("commands registered %d times, want once (by shard 0)", n)
	}

	// A shard that loses its session is not ready (after the grace the caller applies); the other is.
	fake.SetGatewayDown(true)
	fake.Drop(t) // drops shard 0's connection; it cannot reconnect while the gateway is down
	waitHealth(t, a0, false)
	if up, _ := a1.Health(); !up {
		t.Error("shard 1 went unready when shard 0 dropped")
	}
	fake.SetGatewayDown(false)
	waitHealth(t, a0, true) // discordgo reconnects and resumes
}

// shard_count 0 takes the count Discord recommends (GET /gateway/bot).
func TestShardCountFromGateway(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	fake.SetShards(3)
	a, _ := runShard(t, fake, 2, 0, newScripted())
	waitHealth(t, a, true)
	ids := fake.Identifies()
	if len(ids) != 1 || fmt.Sprint(ids[0].Shard) != "[2 3]" {
		t.Errorf("IDENTIFY shards = %+v, want [2 3]", ids)
	}
}

// A shard id the recommended count does not have is refused before connecting.
func TestShardIDBeyondRecommendedCount(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	fake.SetShards(2)
	cfg := defaultConfig()
	cfg.Token, cfg.APIURL, cfg.ShardID, cfg.ShardCount = fake.Token, fake.URL, 5, 0
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := discord.New(cfg, newScripted())
	if err != nil {
		t.Fatal(err)
	}
	err = a.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "recommends 2 shards") {
		t.Errorf("Run = %v, want a refusal naming the recommended count", err)
	}
	if n := len(fake.Identifies()); n != 0 {
		t.Errorf("%d IDENTIFY sent, want none", n)
	}
}

func TestShardConfigChecked(t *testing.T) {
	for _, c := range []struct {
		id, count int
		field     string
	}{{2, 2, "shard_id"}, {-1, 2, "shard_id"}, {0, -1, "shard_count"}} {
		ps := discord.CheckConfig(discord.Config{ShardID: c.id, ShardCount: c.count})
		if len(ps) != 1 || ps[0].Field != c.field {
			t.Errorf("CheckConfig(shard %d of %d) = %v, want one problem with %s", c.id, c.count, ps, c.field)
		}
	}
	if ps := discord.CheckConfig(discord.Config{ShardID: 3, ShardCount: 0}); len(ps) != 0 {
		t.Errorf("CheckConfig(shard 3 of recommended) = %v, want none (checked against Discord's count)", ps)
	}
}

func waitHealth(t *testing.T, a *discord.Adapter, want bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if up, _ := a.Health(); up == want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("adapter health never became %v", want)
}
