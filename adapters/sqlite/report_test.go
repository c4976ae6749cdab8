package sqlite_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/sqlite"
	"github.com/radbot/radbot/bot"
)

// seedReport fills a store with a month of answers, votes and unanswered questions, plus older rows
// that a 30-day report must leave out. It returns the store and the start of the 30 days.
func seedReport(t *testing.T) (*sqlite.Store, time.Time) {
	t.Helper()
	s, _ := newStore(t)
	now := time.Now().UTC()
	since := now.Add(-30 * 24 * time.Hour)
	at := now.Add(-time.Hour)
	tick := func() time.Time { at = at.Add(time.Second); return at }

	answered := func(platform bot.Platform, entry string) int64 {
		return save(t, s, bot.Interaction{Time: tick(), Platform: platform, Question: "q", Status: bot.StatusAnswered,
			EntryID: entry, NearestID: entry})
	}
	asked := func(platform bot.Platform, question string, status bot.Status, nearest string) int64 {
		return save(t, s, bot.Interaction{Time: tick(), Platform: platform, Question: question, Status: status,
			NearestID: nearest})
	}
	voted := func(id int64, user string, helpful bool, comment string) {
		vote(t, s, bot.Vote{InteractionID: id, UserHash: user, Helpful: helpful, Comment: comment, Time: tick()})
	}

	// training-length: 4 answers; 1 helpful, 3 not (share 0.25), two comments.
	t1, t2, t3, t4 := answered("discord", "training-length"), answered("discord", "training-length"),
		answered("discord", "training-length"), answered("discord", "training-length")
	voted(t1, "u1", false, "too vague")
	voted(t2, "u2", false, "")
	voted(t3, "u3", false, "needs numbers")
	voted(t4, "u4", false, "")
	voted(t4, "u4", true, "") // changed their mind: counts once, as helpful

	// frcr-exams: 3 answers; 2 helpful, 2 not (share 0.5).
	f1, f2, f3 := answered("discord", "frcr-exams"), answered("discord", "frcr-exams"), answered("discord", "frcr-exams")
	voted(f1, "u1", true, "")
	voted(f1, "u2", false, "")
	voted(f2, "u3", true, "")
	voted(f3, "u4", false, "")

	// ir-pathway: 2 answers; 1 helpful, 1 not (share 0.5, but fewer not-helpful than frcr-exams).
	i1, i2 := answered("discord", "ir-pathway"), answered("discord", "ir-pathway")
	voted(i1, "u1", true, "")
	voted(i2, "u2", false, "")

	// salary: 5 answers, no votes; less-than-full-time: 1 answer, no votes.
	for range 5 {
		answered("slack", "salary")
	}
	answered("discord", "less-than-full-time")

	// Unanswered questions. Two wordings normalise to the same text.
	const ir = "How do I become an interventional radiologist?"
	asked("slack", ir, bot.StatusFallback, "ir-pathway")
	fb := asked("slack", ir, bot.StatusFallback, "ir-pathway")
	asked("slack", "  how do I become an   interventional RADIOLOGIST? ", bot.StatusFallback, "frcr-exams")
	asked("slack", "Parking at the hospital?", bot.StatusFallback, "")
	asked("discord", "exams", bot.StatusClarify, "frcr-exams")
	asked("discord", "exams", bot.StatusClarify, "frcr-exams")
	for range 3 {
		asked("discord", "[withheld: personal medical question]", bot.StatusRefused, "")
	}
	voted(fb, "u9", false, "") // a vote on a fallback reply counts in the totals only

	// Older than 30 days: left out of a 30-day report.
	at = now.Add(-60 * 24 * time.Hour)
	old := answered("discord", "training-length")
	for _, u := range []string{"o1", "o2", "o3"} {
		voted(old, u, true, "old comment")
	}
	for range 5 {
		asked("slack", "ancient question", bot.StatusFallback, "salary")
	}
	return s, since
}

func TestReport(t *testing.T) {
	ctx := context.Background()
	s, since := seedReport(t)
	r, err := s.Report(ctx, sqlite.ReportOptions{Since: since})
	if err != nil {
		t.Fatal(err)
	}

	share := func(f float64) *float64 { return &f }
	wantEntries := []sqlite.EntryReport{
		{ID: "training-length", Given: 4, Helpful: 1, NotHelpful: 3, HelpfulShare: share(0.25),
			Comments: []string{"too vague", "needs numbers"}},
		{ID: "frcr-exams", Given: 3, Helpful: 2, NotHelpful: 2, HelpfulShare: share(0.5)},
		{ID: "ir-pathway", Given: 2, Helpful: 1, NotHelpful: 1, HelpfulShare: share(0.5)},
		{ID: "salary", Given: 5},
		{ID: "less-than-full-time", Given: 1},
	}
	if !reflect.DeepEqual(r.Entries, wantEntries) {
		t.Errorf("Entries:\n got %s\nwant %s", jsonOf(t, r.Entries), jsonOf(t, wantEntries))
	}

	wantUnanswered := []sqlite.QuestionGroup{
		{Text: "How do I become an interventional radiologist?", Count: 3, Status: bot.StatusFallback, NearestID: "ir-pathway"},
		{Text: "exams", Count: 2, Status: bot.StatusClarify, NearestID: "frcr-exams"},
		{Text: "Parking at the hospital?", Count: 1, Status: bot.StatusFallback},
	}
	if !reflect.DeepEqual(r.Unanswered, wantUnanswered) {
		t.Errorf("Unanswered:\n got %+v\nwant %+v", r.Unanswered, wantUnanswered)
	}

	wantTotals := sqlite.Totals{
		Interactions: 24,
		Votes:        11,
		ByPlatform:   map[string]int64{"discord": 15, "slack": 9},
		ByStatus: map[bot.Status]int64{bot.StatusAnswered: 15, bot.StatusFallback: 4, bot.StatusClarify: 2,
			bot.StatusRefused: 3},
	}
	if !reflect.DeepEqual(r.Totals, wantTotals) {
		t.Errorf("Totals:\n got %+v\nwant %+v", r.Totals, wantTotals)
	}

	js := jsonOf(t, r)
	for _, want := range []string{
		`{"id":"salary","given":5,"helpful":0,"not_helpful":0,"helpful_share":null}`,
		`"helpful_share":0.25,"comments":["too vague","needs numbers"]`,
		`"by_status":{"answered":15,"clarify":2,"fallback":4,"refused":3}`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("report JSON lacks %s:\n%s", want, js)
		}
	}
}

func TestReportOptions(t *testing.T) {
	ctx := context.Background()
	s, since := seedReport(t)

	r, err := s.Report(ctx, sqlite.ReportOptions{Since: since, TopQuestions: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Unanswered) != 2 || r.Unanswered[0].Count != 3 || r.Unanswered[1].Text != "exams" {
		t.Errorf("TopQuestions 2: Unanswered = %+v, want the two most asked groups", r.Unanswered)
	}

	// A custom Normalize that lumps everything together: one group of all six questions.
	r, err = s.Report(ctx, sqlite.ReportOptions{Since: since, Normalize: func(string) string { return "all" }})
	if err != nil {
		t.Fatal(err)
	}
	want := []sqlite.QuestionGroup{{Text: "How do I become an interventional radiologist?", Count: 6,
		Status: bot.StatusFallback, NearestID: "frcr-exams"}}
	if !reflect.DeepEqual(r.Unanswered, want) {
		t.Errorf("custom Normalize: Unanswered = %+v, want %+v", r.Unanswered, want)
	}

	// No Since: the old rows count too, which reorders the entries.
	r, err = s.Report(ctx, sqlite.ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range r.Entries {
		ids = append(ids, e.ID)
	}
	wantIDs := []string{"frcr-exams", "ir-pathway", "training-length", "salary", "less-than-full-time"}
	if !reflect.DeepEqual(ids, wantIDs) {
		t.Errorf("all-time entry order = %q, want %q", ids, wantIDs)
	}
	if e := r.Entries[2]; e.Given != 5 || e.Helpful != 4 || e.NotHelpful != 3 || len(e.Comments) != 5 {
		t.Errorf("all-time training-length = %+v, want given 5, 4 helpful, 3 not, 5 comments", e)
	}
	if g := r.Unanswered[0]; g.Text != "ancient question" || g.Count != 5 || g.NearestID != "salary" {
		t.Errorf("all-time top unanswered = %+v, want the old question asked 5 times", g)
	}
	if r.Totals.Interactions != 30 || r.Totals.Votes != 14 {
		t.Errorf("all-time totals = %+v, want 30 interactions and 14 votes", r.Totals)
	}
}

// TestReportByNearestAndWeeks covers what the HTML report charts: unanswered questions gathered under
// their nearest entry, and questions per week by status, with empty weeks kept as zeros.
func TestReportByNearestAndWeeks(t *testing.T) {
	ctx := context.Background()
	s, since := seedReport(t)
	r, err := s.Report(ctx, sqlite.ReportOptions{Since: since, TopQuestions: 1})
	if err != nil {
		t.Fatal(err)
	}
	// ir-pathway: the IR question (3); frcr-exams: "exams" (2); none: parking (1). TopQuestions cuts
	// Unanswered, not the groups.
	want := []sqlite.NearestGroup{
		{NearestID: "ir-pathway", Count: 3, Questions: []sqlite.QuestionGroup{r.Unanswered[0]}},
		{NearestID: "frcr-exams", Count: 2, Questions: []sqlite.QuestionGroup{{Text: "exams", Count: 2, Status: bot.StatusClarify, NearestID: "frcr-exams"}}},
		{NearestID: "", Count: 1, Questions: []sqlite.QuestionGroup{{Text: "Parking at the hospital?", Count: 1, Status: bot.StatusFallback}}},
	}
	if !reflect.DeepEqual(r.ByNearest, want) {
		t.Errorf("ByNearest:\n got %s\nwant %s", jsonOf(t, r.ByNearest), jsonOf(t, want))
	}

	// Weeks, on a store of its own: two questions three weeks ago, one refusal this week.
	s2, _ := newStore(t)
	now := time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC) // a Thursday
	for _, in := range []bot.Interaction{
		{Time: now.AddDate(0, 0, -21), Status: bot.StatusAnswered, EntryID: "x"},
		{Time: now.AddDate(0, 0, -20), Status: bot.StatusFallback},
		{Time: now.Add(-time.Hour), Status: bot.StatusRefused},
	} {
		in.Platform, in.Question = "discord", "q"
		save(t, s2, in)
	}
	r, err = s2.Report(ctx, sqlite.ReportOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	monday := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	wantWeeks := []sqlite.WeekCount{
		{Start: monday.AddDate(0, 0, -21), ByStatus: map[bot.Status]int64{bot.StatusAnswered: 1, bot.StatusFallback: 1}},
		{Start: monday.AddDate(0, 0, -14), ByStatus: map[bot.Status]int64{}},
		{Start: monday.AddDate(0, 0, -7), ByStatus: map[bot.Status]int64{}},
		{Start: monday, ByStatus: map[bot.Status]int64{bot.StatusRefused: 1}},
	}
	if !reflect.DeepEqual(r.Weeks, wantWeeks) {
		t.Errorf("Weeks:\n got %s\nwant %s", jsonOf(t, r.Weeks), jsonOf(t, wantWeeks))
	}
}

func TestReportEmpty(t *testing.T) {
	s, _ := newStore(t)
	r, err := s.Report(context.Background(), sqlite.ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"entries":[],"unanswered":[],"by_nearest":[],"weeks":[],"totals":{"interactions":0,"votes":0,"by_platform":{},"by_status":{}}}`
	if got := jsonOf(t, r); got != want {
		t.Errorf("empty report JSON = %s, want %s", got, want)
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
