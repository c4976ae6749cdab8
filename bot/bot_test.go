package bot_test

import (
	"context"
	"fmt"
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

func ask(b *bot.Bot, user, text string) bot.Reply {
	return b.Answer(context.Background(), bot.Query{Platform: "test", ConversationID: "chan", UserID: user, Text: text})
}

// The questions here are written for the tests: none is a copy of an entry's phrasings.
func TestStatuses(t *testing.T) {
	b := bot.New(defaultBase(t), bot.Options{})
	cases := []struct {
		q      string
		status bot.Status
		entry  string
	}{
		{"how long is radiology training", bot.StatusAnswered, "training-length"},
		{"roughly how many years of specialty training does a radiologist do in the UK", bot.StatusAnswered, "training-length"},
		{"what is an angioplasty", bot.StatusAnswered, "angioplasty-stenting"},
		{"how competitive is getting an ST1 radiology number", bot.StatusAnswered, "competition-ratios"},
		{"could AI end up doing the radiologist's job", bot.StatusAnswered, "ai-in-radiology"},
		{"radiographer career", bot.StatusClarify, ""},
		{"best pizza near campus", bot.StatusFallback, ""},
		{"1", bot.StatusFallback, ""},
		{"how long is GP training", bot.StatusFallback, ""},
		{"what does a cardiology registrar earn", bot.StatusFallback, ""},
		{"my dad needs an angioplasty, is it dangerous?", bot.StatusRefused, ""},
		{"I've had a headache for a week after my CT, what should I do", bot.StatusRefused, ""},
		{"hello!", bot.StatusSmalltalk, ""},
		{"thanks so much", bot.StatusSmalltalk, ""},
		{"help", bot.StatusSmalltalk, ""},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			r := ask(b, "u-"+c.q, c.q)
			if r.Status != c.status {
				t.Fatalf("status = %s, want %s (reply %+v)", r.Status, c.status, r.Candidates)
			}
			if c.entry != "" && (r.Entry == nil || r.Entry.ID != c.entry) {
				t.Fatalf("entry = %v, want %s", r.Entry, c.entry)
			}
			if strings.TrimSpace(r.Text) == "" {
				t.Error("reply has no text to show")
			}
			switch r.Status {
			case bot.StatusAnswered:
				if len(r.Related) == 0 || len(r.Related) > 3 {
					t.Errorf("related = %d entries, want 1-3", len(r.Related))
				}
			case bot.StatusClarify:
				if len(r.Candidates) < 2 || len(r.Candidates) > 3 {
					t.Errorf("candidates = %d, want 2 or 3", len(r.Candidates))
				}
			case bot.StatusFallback:
				if len(r.Links) == 0 {
					t.Error("fallback gives no links to look at")
				}
			case bot.StatusRefused:
				for _, want := range []string{"111", "GP", "999"} {
					if !strings.Contains(r.Text, want) {
						t.Errorf("refusal does not mention %s", want)
					}
				}
			}
		})
	}
}

func TestCareerQuestionsAboutProceduresAreNotRefused(t *testing.T) {
	b := bot.New(defaultBase(t), bot.Options{})
	career := []string{
		"what is an angioplasty",
		"do interventional radiologists do fibroid embolisation",
		"I had a taster week in MRI, does that help my application",
		"how do I get into interventional radiology",
		"I'm an FY2, should I apply for radiology",
		"is a CT scan ionising radiation",
		"can I train in radiology part time",
	}
	for _, q := range career {
		if r := ask(b, "u", q); r.Status == bot.StatusRefused {
			t.Errorf("%q was refused as medical", q)
		}
	}
	medical := []string{
		"my mum has a lump in her breast, should she get a mammogram",
		"I'm pregnant, is an x-ray safe for me",
		"my CT report says there is a nodule, should I worry",
		"is the MRI I'm having tomorrow safe with my pacemaker",
		"my boyfriend needs a biopsy next week, what are the risks",
		"as a medical student I get chest pain when I run",
	}
	for _, q := range medical {
		if r := ask(b, "u", q); r.Status != bot.StatusRefused {
			t.Errorf("%q: status %s, want refused", q, r.Status)
		}
	}
}

func TestTyposAreCorrected(t *testing.T) {
	b := bot.New(defaultBase(t), bot.Options{})
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
	b := bot.New(defaultBase(t), bot.Options{})
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

func TestClarifyPick(t *testing.T) {
	for _, pick := range []string{"2", "the second one", "therapeutic"} {
		t.Run(pick, func(t *testing.T) {
			b := bot.New(defaultBase(t), bot.Options{})
			r := ask(b, "u", "radiographer career")
			if r.Status != bot.StatusClarify {
				t.Fatalf("status %s, want clarify", r.Status)
			}
			want := r.Candidates[1].ID
			if pick == "therapeutic" {
				want = "therapeutic-radiographer"
			}
			got := ask(b, "u", pick)
			if got.Status != bot.StatusAnswered || got.Entry.ID != want {
				t.Fatalf("pick %q: got %s %v, want %s", pick, got.Status, got.Entry, want)
			}
		})
	}
}

func TestFollowUps(t *testing.T) {
	cases := []struct{ first, follow, want string }{
		{"how long is radiology training", "and for IR?", "ir-training"},
		{"how long is radiology training", "what about the exams?", "frcr-exams"},
		{"what do consultant radiologists do day to day", "how much do they earn?", "consultant-pay"},
	}
	for _, c := range cases {
		t.Run(c.follow, func(t *testing.T) {
			b := bot.New(defaultBase(t), bot.Options{})
			if r := ask(b, "alice", c.first); r.Status != bot.StatusAnswered {
				t.Fatalf("first question: %s", r.Status)
			}
			if r := ask(b, "alice", c.follow); r.Status != bot.StatusAnswered || r.Entry.ID != c.want {
				t.Fatalf("follow-up: got %s %v, want %s", r.Status, r.Entry, c.want)
			}
		})
	}
}

func TestFollowUpContextIsPerConversationAndExpires(t *testing.T) {
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	b := bot.New(defaultBase(t), bot.Options{Now: clock, ContextTTL: 10 * time.Minute})
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
	b := bot.New(defaultBase(t), bot.Options{})
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
	b := bot.New(defaultBase(t), bot.Options{MaxQuestionChars: 50, RatePerMinute: 2, RateBurst: 2, Now: func() time.Time { return now }})
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
	for j := 0; j < 10; j++ {
		b.SetKnowledge(base)
	}
	wg.Wait()
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
