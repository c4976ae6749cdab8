package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/sqlite"
	"github.com/radbot/radbot/bot"
)

// Text a person could type that would run or inject markup if the page did not escape it.
const (
	hostileQuestion = `<script>alert("question")</script> how do I become a <b>cardiologist</b>?`
	hostileComment  = `"><img src=x onerror=alert(1)> too vague & wrong`
)

// htmlReportDB writes seedReportDB's database plus questions from earlier weeks, a refusal, and a
// question and a comment that carry markup, and returns its path.
func htmlReportDB(t *testing.T) string {
	t.Helper()
	s := seedReportDB(t)
	ctx := context.Background()
	store, err := sqlite.Open(ctx, s.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	now := time.Now().UTC()
	save := func(status bot.Status, entry, nearest, q string, at time.Time) int64 {
		t.Helper()
		id, err := store.SaveInteraction(ctx, &bot.Interaction{Time: at, Platform: "slack", ConversationHash: "c", UserHash: "u",
			Question: q, Status: status, EntryID: entry, NearestID: nearest})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	for w := 1; w <= 3; w++ {
		at := now.AddDate(0, 0, -7*w)
		save(bot.StatusAnswered, s.good.ID, s.good.ID, "q", at)
		save(bot.StatusRefused, "", "", "[withheld: personal medical question]", at)
	}
	save(bot.StatusFallback, "", s.nearest.ID, hostileQuestion, now.Add(-time.Hour))
	id := save(bot.StatusAnswered, s.bad.ID, s.bad.ID, "q", now.Add(-time.Hour))
	if err := store.SaveVote(ctx, bot.Vote{InteractionID: id, UserHash: "v", Platform: "slack", Comment: hostileComment}); err != nil {
		t.Fatal(err)
	}
	return s.path
}

// writeHTMLReport runs `radbot report --html` and returns the page.
func writeHTMLReport(t *testing.T) (string, string) {
	t.Helper()
	db := htmlReportDB(t)
	page := filepath.Join(t.TempDir(), "report.html")
	code, out, errOut := runRadbot(t, "", "report", "--db", db, "--html", page)
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("report --html = %d, stdout %q, stderr %q", code, out, errOut)
	}
	data, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(page); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the page holds what people asked, so only its owner may read it: %v %v", info.Mode(), err)
	}
	return page, string(data)
}

var (
	chartTag = regexp.MustCompile(`<svg class="chart"[^>]*aria-label="([^"]+)"[^>]*data-bars="(\d+)"`)
	barTag   = regexp.MustCompile(`<rect class="bar"[^>]*height="([0-9.]+)"[^>]*data-count="(\d+)"`)
)

// checkCharts checks that a page (as written, or as the browser's DOM) has the four charts, each with
// bars of some height.
func checkCharts(t *testing.T, page string) {
	t.Helper()
	charts := map[string]int{}
	for _, m := range chartTag.FindAllStringSubmatch(page, -1) {
		n, _ := strconv.Atoi(m[2])
		charts[m[1]] = n
	}
	for _, name := range []string{"Questions per week by status", "Entries by votes", "Unanswered questions by nearest entry", "Refusals per week"} {
		if charts[name] == 0 {
			t.Errorf("chart %q has no bars (charts: %v)", name, charts)
		}
	}
	bars := barTag.FindAllStringSubmatch(page, -1)
	if len(bars) == 0 {
		t.Fatal("no bars on the page")
	}
	for _, b := range bars {
		if h, _ := strconv.ParseFloat(b[1], 64); h <= 0 || b[2] == "0" {
			t.Errorf("a bar of height %s for count %s", b[1], b[2])
		}
	}
}

// TestReportHTML: one self-contained page (nothing to load: no script, stylesheet, image or font
// from anywhere, and a policy that forbids them), the four charts with data, the tables, and every
// question and comment escaped.
func TestReportHTML(t *testing.T) {
	t.Parallel()
	_, page := writeHTMLReport(t)
	checkCharts(t, page)
	if !strings.Contains(page, `<meta http-equiv="Content-Security-Policy" content="default-src 'none';`) {
		t.Error("no Content-Security-Policy that forbids loading anything")
	}
	for _, banned := range []string{"<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", "url("} {
		if strings.Contains(page, banned) {
			t.Errorf("the page contains %q: it must not load or run anything", banned)
		}
	}
	if tag := regexp.MustCompile(`<[a-zA-Z][^>]*\s(src|srcset|poster|data|href)\s*=\s*["']?[a-z]+:`).FindString(page); tag != "" && !strings.HasPrefix(tag, "<a ") && !strings.HasPrefix(tag, "<svg") {
		t.Errorf("a tag that loads something: %s", tag)
	}
	for _, want := range []string{
		"&lt;script&gt;alert(&#34;question&#34;)&lt;/script&gt; how do I become a &lt;b&gt;cardiologist&lt;/b&gt;?",
		"&#34;&gt;&lt;img src=x onerror=alert(1)&gt; too vague &amp; wrong",
		"How the answers were rated, worst first", "Questions the bot could not answer", "Totals",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// --html - writes to standard output, and the formats exclude each other.
	db := htmlReportDB(t)
	if code, out, _ := runRadbot(t, "", "report", "--db", db, "--html", "-"); code != 0 || !strings.HasPrefix(out, "<!DOCTYPE html>") {
		t.Errorf("report --html - = %d, %.40q", code, out)
	}
	if code, _, errOut := runRadbot(t, "", "report", "--db", db, "--html", "-", "--json"); code != 2 || !strings.Contains(errOut, "choose one of") {
		t.Errorf("--html with --json = %d, %q", code, errOut)
	}
}

// chromiumFlags run Debian's chromium headless with nothing that reaches the network by itself.
var chromiumFlags = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
	"--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr", "--v=0"}

// chromium returns the browser to test with. Without one the test fails, unless
// RADBOT_REQUIRE_CHROMIUM is unset, as on a developer's machine with only Go: .ci/run installs Debian's
// chromium and sets RADBOT_REQUIRE_CHROMIUM=1, so there the browser test always runs.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("RADBOT_REQUIRE_CHROMIUM") != "" {
		t.Fatal("RADBOT_REQUIRE_CHROMIUM is set but chromium is not installed (apt-get install chromium)")
	}
	t.Skip("chromium is not installed; install it (apt-get install chromium) or set RADBOT_REQUIRE_CHROMIUM=1 to make this test fail without it")
	return ""
}

// renderInChromium loads a page in headless chromium and returns the DOM it built and its log.
func renderInChromium(t *testing.T, browser, page string) (dom, log string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append(append([]string{}, chromiumFlags...), "--user-data-dir="+t.TempDir(), "--dump-dom", "file://"+page)
	cmd := exec.CommandContext(ctx, browser, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	return string(out), stderr.String()
}

// consoleLines are what the page logged to the browser console: script errors and content policy
// violations (something it tried to load) included.
func consoleLines(log string) []string {
	var lines []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, ":CONSOLE") {
			lines = append(lines, l)
		}
	}
	return lines
}

// TestReportHTMLInChromium renders the report in a real browser: the page loads, the charts are in
// the DOM with their bars, and the console is silent. A page that does load something or run a
// script is caught by the same check.
func TestReportHTMLInChromium(t *testing.T) {
	t.Parallel()
	browser := chromium(t)
	path, page := writeHTMLReport(t)
	dom, log := renderInChromium(t, browser, path)
	if !strings.Contains(dom, "<h1>RadBot report</h1>") {
		t.Fatalf("chromium did not render the page:\n%.500s\n%s", dom, log)
	}
	checkCharts(t, dom)
	if got, want := len(barTag.FindAllString(dom, -1)), len(barTag.FindAllString(page, -1)); got != want {
		t.Errorf("the browser's DOM has %d bars, the page %d", got, want)
	}
	if strings.Contains(dom, "<img src=\"x\"") || strings.Contains(dom, "<script>alert") {
		t.Error("user text became markup in the browser")
	}
	if lines := consoleLines(log); len(lines) > 0 {
		t.Errorf("console messages:\n%s", strings.Join(lines, "\n"))
	}

	// The check itself: the same page with an image from the network and a script is caught.
	bad := filepath.Join(t.TempDir(), "bad.html")
	tampered := strings.Replace(page, "</body>", `<img src="https://example.org/x.png"><script>console.error("boom")</script></body>`, 1)
	if err := os.WriteFile(bad, []byte(tampered), 0o600); err != nil {
		t.Fatal(err)
	}
	_, log = renderInChromium(t, browser, bad)
	if lines := consoleLines(log); len(lines) < 2 {
		t.Errorf("a page that loads an image and runs a script logged %d console lines, want 2 (blocked):\n%s", len(lines), log)
	}
}
