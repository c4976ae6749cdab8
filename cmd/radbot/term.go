package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"golang.org/x/term"

	"github.com/radbot/radbot/bot"
)

// maxTermWidth caps the wrapping width on wide terminals: longer lines are hard to read.
const maxTermWidth = 100

// termOutput says how text is drawn for one output: where to wrap and whether to use colour.
type termOutput struct {
	width int  // columns to wrap at
	color bool // ANSI bold and colour
}

// detectTerm looks at w: on a terminal, text wraps at its width (at most maxTermWidth) and takes
// colour unless NO_COLOR is set (https://no-color.org) or TERM is dumb. Anywhere else (a pipe, a file)
// there is no colour, and text wraps at $COLUMNS or 80.
func detectTerm(w io.Writer, getenv func(string) string) termOutput {
	out := termOutput{width: 80}
	if n, err := strconv.Atoi(getenv("COLUMNS")); err == nil && n > 0 {
		out.width = n
	}
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return out
	}
	if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
		out.width = cols
	}
	out.width = min(out.width, maxTermWidth)
	out.color = getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
	return out
}

// isTerminal reports whether r and w are both a terminal: only then does chat edit lines.
func isTerminal(r io.Reader, w io.Writer) bool {
	rf, ok1 := r.(*os.File)
	wf, ok2 := w.(*os.File)
	return ok1 && ok2 && term.IsTerminal(int(rf.Fd())) && term.IsTerminal(int(wf.Fd()))
}

// ANSI styles, each with the code that ends it.
const (
	ansiBold      = "\x1b[1m"
	ansiBoldOff   = "\x1b[22m"
	ansiItalic    = "\x1b[3m"
	ansiItalicOff = "\x1b[23m"
	ansiDim       = "\x1b[2m"
	ansiCyan      = "\x1b[36m"
	ansiColorOff  = "\x1b[39m"
	ansiReset     = "\x1b[0m"
)

var ansiSeq = regexp.MustCompile("\x1b\\[[0-9;]*m")

// visibleWidth is how many columns s takes, leaving out ANSI styles.
func visibleWidth(s string) int { return utf8.RuneCountInString(ansiSeq.ReplaceAllString(s, "")) }

func (t termOutput) style(s, on, off string) string {
	if !t.color || s == "" {
		return s
	}
	return on + s + off
}

func (t termOutput) bold(s string) string { return t.style(s, ansiBold, ansiBoldOff) }
func (t termOutput) dim(s string) string  { return t.style(s, ansiDim, ansiBoldOff) }
func (t termOutput) url(s string) string  { return t.style(s, ansiCyan, ansiColorOff) }

// wrap fills words into lines of at most t.width columns. The first line starts with first, the others
// with rest (a hanging indent); a word longer than a line (a URL) is never broken.
func (t termOutput) wrap(s, first, rest string) string {
	var b strings.Builder
	for p, para := range strings.Split(s, "\n") {
		if p > 0 {
			b.WriteString("\n")
			first = rest
		}
		line, col := first, visibleWidth(first)
		empty := true
		for _, w := range strings.Fields(para) {
			ww := visibleWidth(w)
			if !empty && col+1+ww > t.width {
				b.WriteString(strings.TrimRight(line, " "))
				b.WriteString("\n")
				line, col, empty = rest, visibleWidth(rest), true
			}
			if !empty {
				line += " "
				col++
			}
			line += w
			col += ww
			empty = false
		}
		b.WriteString(strings.TrimRight(line, " "))
	}
	return b.String()
}

// markdown renders an answer's Markdown for the terminal: paragraphs wrapped, bold in bold, lists with
// bullets and hanging indents, and each link as its text followed by its address. It returns the
// rendered text and the addresses it showed, so that a list of sources need not repeat them.
func (t termOutput) markdown(md string) (string, map[string]bool) {
	src := []byte(md)
	doc := goldmark.New().Parser().Parse(text.NewReader(src))
	r := &mdRenderer{t: t, src: src, shown: map[string]bool{}}
	var blocks []string
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		if s := r.block(n, "", ""); s != "" {
			blocks = append(blocks, s)
		}
	}
	return strings.Join(blocks, "\n\n"), r.shown
}

type mdRenderer struct {
	t     termOutput
	src   []byte
	shown map[string]bool
}

// block renders one block node, its first line starting with first and later lines with rest.
func (r *mdRenderer) block(n ast.Node, first, rest string) string {
	switch n := n.(type) {
	case *ast.List:
		var items []string
		num := n.Start
		for it := n.FirstChild(); it != nil; it = it.NextSibling() {
			marker := "• "
			if n.IsOrdered() {
				marker = fmt.Sprintf("%d. ", num)
				num++
			}
			pad := strings.Repeat(" ", visibleWidth(marker))
			items = append(items, r.children(it, rest+"  "+marker, rest+"  "+pad, "\n"))
		}
		s := strings.Join(items, "\n")
		if first != rest && len(s) >= len(rest) {
			s = first + s[len(rest):]
		}
		return s
	case *ast.Heading:
		return r.t.wrap(r.t.bold(r.inline(n)), first, rest)
	case *ast.Paragraph, *ast.TextBlock:
		return r.t.wrap(r.inline(n), first, rest)
	case *ast.Blockquote:
		return r.children(n, first+"│ ", rest+"│ ", "\n\n")
	case *ast.CodeBlock, *ast.FencedCodeBlock:
		var lines []string
		for i := 0; i < n.Lines().Len(); i++ {
			seg := n.Lines().At(i)
			lines = append(lines, rest+"    "+strings.TrimRight(clean(string(seg.Value(r.src))), "\n"))
		}
		return strings.Join(lines, "\n")
	case *ast.ThematicBreak:
		return rest + strings.Repeat("─", min(20, r.t.width))
	case *ast.HTMLBlock:
		var b strings.Builder
		for i := 0; i < n.Lines().Len(); i++ {
			seg := n.Lines().At(i)
			b.Write(seg.Value(r.src))
		}
		return r.t.wrap(clean(b.String()), first, rest)
	default:
		return r.children(n, first, rest, "\n\n")
	}
}

// children renders a container's blocks: the first starts with first, the rest are indented by rest.
func (r *mdRenderer) children(n ast.Node, first, rest, sep string) string {
	var parts []string
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		lead := rest
		if c == n.FirstChild() {
			lead = first
		}
		if s := r.block(c, lead, rest); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, sep)
}

// inline renders the inline content of a block as one string, with "\n" only for hard line breaks.
func (r *mdRenderer) inline(n ast.Node) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		r.inlineNode(&b, c)
	}
	return b.String()
}

func (r *mdRenderer) inlineNode(b *strings.Builder, n ast.Node) {
	switch n := n.(type) {
	case *ast.Text:
		b.WriteString(clean(string(unescape(n.Segment.Value(r.src)))))
		switch {
		case n.HardLineBreak():
			b.WriteString("\n")
		case n.SoftLineBreak():
			b.WriteString(" ")
		}
	case *ast.String:
		b.WriteString(clean(string(n.Value)))
	case *ast.CodeSpan:
		b.WriteString(r.inline(n))
	case *ast.Emphasis:
		inner := r.inline(n)
		if n.Level >= 2 {
			b.WriteString(r.t.bold(inner))
		} else {
			b.WriteString(r.t.style(inner, ansiItalic, ansiItalicOff))
		}
	case *ast.Link:
		r.link(b, r.inline(n), string(n.Destination))
	case *ast.AutoLink:
		u := string(n.URL(r.src))
		r.link(b, u, u)
	case *ast.Image:
		r.link(b, r.inline(n), string(n.Destination))
	case *ast.RawHTML:
		for i := 0; i < n.Segments.Len(); i++ {
			seg := n.Segments.At(i)
			b.WriteString(clean(string(seg.Value(r.src))))
		}
	default:
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			r.inlineNode(b, c)
		}
	}
}

// link writes a link as its text and then its address, once: "BMA (https://www.bma.org.uk)".
func (r *mdRenderer) link(b *strings.Builder, label, dest string) {
	dest = clean(dest)
	r.shown[dest] = true
	plain := ansiSeq.ReplaceAllString(label, "")
	if plain == "" || plain == dest {
		b.WriteString(r.t.url(dest))
		return
	}
	b.WriteString(label + " (" + r.t.url(dest) + ")")
}

func unescape(s []byte) []byte {
	return util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(s)))
}

// clean drops control characters, so that nothing in a knowledge file or a question can move the
// cursor, change colours or retitle the terminal.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return ' '
		case unicode.IsControl(r), r == '\u2028', r == '\u2029':
			return -1
		}
		return r
	}, s)
}

// renderReply shows a reply as a person reads it in a terminal: the title, the answer, the sources
// not already linked in it, the reviewed date, and the related questions numbered to pick with a digit.
func renderReply(r bot.Reply, t termOutput) string {
	var b strings.Builder
	if r.Entry != nil {
		b.WriteString(t.wrap(t.bold(clean(r.Entry.Title)), "", ""))
		b.WriteString("\n\n")
	}
	body, shown := t.markdown(strings.TrimSpace(r.Text))
	b.WriteString(body)
	b.WriteString("\n")
	sources := r.Links
	if r.Entry != nil {
		sources = r.Entry.Sources
	}
	var unshown []string
	for _, s := range sources {
		if !shown[s.URL] {
			unshown = append(unshown, t.wrap(clean(s.Title)+" ("+t.url(clean(s.URL))+")", "  • ", "    "))
		}
	}
	switch {
	case len(unshown) == 0:
	case r.Entry != nil:
		fmt.Fprintf(&b, "\n%s\n%s\n", t.bold(plural(int64(len(unshown)), "Source:", "Sources:")), strings.Join(unshown, "\n"))
	default:
		// The links of a fallback or refusal follow its text, which says what they are.
		fmt.Fprintf(&b, "%s\n", strings.Join(unshown, "\n"))
	}
	if r.Entry != nil && r.Entry.Reviewed != "" {
		if len(unshown) == 0 {
			b.WriteString("\n")
		}
		b.WriteString(t.dim("Reviewed "+r.Entry.Reviewed) + "\n")
	}
	if len(r.Related) > 0 {
		fmt.Fprintf(&b, "\n%s\n", t.bold("You might also ask:"))
		for i, rel := range r.Related {
			b.WriteString(t.wrap(clean(rel.Title), fmt.Sprintf("  %d. ", i+1), "     "))
			b.WriteString("\n")
		}
	}
	return b.String()
}
