package knowledge

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// syntaxError returns the line at fault and the message of a YAML syntax error.
//
// yaml.v3 has no typed syntax error: the line is only in its message, and it is often the line where
// the enclosing block starts (the entry's "- id:"), dozens of lines before the mistake. The line at
// fault is the first line at which the file, cut there, fails to parse with the same error. Cutting a
// block-style file at a line break is otherwise harmless, so a binary search finds that line in a
// dozen parses, whatever the size of the file.
func syntaxError(data []byte, err error) (int, string) {
	full := err.Error()
	reported := 0
	if m := yamlLineErr.FindStringSubmatch(full); m != nil {
		reported, _ = strconv.Atoi(m[1])
	}
	msg := strings.TrimPrefix(full, "yaml: ")
	msg = yamlLineErr.ReplaceAllString(msg, "")
	msg = strings.TrimLeft(msg, ": ")

	lines := bytes.SplitAfter(data, []byte("\n"))
	if n := len(lines); n > 0 && len(lines[n-1]) == 0 {
		lines = lines[:n-1]
	}
	fails := func(k int) bool {
		var doc yaml.Node
		e := yaml.Unmarshal(bytes.Join(lines[:k], nil), &doc)
		return e != nil && e.Error() == full
	}
	// The reported line is never after the mistake; scanner errors may report one line early.
	lo, hi := max(reported-1, 1), len(lines)
	if lo > hi || !fails(hi) {
		return reported, msg
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return hi, msg
}

// syntaxHint says what most likely went wrong, from the YAML message and the line at fault.
func syntaxHint(msg, line string) string {
	trimmed := strings.TrimSpace(line)
	switch {
	case strings.Contains(msg, "tab character") || strings.HasPrefix(strings.TrimLeft(line, " "), "\t"):
		return " (indent with spaces, never tabs)"
	case strings.Contains(msg, "mapping values are not allowed"):
		if key, value, ok := strings.Cut(strings.TrimPrefix(trimmed, "- "), ": "); ok && strings.Contains(value, ": ") {
			prefix := ""
			if strings.HasPrefix(trimmed, "- ") {
				prefix = "- "
			}
			return fmt.Sprintf(" (text that contains \": \" must be in quotes: %s%s: %s)", prefix, key, quote(value))
		}
		if !strings.Contains(trimmed, ": ") {
			break
		}
		return " (check the indentation of this line against the lines above it; or, if the text has \": \" in it, put it in quotes)"
	case strings.Contains(msg, "did not find expected"), strings.Contains(msg, "could not find expected"),
		strings.Contains(msg, "not allowed in this context"):
		return " (this line is indented differently from the lines around it: the fields of an entry line up under \"id\", and the items of a list line up under each other)"
	}
	return " (check indentation, and quote text that contains \": \")"
}

// lineAt returns the 1-based line n of data, or "".
func lineAt(data []byte, n int) string {
	if n < 1 {
		return ""
	}
	for i, l := range bytes.Split(data, []byte("\n")) {
		if i == n-1 {
			return string(bytes.TrimRight(l, "\r"))
		}
	}
	return ""
}

// quote writes s as a double-quoted YAML string.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// rest returns the current file's text from line:column (both 1-based) to the end of that line, less
// a trailing comment and spaces.
func (l *loader) rest(line, column int) string {
	if line < 1 || line > len(l.src) {
		return ""
	}
	r := []rune(strings.TrimRight(l.src[line-1], "\r"))
	if column < 1 || column > len(r) {
		return ""
	}
	s := string(r[column-1:])
	if i := strings.Index(s, " #"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimRight(s, " \t")
}

// swallowed reports an unquoted list item that holds what was probably meant as two items: one that
// runs on over a line break (its next line was indented one space too far, so YAML joined the two), or
// one with " - " inside (two items on one line).
func (l *loader) swallowed(file, id, key string, c *yaml.Node) {
	first := l.rest(c.Line, c.Column)
	if first == "" {
		return
	}
	if c.Value != first || strings.Contains(c.Value, " - ") {
		l.itemErrs++
	}
	switch {
	case c.Value != first:
		// A plain scalar on one line is exactly the text of that line; this one went on, so the mistake
		// is on the next line with text: it is indented too far, and YAML joined it to this item.
		next := c.Line + 1
		for next < len(l.src) && (strings.TrimSpace(l.src[next-1]) == "" || strings.HasPrefix(strings.TrimSpace(l.src[next-1]), "#")) {
			next++
		}
		l.add(file, next, id, "field %q: this line is indented further than the item above it, so YAML joined the two into one item (%q); line its \"- \" up with the others (a long item that really goes on must be in quotes)",
			key, c.Value)
	case strings.Contains(c.Value, " - "):
		l.add(file, c.Line, id, "field %q: item %q has \" - \" inside, so it may be two items on one line; put each on its own line with \"- \", or put it in quotes if it is one",
			key, c.Value)
	}
}
