package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// ReportOptions choose what Report covers.
type ReportOptions struct {
	// Since limits the report to interactions at or after it (and the votes on them); zero means all.
	Since time.Time
	// Normalize maps a question to the key that groups unanswered questions. Nil means
	// knowledge.Normalize, the one normaliser the matcher and lint use too.
	Normalize func(string) string
	// TopQuestions caps the unanswered groups returned; zero or less means 20.
	TopQuestions int
	// Now ends the weekly counts; zero means the current time.
	Now time.Time
}

func (o ReportOptions) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// Report is the maintainers' view of how the knowledge base is doing.
type Report struct {
	// Entries are the answered entries, worst first: those with votes by lowest helpful share, then
	// those without votes; ties go to more not-helpful votes, then more answers given, then id.
	Entries []EntryReport `json:"entries"`
	// Unanswered are the fallback and clarify questions, grouped, most asked first. Refused questions
	// are left out: their text is withheld.
	Unanswered []QuestionGroup `json:"unanswered"`
	// ByNearest groups every unanswered question by the entry that came closest, most asked first
	// (questions with no near entry last), each with its most asked questions.
	ByNearest []NearestGroup `json:"by_nearest"`
	// Weeks counts the questions of each week (Monday to Sunday, UTC) by status, oldest first, from the
	// first week with a question to the current one; weeks without questions are there with zeros.
	Weeks  []WeekCount `json:"weeks"`
	Totals Totals      `json:"totals"`
}

// NearestGroup is the unanswered questions whose nearest entry was one entry ("" for none).
type NearestGroup struct {
	NearestID string          `json:"nearest_id"`
	Count     int             `json:"count"`
	Questions []QuestionGroup `json:"questions"` // the most asked first, at most TopPerEntry
}

// WeekCount is how many questions one week had, by status.
type WeekCount struct {
	Start    time.Time            `json:"start"` // Monday 00:00 UTC
	ByStatus map[bot.Status]int64 `json:"by_status"`
}

// TopPerEntry is how many questions a NearestGroup keeps.
const TopPerEntry = 5

// EntryReport is how one entry fared.
type EntryReport struct {
	ID         string `json:"id"`
	Given      int64  `json:"given"` // times it was the answer
	Helpful    int64  `json:"helpful"`
	NotHelpful int64  `json:"not_helpful"`
	// HelpfulShare is Helpful / (Helpful + NotHelpful), from 0 to 1; nil (JSON null) with no votes.
	HelpfulShare *float64 `json:"helpful_share"`
	// Comments are the non-empty comments left with votes, oldest first.
	Comments []string `json:"comments,omitempty"`
}

// QuestionGroup is a set of unanswered questions that normalise to the same text.
type QuestionGroup struct {
	Text      string     `json:"text"`  // the most common original wording
	Count     int        `json:"count"` // how often it was asked
	Status    bot.Status `json:"status"`
	NearestID string     `json:"nearest_id,omitempty"` // the entry that came closest most often
}

// Totals count what the report covers.
type Totals struct {
	Interactions int64                `json:"interactions"`
	Votes        int64                `json:"votes"`
	ByPlatform   map[string]int64     `json:"by_platform"`
	ByStatus     map[bot.Status]int64 `json:"by_status"`
}

// Report summarises the stored interactions and votes for maintainers. Its queries read one consistent
// snapshot of the database.
func (s *DB) Report(ctx context.Context, opt ReportOptions) (*Report, error) {
	if opt.Normalize == nil {
		opt.Normalize = knowledge.Normalize
	}
	if opt.TopQuestions <= 0 {
		opt.TopQuestions = 20
	}
	stx, err := s.Read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: s.Dialect.Snapshot})
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	defer stx.Rollback()
	tx := txq{stx, s}

	since := millis(opt.Since)
	r := &Report{}
	if r.Entries, err = entryReports(ctx, tx, since); err != nil {
		return nil, fmt.Errorf("report entries: %w", err)
	}
	if r.Unanswered, r.ByNearest, err = unanswered(ctx, tx, since, opt.Normalize, opt.TopQuestions); err != nil {
		return nil, fmt.Errorf("report unanswered: %w", err)
	}
	if r.Weeks, err = weeks(ctx, tx, since, opt.now()); err != nil {
		return nil, fmt.Errorf("report weeks: %w", err)
	}
	if r.Totals, err = totals(ctx, tx, since); err != nil {
		return nil, fmt.Errorf("report totals: %w", err)
	}
	return r, nil
}

// normalize lower-cases s, trims it and collapses white space.

// entryReports counts answers and votes per answered entry, with its comments, sorted worst first.
func entryReports(ctx context.Context, tx txq, since int64) ([]EntryReport, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT i.entry_id, COUNT(*), COALESCE(SUM(v.helpful), 0), COALESCE(SUM(v.not_helpful), 0)
		FROM interactions i
		LEFT JOIN (SELECT interaction_id, SUM(helpful) AS helpful, SUM(1 - helpful) AS not_helpful
		           FROM votes GROUP BY interaction_id) v ON v.interaction_id = i.id
		WHERE i.status = 'answered' AND i.entry_id <> '' AND i.at >= ?
		GROUP BY i.entry_id`, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	entries := []EntryReport{}
	index := map[string]int{}
	for rows.Next() {
		var e EntryReport
		if err := rows.Scan(&e.ID, &e.Given, &e.Helpful, &e.NotHelpful); err != nil {
			return nil, err
		}
		if votes := e.Helpful + e.NotHelpful; votes > 0 {
			share := float64(e.Helpful) / float64(votes)
			e.HelpfulShare = &share
		}
		index[e.ID] = len(entries)
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = tx.QueryContext(ctx, `
		SELECT i.entry_id, v.comment FROM votes v JOIN interactions i ON i.id = v.interaction_id
		WHERE i.status = 'answered' AND i.entry_id <> '' AND i.at >= ? AND v.comment <> ''
		ORDER BY v.at, v.interaction_id, v.user_hash`, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, comment string
		if err := rows.Scan(&id, &comment); err != nil {
			return nil, err
		}
		if i, ok := index[id]; ok {
			entries[i].Comments = append(entries[i].Comments, comment)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	slices.SortFunc(entries, func(a, b EntryReport) int {
		if (a.HelpfulShare == nil) != (b.HelpfulShare == nil) {
			if a.HelpfulShare != nil {
				return -1 // voted-on entries first
			}
			return 1
		}
		if a.HelpfulShare != nil {
			if c := cmp.Compare(*a.HelpfulShare, *b.HelpfulShare); c != 0 {
				return c
			}
		}
		return cmp.Or(
			cmp.Compare(b.NotHelpful, a.NotHelpful),
			cmp.Compare(b.Given, a.Given),
			strings.Compare(a.ID, b.ID),
		)
	})
	return entries, nil
}

// unanswered groups fallback, clarify and suggest questions (not the out-of-scope ones, which no entry
// should answer) by their normalised text and returns the top
// groups, most asked first (ties by text), and every group gathered under its nearest entry.
func unanswered(ctx context.Context, tx txq, since int64, norm func(string) string, top int) ([]QuestionGroup, []NearestGroup, error) {
	rows, err := tx.QueryContext(ctx, `SELECT question, status, nearest_id FROM interactions
		WHERE status IN ('fallback', 'clarify', 'suggest') AND reason <> 'out_of_scope' AND at >= ?`, since)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	type tally struct {
		count                    int
		wording, status, nearest map[string]int
	}
	groups := map[string]*tally{}
	for rows.Next() {
		var q, status, nearest string
		if err := rows.Scan(&q, &status, &nearest); err != nil {
			return nil, nil, err
		}
		key := norm(q)
		if key == "" {
			continue
		}
		g := groups[key]
		if g == nil {
			g = &tally{wording: map[string]int{}, status: map[string]int{}, nearest: map[string]int{}}
			groups[key] = g
		}
		g.count++
		g.wording[strings.TrimSpace(q)]++
		g.status[status]++
		if nearest != "" {
			g.nearest[nearest]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}

	out := make([]QuestionGroup, 0, len(groups))
	for _, g := range groups {
		out = append(out, QuestionGroup{
			Text:      mostCommon(g.wording),
			Count:     g.count,
			Status:    bot.Status(mostCommon(g.status)),
			NearestID: mostCommon(g.nearest),
		})
	}
	slices.SortFunc(out, func(a, b QuestionGroup) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Text, b.Text))
	})
	byNearest := map[string]*NearestGroup{}
	var near []*NearestGroup
	for _, q := range out {
		n := byNearest[q.NearestID]
		if n == nil {
			n = &NearestGroup{NearestID: q.NearestID, Questions: []QuestionGroup{}}
			byNearest[q.NearestID] = n
			near = append(near, n)
		}
		n.Count += q.Count
		if len(n.Questions) < TopPerEntry {
			n.Questions = append(n.Questions, q)
		}
	}
	slices.SortStableFunc(near, func(a, b *NearestGroup) int {
		if (a.NearestID == "") != (b.NearestID == "") {
			if a.NearestID == "" {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.NearestID, b.NearestID))
	})
	nearest := make([]NearestGroup, len(near))
	for i, n := range near {
		nearest[i] = *n
	}
	if len(out) > top {
		out = out[:top]
	}
	return out, nearest, nil
}

// weekStart is the Monday 00:00 UTC that starts t's week.
func weekStart(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}

// maxWeeks caps the weekly series: a database kept for years still gives a readable chart.
const maxWeeks = 104

// weeks counts questions by week and status, from the first week with a question (or the week of
// since, whichever is later) to the week of now; at most the last maxWeeks weeks.
func weeks(ctx context.Context, tx txq, since int64, now time.Time) ([]WeekCount, error) {
	rows, err := tx.QueryContext(ctx, `SELECT at / 86400000 AS day, status, COUNT(*) FROM interactions
		WHERE at >= ? GROUP BY day, status ORDER BY day`, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[time.Time]map[bot.Status]int64{}
	var first time.Time
	for rows.Next() {
		var day, n int64
		var status string
		if err := rows.Scan(&day, &status, &n); err != nil {
			return nil, err
		}
		w := weekStart(time.UnixMilli(day * 86400000))
		if first.IsZero() || w.Before(first) {
			first = w
		}
		if counts[w] == nil {
			counts[w] = map[bot.Status]int64{}
		}
		counts[w][bot.Status(status)] += n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []WeekCount{}
	if first.IsZero() {
		return out, nil
	}
	last := weekStart(now)
	if earliest := last.AddDate(0, 0, -7*(maxWeeks-1)); first.Before(earliest) {
		first = earliest
	}
	for w := first; !w.After(last); w = w.AddDate(0, 0, 7) {
		by := counts[w]
		if by == nil {
			by = map[bot.Status]int64{}
		}
		out = append(out, WeekCount{Start: w, ByStatus: by})
	}
	return out, nil
}

// mostCommon returns the key with the highest count, the alphabetically first on a tie, or "" for an
// empty map.
func mostCommon(counts map[string]int) string {
	best, bestN := "", 0
	for k, n := range counts {
		if n > bestN || (n == bestN && k < best) {
			best, bestN = k, n
		}
	}
	return best
}

// totals counts interactions by platform and status, and the votes on them.
func totals(ctx context.Context, tx txq, since int64) (Totals, error) {
	t := Totals{ByPlatform: map[string]int64{}, ByStatus: map[bot.Status]int64{}}
	rows, err := tx.QueryContext(ctx, `SELECT platform, status, COUNT(*) FROM interactions
		WHERE at >= ? GROUP BY platform, status`, since)
	if err != nil {
		return t, err
	}
	defer rows.Close()
	for rows.Next() {
		var platform, status string
		var n int64
		if err := rows.Scan(&platform, &status, &n); err != nil {
			return t, err
		}
		t.Interactions += n
		t.ByPlatform[platform] += n
		t.ByStatus[bot.Status(status)] += n
	}
	if err := rows.Err(); err != nil {
		return t, err
	}
	err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM votes v JOIN interactions i ON i.id = v.interaction_id
		WHERE i.at >= ?`, since).Scan(&t.Votes)
	return t, err
}
