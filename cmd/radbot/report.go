package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/radbot/radbot/adapters/sqlite"
	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// defaultReportSince is the period a report covers when --since is not given.
const defaultReportSince = "30d"

// cmdReport prints what people asked, what went unanswered and how the answers were rated, from the
// database that serve writes.
func cmdReport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, kdir := newFlags("report", stderr)
	cfgPath := fs.String("config", "", "configuration file, for store.path and knowledge.dir (default: built-in defaults)")
	dbPath := fs.String("db", "", "database file, overriding store.path (default radbot.db)")
	sinceFlag := fs.String("since", defaultReportSince, `period to cover, ending now: "30d", "12h", "90m"; "all" for everything`)
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	asCSV := fs.Bool("csv", false, "print CSV (one table, a section column) instead of text")
	htmlPath := fs.String("html", "", "write the report as one self-contained web page with charts to `FILE` (\"-\": standard output)")
	top := fs.Int("top", 20, "how many unanswered questions to list")
	digest := fs.Bool("digest", false, "print the weekly digest that serve posts (report.digest): the last 7 days, in Markdown")
	if err := parseCmdFlags(fs, args); err != nil {
		return err
	}
	if n := countTrue(*asJSON, *asCSV, *htmlPath != "", *digest); n > 1 {
		fmt.Fprintln(stderr, "radbot report: choose one of --json, --csv, --html and --digest")
		return exitError{2}
	}
	if *digest && flagSet(fs, "since", "top") {
		fmt.Fprintln(stderr, "radbot report: --digest always covers the last 7 days and lists the top few; --since and --top do not apply")
		return exitError{2}
	}
	since, err := parseSince(*sinceFlag, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "radbot report: --since: %v\n", err)
		return exitError{2}
	}
	cfg, err := readConfig(*cfgPath, func(c *Config) {
		if *kdir != "" {
			c.Knowledge.Dir = *kdir
		}
		if *dbPath != "" {
			c.Store.Path = *dbPath
		}
	})
	if err != nil {
		return err
	}
	base, err := loadKnowledge(cfg.Knowledge.Dir)
	if err != nil {
		// The report is still useful without titles.
		fmt.Fprintf(stderr, "radbot report: warning: the knowledge did not load, so entry titles are missing: %v\n", err)
		base = nil
	}
	if *dbPath != "" {
		cfg.Store.Driver = "sqlite"
	}
	store, err := openStore(ctx, cfg.Store, os.Getenv, slog.New(slog.DiscardHandler), true)
	if err != nil {
		return err
	}
	defer store.Close()
	if *digest {
		return printDigest(ctx, stdout, store, base, cfg.Report.Digest, time.Now())
	}
	rep, err := store.Report(ctx, sqlite.ReportOptions{Since: since, Normalize: bot.Normalize, TopQuestions: *top})
	if err != nil {
		return fmt.Errorf("reading the report from %s: %w", cfg.Store.name(), err)
	}
	v := newReportView(rep, base, since, time.Now(), cfg.Store.name(), *sinceFlag)
	switch {
	case *asJSON:
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case *asCSV:
		return v.writeCSV(stdout)
	case *htmlPath == "-":
		return v.writeHTML(stdout)
	case *htmlPath != "":
		return writeFileAtomic(*htmlPath, v.writeHTML)
	default:
		return v.writeText(stdout)
	}
}

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// writeFileAtomic writes a file through write, readable by its owner only (it holds what people asked),
// replacing it only once it is complete.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// parseSince turns "30d", a Go duration ("12h", "90m") or "all" into the start of the period.
// "all" gives the zero time.
func parseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "all" || s == "0" {
		return time.Time{}, nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > maxRetentionDays {
			return time.Time{}, fmt.Errorf("%q is not a number of days from 1 to %d (use e.g. 30d, or all)", s, maxRetentionDays)
		}
		return now.AddDate(0, 0, -n), nil // date arithmetic: no Duration to overflow
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d <= 0 {
			return time.Time{}, fmt.Errorf("%q is not a period (use e.g. 30d, 12h or all)", s)
		}
	}
	return now.Add(-d), nil
}

// reportView is the report as printed: the store's figures with entry titles from the knowledge.
type reportView struct {
	Database         string           `json:"database"`
	Period           string           `json:"period"`          // as given to --since
	Since            *time.Time       `json:"since,omitempty"` // nil: everything
	Until            time.Time        `json:"until"`
	KnowledgeVersion string           `json:"knowledge_version,omitempty"`
	KnowledgeEntries int              `json:"knowledge_entries"`
	Entries          []entryView      `json:"entries"`
	NeverGiven       []entryRefView   `json:"never_given"`
	Unanswered       []unansweredView `json:"unanswered"`
	ByNearest        []nearestView    `json:"unanswered_by_nearest"`
	Weeks            []weekView       `json:"weeks"`
	Totals           sqlite.Totals    `json:"totals"`
}

// weekView is one week's questions by status.
type weekView struct {
	Start    time.Time        `json:"start"`
	Total    int64            `json:"total"`
	ByStatus map[string]int64 `json:"by_status"`
}

// nearestView is the unanswered questions whose nearest entry was one entry.
type nearestView struct {
	NearestID    string           `json:"nearest_id"`
	NearestTitle string           `json:"nearest_title"`
	NearestFile  string           `json:"nearest_file,omitempty"`
	Count        int              `json:"count"`
	Questions    []unansweredView `json:"questions"`
}

type entryView struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	File         string   `json:"-"`
	Given        int64    `json:"given"`
	Helpful      int64    `json:"helpful"`
	NotHelpful   int64    `json:"not_helpful"`
	HelpfulShare *float64 `json:"helpful_share"`
	Comments     []string `json:"comments"`
}

type entryRefView struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type unansweredView struct {
	Question     string     `json:"question"`
	Count        int        `json:"count"`
	Status       bot.Status `json:"status"`
	NearestID    string     `json:"nearest_id"`
	NearestTitle string     `json:"nearest_title"`
	NearestFile  string     `json:"nearest_file,omitempty"`
}

// newReportView adds titles to the store's report. base may be nil.
func newReportView(r *sqlite.Report, base *knowledge.Base, since, now time.Time, db, period string) *reportView {
	v := &reportView{Database: db, Period: period, Until: now.UTC().Truncate(time.Second), Totals: r.Totals,
		Entries: []entryView{}, NeverGiven: []entryRefView{}, Unanswered: []unansweredView{}}
	if !since.IsZero() {
		s := since.UTC().Truncate(time.Second)
		v.Since = &s
	}
	if base != nil {
		v.KnowledgeVersion = base.Version
		v.KnowledgeEntries = len(base.Entries)
	}
	given := map[string]bool{}
	for _, e := range r.Entries {
		given[e.ID] = true
		comments := e.Comments
		if comments == nil {
			comments = []string{}
		}
		ev := entryView{ID: e.ID, Title: entryTitle(base, e.ID), Given: e.Given,
			Helpful: e.Helpful, NotHelpful: e.NotHelpful, HelpfulShare: e.HelpfulShare, Comments: comments}
		if ke := base.Entry(e.ID); ke != nil {
			ev.File = ke.File
		}
		v.Entries = append(v.Entries, ev)
	}
	if base != nil {
		for _, e := range base.Entries {
			if !given[e.ID] {
				v.NeverGiven = append(v.NeverGiven, entryRefView{ID: e.ID, Title: e.Title})
			}
		}
	}
	for _, q := range r.Unanswered {
		v.Unanswered = append(v.Unanswered, newUnansweredView(q, base))
	}
	v.ByNearest = []nearestView{}
	for _, g := range r.ByNearest {
		n := nearestView{NearestID: g.NearestID, Count: g.Count, Questions: []unansweredView{}}
		if g.NearestID != "" {
			n.NearestTitle = entryTitle(base, g.NearestID)
			if e := base.Entry(g.NearestID); e != nil {
				n.NearestFile = e.File
			}
		}
		for _, q := range g.Questions {
			n.Questions = append(n.Questions, newUnansweredView(q, base))
		}
		v.ByNearest = append(v.ByNearest, n)
	}
	v.Weeks = []weekView{}
	for _, w := range r.Weeks {
		wv := weekView{Start: w.Start, ByStatus: map[string]int64{}}
		for s, n := range w.ByStatus {
			wv.ByStatus[string(s)] = n
			wv.Total += n
		}
		v.Weeks = append(v.Weeks, wv)
	}
	return v
}

func newUnansweredView(q sqlite.QuestionGroup, base *knowledge.Base) unansweredView {
	u := unansweredView{Question: q.Text, Count: q.Count, Status: q.Status, NearestID: q.NearestID}
	if q.NearestID != "" {
		u.NearestTitle = entryTitle(base, q.NearestID)
		if e := base.Entry(q.NearestID); e != nil {
			u.NearestFile = e.File
		}
	}
	return u
}

// entryTitle is the entry's title, or a note that it is gone from the knowledge.
func entryTitle(base *knowledge.Base, id string) string {
	if base == nil {
		return ""
	}
	if e := base.Entry(id); e != nil {
		return e.Title
	}
	return "(no longer in the knowledge)"
}

func (v *reportView) periodText() string {
	if v.Since == nil {
		return "everything stored, up to " + v.Until.Format("2 Jan 2006 15:04") + " UTC"
	}
	return v.Since.Format("2 Jan 2006 15:04") + " to " + v.Until.Format("2 Jan 2006 15:04") + " UTC (--since " + v.Period + ")"
}

// writeText prints the report for people: a careers adviser or a maintainer of the knowledge.
func (v *reportView) writeText(w io.Writer) error {
	ew := &errWriter{w: w}
	p := func(format string, args ...any) { fmt.Fprintf(ew, format, args...) }
	p("RadBot report\n")
	p("Period:    %s\n", v.periodText())
	p("Database:  %s\n", v.Database)
	if v.KnowledgeVersion != "" {
		p("Knowledge: version %s\n", v.KnowledgeVersion)
	}

	p("\n1. How the answers were rated, worst first\n")
	p("   What to do: read the answers at the top and the comments under them, then improve those\n")
	p("   answers in the knowledge files (check facts, add what people said was missing).\n\n")
	if len(v.Entries) == 0 {
		p("   No answers were given in this period.\n")
	} else {
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "   Answer\tGiven\tHelpful\tNot helpful\tHelpful share\n")
		for _, e := range v.Entries {
			fmt.Fprintf(tw, "   %s\t%d\t%d\t%d\t%s\n", entryLabel(e.ID, e.Title), e.Given, e.Helpful, e.NotHelpful, shareText(e.HelpfulShare))
		}
		tw.Flush()
		for _, e := range v.Entries {
			if len(e.Comments) == 0 {
				continue
			}
			p("\n   Comments on %s:\n", entryLabel(e.ID, e.Title))
			for _, c := range e.Comments {
				p("     - “%s”\n", clip(c, 300))
			}
		}
	}
	if len(v.NeverGiven) > 0 {
		p("\n   %d of the %d entries were never given in this period", len(v.NeverGiven), v.KnowledgeEntries)
		if len(v.NeverGiven) <= 10 {
			ids := make([]string, len(v.NeverGiven))
			for i, e := range v.NeverGiven {
				ids[i] = e.ID
			}
			p(": %s", strings.Join(ids, ", "))
		}
		p(".\n   (radbot report --json lists them.) If people ask about these topics, their questions may be\n")
		p("   worded differently: see section 2.\n")
	}

	p("\n2. Questions the bot could not answer, most asked first\n")
	p("   What to do: if the nearest answer is right, add the question to that entry's \"questions:\"\n")
	p("   list in its knowledge file; if no answer fits, write a new entry. \"unsure\" means the bot\n")
	p("   asked the person to choose between answers; \"no answer\" means it had nothing close.\n\n")
	if len(v.Unanswered) == 0 {
		p("   None in this period.\n")
	} else {
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "   Asked\tBot said\tQuestion\tNearest answer\n")
		for _, u := range v.Unanswered {
			near := "none"
			if u.NearestID != "" {
				near = entryLabel(u.NearestID, u.NearestTitle)
				if u.NearestFile != "" {
					near += " in " + u.NearestFile
				}
			}
			fmt.Fprintf(tw, "   %d\t%s\t“%s”\t%s\n", u.Count, statusWords(u.Status), clip(u.Question, 70), near)
		}
		tw.Flush()
	}

	p("\n3. Totals\n")
	p("   What to do: nothing; this shows how much the bot is used, where, and how it replied.\n\n")
	p("   Questions stored: %d   Votes: %d\n", v.Totals.Interactions, v.Totals.Votes)
	p("   By platform: %s\n", countsText(v.Totals.ByPlatform, nil))
	byStatus := map[string]int64{}
	for s, n := range v.Totals.ByStatus {
		byStatus[statusWords(s)] += n
	}
	p("   By reply:    %s\n", countsText(byStatus, statusOrder))
	return ew.err
}

// statusOrder lists the reply kinds in the order a reader expects them.
var statusOrder = []string{"answered", "unsure", "did you mean", "no answer", "refused (personal medical)", "small talk", "limited"}

// statusWords says a status in words for the text report.
func statusWords(s bot.Status) string {
	switch s {
	case bot.StatusClarify:
		return "unsure"
	case bot.StatusSuggest:
		return "did you mean"
	case bot.StatusFallback:
		return "no answer"
	case bot.StatusRefused:
		return "refused (personal medical)"
	case bot.StatusSmalltalk:
		return "small talk"
	default:
		return string(s)
	}
}

func entryLabel(id, title string) string {
	if title == "" {
		return id
	}
	return id + " (" + clip(title, 50) + ")"
}

func shareText(share *float64) string {
	if share == nil {
		return "no votes"
	}
	return fmt.Sprintf("%.0f%%", *share*100)
}

// countsText prints "a 3, b 2" with the keys in order (known order first, then by count).
func countsText(m map[string]int64, order []string) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		if i := slices.Index(order, k); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		if m[a] != m[b] {
			if m[a] > m[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// clip makes user text safe for a terminal (no control characters or line breaks) and at most n runes.
func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// writeCSV prints the report as one table with a section column, for a spreadsheet.
func (v *reportView) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"section", "id", "title", "question", "status", "count", "helpful", "not_helpful", "helpful_share", "comments"})
	for _, e := range v.Entries {
		share := ""
		if e.HelpfulShare != nil {
			share = strconv.FormatFloat(*e.HelpfulShare, 'f', 3, 64)
		}
		comments := make([]string, len(e.Comments))
		for i, c := range e.Comments {
			comments[i] = clip(c, 1000)
		}
		cw.Write([]string{"entry", e.ID, e.Title, "", string(bot.StatusAnswered), itoa(e.Given), itoa(e.Helpful),
			itoa(e.NotHelpful), share, cell(strings.Join(comments, " | "))})
	}
	for _, e := range v.NeverGiven {
		cw.Write([]string{"never_given", e.ID, e.Title, "", "", "0", "", "", "", ""})
	}
	for _, u := range v.Unanswered {
		cw.Write([]string{"unanswered", u.NearestID, u.NearestTitle, cell(clip(u.Question, 1000)), string(u.Status),
			strconv.Itoa(u.Count), "", "", "", ""})
	}
	for _, k := range sortedKeys(v.Totals.ByPlatform) {
		cw.Write([]string{"platform", k, "", "", "", itoa(v.Totals.ByPlatform[k]), "", "", "", ""})
	}
	byStatus := map[string]int64{}
	for s, n := range v.Totals.ByStatus {
		byStatus[string(s)] = n
	}
	for _, k := range sortedKeys(byStatus) {
		cw.Write([]string{"status", k, "", "", k, itoa(byStatus[k]), "", "", "", ""})
	}
	cw.Write([]string{"total", "questions", "", "", "", itoa(v.Totals.Interactions), "", "", "", ""})
	cw.Write([]string{"total", "votes", "", "", "", itoa(v.Totals.Votes), "", "", "", ""})
	cw.Flush()
	return cw.Error()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// cell defuses text that a spreadsheet would read as a formula (CSV injection): user-typed questions
// and comments must not run when a maintainer opens the file.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// errWriter remembers the first write error so that printing code can stay linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
