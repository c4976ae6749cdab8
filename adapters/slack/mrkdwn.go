package slack

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape replaces &, < and > with the HTML entities Slack expects. Escaped text can never form a
// link, a user mention or a <!channel>, <!here> or <!everyone> ping.
func Escape(s string) string { return escaper.Replace(s) }

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Mrkdwn converts the Markdown that knowledge answers are written in to Slack mrkdwn. It escapes &, <
// and > first, so whatever the input holds it cannot mention or ping anyone; the only <…> sequences
// in the result are links it builds from [text](url) with an http, https or mailto URL.
//
//   - **bold** and __bold__ become *bold*; *italic* becomes _italic_; ~~struck~~ becomes ~struck~
//   - "- ", "* " and "+ " list items become "• " (indentation is kept)
//   - "# Heading" lines become bold lines
//   - [text](url) becomes <url|text>; <https://…> autolinks are kept
//   - `code` spans and ``` fenced blocks are escaped but otherwise left alone
//   - "> " quotes stay quotes
func Mrkdwn(md string) string {
	md = strings.ReplaceAll(md, "\r\n", "\n")
	lines := joinSoftBreaks(strings.Split(md, "\n"))
	inFence := false
	for i, line := range lines {
		if isFence(line) {
			inFence = !inFence
			lines[i] = Escape(line)
			continue
		}
		if inFence {
			lines[i] = Escape(line)
			continue
		}
		lines[i] = mrkdwnLine(line)
	}
	return strings.Join(lines, "\n")
}

func isFence(line string) bool { return strings.HasPrefix(strings.TrimSpace(line), "```") }

var orderedItemRE = regexp.MustCompile(`^\d{1,3}[.)]\s`)

// joinSoftBreaks joins the lines of a Markdown paragraph or list item, which Markdown shows as one
// line but Slack would break where the source was wrapped. A list item takes only indented
// continuation lines: an unindented line after a list starts a new line, as the writer meant. A line
// ending in two spaces or a backslash (a Markdown hard break) keeps its break.
func joinSoftBreaks(lines []string) []string {
	out := make([]string, 0, len(lines))
	const (
		none = iota
		paragraph
		item
	)
	inFence, joinable, hardBreak := false, none, false
	for _, line := range lines {
		rest := strings.TrimSpace(line)
		if isFence(line) {
			inFence = !inFence
			out = append(out, line)
			joinable = none
			continue
		}
		if inFence {
			out = append(out, line)
			continue
		}
		plainText := rest != "" && !(strings.HasPrefix(rest, "#") && headingRE.MatchString(rest)) && !isListItem(rest) && !isRule(rest) &&
			!strings.HasPrefix(rest, ">") && !strings.HasPrefix(rest, "|")
		indented := strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")
		if plainText && !hardBreak && (joinable == paragraph || joinable == item && indented) {
			out[len(out)-1] += " " + rest
		} else {
			out = append(out, strings.TrimRight(line, " \t"))
		}
		hardBreak = strings.HasSuffix(line, "  ") || strings.HasSuffix(line, "\\")
		if hardBreak {
			last := strings.TrimRight(out[len(out)-1], " \t")
			out[len(out)-1] = strings.TrimSuffix(last, "\\")
		}
		switch {
		case isListItem(rest):
			joinable = item
		case plainText && joinable == item && indented:
			// still the item
		case plainText:
			joinable = paragraph
		default:
			joinable = none
		}
	}
	return out
}

func isListItem(rest string) bool {
	return (len(rest) >= 2 && strings.ContainsRune("-*+", rune(rest[0])) && rest[1] == ' ' && !isRule(rest)) ||
		orderedItemRE.MatchString(rest)
}

var headingRE = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)

// mrkdwnLine converts one line outside a code fence.
func mrkdwnLine(line string) string {
	rest := strings.TrimLeft(line, " \t")
	indent := line[:len(line)-len(rest)]
	switch {
	case strings.HasPrefix(rest, "#") && headingRE.MatchString(rest):
		title := headingRE.FindStringSubmatch(rest)[1]
		title = strings.NewReplacer("**", "", "__", "").Replace(title)
		if strings.TrimSpace(title) == "" {
			return ""
		}
		return indent + "*" + inline(title) + "*"
	case isListItem(rest) && !orderedItemRE.MatchString(rest):
		return indent + "• " + inline(strings.TrimLeft(rest[2:], " "))
	case strings.HasPrefix(rest, ">"):
		return indent + "> " + inline(strings.TrimPrefix(strings.TrimPrefix(rest, ">"), " "))
	case isRule(rest):
		return indent + "───"
	}
	return indent + inline(rest)
}

// isRule reports a Markdown horizontal rule such as "---" or "* * *".
func isRule(s string) bool {
	t := strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if len(t) < 3 {
		return false
	}
	return strings.Count(t, "-") == len(t) || strings.Count(t, "*") == len(t) || strings.Count(t, "_") == len(t)
}

// inline converts the inline Markdown of one line, leaving `code` spans escaped but unformatted.
func inline(s string) string {
	if strings.Count(s, "`")%2 != 0 {
		return formatText(s)
	}
	parts := strings.Split(s, "`")
	for i := range parts {
		if i%2 == 1 {
			parts[i] = Escape(parts[i])
		} else {
			parts[i] = formatText(parts[i])
		}
	}
	return strings.Join(parts, "`")
}

var (
	mdLinkRE   = regexp.MustCompile(`\[([^\]]+)\]\(\s*([^)\s]+)\s*\)`)
	autoLinkRE = regexp.MustCompile(`&lt;((?:https?://|mailto:)[^\s]+?)&gt;`)
	boldRE     = regexp.MustCompile(`\*\*(\S(?:.*?\S)?)\*\*`)
	boldUndRE  = regexp.MustCompile(`__(\S(?:.*?\S)?)__`)
	strikeRE   = regexp.MustCompile(`~~(\S(?:.*?\S)?)~~`)
)

const (
	boldMark = "\x01" // stands for a bold asterisk while single asterisks are converted
	linkMark = "\x02" // brackets a placeholder for a finished link
)

// formatText escapes s and converts links and emphasis.
func formatText(s string) string {
	// Control characters used as placeholders must not come from the input.
	s = strings.Map(func(r rune) rune {
		if r == '\x01' || r == '\x02' {
			return -1
		}
		return r
	}, s)
	s = Escape(s)

	var links []string
	keep := func(link string) string {
		links = append(links, link)
		return linkMark + strconv.Itoa(len(links)-1) + linkMark
	}
	if strings.Contains(s, "](") {
		s = mdLinkRE.ReplaceAllStringFunc(s, func(m string) string {
			sub := mdLinkRE.FindStringSubmatch(m)
			label, target := sub[1], sub[2]
			if !safeURL(target) {
				return m
			}
			return keep(linkTo(target, label))
		})
	}
	if strings.Contains(s, "&lt;") {
		s = autoLinkRE.ReplaceAllStringFunc(s, func(m string) string {
			target := autoLinkRE.FindStringSubmatch(m)[1]
			return keep("<" + linkTarget(target) + ">")
		})
	}
	if strings.Contains(s, "**") {
		s = boldRE.ReplaceAllString(s, boldMark+"$1"+boldMark)
	}
	if strings.Contains(s, "__") {
		s = boldUndRE.ReplaceAllString(s, boldMark+"$1"+boldMark)
	}
	if strings.Contains(s, "~~") {
		s = strikeRE.ReplaceAllString(s, "~$1~")
	}
	s = italics(s)
	s = strings.ReplaceAll(s, boldMark, "*")

	if len(links) > 0 {
		var b strings.Builder
		for {
			i := strings.Index(s, linkMark)
			if i < 0 {
				break
			}
			j := strings.Index(s[i+1:], linkMark)
			if j < 0 {
				break
			}
			b.WriteString(s[:i])
			n, err := strconv.Atoi(s[i+1 : i+1+j])
			if err == nil && n >= 0 && n < len(links) {
				b.WriteString(links[n])
			}
			s = s[i+1+j+1:]
		}
		b.WriteString(s)
		s = b.String()
	}
	return s
}

// italics turns Markdown *italic* into Slack _italic_: an asterisk that opens (not after a letter or
// digit, not before a space) and one that closes (not after a space, not before a letter or digit).
func italics(s string) string {
	if !strings.Contains(s, "*") {
		return s
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if rs[i] != '*' {
			continue
		}
		if i > 0 && (isWord(rs[i-1]) || rs[i-1] == '*') {
			continue
		}
		if i+1 >= len(rs) || unicode.IsSpace(rs[i+1]) || rs[i+1] == '*' {
			continue
		}
		for j := i + 2; j < len(rs); j++ {
			if rs[j] != '*' {
				continue
			}
			if unicode.IsSpace(rs[j-1]) || (j+1 < len(rs) && (isWord(rs[j+1]) || rs[j+1] == '*')) {
				continue
			}
			rs[i], rs[j] = '_', '_'
			i = j
			break
		}
	}
	return string(rs)
}

func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// safeURL reports whether u may become a link: http, https or mailto only, never a Slack control
// sequence such as "!channel" or "@U123".
func safeURL(u string) bool {
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "mailto:")
}

// linkTarget makes an already escaped URL safe inside <…|…>: a | would end the URL early.
func linkTarget(u string) string {
	return strings.NewReplacer("|", "%7C", " ", "%20").Replace(u)
}

// linkTo builds <url|label> from an escaped URL and an escaped label.
func linkTo(escapedURL, escapedLabel string) string {
	label := strings.ReplaceAll(escapedLabel, "|", "¦")
	if strings.TrimSpace(label) == "" {
		return "<" + linkTarget(escapedURL) + ">"
	}
	return "<" + linkTarget(escapedURL) + "|" + label + ">"
}

// Link builds a Slack link from a raw URL and a raw title; a URL that is not http, https or mailto
// gives the escaped title alone.
func Link(rawURL, title string) string {
	rawURL = strings.TrimSpace(rawURL)
	if title == "" {
		title = rawURL
	}
	if !safeURL(rawURL) {
		return Escape(title)
	}
	return linkTo(Escape(rawURL), Escape(title))
}

// truncateRunes shortens plain text to at most max runes, ending with "…" when it cut.
func truncateRunes(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	rs := []rune(s)
	return strings.TrimRightFunc(string(rs[:max-1]), unicode.IsSpace) + "…"
}

// splitMrkdwn splits mrkdwn into pieces of at most max runes, preferring paragraph, then line, then
// word boundaries, and never cutting inside a <…> link or an &…; entity.
func splitMrkdwn(s string, max int) []string {
	var out []string
	for {
		end, n := 0, 0
		for end < len(s) && n < max {
			_, size := utf8.DecodeRuneInString(s[end:])
			end += size
			n++
		}
		if end >= len(s) {
			break
		}
		cut := safeCut(s[:end])
		if cut <= 0 {
			cut = end
		}
		if piece := strings.TrimRight(s[:cut], " \n"); piece != "" {
			out = append(out, piece)
		}
		s = strings.TrimLeft(s[cut:], " \n")
	}
	if strings.TrimSpace(s) != "" {
		out = append(out, s)
	}
	return out
}

// safeCut returns a byte offset in head at which to end a piece.
func safeCut(head string) int {
	cut := len(head)
	min := len(head) / 2
	for _, sep := range []string{"\n\n", "\n", " "} {
		if i := strings.LastIndex(head, sep); i > min {
			cut = i
			break
		}
	}
	part := head[:cut]
	if lt := strings.LastIndex(part, "<"); lt >= 0 && lt > strings.LastIndex(part, ">") && lt > 0 {
		cut = lt
		part = head[:cut]
	}
	if amp := strings.LastIndex(part, "&"); amp >= 0 && amp > strings.LastIndex(part, ";") && amp > 0 {
		cut = amp
	}
	return cut
}

// Plain turns text as Slack delivers it (mentions as <@U…>, links as <url|label>, &amp; entities)
// into plain text for the bot: user mentions (the bot's own included) and broadcast references are
// dropped, channel references and links become their label, and entities are decoded.
func Plain(text string) string {
	text = slackRefRE.ReplaceAllStringFunc(text, func(m string) string {
		ref := m[1 : len(m)-1]
		body, label, hasLabel := strings.Cut(ref, "|")
		switch {
		case strings.HasPrefix(body, "@"):
			return " "
		case strings.HasPrefix(body, "#"):
			if hasLabel {
				return "#" + label
			}
			return " "
		case strings.HasPrefix(body, "!"):
			if hasLabel && !strings.HasPrefix(label, "@") {
				return label
			}
			return " "
		case hasLabel:
			return label
		default:
			return body
		}
	})
	text = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(text)
	return strings.Join(strings.Fields(text), " ")
}

var slackRefRE = regexp.MustCompile(`<[^<>\n]*>`)
