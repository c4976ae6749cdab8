package knowledge

import (
	"gopkg.in/yaml.v3"
)

// example is one line of safety.yaml or out-of-scope.yaml, with where it was written.
type example struct {
	text, list string
	file       string
	line       int
}

// exampleList reads a list of examples: text items, each non-empty.
func (l *loader) exampleList(file string, f map[string]*yaml.Node, at int, key string) []example {
	vals, lines := l.list(file, "", f, key)
	if _, ok := f[key]; !ok {
		l.add(file, at, "", "missing required field %q", key)
	}
	out := make([]example, len(vals))
	for i, v := range vals {
		out[i] = example{text: v, list: key, file: file, line: lines[i]}
	}
	return out
}

func (l *loader) safety(file string, root *yaml.Node) {
	f := l.fields(file, "", root, safetyFields, "the safety file")
	refuse := l.exampleList(file, f, root.Line, "refuse")
	answer := l.exampleList(file, f, root.Line, "answer")
	crisis := l.exampleList(file, f, root.Line, "crisis")
	for _, c := range []struct {
		key string
		n   int
	}{{"refuse", len(refuse)}, {"answer", len(answer)}} {
		if n, ok := f[c.key]; ok && c.n < MinSafetyExamples {
			l.add(file, n.Line, "", "%q has %d examples; write at least %d, so the bot learns what is asked rather than which words appear", c.key, c.n, MinSafetyExamples)
		}
	}
	for _, c := range crisis {
		if n := len(Words(c.text)); n == 0 || n > 6 {
			l.add(file, c.line, "", "crisis phrase %q should be 1 to 6 words: it is matched as whole words inside a message", c.text)
		}
	}
	l.examples = append(l.examples, refuse...)
	l.examples = append(l.examples, answer...)
	s := &l.base.Safety
	s.Refuse, s.Answer, s.Crisis = texts(refuse), texts(answer), texts(crisis)
}

func (l *loader) outOfScope(file string, root *yaml.Node) {
	f := l.fields(file, "", root, oosFields, "the out-of-scope file")
	qs := l.exampleList(file, f, root.Line, "questions")
	if n, ok := f["questions"]; ok && len(qs) < MinOutOfScope {
		l.add(file, n.Line, "", "has %d questions; write at least %d, so the bot learns where its scope ends", len(qs), MinOutOfScope)
	}
	l.examples = append(l.examples, qs...)
	l.base.OutOfScope = texts(qs)
}

func texts(es []example) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.text
	}
	return out
}

// listMeaning says what each example list teaches, for messages about conflicts.
var listMeaning = map[string]string{
	"refuse":    "refused as personal medical advice",
	"answer":    "answered as a career question",
	"questions": "out of scope",
}

// checkExamples runs once every file is read: an example may appear once, in one list, and never as an
// entry's phrasing, since each teaches the bot the opposite of the others.
func (l *loader) checkExamples() {
	seen := map[string]example{}
	for _, ex := range l.examples {
		key := Normalize(ex.text)
		if key == "" {
			l.add(ex.file, ex.line, "", "example %q has no words", ex.text)
			continue
		}
		if prev, dup := seen[key]; dup {
			if prev.list == ex.list && prev.file == ex.file {
				l.add(ex.file, ex.line, "", "%q repeats the example at line %d", ex.text, prev.line)
			} else {
				l.add(ex.file, ex.line, "", "%q is also at %s:%d, where it is %s; an example can teach one thing only", ex.text, prev.file, prev.line, listMeaning[prev.list])
			}
			continue
		}
		seen[key] = ex
		if e := l.phrasing[key]; e != nil && ex.list != "answer" {
			l.add(ex.file, ex.line, "", "%q is a phrasing of entry %q (%s:%d), so it cannot also be %s", ex.text, e.ID, e.File, e.Line, listMeaning[ex.list])
		}
	}
}
