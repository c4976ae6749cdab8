package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/radbot/radbot/adapters/sqlite"
	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// The weekly digest: a short Markdown summary of the last seven days for a maintainers' channel
// (report.digest). `radbot report --digest` prints it.

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
