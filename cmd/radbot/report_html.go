package main

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"time"
	"unicode/utf8"

	"github.com/radbot/radbot/bot"
)

// The HTML report is one self-contained page: inline CSS, charts drawn as inline SVG by Go, no script,
// and a Content-Security-Policy that lets the page load nothing at all, so it can be mailed, opened
// offline or archived. Every question and comment is user input; html/template escapes it.
//
//go:embed report.html.tmpl
var reportHTML string

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"share": shareText,
	"words": statusWords,
	"f1":    func(f float64) string { return fmt.Sprintf("%.1f", f) },
	"date":  func(t time.Time) string { return t.Format("2 Jan 2006") },
}).Parse(reportHTML))

// chartStatuses are the stored statuses, in the order the weekly chart stacks them, with their colours.
var chartStatuses = []struct {
	status bot.Status
	colour string
}{
	{bot.StatusAnswered, "#2e7d32"},
	{bot.StatusClarify, "#f9a825"},
	{bot.StatusSuggest, "#ffb74d"},
	{bot.StatusFallback, "#c62828"},
	{bot.StatusRefused, "#6a1b9a"},
}

// chart is one SVG chart, laid out in Go: the template only draws it.
type chart struct {
	Label         string // what it shows, for screen readers and the test
	Width, Height int
	Bars          []chartBar
	Texts         []chartText
	Lines         []chartLine
}

type chartBar struct {
	X, Y, W, H float64
	Fill       string
	Count      int64
	Series     string
	Title      string // the tooltip
}

type chartText struct {
	X, Y   float64
	Anchor string // start, middle or end
	Text   string
	Class  string
}

type chartLine struct{ X1, Y1, X2, Y2 float64 }

// legendItem is one colour of a chart's legend.
type legendItem struct {
	Colour template.CSS // one of chartStatuses' constants
	Label  string
}

// htmlReport is what the template shows.
type htmlReport struct {
	*reportView
	Generated    string
	Weekly       *chart
	Legend       []legendItem
	Refusals     *chart
	Nearest      *chart
	Votes        *chart
	VotedEntries []entryView
}

// writeHTML writes the report as one self-contained web page.
func (v *reportView) writeHTML(w io.Writer) error {
	r := htmlReport{reportView: v, Generated: v.Until.Format("2 Jan 2006 15:04 UTC")}
	for _, s := range chartStatuses {
		r.Legend = append(r.Legend, legendItem{template.CSS(s.colour), statusWords(s.status)})
	}
	r.Weekly = weeklyChart(v.Weeks)
	r.Refusals = refusalChart(v.Weeks)
	r.Nearest = nearestChart(v.ByNearest)
	for _, e := range v.Entries {
		if e.Helpful+e.NotHelpful > 0 {
			r.VotedEntries = append(r.VotedEntries, e)
		}
	}
	r.Votes = votesChart(r.VotedEntries)
	return reportTemplate.Execute(w, r)
}

// niceMax rounds a chart's largest value up to 1, 2 or 5 times a power of ten.
func niceMax(v int64) int64 {
	if v <= 2 {
		return 2 // so that the middle tick is a whole number
	}
	p := int64(math.Pow(10, math.Floor(math.Log10(float64(v)))))
	for _, m := range []int64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// maxColumn is the widest a week's column may be, so that a short period is not a wall of colour.
const maxColumn = 72.0

// columns lays out weekly columns: a y axis with its top value, and a label under every few weeks.
func columns(label string, weeks []weekView, total func(weekView) int64) (*chart, float64, float64, float64, float64) {
	const w, h, left, bottom, top = 760, 260, 44, 28, 12
	c := &chart{Label: label, Width: w, Height: h}
	var most int64
	for _, wk := range weeks {
		most = max(most, total(wk))
	}
	ymax := niceMax(most)
	plotH := float64(h - bottom - top)
	slot := min(float64(w-left-8)/float64(len(weeks)), maxColumn)
	for _, f := range []float64{0, 0.5, 1} {
		y := float64(top) + plotH*(1-f)
		c.Lines = append(c.Lines, chartLine{left, y, w - 4, y})
		c.Texts = append(c.Texts, chartText{X: left - 6, Y: y + 4, Anchor: "end", Text: fmt.Sprint(int64(math.Round(f * float64(ymax)))), Class: "axis"})
	}
	every := max(1, int(math.Ceil(float64(len(weeks))/8)))
	for i, wk := range weeks {
		if i%every == 0 {
			c.Texts = append(c.Texts, chartText{X: left + slot*(float64(i)+0.5), Y: h - 8, Anchor: "middle", Text: wk.Start.Format("2 Jan"), Class: "axis"})
		}
	}
	return c, left, float64(top), plotH / float64(ymax), slot
}

// weeklyChart stacks each week's questions by status.
func weeklyChart(weeks []weekView) *chart {
	if len(weeks) == 0 {
		return nil
	}
	c, left, top, perQ, slot := columns("Questions per week by status", weeks, func(w weekView) int64 { return w.Total })
	base := top + perQ*float64(niceMaxOf(weeks))
	for i, wk := range weeks {
		y := base
		for _, s := range chartStatuses {
			n := wk.ByStatus[string(s.status)]
			if n == 0 {
				continue
			}
			bh := perQ * float64(n)
			y -= bh
			c.Bars = append(c.Bars, chartBar{X: left + slot*float64(i) + slot*0.15, Y: y, W: slot * 0.7, H: bh, Fill: s.colour,
				Count: n, Series: string(s.status), Title: fmt.Sprintf("Week of %s: %d %s", wk.Start.Format("2 Jan 2006"), n, statusWords(s.status))})
		}
	}
	return c
}

func niceMaxOf(weeks []weekView) int64 {
	var most int64
	for _, w := range weeks {
		most = max(most, w.Total)
	}
	return niceMax(most)
}

// refusalChart shows the personal medical questions refused each week.
func refusalChart(weeks []weekView) *chart {
	var any int64
	for _, w := range weeks {
		any += w.ByStatus[string(bot.StatusRefused)]
	}
	if any == 0 {
		return nil
	}
	refused := func(w weekView) int64 { return w.ByStatus[string(bot.StatusRefused)] }
	c, left, top, perQ, slot := columns("Refusals per week", weeks, refused)
	var most int64
	for _, w := range weeks {
		most = max(most, refused(w))
	}
	base := top + perQ*float64(niceMax(most))
	for i, wk := range weeks {
		if n := refused(wk); n > 0 {
			bh := perQ * float64(n)
			c.Bars = append(c.Bars, chartBar{X: left + slot*float64(i) + slot*0.15, Y: base - bh, W: slot * 0.7, H: bh, Fill: "#6a1b9a",
				Count: n, Series: "refused", Title: fmt.Sprintf("Week of %s: %d refused", wk.Start.Format("2 Jan 2006"), n)})
		}
	}
	return c
}

// maxChartRows is how many rows a horizontal bar chart shows.
const maxChartRows = 12

// rows lays out a horizontal bar chart: one labelled row per item.
func rows(label string, n int) (*chart, float64) {
	const rowH = 26
	c := &chart{Label: label, Width: 760, Height: 16 + rowH*n}
	return c, rowH
}

// nearestChart shows how many unanswered questions came closest to each entry.
func nearestChart(groups []nearestView) *chart {
	if len(groups) == 0 {
		return nil
	}
	groups = groups[:min(len(groups), maxChartRows)]
	c, rowH := rows("Unanswered questions by nearest entry", len(groups))
	const labelW, barX = 330.0, 340.0
	var most int
	for _, g := range groups {
		most = max(most, g.Count)
	}
	scale := (float64(c.Width) - barX - 50) / float64(most)
	for i, g := range groups {
		y := 8 + rowH*float64(i)
		name := g.NearestTitle
		if g.NearestID == "" {
			name = "(no entry came close)"
		}
		c.Texts = append(c.Texts, chartText{X: labelW, Y: y + 16, Anchor: "end", Text: ellipsis(name, 52)})
		bw := scale * float64(g.Count)
		c.Bars = append(c.Bars, chartBar{X: barX, Y: y + 3, W: bw, H: rowH - 8, Fill: "#c62828", Count: int64(g.Count), Series: "unanswered",
			Title: fmt.Sprintf("%s: %d unanswered", name, g.Count)})
		c.Texts = append(c.Texts, chartText{X: barX + bw + 6, Y: y + 16, Anchor: "start", Text: fmt.Sprint(g.Count), Class: "value"})
	}
	return c
}

// votesChart shows each voted-on entry's not-helpful votes to the left and helpful ones to the right.
func votesChart(entries []entryView) *chart {
	if len(entries) == 0 {
		return nil
	}
	entries = entries[:min(len(entries), maxChartRows)]
	c, rowH := rows("Entries by votes", len(entries))
	const labelW, mid = 330.0, 540.0
	var most int64
	for _, e := range entries {
		most = max(most, e.Helpful, e.NotHelpful)
	}
	scale := (float64(c.Width) - mid - 40) / float64(most)
	c.Lines = append(c.Lines, chartLine{mid, 4, mid, float64(c.Height) - 4})
	for i, e := range entries {
		y := 8 + rowH*float64(i)
		c.Texts = append(c.Texts, chartText{X: labelW, Y: y + 16, Anchor: "end", Text: ellipsis(e.Title, 52)})
		if e.NotHelpful > 0 {
			bw := scale * float64(e.NotHelpful)
			c.Bars = append(c.Bars, chartBar{X: mid - bw, Y: y + 3, W: bw, H: rowH - 8, Fill: "#c62828", Count: e.NotHelpful, Series: "not-helpful",
				Title: fmt.Sprintf("%s: %d not helpful", e.Title, e.NotHelpful)})
		}
		if e.Helpful > 0 {
			bw := scale * float64(e.Helpful)
			c.Bars = append(c.Bars, chartBar{X: mid, Y: y + 3, W: bw, H: rowH - 8, Fill: "#2e7d32", Count: e.Helpful, Series: "helpful",
				Title: fmt.Sprintf("%s: %d helpful", e.Title, e.Helpful)})
		}
		c.Texts = append(c.Texts, chartText{X: float64(c.Width) - 4, Y: y + 16, Anchor: "end", Text: shareText(e.HelpfulShare), Class: "value"})
	}
	return c
}

// ellipsis shortens s to at most n characters.
func ellipsis(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
