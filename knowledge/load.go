package knowledge

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Limits that validation enforces.
const (
	MaxAnswerChars = 900
	MinQuestions   = 10
	MaxRelated     = 6
	// MinSafetyExamples is the fewest examples in each of safety.yaml's refuse and answer lists: fewer
	// and the classifier learns words, not what is asked.
	MinSafetyExamples = 60
	// MinOutOfScope is the fewest examples in out-of-scope.yaml.
	MinOutOfScope = 100
	// MaxReviewedAge is how old a reviewed date may be before lint says the entry needs checking again.
	MaxReviewedAge = 18 * 30 * 24 * time.Hour
)

// The special file names in a knowledge folder.
const (
	SynonymsFile   = "synonyms.yaml"
	BotFile        = "bot.yaml"
	SafetyFile     = "safety.yaml"
	OutOfScopeFile = "out-of-scope.yaml"
)

// Error is one problem found in a knowledge folder.
type Error struct {
	File    string
	Line    int
	EntryID string
	Msg     string
	// Warning marks a problem that does not stop the knowledge loading.
	Warning bool
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Warning {
		b.WriteString("warning: ")
	}
	if e.EntryID != "" {
		fmt.Fprintf(&b, "entry %q: ", e.EntryID)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in one load, sorted by file and line.
type ErrorList []*Error

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems in the knowledge files:", len(l))
	for _, e := range l {
		b.WriteString("\n  ")
		b.WriteString(e.Error())
	}
	return b.String()
}

func (l ErrorList) sort() {
	sort.SliceStable(l, func(i, j int) bool {
		if l[i].File != l[j].File {
			return l[i].File < l[j].File
		}
		return l[i].Line < l[j].Line
	})
}

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	yamlLineErr = regexp.MustCompile(`line (\d+)`)
)

// The fields each kind of mapping may have. Anything else is a mistake, most often a misspelling.
var (
	topicFields  = []string{"topic", "entries"}
	entryFields  = []string{"id", "title", "questions", "keywords", "answer", "related", "sources", "reviewed"}
	sourceFields = []string{"title", "url"}
	synFields    = []string{"groups"}
	textFields   = []string{"greeting", "help", "thanks", "fallback", "fallback_kept", "fallback_links", "out_of_scope", "out_of_scope_links", "refusal", "refusal_links", "crisis", "crisis_links", "clarify", "suggest", "rate_limited", "too_long", "feedback_thanks", "error"}
	safetyFields = []string{"refuse", "answer", "crisis"}
	oosFields    = []string{"questions"}
)

// loader collects the state of one Load.
type loader struct {
	errs ErrorList
	warn ErrorList
	now  time.Time
	dir  string
	base *Base
	// every definition of each id, and every use of each normalised phrasing, judged once all files
	// are read so that a duplicate is blamed on the newer entry (see newer)
	defs      map[string][]*Entry
	phrasings map[string][]phrasingUse
	// which entry owns each normalised phrasing, once duplicates are resolved
	phrasing  map[string]*Entry
	relatedAt map[*Entry][]int     // line of each related id
	modTime   map[string]time.Time // when each file was last saved, where the file system says
	examples  []example            // safety and out-of-scope examples, checked once every file is read
	// src is the current file's lines, for checks that need the text as written
	src []string
	// itemErrs counts the list items reported as mistyped, so that an entry whose list lost an item
	// that way is not also told it has too few
	itemErrs int
	// unparsed is set when a file was not valid YAML: its entries are unknown, so a related id that
	// points at one of them must not be reported as missing
	unparsed bool
}

// where names a file as the person running lint gave its folder, so an editor can jump to it.
func (l *loader) where(file string) string {
	if l.dir == "" || file == "." {
		return file
	}
	return filepath.Join(l.dir, file)
}

func (l *loader) add(file string, line int, id, format string, args ...any) {
	l.errs = append(l.errs, &Error{File: l.where(file), Line: line, EntryID: id, Msg: fmt.Sprintf(format, args...)})
}

func (l *loader) warnf(file string, line int, id, format string, args ...any) {
	l.warn = append(l.warn, &Error{File: l.where(file), Line: line, EntryID: id, Msg: fmt.Sprintf(format, args...), Warning: true})
}

// Options change how a folder is loaded.
type Options struct {
	// Now is the date reviewed dates are checked against; zero means the current time.
	Now time.Time
	// Dir is the folder as the user named it (for example on the command line). When set, file names
	// in errors and warnings are joined to it, so that "knowledge/content/pay.yaml:12" can be opened
	// from where the command ran. Entry.File stays the bare file name.
	Dir string
}

// Load reads every *.yaml file of a knowledge folder, validates it and returns the base. When anything is
// wrong it returns a nil base and an ErrorList with every problem, each with file:line and entry id.
// Problems that need not stop it (Base.Warnings) are kept on the base.
func Load(fsys fs.FS) (*Base, error) { return LoadWith(fsys, Options{}) }

// LoadWith is Load with options.
func LoadWith(fsys fs.FS, opts Options) (*Base, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("listing knowledge files: %w", err)
	}
	sort.Strings(names)
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	l := &loader{
		now:       opts.Now,
		dir:       opts.Dir,
		base:      &Base{byID: map[string]*Entry{}},
		defs:      map[string][]*Entry{},
		phrasings: map[string][]phrasingUse{},
		phrasing:  map[string]*Entry{},
		relatedAt: map[*Entry][]int{},
		modTime:   map[string]time.Time{},
	}
	h := sha256.New()
	sawBot, sawSafety, sawOOS := false, false, false
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		if info, err := fs.Stat(fsys, name); err == nil {
			l.modTime[name] = info.ModTime()
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(data))
		h.Write(data)
		// A special file that is there but broken is not missing.
		switch name {
		case BotFile:
			sawBot = true
		case SafetyFile:
			sawSafety = true
		case OutOfScopeFile:
			sawOOS = true
		}
		root, ok := l.parse(name, data)
		if !ok {
			l.unparsed = true
			continue
		}
		l.src = strings.Split(string(data), "\n")
		switch name {
		case SynonymsFile:
			l.synonyms(name, root)
		case BotFile:
			l.texts(name, root)
		case SafetyFile:
			l.safety(name, root)
		case OutOfScopeFile:
			l.outOfScope(name, root)
		default:
			l.topic(name, root)
		}
	}
	l.src = nil
	if len(l.base.Topics) == 0 && len(l.errs) == 0 {
		l.add(".", 0, "", "no topic files (*.yaml with a topic and entries) found")
	}
	if !sawBot {
		l.add(BotFile, 0, "", "missing: the bot's own texts (greeting, help, fallback, refusal...) live in this file")
	}
	if !sawSafety {
		l.add(SafetyFile, 0, "", "missing: the examples that teach the bot which questions ask for personal medical advice live in this file")
	}
	if !sawOOS {
		l.add(OutOfScopeFile, 0, "", "missing: the examples of questions the bot must not answer live in this file")
	}
	l.checkDuplicateIDs()
	l.checkPhrasings()
	l.checkRelated()
	l.checkExamples()
	if len(l.errs) > 0 {
		l.errs.sort()
		return nil, l.errs
	}
	l.warn.sort()
	l.base.Warnings = l.warn
	l.base.Version = hex.EncodeToString(h.Sum(nil))[:12]
	return l.base, nil
}

// parse decodes one file into its root mapping node.
func (l *loader) parse(name string, data []byte) (*yaml.Node, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := syntaxError(data, err)
		l.add(name, line, "", "not valid YAML: %s%s", msg, syntaxHint(msg, lineAt(data, line)))
		return nil, false
	}
	if len(doc.Content) == 0 {
		l.add(name, 1, "", "the file is empty")
		return nil, false
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		l.add(name, root.Line, "", "expected a mapping with keys at the top of the file")
		return nil, false
	}
	return root, true
}

// fields checks a mapping node's keys against the allowed ones and returns the values by key.
func (l *loader) fields(file, id string, n *yaml.Node, allowed []string, what string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		l.add(file, n.Line, id, "expected %s as a mapping (key: value lines)", what)
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(allowed, k.Value) {
			hint := ""
			if s := Suggest(k.Value, allowed); s != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", s)
			}
			l.add(file, k.Line, id, "unknown field %q in %s%s; allowed: %s", k.Value, what, hint, strings.Join(allowed, ", "))
			continue
		}
		if _, dup := out[k.Value]; dup {
			l.add(file, k.Line, id, "field %q appears twice in %s", k.Value, what)
			continue
		}
		out[k.Value] = v
	}
	return out
}

// str reads a text field. at is the line of the mapping the field belongs in, for a missing field.
func (l *loader) str(file, id string, f map[string]*yaml.Node, at int, key string, required bool) string {
	n, ok := f[key]
	if !ok || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		if required {
			line := at
			if n != nil {
				line = n.Line
			}
			l.add(file, line, id, "missing required field %q", key)
		}
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		l.add(file, n.Line, id, "field %q should be text, not a list or mapping", key)
		return ""
	}
	s := strings.TrimSpace(n.Value)
	if s == "" && required {
		l.add(file, n.Line, id, "field %q is empty", key)
	}
	return s
}

func (l *loader) list(file, id string, f map[string]*yaml.Node, key string) ([]string, []int) {
	n, ok := f[key]
	if !ok {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		l.add(file, n.Line, id, "field %q should be a list (lines starting with \"- \", or [a, b])", key)
		return nil, nil
	}
	var vals []string
	var lines []int
	for _, c := range n.Content {
		if c.Kind == yaml.MappingNode && len(c.Content) == 2 && c.Content[1].Kind == yaml.ScalarNode && c.Content[0].Line == c.Line {
			// "- FRCR: is it hard?" is a key and a value to YAML, not text.
			l.add(file, c.Line, id, "field %q: this item was read as \"key: value\" because of the \": \" in it; put it in quotes: - %s",
				key, quote(l.rest(c.Line, c.Column)))
			l.itemErrs++
			continue
		}
		if c.Kind != yaml.ScalarNode || strings.TrimSpace(c.Value) == "" {
			l.add(file, c.Line, id, "field %q: each item should be non-empty text", key)
			continue
		}
		if n.Style&yaml.FlowStyle == 0 && c.Style == 0 {
			l.swallowed(file, id, key, c)
		}
		vals = append(vals, strings.TrimSpace(c.Value))
		lines = append(lines, c.Line)
	}
	return vals, lines
}

func (l *loader) sources(file, id string, n *yaml.Node, key string) []Source {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		l.add(file, n.Line, id, "field %q should be a list of sources, each with a title and a url", key)
		return nil
	}
	var out []Source
	for _, c := range n.Content {
		f := l.fields(file, id, c, sourceFields, "a source")
		s := Source{Title: l.str(file, id, f, c.Line, "title", true), URL: l.str(file, id, f, c.Line, "url", true)}
		if s.URL != "" {
			if msg := checkURL(s.URL); msg != "" {
				l.add(file, f["url"].Line, id, "source %s", msg)
			}
		}
		out = append(out, s)
	}
	return out
}

func (l *loader) topic(file string, root *yaml.Node) {
	f := l.fields(file, "", root, topicFields, "a topic file")
	t := &Topic{Name: l.str(file, "", f, root.Line, "topic", true), File: file}
	en, ok := f["entries"]
	if !ok {
		l.add(file, root.Line, "", "missing required field %q (the list of entries)", "entries")
		return
	}
	if en.Kind != yaml.SequenceNode {
		l.add(file, en.Line, "", "field \"entries\" should be a list of entries, each starting with \"- id: ...\"")
		return
	}
	for _, n := range en.Content {
		if e := l.entry(file, t.Name, n); e != nil {
			t.Entries = append(t.Entries, e)
		}
	}
	l.base.Topics = append(l.base.Topics, t)
}

func (l *loader) entry(file, topic string, n *yaml.Node) *Entry {
	// Find the id first so every error about this entry can name it.
	id := ""
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "id" {
				id = strings.TrimSpace(n.Content[i+1].Value)
			}
		}
	}
	f := l.fields(file, id, n, entryFields, "an entry")
	e := &Entry{Topic: topic, File: file, Line: n.Line}
	e.ID = l.str(file, id, f, n.Line, "id", true)
	e.Title = l.str(file, id, f, n.Line, "title", true)
	e.Answer = strings.TrimSpace(l.str(file, id, f, n.Line, "answer", true))
	e.Reviewed = l.str(file, id, f, n.Line, "reviewed", true)
	var qLines, relLines []int
	itemErrs := l.itemErrs
	e.Questions, qLines = l.list(file, id, f, "questions")
	questionsMistyped := l.itemErrs > itemErrs
	e.Keywords, _ = l.list(file, id, f, "keywords")
	e.Related, relLines = l.list(file, id, f, "related")
	e.Sources = l.sources(file, id, f["sources"], "sources")

	if e.ID != "" && !idPattern.MatchString(e.ID) {
		l.add(file, f["id"].Line, id, "id should be lowercase words joined by hyphens, like \"training-length\"")
	}
	if len(e.Questions) < MinQuestions && !questionsMistyped {
		l.add(file, n.Line, id, "has %d questions; write at least %d ways people might ask it", len(e.Questions), MinQuestions)
	}
	if c := utf8.RuneCountInString(e.Answer); c > MaxAnswerChars {
		l.add(file, f["answer"].Line, id, "answer is %d characters; keep it to %d at most (one chat message) and link to more", c, MaxAnswerChars)
	}
	if e.Answer != "" {
		l.checkAnswer(file, f["answer"].Line, id, e.Title, e.Answer)
	}
	if len(e.Sources) == 0 && f["sources"] == nil {
		l.add(file, n.Line, id, "missing required field %q (at least one source with a title and url)", "sources")
	}
	if f["related"] == nil {
		l.add(file, n.Line, id, "missing required field %q (at least one id of an entry to offer next)", "related")
	} else if len(e.Related) > MaxRelated {
		l.add(file, f["related"].Line, id, "lists %d related entries; at most %d", len(e.Related), MaxRelated)
	}
	if e.Reviewed != "" {
		if d, err := time.Parse("2006-01-02", e.Reviewed); err != nil {
			l.add(file, f["reviewed"].Line, id, "reviewed date %q should be written YYYY-MM-DD, like 2026-11-28", e.Reviewed)
		} else if d.After(l.now) {
			l.warnf(file, f["reviewed"].Line, id, "reviewed date %s is in the future", e.Reviewed)
		} else if l.now.Sub(d) > MaxReviewedAge {
			l.warnf(file, f["reviewed"].Line, id, "reviewed %s, more than 18 months ago: check the facts and update the date", e.Reviewed)
		}
	}
	for i, q := range e.Questions {
		key := phrasingKey(q)
		l.phrasings[key] = append(l.phrasings[key], phrasingUse{entry: e, text: q, line: qLines[i]})
	}
	if e.ID == "" {
		return nil
	}
	l.defs[e.ID] = append(l.defs[e.ID], e)
	if len(l.defs[e.ID]) > 1 {
		// A duplicate id: checkDuplicateIDs says which definition is at fault once every file is read.
		return nil
	}
	l.relatedAt[e] = relLines
	l.base.byID[e.ID] = e
	l.base.Entries = append(l.base.Entries, e)
	return e
}

// checkRelated runs after every file is read, since related ids may point into other files. It is
// linear in the size of the knowledge: the ids are listed once for every "did you mean" hint.
func (l *loader) checkRelated() {
	var ids *suggester
	for _, e := range l.base.Entries {
		for i, r := range e.Related {
			line := e.Line
			if i < len(l.relatedAt[e]) {
				line = l.relatedAt[e][i]
			}
			switch {
			case r == e.ID:
				l.add(e.File, line, e.ID, "related lists the entry itself")
			case l.base.byID[r] == nil && !l.unparsed:
				// When a file failed to parse, its ids are unknown: saying they do not exist would
				// bury the one real mistake under errors in other files.
				if ids == nil {
					ids = newSuggester(slices.Sorted(maps.Keys(l.base.byID)))
				}
				hint := ""
				if s := ids.suggest(r); s != "" {
					hint = fmt.Sprintf(" (did you mean %q?)", s)
				}
				l.add(e.File, line, e.ID, "related id %q does not exist%s", r, hint)
			}
		}
	}
}

func (l *loader) synonyms(file string, root *yaml.Node) {
	f := l.fields(file, "", root, synFields, "the synonyms file")
	g, ok := f["groups"]
	if !ok {
		l.add(file, root.Line, "", "missing required field %q", "groups")
		return
	}
	if g.Kind != yaml.SequenceNode {
		l.add(file, g.Line, "", "\"groups\" should be a list of groups, each like [MSK, musculoskeletal]")
		return
	}
	seen := map[string]int{}
	for _, grp := range g.Content {
		if grp.Kind != yaml.SequenceNode || len(grp.Content) < 2 {
			l.add(file, grp.Line, "", "each synonym group should list at least two terms, like [MSK, musculoskeletal]")
			continue
		}
		var terms []string
		for _, t := range grp.Content {
			term := strings.ToLower(strings.TrimSpace(t.Value))
			if t.Kind != yaml.ScalarNode || term == "" {
				l.add(file, t.Line, "", "each synonym term should be non-empty text")
				continue
			}
			if prev, dup := seen[term]; dup {
				l.add(file, t.Line, "", "term %q is already in the group at line %d; a term can belong to one group only", term, prev)
				continue
			}
			seen[term] = grp.Line
			terms = append(terms, term)
		}
		l.base.Synonyms = append(l.base.Synonyms, terms)
	}
}

func (l *loader) texts(file string, root *yaml.Node) {
	f := l.fields(file, "", root, textFields, "the bot file")
	t := &l.base.Texts
	t.Greeting = l.str(file, "", f, root.Line, "greeting", true)
	t.Help = l.str(file, "", f, root.Line, "help", true)
	t.Thanks = l.str(file, "", f, root.Line, "thanks", true)
	t.Fallback = l.str(file, "", f, root.Line, "fallback", true)
	t.FallbackKept = l.str(file, "", f, root.Line, "fallback_kept", true)
	t.OutOfScope = l.str(file, "", f, root.Line, "out_of_scope", true)
	t.Refusal = l.str(file, "", f, root.Line, "refusal", true)
	t.Crisis = l.str(file, "", f, root.Line, "crisis", true)
	t.Clarify = l.str(file, "", f, root.Line, "clarify", true)
	t.Suggest = l.str(file, "", f, root.Line, "suggest", true)
	t.RateLimited = l.str(file, "", f, root.Line, "rate_limited", true)
	t.TooLong = l.str(file, "", f, root.Line, "too_long", true)
	t.FeedbackThanks = l.str(file, "", f, root.Line, "feedback_thanks", true)
	t.Error = l.str(file, "", f, root.Line, "error", true)
	t.FallbackLinks = l.sources(file, "", f["fallback_links"], "fallback_links")
	t.RefusalLinks = l.sources(file, "", f["refusal_links"], "refusal_links")
	t.OutOfScopeLinks = l.sources(file, "", f["out_of_scope_links"], "out_of_scope_links")
	t.CrisisLinks = l.sources(file, "", f["crisis_links"], "crisis_links")
	if t.TooLong != "" && strings.Count(t.TooLong, "%d") != 1 {
		l.add(file, f["too_long"].Line, "", "too_long should contain %%d once, where the maximum length goes")
	}
	for _, need := range []struct{ field, text, word string }{
		{"refusal", t.Refusal, "111"}, {"refusal", t.Refusal, "999"}, {"refusal", t.Refusal, "GP"},
		{"crisis", t.Crisis, "999"}, {"crisis", t.Crisis, "111"}, {"crisis", t.Crisis, "116 123"},
	} {
		if need.text != "" && !strings.Contains(need.text, need.word) {
			l.add(file, f[need.field].Line, "", "%s should mention %s", need.field, need.word)
		}
	}
}

// phrasingKey is how phrasings are compared for duplicates: the normaliser the matcher uses, so that
// two phrasings lint accepts can never read the same to the bot ("tumor" and "tumour").
func phrasingKey(s string) string { return Normalize(s) }
