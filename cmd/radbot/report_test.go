package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/sqlite"
	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// seeded describes the database that seedReportDB writes.
type seeded struct {
	path             string
	good, bad, quiet *knowledge.Entry // answered entries: mostly helpful, mostly not, never voted on
	nearest          *knowledge.Entry // nearest entry of the unanswered questions
}

// seedReportDB writes a database with known interactions and votes, using real entry ids from the
// embedded knowledge so that the report can add their titles.
func seedReportDB(t *testing.T) seeded {
	t.Helper()
	base, err := knowledge.Default()
	if err != nil {
		t.Fatalf("loading the embedded knowledge: %v", err)
	}
	if len(base.Entries) < 4 {
		t.Fatalf("embedded knowledge has %d entries; the report test needs 4", len(base.Entries))
	}
	s := seeded{path: filepath.Join(t.TempDir(), "report.db"),
		good: base.Entries[0], bad: base.Entries[1], quiet: base.Entries[2], nearest: base.Entries[3]}
	ctx := context.Background()
	store, err := sqlite.Open(ctx, s.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	now := time.Now().UTC()
	n := 0
	save := func(platform bot.Platform, status bot.Status, entry, nearest, question string, at time.Time) int64 {
		t.Helper()
		n++
		in := &bot.Interaction{Time: at, Platform: platform, ConversationHash: "c", UserHash: bot.HashID([]byte("k"), platform, "user"+string(rune('a'+n%5))),
			Question: question, Status: status, EntryID: entry, NearestID: nearest, Score: 0.5}
		id, err := store.SaveInteraction(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	vote := func(id int64, user string, helpful bool, comment string) {
		t.Helper()
		if err := store.SaveVote(ctx, bot.Vote{InteractionID: id, Platform: "discord", UserHash: user, Helpful: helpful, Comment: comment, Time: now}); err != nil {
			t.Fatal(err)
		}
	}
	recent := now.Add(-time.Hour)
	// good: 3 answers, 2 helpful votes, 1 not.
	g1 := save("discord", bot.StatusAnswered, s.good.ID, s.good.ID, "q", recent)
	g2 := save("slack", bot.StatusAnswered, s.good.ID, s.good.ID, "q", recent)
	save("slack", bot.StatusAnswered, s.good.ID, s.good.ID, "q", recent)
	vote(g1, "v1", true, "")
	vote(g1, "v2", false, "")
	vote(g2, "v3", true, "")
	// bad: 2 answers, 1 helpful, 2 not helpful, with a comment.
	b1 := save("discord", bot.StatusAnswered, s.bad.ID, s.bad.ID, "q", recent)
	b2 := save("discord", bot.StatusAnswered, s.bad.ID, s.bad.ID, "q", recent)
	vote(b1, "v1", false, "Out of date:\nthe 2026 figures differ")
	vote(b1, "v2", false, "")
	vote(b2, "v3", true, "")
	// quiet: answered once, no votes.
	save("slack", bot.StatusAnswered, s.quiet.ID, s.quiet.ID, "q", recent)
	// Unanswered: the same question three ways, and another one once; a formula-looking one.
	save("discord", bot.StatusFallback, "", s.nearest.ID, "How much do locums earn?", recent)
	save("slack", bot.StatusFallback, "", s.nearest.ID, "how much do locums earn", recent)
	save("discord", bot.StatusClarify, "", s.nearest.ID, "How much do locums earn?", recent)
	save("discord", bot.StatusFallback, "", "", "=HYPERLINK(\"x\")", recent)
	save("discord", bot.StatusRefused, "", "", "[withheld]", recent)
	// Old: outside a 30-day report.
	save("discord", bot.StatusFallback, "", s.nearest.ID, "an old question from last year", now.AddDate(0, 0, -60))
	return s
}

func runCmd(t *testing.T, cmd command, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := cmd(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestReportText(t *testing.T) {
	t.Parallel()
	s := seedReportDB(t)
	out, stderr, err := runCmd(t, cmdReport, "--db", s.path)
	if err != nil {
		t.Fatalf("report: %v\n%s", err, stderr)
	}
	t.Log("\n" + out)
	// Worst first: bad (33%) before good (67%) before quiet (no votes).
	ib := strings.Index(out, s.bad.ID+" ("+clip(s.bad.Title, 50)+")")
	ig := strings.Index(out, s.good.ID+" ("+clip(s.good.Title, 50)+")")
	iq := strings.Index(out, s.quiet.ID+" ("+clip(s.quiet.Title, 50)+")")
	if ib < 0 || ig < 0 || iq < 0 || !(ib < ig && ig < iq) {
		t.Errorf("entries not listed worst first with titles (bad %d, good %d, quiet %d)", ib, ig, iq)
	}
	for _, want := range []string{
		"What to do:", // each section says what to do
		"33%", "67%", "no votes",
		"“Out of date: the 2026 figures differ”", // comment on one line
		"“How much do locums earn?”",             // grouped: the most common wording
		s.nearest.ID + " (" + clip(s.nearest.Title, 50) + ") in " + s.nearest.File,
		"Questions stored: 11   Votes: 6",
		"By platform: discord 7, slack 4",
		"By reply:    answered 6, unsure 1, no answer 3, refused (personal medical) 1",
		"--since 30d",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report does not contain %q", want)
		}
	}
	if !regexpMatch(`(?m)^\s+3\s+no answer\s+“How much do locums earn\?”`, out) {
		t.Errorf("the three locum questions are not grouped as one line of 3")
	}
	if strings.Contains(out, "old question") {
		t.Errorf("a question older than 30 days is in the 30-day report")
	}
	if got := strings.Count(out, "What to do:"); got != 3 {
		t.Errorf("%d 'What to do' hints, want one per section (3)", got)
	}

	all, _, err := runCmd(t, cmdReport, "--db", s.path, "--since", "all")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(all, "old question") || !strings.Contains(all, "Questions stored: 12") {
		t.Errorf("--since all leaves out the old question:\n%s", all)
	}
}

func TestReportJSON(t *testing.T) {
	t.Parallel()
	s := seedReportDB(t)
	out, stderr, err := runCmd(t, cmdReport, "--db", s.path, "--json", "--since", "720h")
	if err != nil {
		t.Fatalf("report --json: %v\n%s", err, stderr)
	}
	var v reportView
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("decoding %s: %v", out, err)
	}
	var ids []string
	for _, e := range v.Entries {
		ids = append(ids, e.ID)
	}
	if !slices.Equal(ids, []string{s.bad.ID, s.good.ID, s.quiet.ID}) {
		t.Errorf("entries = %v, want worst first", ids)
	}
	bad := v.Entries[0]
	if bad.Title != s.bad.Title || bad.Given != 2 || bad.Helpful != 1 || bad.NotHelpful != 2 ||
		bad.HelpfulShare == nil || *bad.HelpfulShare < 0.33 || *bad.HelpfulShare > 0.34 || len(bad.Comments) != 1 {
		t.Errorf("worst entry = %+v", bad)
	}
	if v.Entries[2].HelpfulShare != nil {
		t.Errorf("entry without votes has a helpful share")
	}
	if len(v.Unanswered) != 2 || v.Unanswered[0].Count != 3 || v.Unanswered[0].NearestID != s.nearest.ID ||
		v.Unanswered[0].NearestTitle != s.nearest.Title {
		t.Errorf("unanswered = %+v", v.Unanswered)
	}
	if v.Totals.Interactions != 11 || v.Totals.ByPlatform["slack"] != 4 || v.Totals.ByStatus[bot.StatusFallback] != 3 {
		t.Errorf("totals = %+v", v.Totals)
	}
	if v.Since == nil || time.Since(*v.Since) < 719*time.Hour {
		t.Errorf("since = %v", v.Since)
	}
	if len(v.NeverGiven) == 0 || slices.ContainsFunc(v.NeverGiven, func(e entryRefView) bool { return e.ID == s.good.ID }) {
		t.Errorf("never_given is wrong: %d entries", len(v.NeverGiven))
	}
}

func TestReportCSV(t *testing.T) {
	t.Parallel()
	s := seedReportDB(t)
	out, stderr, err := runCmd(t, cmdReport, "--db", s.path, "--csv")
	if err != nil {
		t.Fatalf("report --csv: %v\n%s", err, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, out)
	}
	if strings.Join(rows[0], ",") != "section,id,title,question,status,count,helpful,not_helpful,helpful_share,comments" {
		t.Errorf("header = %v", rows[0])
	}
	bySection := map[string][][]string{}
	for _, r := range rows[1:] {
		bySection[r[0]] = append(bySection[r[0]], r)
	}
	if e := bySection["entry"]; len(e) != 3 || e[0][1] != s.bad.ID || e[0][2] != s.bad.Title || e[0][5] != "2" ||
		e[0][8] != "0.333" || !strings.Contains(e[0][9], "Out of date") {
		t.Errorf("entry rows = %v", e)
	}
	u := bySection["unanswered"]
	if len(u) != 2 || u[0][3] != "How much do locums earn?" || u[0][5] != "3" || u[0][1] != s.nearest.ID {
		t.Errorf("unanswered rows = %v", u)
	}
	if len(u) == 2 && !strings.HasPrefix(u[1][3], "'=") {
		t.Errorf("a formula-like question is not defused for spreadsheets: %q", u[1][3])
	}
	if p := bySection["platform"]; len(p) != 2 || p[0][1] != "discord" || p[0][5] != "7" {
		t.Errorf("platform rows = %v", p)
	}
}

func TestReportProblems(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "none.db")
	if _, _, err := runCmd(t, cmdReport, "--db", missing); err == nil || !strings.Contains(err.Error(), "no database at") {
		t.Errorf("missing database: %v", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("report created a database file at %s", missing)
	}
	for _, args := range [][]string{{"--since", "soon"}, {"--since", "-3d"}, {"--json", "--csv"}, {"extra"}} {
		_, stderr, err := runCmd(t, cmdReport, append([]string{"--db", missing}, args...)...)
		if err != (exitError{2}) || stderr == "" {
			t.Errorf("report %v: err %v, stderr %q; want exit status 2 with a message", args, err, stderr)
		}
	}
}

func TestParseSince(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"30d": now.AddDate(0, 0, -30), "1d": now.Add(-24 * time.Hour), "12h": now.Add(-12 * time.Hour),
		"90m": now.Add(-90 * time.Minute), "all": {},
	} {
		got, err := parseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "3 days", "-1h", "0d", "1w", "999999999d"} {
		if _, err := parseSince(in, now); err == nil {
			t.Errorf("parseSince(%q) accepted", in)
		}
	}
}

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }
