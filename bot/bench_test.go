package bot_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// benchQuestions are typical questions, not copies of phrasings, with a few typos and out-of-scope ones.
var benchQuestions = []string{
	"how long is radiology training",
	"what do consultant radiologists earn",
	"how competitve is st1 radiology",
	"what is interventional radiology",
	"what happens in the FRCR 2A exam",
	"can I train less than full time",
	"what is a fibroid embolisation",
	"is mri ionising radiation",
	"best pizza near campus",
	"how long is GP training",
	"my dad needs an angioplasty, is it dangerous?",
	"what does an msk radiologist do",
	"do radiologists see patients",
	"will AI replace radiologists",
	"how do I apply for radiology",
	"thanks!",
}

// BenchmarkAnswer measures one question on the default content, end to end through Answer (safety,
// smalltalk, typo correction, synonyms, ranking, conversation context). Run with -cpu 1 -count 10 and
// benchstat for the median.
func BenchmarkAnswer(b *testing.B) {
	bt := bot.New(defaultBase(b), bot.Options{})
	ctx := context.Background()
	q := bot.Query{Platform: "bench", ConversationID: "c", UserID: "u"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		q.Text = benchQuestions[i%len(benchQuestions)]
		bt.Answer(ctx, q)
		i++
	}
}

// BenchmarkLoadAndIndex measures start-up: parse and validate the embedded YAML, then build the index.
func BenchmarkLoadAndIndex(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		base, err := knowledge.Default()
		if err != nil {
			b.Fatal(err)
		}
		bot.NewIndex(base)
	}
}

// syntheticBase generates n entries from a vocabulary that grows with n, shaped like the real content:
// a title, seven phrasings of five to nine words, three keywords and two related ids.
func syntheticBase(n int) *knowledge.Base {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	vocab := make([]string, 2000+n/2)
	for i := range vocab {
		vocab[i] = syntheticWord(rng)
	}
	common := vocab[:200] // words shared by many entries, like "radiology" and "training"
	phrase := func(k int, own []string) string {
		ws := make([]string, 0, k)
		for j := 0; j < k; j++ {
			switch rng.IntN(3) {
			case 0:
				ws = append(ws, common[rng.IntN(len(common))])
			default:
				ws = append(ws, own[rng.IntN(len(own))])
			}
		}
		return strings.Join(ws, " ")
	}
	entries := make([]*knowledge.Entry, n)
	for i := range entries {
		own := make([]string, 6)
		for j := range own {
			own[j] = vocab[200+rng.IntN(len(vocab)-200)]
		}
		e := &knowledge.Entry{ID: fmt.Sprintf("e%d", i), Title: phrase(6, own), Topic: fmt.Sprintf("t%d", i%20)}
		for j := 0; j < 7; j++ {
			e.Questions = append(e.Questions, phrase(5+rng.IntN(5), own))
		}
		e.Keywords = own[:3]
		e.Related = []string{fmt.Sprintf("e%d", (i+1)%n), fmt.Sprintf("e%d", (i+2)%n)}
		e.Answer = "answer"
		entries[i] = e
	}
	return knowledge.New(entries, nil, knowledge.Texts{Fallback: "?", Refusal: "111 GP 999"})
}

func syntheticWord(rng *rand.Rand) string {
	const cons, vows = "bcdfghklmnprstvz", "aeiou"
	var sb strings.Builder
	for k := 0; k < 3+rng.IntN(2); k++ {
		sb.WriteByte(cons[rng.IntN(len(cons))])
		sb.WriteByte(vows[rng.IntN(len(vows))])
	}
	return sb.String()
}

var sizes = []int{100, 1000, 10000}

// BenchmarkIndexBuild shows how building the index grows with the size of the knowledge base.
func BenchmarkIndexBuild(b *testing.B) {
	for _, n := range sizes {
		base := syntheticBase(n)
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bot.NewIndex(base)
			}
		})
	}
}

// BenchmarkAnswerSynthetic shows how answering grows with the size of the knowledge base. Questions are
// variations of generated phrasings (words dropped and reordered), so they hit real posting lists.
func BenchmarkAnswerSynthetic(b *testing.B) {
	for _, n := range sizes {
		base := syntheticBase(n)
		bt := bot.New(base, bot.Options{})
		rng := rand.New(rand.NewPCG(7, 7))
		qs := make([]string, 256)
		for i := range qs {
			e := base.Entries[rng.IntN(n)]
			ws := strings.Fields(e.Questions[rng.IntN(len(e.Questions))])
			rng.Shuffle(len(ws), func(a, c int) { ws[a], ws[c] = ws[c], ws[a] })
			qs[i] = strings.Join(ws[:len(ws)-1], " ")
		}
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			ctx := context.Background()
			q := bot.Query{Platform: "bench", ConversationID: "c", UserID: "u"}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				q.Text = qs[i%len(qs)]
				bt.Answer(ctx, q)
				i++
			}
		})
	}
}

// BenchmarkTypos measures a question with four misspelt words, each corrected through the deletion
// index, on the default content and on 10,000 synthetic entries.
func BenchmarkTypos(b *testing.B) {
	b.Run("default", func(b *testing.B) {
		bt := bot.New(defaultBase(b), bot.Options{})
		q := bot.Query{Platform: "bench", ConversationID: "c", UserID: "u",
			Text: "how compettive is intervnetional radiolgy trainnig"}
		b.ReportAllocs()
		for b.Loop() {
			bt.Answer(context.Background(), q)
		}
	})
	b.Run("entries=10000", func(b *testing.B) {
		base := syntheticBase(10000)
		bt := bot.New(base, bot.Options{})
		// Four words of a phrasing, each with two letters swapped.
		ws := strings.Fields(base.Entries[42].Questions[0])
		for i := 0; i < 4 && i < len(ws); i++ {
			r := []byte(ws[i])
			r[1], r[2] = r[2], r[1]
			ws[i] = string(r)
		}
		q := bot.Query{Platform: "bench", ConversationID: "c", UserID: "u", Text: strings.Join(ws, " ")}
		b.ReportAllocs()
		for b.Loop() {
			bt.Answer(context.Background(), q)
		}
	})
}
