// Package knowledge holds RadBot's knowledge base: the YAML schema that maintainers edit, the loader that
// validates it, and the default content embedded in the binary.
//
// A knowledge folder holds one YAML file per topic (a "topic" and its "entries"), plus two special files:
// synonyms.yaml (groups of equivalent terms) and bot.yaml (the texts the bot says itself). Load reads a
// folder from any fs.FS and reports every problem at once, each with its file, line and entry id.
package knowledge

import (
	"embed"
	"io/fs"
	"os"
)

// Source is a reference that an answer is based on.
type Source struct {
	Title string `yaml:"title"`
	URL   string `yaml:"url"`
}

// Entry is one question-and-answer unit of the knowledge base.
type Entry struct {
	ID        string   `yaml:"id"`
	Title     string   `yaml:"title"`
	Questions []string `yaml:"questions"`
	Keywords  []string `yaml:"keywords"`
	Answer    string   `yaml:"answer"`
	Related   []string `yaml:"related"`
	Sources   []Source `yaml:"sources"`
	Reviewed  string   `yaml:"reviewed"`

	// Filled by the loader, not by maintainers.
	Topic string `yaml:"-"`
	File  string `yaml:"-"`
	Line  int    `yaml:"-"`
}

// Topic is one knowledge file: a named group of entries.
type Topic struct {
	Name    string
	File    string
	Entries []*Entry
}

// Texts are the things the bot says itself, from bot.yaml.
type Texts struct {
	Greeting        string   `yaml:"greeting"`
	Help            string   `yaml:"help"`
	Thanks          string   `yaml:"thanks"`
	Fallback        string   `yaml:"fallback"`
	FallbackKept    string   `yaml:"fallback_kept"`
	FallbackLinks   []Source `yaml:"fallback_links"`
	OutOfScope      string   `yaml:"out_of_scope"`
	OutOfScopeLinks []Source `yaml:"out_of_scope_links"`
	Refusal         string   `yaml:"refusal"`
	RefusalLinks    []Source `yaml:"refusal_links"`
	Crisis          string   `yaml:"crisis"`
	CrisisLinks     []Source `yaml:"crisis_links"`
	Clarify         string   `yaml:"clarify"`
	Suggest         string   `yaml:"suggest"`
	RateLimited     string   `yaml:"rate_limited"`
	TooLong         string   `yaml:"too_long"`
	FeedbackThanks  string   `yaml:"feedback_thanks"`
	Error           string   `yaml:"error"`
}

// Safety holds the examples the personal-medical-advice classifier learns from (safety.yaml).
type Safety struct {
	// Refuse are personal medical questions: about the asker or someone they know.
	Refuse []string
	// Answer are career questions that use health words; they must be answered, never refused.
	Answer []string
	// Crisis are short phrases that mean someone may be in danger now; matched as whole words after
	// normalising, they get the urgent signposting whatever else the message says.
	Crisis []string
}

// Base is a loaded, validated knowledge base. It is immutable once loaded: a reload builds a new Base.
type Base struct {
	Topics   []*Topic
	Entries  []*Entry // in file order
	Synonyms [][]string
	Texts    Texts
	Safety   Safety
	// OutOfScope are questions RadBot must not answer (out-of-scope.yaml): the answer-or-abstain
	// decision learns from them beside the entries' own phrasings.
	OutOfScope []string
	// Warnings are problems that do not stop the base loading (lint shows them).
	Warnings ErrorList
	// Version is a short content hash of every file, so that feedback refers to the answer as it was shown.
	Version string

	byID map[string]*Entry
}

// Entry returns the entry with the given id, or nil.
func (b *Base) Entry(id string) *Entry {
	if b == nil {
		return nil
	}
	return b.byID[id]
}

// Stats counts what a base holds.
type Stats struct {
	Topics, Entries, Phrasings, SynonymGroups      int
	OutOfScope, SafetyRefuse, SafetyAnswer, Crisis int
}

// Stats reports the size of the base.
func (b *Base) Stats() Stats {
	s := Stats{Topics: len(b.Topics), Entries: len(b.Entries), SynonymGroups: len(b.Synonyms),
		OutOfScope: len(b.OutOfScope), SafetyRefuse: len(b.Safety.Refuse), SafetyAnswer: len(b.Safety.Answer), Crisis: len(b.Safety.Crisis)}
	for _, e := range b.Entries {
		s.Phrasings += len(e.Questions)
	}
	return s
}

//go:embed content/*.yaml
var embedded embed.FS

//go:embed testdata/eval.yaml testdata/sets/*.yaml
var evalSets embed.FS

// EvalFS returns the evaluation files that go with the embedded knowledge: eval.yaml (which case sets to
// run and the bar for each) and sets/*.yaml. They are embedded so that `radbot eval` works from any
// directory; the bot never reads them.
func EvalFS() fs.FS {
	sub, err := fs.Sub(evalSets, "testdata")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder exists
	}
	return sub
}

// DefaultFS returns the embedded default knowledge folder.
func DefaultFS() fs.FS {
	sub, err := fs.Sub(embedded, "content")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder exists
	}
	return sub
}

// Default loads the embedded default knowledge.
func Default() (*Base, error) { return Load(DefaultFS()) }

// LoadDir loads a knowledge folder from disk.
func LoadDir(dir string) (*Base, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	return Load(os.DirFS(dir))
}

// New assembles a base from entries built in code, without validation: for generated knowledge in
// tests and benchmarks. Entries are grouped into topics by their Topic field.
func New(entries []*Entry, synonyms [][]string, texts Texts) *Base {
	b := &Base{Entries: entries, Synonyms: synonyms, Texts: texts, byID: make(map[string]*Entry, len(entries)), Version: "generated"}
	topics := map[string]*Topic{}
	for _, e := range entries {
		b.byID[e.ID] = e
		t := topics[e.Topic]
		if t == nil {
			t = &Topic{Name: e.Topic}
			topics[e.Topic] = t
			b.Topics = append(b.Topics, t)
		}
		t.Entries = append(t.Entries, e)
	}
	return b
}
