package knowledge

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Content rules that lint enforces on answers and sources, beyond the schema.

// deniedHosts are copies, mirrors and aggregators of other people's documents: a student can't tell who
// published them, and they go stale. Cite the original publisher instead. A host matches itself and its
// subdomains.
var deniedHosts = []string{
	// document-sharing copies
	"docslib.org", "scribd.com", "yumpu.com", "pdfcoffee.com", "studylib.net", "dokumen.pub",
	"documents.pub", "kipdf.com", "coursehero.com", "slideshare.net", "issuu.com", "docplayer.net",
	"pdfslide.net", "vdocuments.net", "vdocuments.mx", "fdocuments.net", "fdocuments.in", "silo.pub",
	"epdf.pub", "1library.net", "readkong.com", "doczz.net", "studocu.com", "manualzz.com",
	// archive and page mirrors
	"web.archive.org", "archive.org", "archive.ph", "archive.today", "archive.is", "salvatore.rest",
	"cloudfront.net", "googleusercontent.com",
	// parliament mirrors (use parliament.uk)
	"parallelparliament.co.uk", "theyworkforyou.com",
	// news aggregators
	"topnews.com", "newsbreak.com", "msn.com", "ground.news", "flipboard.com", "newsnow.co.uk",
}

// checkURL says what is wrong with a link, or "".
func checkURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Sprintf("url %q is not a full web address (it should start with https://)", raw)
	}
	if u.Scheme != "https" {
		return fmt.Sprintf("url %q uses http://; link the https:// address (nearly every site has one)", raw)
	}
	host := strings.ToLower(u.Hostname())
	for _, d := range deniedHosts {
		if host == d || strings.HasSuffix(host, "."+d) {
			return fmt.Sprintf("url %q is on %s, a copy, mirror or aggregator; cite the original publisher's page", raw, d)
		}
	}
	return ""
}

var (
	mdLink = regexp.MustCompile(`\[([^\]]*)\]\(([^)\s]+)\)`)
	// A money figure or a percentage ("£52,656", "29 %", "8.77%", "40 per cent").
	figure = regexp.MustCompile(`£\s?\d|\d\s?%|\d per ?cent\b`)
	year   = regexp.MustCompile(`\b(19|20)\d\d\b`)
)

// checkAnswer applies the content rules to an answer: links like sources, a year beside every £ figure
// and percentage, and (as a warning) a first sentence that answers the title.
func (l *loader) checkAnswer(file string, line int, id, title, answer string) {
	for _, m := range mdLink.FindAllStringSubmatch(answer, -1) {
		if msg := checkURL(m[2]); msg != "" {
			l.add(file, line, id, "answer link %s", msg)
		}
	}
	plain := mdLink.ReplaceAllString(answer, "$1")
	for _, s := range sentences(plain) {
		if figure.MatchString(s) && !year.MatchString(s) {
			l.add(file, line, id, "answer gives a figure with no year in the same sentence: %q; say which year it applies to (e.g. 2025/26)", clip(s, 80))
		}
	}
	if ss := sentences(plain); len(ss) > 0 && !sharesContentWord(ss[0], title) {
		l.warnf(file, line, id, "the answer's first sentence shares no word with the title; start by answering %q", title)
	}
}

// sentences splits Markdown text into sentences: every line (a list item, a heading) stands alone, and
// within a line a sentence ends at '.', '!' or '?' followed by a space.
func sentences(text string) []string {
	var out []string
	for _, ln := range strings.Split(text, "\n") {
		ln = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(ln), "-*#>0123456789. "))
		for ln != "" {
			i := strings.IndexFunc(ln, func(r rune) bool { return r == '.' || r == '!' || r == '?' })
			for i >= 0 && i+1 < len(ln) && ln[i+1] != ' ' {
				j := strings.IndexAny(ln[i+1:], ".!?")
				if j < 0 {
					i = -1
					break
				}
				i += 1 + j
			}
			if i < 0 || i+1 >= len(ln) {
				out = append(out, ln)
				break
			}
			out = append(out, strings.TrimSpace(ln[:i+1]))
			ln = strings.TrimSpace(ln[i+1:])
		}
	}
	return out
}

// titleStop are words that carry no topic, for comparing a first sentence with its title.
var titleStop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the is are was were be been do does did can could should would will
		what whats how who why when where which whom your you yours i im my me we our they them their it its
		of in on at to for from by with about as into and or but not no yes if than then so there this that
		these those have has had get gets much many long any some all more most uk one`) {
		m[w] = true
	}
	return m
}()

// sharesContentWord reports whether two texts share a content word, comparing the first five letters
// so that "training" meets "train" and "radiologist" meets "radiology".
func sharesContentWord(a, b string) bool {
	key := func(w string) string {
		if len(w) > 5 {
			return w[:5]
		}
		return w
	}
	seen := map[string]bool{}
	for _, w := range Words(b) {
		if !titleStop[w] {
			seen[key(w)] = true
		}
	}
	if len(seen) == 0 {
		return true
	}
	for _, w := range Words(a) {
		if !titleStop[w] && seen[key(w)] {
			return true
		}
	}
	return false
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
