package knowledge

import (
	"slices"
	"strings"
	"time"
)

// phrasingUse is one phrasing as written in one entry.
type phrasingUse struct {
	entry *Entry
	text  string
	line  int
}

// sameEdit is how far apart two files' save times must be for one to count as edited after the other.
// Files checked out or copied together are saved within moments of each other; an edit comes later.
const sameEdit = time.Minute

// newer reports whether entry a was most likely written after entry b, so that a duplicate is blamed on
// the entry a maintainer just wrote rather than on the one that was there before: a's file was saved
// later; or else a's reviewed date is later; or else a comes later in the folder (by file, then line).
func (l *loader) newer(a, b *Entry) bool {
	if a.File != b.File {
		ta, tb := l.modTime[a.File], l.modTime[b.File]
		if !ta.IsZero() && !tb.IsZero() {
			if d := ta.Sub(tb); d >= sameEdit || d <= -sameEdit {
				return d > 0
			}
		}
	}
	ra, erra := time.Parse("2006-01-02", a.Reviewed)
	rb, errb := time.Parse("2006-01-02", b.Reviewed)
	if erra == nil && errb == nil && !ra.Equal(rb) {
		return ra.After(rb)
	}
	if a.File != b.File {
		return a.File > b.File
	}
	return a.Line > b.Line
}

// oldest returns the entry that was there first, by newer.
func (l *loader) oldest(es []*Entry) *Entry {
	first := es[0]
	for _, e := range es[1:] {
		if l.newer(first, e) {
			first = e
		}
	}
	return first
}

// checkDuplicateIDs reports every definition of an id but the oldest.
func (l *loader) checkDuplicateIDs() {
	for id, defs := range l.defs {
		if len(defs) < 2 {
			continue
		}
		keep := l.oldest(defs)
		for _, e := range defs {
			if e != keep {
				l.add(e.File, e.Line, id, "duplicate id: already used at %s:%d (ids must be unique across all files)", l.where(keep.File), keep.Line)
			}
		}
	}
}

// checkPhrasings gives each phrasing to one entry. A phrasing in two entries is an error on the newer
// one (the matcher could not tell them apart); a phrasing repeated within one entry, or one that
// differs from another of the same entry only in word order, spacing or a letter, is a warning: it
// teaches the bot nothing new.
func (l *loader) checkPhrasings() {
	byEntry := map[*Entry][]phrasingUse{}
	for key, uses := range l.phrasings {
		owners := make([]*Entry, 0, len(uses))
		for _, u := range uses {
			if !slices.Contains(owners, u.entry) {
				owners = append(owners, u.entry)
			}
		}
		owner := l.oldest(owners)
		l.phrasing[key] = owner
		for _, u := range uses {
			if u.entry != owner {
				l.add(u.entry.File, u.line, idOf(u.entry), "question %q is also a phrasing of entry %q (%s:%d); a phrasing must belong to one entry",
					u.text, owner.ID, l.where(owner.File), owner.Line)
				continue
			}
			byEntry[u.entry] = append(byEntry[u.entry], u)
		}
	}
	for e, uses := range byEntry {
		if len(uses) > 1 {
			l.nearDuplicates(e, uses)
		}
	}
}

func idOf(e *Entry) string { return e.ID }

// nearDuplicates warns about phrasings of one entry that read the same to the matcher. It is linear in
// the number of phrasings: each is filed under a few keys, and two phrasings that share a key are close.
func (l *loader) nearDuplicates(e *Entry, uses []phrasingUse) {
	slices.SortFunc(uses, func(a, b phrasingUse) int { return a.line - b.line })
	seen := map[string]phrasingUse{}
	warned := map[int]bool{}
	for _, u := range uses {
		norm := Normalize(u.text)
		for _, k := range nearKeys(norm) {
			prev, ok := seen[k.key]
			if !ok {
				seen[k.key] = u
				continue
			}
			if warned[u.line] || prev.line == u.line {
				continue
			}
			if k.kind == oneLetter && !sameDigits(norm, Normalize(prev.text)) {
				continue // "FY1 salary" and "FY2 salary" ask different things
			}
			warned[u.line] = true
			if norm == Normalize(prev.text) {
				l.warnf(e.File, u.line, e.ID, "question %q repeats the phrasing at line %d", u.text, prev.line)
			} else {
				l.warnf(e.File, u.line, e.ID, "question %q is nearly the same as %q at line %d (%s); each phrasing should add words people use",
					u.text, prev.text, prev.line, k.kind)
			}
		}
	}
}

type nearKey struct{ key, kind string }

const oneLetter = "one letter differs"

// nearKeys files a normalised phrasing under keys that close phrasings share: its words in sorted
// order, its letters without spaces, and (for phrasings long enough that one letter is a typo, not a
// new word) the text with each one letter left out.
func nearKeys(norm string) []nearKey {
	words := strings.Fields(norm)
	sorted := slices.Sorted(slices.Values(words))
	keys := []nearKey{
		{"w\x00" + strings.Join(sorted, " "), "the same words in another order"},
		{"s\x00" + strings.Join(words, ""), "only the spacing differs"},
	}
	if len(norm) >= 12 {
		keys = append(keys, nearKey{"d\x00" + norm, oneLetter})
		for i := range len(norm) {
			if norm[i] == ' ' {
				continue
			}
			keys = append(keys, nearKey{"d\x00" + norm[:i] + "\x01" + norm[i+1:], oneLetter})
			keys = append(keys, nearKey{"d\x00" + norm[:i] + norm[i+1:], oneLetter})
		}
	}
	return keys
}

// sameDigits reports whether a and b hold the same digits in the same order.
func sameDigits(a, b string) bool {
	digits := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
	}
	return digits(a) == digits(b)
}
