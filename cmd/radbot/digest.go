package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/radbot/radbot/adapters/postgres"
	"github.com/radbot/radbot/adapters/sqlite"
	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// The weekly digest: once a week radbot serve posts a short Markdown summary of the last seven days
// to a maintainers' channel (report.digest), and `radbot report --digest` prints the same text.
//
// A week's digest is posted once. Its slot (the local date of the scheduled day) is claimed in the
// store before posting, so a restart in the same week, or a second process on the same database,
// finds it taken; a post that fails releases the claim and is tried again a few times. A process
// that was down at the scheduled time posts when it starts, if that is within digestCatchUp.

// What a digest covers and lists.
const (
	digestDays        = 7   // the period, ending when the digest is built
	digestTopGroups   = 5   // nearest entries of unanswered questions
	digestPerGroup    = 2   // questions under each
	digestTopEntries  = 3   // entries with the most "not helpful" votes
	digestComments    = 2   // latest comments under each
	digestQuestionLen = 90  // runes of a question
	digestCommentLen  = 120 // runes of a comment
	digestTitleLen    = 60  // runes of an entry title
	digestHTMLReport  = "radbot report --since 7d --html report.html"
)

// reportReader reads the report a digest is built from; *sqlite.Store is one.
type reportReader interface {
	Report(ctx context.Context, opt sqlite.ReportOptions) (*sqlite.Report, error)
}

// buildDigest reads the last seven days (to now, counted in days on loc's calendar) from the store
// and returns the digest text. base gives entry titles and may be nil.
func buildDigest(ctx context.Context, store reportReader, base *knowledge.Base, now time.Time, loc *time.Location) (string, error) {
	now = now.In(loc)
	since := now.AddDate(0, 0, -digestDays)
	rep, err := store.Report(ctx, sqlite.ReportOptions{Since: since, Now: now, Normalize: bot.Normalize})
	if err != nil {
		return "", fmt.Errorf("reading the week's report: %w", err)
	}
	return digestText(rep, base, now), nil
}

// digestText writes the digest in Markdown that reads the same on Discord, on Slack (through the
// adapter's mrkdwn conversion) and in a terminal. What people typed (questions, comments) appears
// only inside `code` spans, clipped and on one line, so it cannot format the message, make a link
// or mention anyone; the adapters also post with mentions off (Discord) and escaped (Slack).
func digestText(rep *sqlite.Report, base *knowledge.Base, now time.Time) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("**RadBot weekly digest**: the %d days to %s (%s)\n\n", digestDays, now.Format("Mon 2 Jan 2006 15:04"), now.Location())

	byStatus := map[string]int64{}
	for s, n := range rep.Totals.ByStatus {
		byStatus[statusWords(s)] += n
	}
	p("**Questions: %d**", rep.Totals.Interactions)
	if rep.Totals.Interactions > 0 {
		p(": %s", countsText(byStatus, statusOrder))
	}
	p("\n\n")

	p("**Not answered, by nearest entry**\n")
	groups := rep.ByNearest
	if len(groups) == 0 {
		p("None this week.\n")
	}
	for i, g := range groups {
		if i == digestTopGroups {
			p("- and %d more in the full report\n", len(groups)-digestTopGroups)
			break
		}
		if g.NearestID == "" {
			p("- no entry came close: %s\n", times(g.Count))
		} else {
			p("- %s: %s\n", entryRef(base, g.NearestID), times(g.Count))
		}
		for j, q := range g.Questions {
			if j == digestPerGroup {
				break
			}
			p("  - %s", userText(q.Text, digestQuestionLen))
			if q.Count > 1 {
				p(" ×%d", q.Count)
			}
			p("\n")
		}
	}
	p("\n")

	p("**Most \"not helpful\" votes**\n")
	var worst []sqlite.EntryReport
	for _, e := range rep.Entries {
		if e.NotHelpful > 0 {
			worst = append(worst, e)
		}
	}
	slices.SortStableFunc(worst, func(a, b sqlite.EntryReport) int {
		return cmp.Or(cmp.Compare(b.NotHelpful, a.NotHelpful), cmp.Compare(a.Helpful, b.Helpful), strings.Compare(a.ID, b.ID))
	})
	if len(worst) == 0 {
		p("None this week.\n")
	}
	for i, e := range worst {
		if i == digestTopEntries {
			break
		}
		p("- %s: %d not helpful, %d helpful\n", entryRef(base, e.ID), e.NotHelpful, e.Helpful)
		for j := len(e.Comments) - 1; j >= 0 && j >= len(e.Comments)-digestComments; j-- { // latest first
			p("  - %s\n", userText(e.Comments[j], digestCommentLen))
		}
	}
	p("\n")
	p("Everything, with charts: `%s`\n", digestHTMLReport)
	return b.String()
}

// entryRef names an entry by id and title (base may be nil: the id alone).
func entryRef(base *knowledge.Base, id string) string {
	ref := "`" + strings.ReplaceAll(id, "`", "'") + "`"
	switch e := base.Entry(id); {
	case base == nil:
	case e == nil:
		ref += " (no longer in the knowledge)"
	default:
		ref += " (" + clip(e.Title, digestTitleLen) + ")"
	}
	return ref
}

func times(n int) string {
	switch n {
	case 1:
		return "asked once"
	case 2:
		return "asked twice"
	}
	return fmt.Sprintf("asked %d times", n)
}

// userText quotes what someone typed so that it is inert: one line, at most n runes, inside a code
// span (a backtick in it becomes ').
func userText(s string, n int) string {
	s = strings.ReplaceAll(clip(s, n), "`", "'")
	if strings.TrimSpace(s) == "" {
		return "(empty)"
	}
	return "`" + s + "`"
}

// printDigest writes the digest that serve would post now, for `radbot report --digest`.
func printDigest(ctx context.Context, w io.Writer, store reportReader, base *knowledge.Base, cfg DigestConfig, now time.Time) error {
	loc, err := loadZone(cfg.Timezone)
	if err != nil { // Validate has checked it
		return fmt.Errorf("report.digest.timezone: %w", err)
	}
	text, err := buildDigest(ctx, store, base, now, loc)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, text)
	return err
}

// flagSet reports whether any of the named flags was given on the command line.
func flagSet(fs *flag.FlagSet, names ...string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || slices.Contains(names, f.Name) })
	return set
}

// When and how the digest is posted.
const (
	// digestCatchUp is how late a missed digest is still posted (serve was down at the time).
	digestCatchUp = 24 * time.Hour
	// digestMaxSleep caps each wait, so that the wall clock is looked at again at least hourly
	// (a suspended host or a clock that was set resumes on time).
	digestMaxSleep = time.Hour
	// digestPostTimeout bounds one attempt at building and posting a digest.
	digestPostTimeout = 2 * time.Minute
	// digestClaimTimeout bounds claiming or releasing a week in the store.
	digestClaimTimeout = 10 * time.Second
	// digestShutdownGrace is how long a post in flight when serve begins to shut down may still take
	// (within shutdown_timeout): stopping it half-way would leave unknown whether it went out.
	digestShutdownGrace = 5 * time.Second
)

// digestRetries are the waits after each failed attempt to post a week's digest; after the last,
// that week is given up (and logged as an error).
var digestRetries = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour}

// clock is the time source of the digest's schedule; tests use a fake one.
type clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// digestStore is what the digest needs from the database; *sqlite.Store is one.
type digestStore interface {
	reportReader
	ClaimDigest(ctx context.Context, slot string) (claimed bool, prev string, err error)
	ReleaseDigest(ctx context.Context, slot, prev string) error
}

var (
	_ digestStore = (*sqlite.Store)(nil)
	_ digestStore = (*postgres.Store)(nil)
)

// digester posts the weekly digest. Create it with newDigester; run it with run.
type digester struct {
	sched    weeklySchedule
	platform string
	channel  string
	post     func(ctx context.Context, channel, text string) error
	store    digestStore
	base     func() *knowledge.Base // the knowledge being served, for titles
	clock    clock
	log      *slog.Logger
	grace    time.Duration // digestShutdownGrace; tests shorten it
}

// newDigester returns the digester that cfg asks for, or nil (with a warning when that is a surprise)
// when the digest is off, or its platform is not among the running ones: a digest is only posted
// to a platform that serve is enabled for.
func newDigester(cfg DigestConfig, platforms []platform, store digestStore, base func() *knowledge.Base, log *slog.Logger) *digester {
	log = log.With("component", "digest")
	if !cfg.Enabled {
		return nil
	}
	i := slices.IndexFunc(platforms, func(p platform) bool { return p.name == cfg.Platform })
	if i < 0 || platforms[i].post == nil {
		log.Warn("the weekly digest is off: its platform is not enabled", "platform", cfg.Platform,
			"fix", "set "+cfg.Platform+".enabled: true, or report.digest.enabled: false")
		return nil
	}
	sched, err := cfg.schedule()
	if err != nil { // Validate has checked it
		log.Error("the weekly digest is off", "err", err)
		return nil
	}
	return &digester{sched: sched, platform: cfg.Platform, channel: cfg.Channel, post: platforms[i].post,
		store: store, base: base, clock: realClock{}, log: log, grace: digestShutdownGrace}
}

// run posts each week's digest when it is due, until ctx is done.
func (d *digester) run(ctx context.Context) {
	d.log.Info("weekly digest scheduled", "platform", d.platform, "channel", d.channel, "when", d.sched.String(),
		"next", d.sched.next(d.clock.Now()).at.Format(time.RFC3339))
	var done string       // the slot this run has posted, found posted, or given up on
	var failing string    // the slot whose attempts are failing
	var failures int      // how many times in a row
	var retryAt time.Time // when to try the failing slot again
	for {
		now := d.clock.Now()
		wake := d.sched.next(now).at
		slot := d.sched.prev(now)
		if slot.key != done && now.Sub(slot.at) < digestCatchUp {
			if slot.key != failing {
				failing, failures, retryAt = slot.key, 0, time.Time{}
			}
			if now.Before(retryAt) {
				wake = earliest(wake, retryAt)
			} else {
				err := d.attempt(ctx, slot, now)
				switch {
				case err == nil:
					done = slot.key
				case ctx.Err() != nil:
					return
				case failures == len(digestRetries):
					d.log.Error("the weekly digest could not be posted; giving up on this week", "week", slot.key,
						"platform", d.platform, "channel", d.channel, "attempts", failures+1, "err", err)
					done = slot.key
				default:
					retryAt = now.Add(digestRetries[failures])
					failures++
					wake = earliest(wake, retryAt)
					d.log.Warn("the weekly digest could not be posted; trying again", "week", slot.key,
						"platform", d.platform, "channel", d.channel, "retry_at", retryAt.Format(time.RFC3339), "err", err)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-d.clock.After(min(wake.Sub(now), digestMaxSleep)):
		}
	}
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// attempt claims the slot and posts the digest, releasing the claim if the post fails. A slot
// already claimed (posted before a restart, or by another process) is not posted again: nil.
func (d *digester) attempt(ctx context.Context, slot digestSlot, now time.Time) error {
	claimCtx, cancel := context.WithTimeout(ctx, digestClaimTimeout)
	claimed, prev, err := d.store.ClaimDigest(claimCtx, slot.key)
	cancel()
	if err != nil {
		return err
	}
	if !claimed {
		d.log.Info("weekly digest already posted", "week", slot.key)
		return nil
	}
	// A post under way when ctx ends (serve shutting down) gets a short grace to finish.
	postCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), digestPostTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(d.grace, cancel) })
	defer stop()
	text, err := buildDigest(postCtx, d.store, d.base(), now, d.sched.loc)
	if err == nil {
		err = d.post(postCtx, d.channel, text)
	}
	if err != nil && ctx.Err() != nil && postCtx.Err() != nil {
		// Stopped half-way: the message may have gone out. Keeping the week claimed risks missing
		// it; releasing it risks posting it twice.
		d.log.Warn("stopped while posting the weekly digest: it may not have gone out, and is not posted again this week",
			"week", slot.key, "platform", d.platform, "channel", d.channel, "err", err)
		return ctx.Err()
	}
	if err != nil {
		// The store closes only after this returns, so the release works during a shutdown too.
		relCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), digestClaimTimeout)
		defer cancel()
		if rerr := d.store.ReleaseDigest(relCtx, slot.key, prev); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return err
	}
	d.log.Info("weekly digest posted", "week", slot.key, "platform", d.platform, "channel", d.channel)
	return nil
}
