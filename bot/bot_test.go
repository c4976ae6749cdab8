package bot_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// defaultBase loads the embedded knowledge once per test binary run.
var loadOnce = sync.OnceValues(knowledge.Default)

func defaultBase(tb testing.TB) *knowledge.Base {
	tb.Helper()
	base, err := loadOnce()
	if err != nil {
		tb.Fatalf("loading embedded knowledge: %v", err)
	}
	return base
}

// defaultIndex is the index of the default knowledge, built once and shared by the tests' bots.
var defaultIndex = sync.OnceValue(func() *bot.Index {
	base, err := loadOnce()
	if err != nil {
		panic(err)
	}
	return bot.NewIndex(base)
})

// newDefaultBot is a bot of its own (conversations, limits, store) over the shared default index.
func newDefaultBot(tb testing.TB, opts bot.Options) *bot.Bot {
	tb.Helper()
	opts.Index = defaultIndex()
	return bot.New(defaultBase(tb), opts)
}

func ask(b *bot.Bot, user, text string) bot.Reply {
	return b.Answer(context.Background(), bot.Query{Platform: "test", ConversationID: "chan", UserID: user, Text: text})
}

// The questions here are written for the tests: none is a copy of an entry's phrasings.
func TestStatuses(t *testing.T) {
	t.Parallel()
	b := newDefaultBot(t, bot.Options{})
	tx := defaultBase(t).Texts
	cases := []struct {
		q      string
		status bot.Status
		reason bot.Reason
		entry  string
	}{
		{"how long is radiology training", bot.StatusAnswered, "", "training-length"},
		{"what is an angioplasty", bot.StatusAnswered, "", "angioplasty-stenting"},
		{"how competitive is getting an ST1 radiology number", bot.StatusAnswered, "", "competition-ratios"},
		// "in the US" once normalised to nothing, so an out-of-scope example about US attendings' pay
		// matched this exactly and held it out of scope.
		{"how much do consultants earn", bot.StatusAnswered, "", "consultant-pay"},
		{"how much do attendings earn in the US", bot.StatusFallback, bot.ReasonOutOfScope, ""},
		{"best pizza near campus", bot.StatusFallback, bot.ReasonOutOfScope, ""},
		{"1", bot.StatusFallback, bot.ReasonOutOfScope, ""},
		// Question words alone name nothing to answer ("which" once matched choosing-scheme at 0.66).
		{"which one should he go for?", bot.StatusFallback, bot.ReasonOutOfScope, ""},
		{"how do I become a cardiologist", bot.StatusFallback, bot.ReasonOutOfScope, ""},
		{"my dad needs an angioplasty, is it dangerous?", bot.StatusRefused, bot.ReasonMedical, ""},
		{"I've had a headache for a week after my CT, what should I do", bot.StatusRefused, bot.ReasonMedical, ""},
		{"I want to kill myself", bot.StatusRefused, bot.ReasonCrisis, ""},
		{"hello!", bot.StatusSmalltalk, "", ""},
		{"thanks so much", bot.StatusSmalltalk, "", ""},
		{"help", bot.StatusSmalltalk, "", ""},
	}
	for i, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			r := ask(b, fmt.Sprint("statuses-", i), c.q)
			if r.Status != c.status || r.Reason != c.reason {
				t.Fatalf("status = %s (%q), want %s (%q); candidates %+v", r.Status, r.Reason, c.status, c.reason, r.Candidates)
			}
			if c.entry != "" && (r.Entry == nil || r.Entry.ID != c.entry) {
				t.Fatalf("entry = %v, want %s", r.Entry, c.entry)
			}
			if strings.TrimSpace(r.Text) == "" {
				t.Error("reply has no text to show")
			}
			switch {
			case r.Status == bot.StatusAnswered:
				if len(r.Related) == 0 || len(r.Related) > 3 {
					t.Errorf("related = %d entries, want 1-3", len(r.Related))
				}
			case r.Reason == bot.ReasonOutOfScope:
				if r.Text != tx.OutOfScope || len(r.Links) == 0 {
					t.Errorf("out-of-scope reply %q with links %v, want the out_of_scope text and its links", r.Text, r.Links)
				}
			case r.Reason == bot.ReasonMedical:
				for _, want := range []string{"111", "GP", "999"} {
					if !strings.Contains(r.Text, want) {
						t.Errorf("refusal does not mention %s", want)
					}
				}
			case r.Reason == bot.ReasonCrisis:
				for _, want := range []string{"999", "111", "116 123"} {
					if !strings.Contains(r.Text, want) {
						t.Errorf("crisis reply does not mention %s", want)
					}
				}
			}
		})
	}
}

// Issue 13: decided by what is asked, not by which words appear.
func TestSafetyDecidesByWhatIsAsked(t *testing.T) {
	t.Parallel()
	b := newDefaultBot(t, bot.Options{})
	career := []string{
		"I'm pregnant, can I still do IR lists as a trainee?",
		"My dad had an angioplasty, is that what IR doctors do all day?",
		"what is an angioplasty",
		"do interventional radiologists do fibroid embolisation",
		"how do I get into interventional radiology",
		"I'm an FY2, should I apply for radiology",
		"can I train in radiology part time",
	}
	for i, q := range career {
		if r := ask(b, fmt.Sprint("career-", i), q); r.Status == bot.StatusRefused {
			t.Errorf("%q was refused as medical", q)
		}
	}
	medical := []string{
		"I'm pregnant, is my CT safe for the baby?",
		"my dad needs an angioplasty, is it dangerous?",
		"my mum has a lump in her breast, should she get a mammogram",
		"my CT report says there is a nodule, should I worry",
		"is the MRI I'm having tomorrow safe with my pacemaker",
		"my boyfriend needs a biopsy next week, what are the risks",
		// As a whole this matches head and neck imaging, but what it asks (a scan for the asker) no entry
		// answers (askedCareer).
		"Radiology trainee. I've found a lump in my neck, can I just ask the radiology department to scan me?",
	}
	for i, q := range medical {
		if r := ask(b, fmt.Sprint("medical-", i), q); r.Status != bot.StatusRefused || r.Reason != bot.ReasonMedical {
			t.Errorf("%q: status %s (%q), want refused (medical)", q, r.Status, r.Reason)
		}
	}
}

// Issue 13: characters nobody can see cannot smuggle a personal question past the refusal.
func TestInvisibleCharactersCannotSmuggle(t *testing.T) {
	t.Parallel()
	b := newDefaultBot(t, bot.Options{})
	plain := "I have chest pain when I breathe, should I get a CT scan"
	if r := ask(b, "invisible-0", plain); r.Status != bot.StatusRefused {
		t.Fatalf("plain question: %s, want refused", r.Status)
	}
	for i, q := range []string{
		strings.Replace(plain, "pain", "pa\u200bin", 1),       // zero-width space
		strings.Replace(plain, "pain", "pa\u00adin", 1),       // soft hyphen
		strings.Replace(plain, "pain", "ｐａｉｎ", 1),             // fullwidth letters
		strings.Replace(plain, "chest", "che\u200dst", 1),     // zero-width joiner
		strings.Replace(plain, "breathe", "\ufeffbreathe", 1), // byte order mark
	} {
		if r := ask(b, fmt.Sprint("invisible-", i+1), q); r.Status != bot.StatusRefused {
			t.Errorf("%q: %s, want refused like the plain question", q, r.Status)
		}
	}
}

// Issue 13: the crisis reply is always shown, whatever the rate limit or the length limit.
func TestCrisisAlwaysShown(t *testing.T) {
	b := newDefaultBot(t, bot.Options{RatePerMinute: 1, RateBurst: 1, MaxQuestionChars: 40})
	ask(b, "u", "what is ct")
	if r := ask(b, "u", "what is mri"); r.Status != bot.StatusLimited {
		t.Fatalf("second question in a burst of 1: %s, want limited", r.Status)
	}
	if r := ask(b, "u", "i want to end it all"); r.Status != bot.StatusRefused || r.Reason != bot.ReasonCrisis {
		t.Errorf("crisis while rate-limited: %s (%q), want the crisis reply", r.Status, r.Reason)
	}
	long := "I failed the FRCR again today and honestly I just want to die"
	if r := ask(b, "v", long); r.Status != bot.StatusRefused || r.Reason != bot.ReasonCrisis {
		t.Errorf("crisis over the length limit: %s (%q), want the crisis reply", r.Status, r.Reason)
	}
}

// The crisis list covers families of wording, not single sentences: methods and places, losing control,
// passive wishes to die, and emergencies happening now, in the ways people type them.
func TestCrisisFamilies(t *testing.T) {
	t.Parallel()
	b := newDefaultBot(t, bot.Options{})
	for i, q := range []string{
		"every night after my shift i think about jumping off the multi storey car park",
		"I don't trust myself tonight, I've got a bottle of pills next to me",
		"rejected from ST1 again, honestly I wish I wasn't alive",
		"my housemate has gone floppy and her lips are turning blue",
		"my face is drooping on one side and my speech is slurred, on call in the reading room",
		"thinking of overdosing after failing 2B",
	} {
		if r := ask(b, fmt.Sprint("crisis-", i), q); r.Status != bot.StatusRefused || r.Reason != bot.ReasonCrisis {
			t.Errorf("%q: %s (%q), want the crisis reply", q, r.Status, r.Reason)
		}
	}
}

// Chat spelling reads "cant" as "can"; the crisis check keeps the "not", so "cant breathe" does not fire
// on a question about breathing in a lead apron.
func TestCrisisKeepsNegation(t *testing.T) {
	t.Parallel()
	b := newDefaultBot(t, bot.Options{})
	for i, c := range []struct {
		q      string
		crisis bool
	}{
		{"can you breathe properly in a lead apron all day?", false},
		{"can i wake him up after the sedation in IR", false},
		{"do i want to exist in a world of AI radiology", false},
		{"I can't breathe", true},
		{"i cannot breathe", true},
		{"he won't wake up", true},
		{"my bleeding will not stop", true},
	} {
		r := ask(b, fmt.Sprint("neg-", i), c.q)
		if got := r.Status == bot.StatusRefused && r.Reason == bot.ReasonCrisis; got != c.crisis {
			t.Errorf("%q: crisis %v, want %v", c.q, got, c.crisis)
		}
	}
}

// Ordinary messages that sound alarming (idioms, emergencies as work, negations) never get the crisis
// reply: knowledge/testdata/not-crisis.txt, written apart from the crisis list.
func TestCrisisNotOnOrdinaryMessages(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../knowledge/testdata/not-crisis.txt")
	if err != nil {
		t.Fatal(err)
	}
	b := newDefaultBot(t, bot.Options{})
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		if ex := b.Explain(line); ex.Crisis != "" {
			t.Errorf("%q matches the crisis phrase %q", line, ex.Crisis)
		}
	}
	if n < 150 {
		t.Errorf("only %d messages in not-crisis.txt", n)
	}
}

// A crisis phrase must never fire on what the knowledge itself says people ask: the entries' phrasings,
// the career questions with health words, and the out-of-scope examples.
func TestCrisisPhrasesDoNotFireOnOrdinaryQuestions(t *testing.T) {
	t.Parallel()
	base := defaultBase(t)
	b := newDefaultBot(t, bot.Options{})
	var texts []string
	for _, e := range base.Entries {
		texts = append(texts, e.Title)
		texts = append(texts, e.Questions...)
	}
	texts = append(texts, base.Safety.Answer...)
	texts = append(texts, base.OutOfScope...)
	for _, q := range texts {
		if ex := b.Explain(q); ex.Crisis != "" {
			t.Errorf("%q matches the crisis phrase %q", q, ex.Crisis)
		}
	}
}

// Issue 11: a grade or stage with a topic reaches the topic; two questions in one message are both
// served; an out-of-scope question gets its own reply.
func TestHowPeopleAsk(t *testing.T) {
	t.Parallel()
	b := newDefaultBot(t, bot.Options{})
	r := ask(b, "ask-1", "how long is radiology training and how much do trainees earn")
	if r.Status != bot.StatusAnswered || r.Entry.ID != "training-length" || len(r.Related) == 0 || r.Related[0].ID != "resident-doctor-pay" {
		t.Errorf("two questions: %s %v related %v; want training-length with resident-doctor-pay offered first", r.Status, r.Entry, r.Related)
	}
	for i, q := range []string{"st3 radiology salary", "how much does an st5 rads trainee earn"} {
		if r := ask(b, fmt.Sprint("ask-grade-", i), q); r.Entry == nil && !hasCandidate(r, "resident-doctor-pay") || r.Entry != nil && r.Entry.ID != "resident-doctor-pay" {
			t.Errorf("%q: %s %v %v, want resident-doctor-pay", q, r.Status, r.Entry, r.Candidates)
		}
	}
}

func hasCandidate(r bot.Reply, id string) bool {
	for _, c := range r.Candidates {
		if c.ID == id {
			return true
		}
	}
	return false
}

func TestTyposAreCorrected(t *testing.T) {
	b := newDefaultBot(t, bot.Options{})
	cases := []struct{ q, correction, entry string }{
		{"how long is radiolgy training", "radiolgy → radiology", "training-length"},
		{"what is an ultrasond scan", "ultrasond → ultrasound", "ultrasound"},
		{"how competitve is radiology", "competitve → competitive", "competition-ratios"},
	}
	for _, c := range cases {
		ex := b.Explain(c.q)
		if !contains(ex.Corrections, c.correction) {
			t.Errorf("%q: corrections %v, want %q", c.q, ex.Corrections, c.correction)
		}
		if r := ask(b, "u", c.q); r.Status != bot.StatusAnswered || r.Entry.ID != c.entry {
			t.Errorf("%q: got %s %v, want %s", c.q, r.Status, r.Entry, c.entry)
		}
	}
	// Short words and abbreviations are never "corrected", even when unknown.
	for _, q := range []string{"msra", "what is a ctx", "frcr 2b", "nhs job", "how do I qualify"} {
		if ex := b.Explain(q); len(ex.Corrections) > 0 {
			t.Errorf("%q: corrected %v; short words, abbreviations and real words must stay", q, ex.Corrections)
		}
	}
}

func TestSynonymsAndSpellings(t *testing.T) {
	b := newDefaultBot(t, bot.Options{})
	cases := []struct{ q, entry string }{
		{"msk rads", "msk-radiology"},
		{"tell me about frcr 2a", "frcr-2a"},
		{"pediatric radiology as a career", "paediatric-radiology"},
		{"how long is the residency for radiology", "training-length"},
		{"what does IR involve", "what-is-ir"},
	}
	for _, c := range cases {
		if r := ask(b, "u", c.q); r.Status != bot.StatusAnswered || r.Entry.ID != c.entry {
			ex := b.Explain(c.q)
			t.Errorf("%q: got %s %v, want %s (tokens %v, synonyms %v)", c.q, r.Status, r.Entry, c.entry, ex.Tokens, ex.Synonyms)
		}
	}
	if ex := b.Explain("msk rads"); len(ex.Synonyms) == 0 {
		t.Error("explain shows no synonym applied for 'msk rads'")
	}
}

// A group's multi-word first term stays whole: a shorter synonym inside it ("interventional",
// "taster") must not be rewritten to the whole phrase and leave the rest of it doubled.
func TestSynonymCanonicalKeptWhole(t *testing.T) {
	b := newDefaultBot(t, bot.Options{})
	for _, c := range []struct{ q, want string }{
		{"interventional radiology training", "intervent radiolog train"},
		{"how do I organise a taster week", "how organis taster week"},
		{"interventional training", "intervent radiolog train"}, // the synonym is still rewritten
	} {
		ex := b.Explain(c.q)
		if got := strings.Join(ex.Tokens, " "); got != c.want {
			t.Errorf("%q: tokens %q, want %q (synonyms %v)", c.q, got, c.want, ex.Synonyms)
		}
	}
	if ex := b.Explain("interventional radiology"); len(ex.Synonyms) != 0 {
		t.Errorf("explain reports %v for a phrase left as written", ex.Synonyms)
	}
}

// When the bot offers choices (clarify or "did you mean"), the next message can pick one by number,
// ordinal or words of its title.
func TestChoicePick(t *testing.T) {
	for _, pick := range []string{"2", "the second one", "therapeutic"} {
		t.Run(pick, func(t *testing.T) {
			b := newDefaultBot(t, bot.Options{})
			user := "pick-" + pick
			r := ask(b, user, "radiographer career")
			if r.Status != bot.StatusClarify && r.Status != bot.StatusSuggest || len(r.Candidates) < 2 {
				t.Fatalf("status %s with %d candidates, want choices", r.Status, len(r.Candidates))
			}
			want := r.Candidates[1].ID
			if pick == "therapeutic" {
				want = "therapeutic-radiographer"
				if !hasCandidate(r, want) {
					t.Fatalf("candidates %v lack %s", r.Candidates, want)
				}
			}
			got := ask(b, user, pick)
			if got.Status != bot.StatusAnswered || got.Entry.ID != want {
				t.Fatalf("pick %q: got %s %v, want %s", pick, got.Status, got.Entry, want)
			}
		})
	}
}

// Issue 11: context resolves elliptical follow-ups only; a question that stands on its own is answered on
// its own.
func TestFollowUps(t *testing.T) {
	cases := []struct{ first, follow, want string }{
		{"how long is radiology training", "and for IR?", "ir-training"},
		{"how long is radiology training", "how long does it take", "training-length"},
		{"what do consultant radiologists do day to day", "how much do they earn?", "consultant-pay"},
		// A neighbour of the last answer swaps the topic: MRI, not the entry comparing CT with MRI.
		{"what is a CT scan", "how about MRI?", "mri"},
		{"what is msk radiology", "and neuro?", "neuroradiology"},
		// Not a follow-up: the last answer's context must not hijack it.
		{"how long is radiology training", "what is an angioplasty", "angioplasty-stenting"},
		{"what do consultant radiologists earn", "what is fluoroscopy", "fluoroscopy"},
	}
	for i, c := range cases {
		t.Run(c.follow, func(t *testing.T) {
			b := newDefaultBot(t, bot.Options{})
			user := fmt.Sprint("follow-", i)
			if r := ask(b, user, c.first); r.Status != bot.StatusAnswered {
				t.Fatalf("first question: %s", r.Status)
			}
			if r := ask(b, user, c.follow); r.Status != bot.StatusAnswered || r.Entry.ID != c.want {
				t.Fatalf("follow-up: got %s %v, want %s", r.Status, r.Entry, c.want)
			}
		})
	}
}

func TestFollowUpContextIsPerConversationAndExpires(t *testing.T) {
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	b := newDefaultBot(t, bot.Options{Now: clock, ContextTTL: 10 * time.Minute})
	ask(b, "alice", "how long is radiology training")

	// Bob, in the same channel, has no context from Alice.
	if r := ask(b, "bob", "and for IR?"); r.Status == bot.StatusAnswered && r.Entry.ID == "ir-training" {
		t.Error("bob's follow-up used alice's context")
	}
	// Alice in another channel has none either.
	r := b.Answer(context.Background(), bot.Query{Platform: "test", ConversationID: "other", UserID: "alice", Text: "and for IR?"})
	if r.Status == bot.StatusAnswered && r.Entry.ID == "ir-training" {
		t.Error("context leaked across channels")
	}
	// After the TTL, alice's context is gone.
	now = now.Add(11 * time.Minute)
	if r := ask(b, "alice", "and for IR?"); r.Status == bot.StatusAnswered && r.Entry.ID == "ir-training" {
		t.Error("context outlived its TTL")
	}
	// Within it, it holds.
	ask(b, "alice", "how long is radiology training")
	now = now.Add(9 * time.Minute)
	if r := ask(b, "alice", "and for IR?"); r.Status != bot.StatusAnswered || r.Entry.ID != "ir-training" {
		t.Errorf("follow-up within TTL: got %s %v", r.Status, r.Entry)
	}
}

func TestEntryIDAnswersDirectly(t *testing.T) {
	b := newDefaultBot(t, bot.Options{})
	r := b.Answer(context.Background(), bot.Query{Platform: "test", UserID: "u", EntryID: "evar"})
	if r.Status != bot.StatusAnswered || r.Entry.ID != "evar" {
		t.Fatalf("got %s %v", r.Status, r.Entry)
	}
	// An id that no longer exists (a stale button after a reload) is not an error.
	r = b.Answer(context.Background(), bot.Query{Platform: "test", UserID: "u", EntryID: "gone", Text: "What is EVAR?"})
	if r.Status != bot.StatusAnswered || r.Entry.ID != "evar" {
		t.Fatalf("stale id with label: got %s %v", r.Status, r.Entry)
	}
	r = b.Answer(context.Background(), bot.Query{Platform: "test", UserID: "u", EntryID: "gone"})
	if r.Status != bot.StatusFallback {
		t.Fatalf("stale id without label: got %s, want fallback", r.Status)
	}
}

func TestLimits(t *testing.T) {
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	b := newDefaultBot(t, bot.Options{MaxQuestionChars: 50, RatePerMinute: 2, RateBurst: 2, Now: func() time.Time { return now }})
	if r := ask(b, "u1", strings.Repeat("radiology ", 10)); r.Status != bot.StatusLimited || !strings.Contains(r.Text, "50") {
		t.Fatalf("long question: %s %q", r.Status, r.Text)
	}
	ask(b, "u2", "what is ct")
	ask(b, "u2", "what is mri")
	if r := ask(b, "u2", "what is ultrasound"); r.Status != bot.StatusLimited {
		t.Fatalf("third question in a burst of 2: %s", r.Status)
	}
	if r := ask(b, "u3", "what is ultrasound"); r.Status != bot.StatusAnswered {
		t.Fatalf("another user is not limited: %s", r.Status)
	}
	now = now.Add(time.Minute)
	if r := ask(b, "u2", "what is ultrasound"); r.Status != bot.StatusAnswered {
		t.Fatalf("after a minute: %s", r.Status)
	}
}

func TestSetKnowledgeWhileAnswering(t *testing.T) {
	base := defaultBase(t)
	b := bot.New(base, bot.Options{})
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if r := ask(b, fmt.Sprint(i), "how long is radiology training"); r.Status != bot.StatusAnswered {
					t.Errorf("status %s during reload", r.Status)
					return
				}
			}
		}(i)
	}
	for j := 0; j < 3; j++ { // each swap builds an index: a few are enough to overlap the questions
		b.SetKnowledge(base)
	}
	wg.Wait()
}

// TestSharedIndexOnlyForItsBase: a prebuilt index is used only for the base it was built from.
func TestSharedIndexOnlyForItsBase(t *testing.T) {
	t.Parallel()
	other := syntheticBase(20)
	b := bot.New(other, bot.Options{Index: defaultIndex()})
	if b.Knowledge() != other {
		t.Fatal("the bot serves the shared index's knowledge, not the base it was given")
	}
	if got := newDefaultBot(t, bot.Options{}); got.Knowledge() != defaultBase(t) {
		t.Fatal("the shared index does not serve the default knowledge")
	}
}

func TestNormalize(t *testing.T) {
	cases := map[string]string{
		"How LONG is Radiology training?!": "how long is radiology training",
		"Pediatric tumor centers":          "paediatric tumour centres",
		"specialized in anesthesia":        "specialised in anaesthesia",
		"What's the radiologist’s role":    "what the radiologist role",
	}
	for in, want := range cases {
		if got := bot.Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestUKSpellings(t *testing.T) {
	for in, want := range map[string]string{"organizations": "organisations", "specializing": "specialising", "size": "size", "hemorrhage": "haemorrhage", "Café": "cafe"} {
		if got := bot.Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// Explain is capped like a question: an over-long text is not analysed (issue 15).
func TestExplainIsCapped(t *testing.T) {
	t.Parallel()
	b := newDefaultBot(t, bot.Options{MaxQuestionChars: 100})
	ex := b.Explain(strings.Repeat("radiology training ", 10000))
	if ex.Reply.Status != bot.StatusLimited || len(ex.Top) != 0 || len(ex.Tokens) != 0 {
		t.Errorf("over-long explain: status %s, %d candidates, %d tokens; want limited and no analysis", ex.Reply.Status, len(ex.Top), len(ex.Tokens))
	}
}

// The sweep recommends exactly one decision policy and one safety cut, and another than the one in use
// only when it beats it by more than the noise (the README's rule for adopting a policy).
func TestSweepRecommendsOnlySignificantGains(t *testing.T) {
	cv := newDefaultBot(t, bot.Options{}).CrossValidate(true)
	chosen, current := 0, 0
	for _, p := range cv.Sweep {
		if p.Current {
			current++
			if p.Gain != 0 || p.GainSE != 0 {
				t.Errorf("the policy in use gains %v ± %v over itself", p.Gain, p.GainSE)
			}
		}
		if p.Chosen {
			chosen++
			if !p.Current && p.Gain <= 2*p.GainSE {
				t.Errorf("recommended %+v: gain %.1f is within twice its standard error %.1f", p, p.Gain, p.GainSE)
			}
		}
	}
	if chosen != 1 || current != 1 {
		t.Errorf("decision sweep: %d chosen, %d current; want one of each", chosen, current)
	}
	chosen, current = 0, 0
	var inUse bot.SafetyScore
	for _, p := range cv.SafetySweep {
		if p.Current {
			current++
			inUse = p
		}
	}
	for _, p := range cv.SafetySweep {
		if !p.Chosen {
			continue
		}
		chosen++
		if !p.Current && inUse.Allowed && float64(p.Gained-p.Lost) <= 2*math.Sqrt(float64(p.Gained+p.Lost)) {
			t.Errorf("recommended safety cut %+v: +%d -%d is not significant", p, p.Gained, p.Lost)
		}
	}
	if chosen != 1 || current != 1 {
		t.Errorf("safety sweep: %d chosen, %d current; want one of each", chosen, current)
	}
}
