package bot

import (
	"strings"

	"github.com/kljensen/snowball/english"

	"github.com/radbot/radbot/knowledge"
)

// The analyzer turns a text into the terms matching compares. Every text takes the same path: the
// knowledge's phrasings, titles, keywords and answers when the index is built, the out-of-scope and safety
// examples, and every question.
//
//	words (knowledge.Words: NFKC, invisible characters dropped, lower case, UK spelling)
//	→ chat spellings ("wat", "u", "n") read as the words they stand for
//	→ lemma (irregular forms: "paid" → "pay", "got" → "get") and Snowball stem
//	→ typo correction of words the knowledge has never seen (questions only)
//	→ synonyms rewritten to their group's first term (synonyms.yaml)
//	→ stop words and chat fillers dropped: they never count as content.

// token is one word of a text on its way through the analyzer.
type token struct {
	raw  string // the word after chat spelling and typo correction
	stem string
	stop bool
}

// chatWords are chat spellings of ordinary words.
var chatWords = map[string]string{
	"wat": "what", "wot": "what", "wut": "what", "whats": "what", "u": "you", "ur": "your", "r": "are",
	"n": "and", "y": "why", "pls": "please", "plz": "please", "thx": "thanks", "ty": "thanks",
	"coz": "because", "cos": "because", "cuz": "because", "bc": "because", "abt": "about", "b4": "before",
	"ppl": "people", "gonna": "going", "wanna": "want", "gotta": "got", "tho": "though", "thru": "through",
	"dat": "that", "da": "the", "im": "i", "ive": "i", "id": "i", "ill": "i", "dont": "do", "doesnt": "does",
	"didnt": "did", "isnt": "is", "arent": "are", "cant": "can", "couldnt": "could", "wouldnt": "would",
	"shouldnt": "should", "wont": "will", "aint": "is", "w": "with", "wrt": "about", "re": "about",
	"yrs": "years", "yr": "year", "hrs": "hours", "hr": "hour", "wk": "week", "wks": "weeks", "mo": "month",
	"mos": "months", "mths": "months", "uni": "university", "dept": "department", "approx": "about",
	"govt": "government", "info": "information", "tbf": "", "tbh": "", "ngl": "", "imo": "", "imho": "",
	"idk": "", "lol": "", "lmao": "", "pls.": "", "fyi": "", "btw": "", "rn": "now", "atm": "now",
	"asap": "soon", "kinda": "", "sorta": "", "dunno": "", "yeah": "", "yep": "", "nah": "", "ok": "",
	"okay": "", "hmm": "", "um": "", "uh": "", "omg": "", "shud": "should", "shld": "should", "wud": "would",
	"wld": "would", "cud": "could", "tmrw": "tomorrow", "tmr": "tomorrow", "tmw": "tomorrow", "til": "until",
	"bcos": "because", "bcoz": "because", "becoz": "because", "wiv": "with", "ya": "you",
}

// lemmas maps irregular word forms to the form the stemmer treats like the rest of the family: "paid" and
// "pay", "got into" and "get into", "sat the exam" and "sit the exam".
var lemmas = map[string]string{
	"paid": "pay", "earnt": "earn", "got": "get", "gotten": "get", "went": "go", "gone": "go", "did": "do",
	"done": "do", "made": "make", "took": "take", "taken": "take", "women": "woman", "men": "man",
	"children": "child", "better": "good", "best": "good", "worse": "bad", "worst": "bad", "chose": "choose",
	"chosen": "choose", "thought": "think", "taught": "teach", "bought": "buy", "sat": "sit", "spent": "spend",
	"knew": "know", "known": "know", "grew": "grow", "wrote": "write", "written": "write", "felt": "feel",
	"kept": "keep", "met": "meet", "said": "say", "saw": "see", "seen": "see", "sent": "send", "told": "tell",
	"understood": "understand", "won": "win", "held": "hold", "fell": "fall", "fallen": "fall", "gave": "give",
	"given": "give", "came": "come", "became": "become", "began": "begin", "begun": "begin", "ran": "run",
	"brought": "bring", "found": "find", "heard": "hear", "lost": "lose", "meant": "mean", "led": "lead",
	"left": "leave", "failed": "fail", "passed": "pass", "studied": "study", "applied": "apply",
	"qualified": "qualify", "trained": "train", "worked": "work", "mice": "mouse", "feet": "foot",
	"teeth": "tooth", "people": "person", "lives": "life", "wives": "wife", "data": "data", "media": "media",
	"x-rays": "xray", "xrays": "xray",
}

// stopWords carry no meaning for matching: question words, pronouns, fillers and chat words. Words that
// change what is asked ("long", "pay", "before", "after", "without") are not here.
var stopWords = toSet(`a about above again all also am an and any anyone anything are aren as at be
because been being below between both but by can cant could couldnt did didnt do does doesnt doing
dont down during each else even ever every few for from further get gets getting give go going got had
has have having he her here hers herself him himself his however i id if ill im in into is isnt it its
itself ive just kind know let lets like ll me might mine more most must my myself need needs no nor now of
off often on once one only or other our ours ourselves out over own please pls plz really re same say see
seem she should so some someone something sort still such tell than thank thanks that thats the their
theirs them themselves then there these they thing things this those through thus to too u under until up
upon us use very via was wasnt way we well were what whats whether while whose will with
within wonder wondering would wouldnt yeah yes yet you youre your yours yourself ur r actually
basically currently generally usually typically exactly anyway okay ok hey hi hello involve involves
involved involving entail entails done much many lot lots quite pretty bit little guys guy anybody
someone somebody though although also maybe perhaps probably possible possibly literally honestly
seriously genuinely realistically ask asking asked want wanted wants wondered curious interested
interesting thinking think considering consider looking look hoping hope trying try tried keen wish mate
mates friend friends told heard hear apparently people person everyone`)

// questionWords say what kind of answer is wanted ("how do I apply" is the process, "who can apply" the
// eligibility, "when do applications open" the timeline). They weigh little (questionWeight) but can
// tell two close entries apart.
var questionWords = toSet(`how who when why where which whom`)

// questionStems are the question words as the matcher sees them, stemmed: "why" is "whi".
var questionStems = func() map[string]bool {
	m := map[string]bool{}
	for w := range questionWords {
		m[stem(w)] = true
	}
	return m
}()

// gradeWords name a grade or stage of training. In a question with another topic ("st3 pay", "F2
// applying") they qualify the topic rather than being it, so they weigh half. They are compared with
// stems: "students" is "student". "trainee", "consultant" and "resident" (stems "traine", "consult",
// "resid") were listed here but never matched, and weighing them half as well made cross-validation
// worse (correct 1806 -> 1796 of 3142), so they weigh in full: "consultant pay" and "trainee pay" are
// different questions.
var gradeWords = toSet(`st1 st2 st3 st4 st5 st6 st7 st8 f1 f2 fy1 fy2 ct1 ct2 ct3 reg registrar spr str
student medic junior sho`)

func toSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// chatWord returns what a chat spelling stands for ("" for a pure filler), and whether it is one.
func chatWord(w string) (string, bool) {
	r, ok := chatWords[w]
	return r, ok
}

// lemma returns the base form of an irregular word, or the word.
func lemma(w string) string {
	if l, ok := lemmas[w]; ok {
		return l
	}
	return w
}

// stem returns the Snowball (Porter2) stem of a lower-case word, after its lemma.
func stem(w string) string {
	w = lemma(w)
	if len(w) < 3 || w[0] >= '0' && w[0] <= '9' {
		return w
	}
	// Porter2 makes "radiographer" "radiograph", the film; a radiographer is a person, so keep
	// professions in -grapher apart from what they make.
	if strings.HasSuffix(w, "grapher") || strings.HasSuffix(w, "graphers") {
		return strings.TrimSuffix(w, "s")
	}
	return english.Stem(w, true)
}

// stemMemo remembers the stems of the words of one message that the index does not know, so that the
// crisis check, the safety classifier and the matching stem each only once. A nil memo remembers nothing.
type stemMemo struct {
	n    int
	w, s [16]string
}

// stem returns stem(w), computed once per message.
func (m *stemMemo) stem(w string) string {
	if m == nil {
		return stem(w)
	}
	for i := 0; i < m.n; i++ {
		if m.w[i] == w {
			return m.s[i]
		}
	}
	s := stem(w)
	if m.n < len(m.w) {
		m.w[m.n], m.s[m.n] = w, s
		m.n++
	}
	return s
}

// wordStem returns a word's stem, from the stems the index already knows when it can: the Snowball
// stemmer is the costliest step of reading a question.
func (ix *Index) wordStem(w string, memo *stemMemo) string {
	if ix != nil {
		if s, ok := ix.stems[w]; ok && ix.aliases[w] == "" {
			return s
		}
	}
	return memo.stem(w)
}

// Normalize returns the canonical form of a text (knowledge.Normalize): lower case, invisible characters
// dropped, punctuation-free, UK-spelt. Maintainers' reports group questions by it.
func Normalize(text string) string { return knowledge.Normalize(text) }

// words is knowledge.Words: the one tokenizer behind matching, safety, lint and the report.
func words(text string) []string { return knowledge.Words(text) }

// trace records what the analyzer did, for --explain. A nil trace records nothing.
type trace struct {
	Corrections []string
	Synonyms    []string
}

// wordTokens turns normalised words into tokens: chat spellings read, stems taken, stop words marked,
// and (when correct is set) words the knowledge has never seen corrected to a known word.
func (ix *Index) wordTokens(ws []string, tr *trace, correct bool) []token {
	return ix.wordTokensMemo(ws, tr, correct, nil)
}

// wordTokensMemo is wordTokens with the message's stem memo.
func (ix *Index) wordTokensMemo(ws []string, tr *trace, correct bool, memo *stemMemo) []token {
	out := make([]token, 0, len(ws))
	for _, w := range ws {
		if r, ok := chatWord(w); ok {
			if r == "" {
				continue
			}
			w = r
		}
		s, known := ix.stems[w]
		if tr != nil {
			if c, ok := ix.aliases[w]; ok {
				tr.Corrections = append(tr.Corrections, w+" → "+c)
			}
		}
		if !known {
			s = memo.stem(w)
			_, known = ix.terms[s]
		}
		if !known && correct && !stopWords[w] {
			if c := ix.correct(w); c != "" {
				if tr != nil {
					tr.Corrections = append(tr.Corrections, w+" → "+c)
				}
				w, s = c, ix.stems[c]
			}
		}
		out = append(out, token{raw: w, stem: s, stop: stopWords[w]})
	}
	return out
}

// analyze turns text into the stems that matching compares.
func (ix *Index) analyze(text string, tr *trace) []string {
	return ix.finish(ix.wordTokens(words(text), tr, true), tr)
}

// finish rewrites synonyms and drops stop words.
func (ix *Index) finish(toks []token, tr *trace) []string {
	toks = ix.rewriteSynonyms(toks, tr)
	out := make([]string, 0, len(toks))
	for _, t := range toks {
		if !t.stop {
			out = append(out, t.stem)
		}
	}
	return out
}

// synRule rewrites a sequence of stems (one synonym term) to the group's canonical term.
type synRule struct {
	from []string
	to   []token
	text string // the term as written, for --explain
	// identity: the group's own multi-word first term, matched only to keep it whole (not reported)
	identity bool
}

func (ix *Index) rewriteSynonyms(toks []token, tr *trace) []token {
	var out []token
	for i := 0; i < len(toks); {
		rules := ix.syn[toks[i].stem]
		matched := false
		for _, r := range rules {
			if i+len(r.from) > len(toks) {
				continue
			}
			ok := true
			for k, s := range r.from {
				if toks[i+k].stem != s {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			if out == nil {
				out = append(make([]token, 0, len(toks)+4), toks[:i]...)
			}
			// A synonym is meaningful even when its words are stop words ("US", "on call").
			for _, t := range r.to {
				t.stop = false
				out = append(out, t)
			}
			if tr != nil && !r.identity {
				tr.Synonyms = append(tr.Synonyms, r.text)
			}
			i += len(r.from)
			matched = true
			break
		}
		if !matched {
			if out != nil {
				out = append(out, toks[i])
			}
			i++
		}
	}
	if out == nil {
		return toks
	}
	return out
}
