package bot

import (
	"strings"
	"unicode"

	"github.com/kljensen/snowball/english"
)

// token is one word of a text on its way through the analyzer.
type token struct {
	raw  string // lower-cased word, UK spelling, after any typo correction
	stem string
	stop bool
}

// Normalize returns the lower-case, punctuation-free, UK-spelt form of a text. Maintainers' reports group
// questions by it.
func Normalize(text string) string {
	return strings.Join(words(text), " ")
}

// words splits text into lower-case words of letters and digits, in UK spelling. Apostrophes join
// ("i'm" → "im"); a possessive "'s" is dropped. It is on every question's path, so the common case (plain
// ASCII) slices one lower-cased copy of the text instead of building each word.
func words(text string) []string {
	lower := strings.ToLower(text)
	for i := 0; i < len(lower); i++ {
		if lower[i] >= 0x80 {
			lower = strings.Map(foldRune, lower)
			break
		}
	}
	out := make([]string, 0, 16)
	start, apos := -1, false
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := lower[start:end]
		start = -1
		if apos {
			apos = false
			w = strings.TrimRight(w, "'")
			w = strings.TrimSuffix(w, "'s")
			w = strings.ReplaceAll(w, "'", "")
		}
		if w != "" {
			out = append(out, ukSpelling(w))
		}
	}
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80:
			if start < 0 {
				start = i
			}
		case c == '\'' && start >= 0:
			apos = true
		default:
			flush(i)
		}
	}
	flush(len(lower))
	return out
}

// foldRune maps curly apostrophes to straight ones, folds common accents, and turns other non-letters
// into spaces.
func foldRune(r rune) rune {
	switch {
	case r == '’' || r == '‘':
		return '\''
	case r < 0x80:
		return r
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		return foldAccent(r)
	}
	return ' '
}

func foldAccent(r rune) rune {
	switch r {
	case 'é', 'è', 'ê', 'ë', 'É':
		return 'e'
	case 'á', 'à', 'â', 'ä':
		return 'a'
	case 'ó', 'ò', 'ô', 'ö':
		return 'o'
	case 'í', 'ì', 'î', 'ï':
		return 'i'
	case 'ú', 'ù', 'û', 'ü':
		return 'u'
	}
	return r
}

// usToUK maps whole US words to UK ones where no suffix rule applies.
var usToUK = map[string]string{
	"tumor": "tumour", "tumors": "tumours", "color": "colour", "behavior": "behaviour", "labor": "labour",
	"favorite": "favourite", "center": "centre", "centers": "centres", "fiber": "fibre", "program": "programme",
	"programs": "programmes", "esophagus": "oesophagus", "fetal": "foetal", "anemia": "anaemia",
	"mom": "mum", "moms": "mums", "counseling": "counselling", "traveling": "travelling", "enrollment": "enrolment",
	"gray": "grey", "analyze": "analyse", "analyzing": "analysing", "catheterization": "catheterisation",
}

// usPrefixes maps US word beginnings to UK ones (pediatric → paediatric, anesthetic → anaesthetic).
var usPrefixes = [][2]string{
	{"pediatr", "paediatr"}, {"anesth", "anaesth"}, {"hemorrh", "haemorrh"}, {"hematol", "haematol"},
	{"hemato", "haemato"}, {"esophag", "oesophag"}, {"gynec", "gynaec"}, {"orthoped", "orthopaed"},
	{"hemat", "haemat"}, {"edema", "oedema"}, {"estrogen", "oestrogen"}, {"ischem", "ischaem"},
}

// izeExceptions end in "ize" but are not the -ise/-ize spelling pair.
var izeExceptions = map[string]bool{"size": true, "sizes": true, "prize": true, "prizes": true, "seize": true, "capsize": true}

// ukSpelling turns a lower-case US spelling into the UK one the knowledge is written in.
func ukSpelling(w string) string {
	if len(w) < 5 {
		return w
	}
	if uk, ok := usToUK[w]; ok {
		return uk
	}
	switch w[0] {
	case 'p', 'a', 'h', 'e', 'g', 'o', 'i':
	default:
		return ukSuffix(w)
	}
	for _, p := range usPrefixes {
		if strings.HasPrefix(w, p[0]) {
			return p[1] + w[len(p[0]):]
		}
	}
	return ukSuffix(w)
}

func ukSuffix(w string) string {
	if len(w) < 6 || !strings.Contains(w[max(0, len(w)-8):], "iz") || izeExceptions[w] {
		return w
	}
	for _, suf := range [...]string{"ization", "izations", "izing", "ized", "izes", "izer", "izers", "ize"} {
		if strings.HasSuffix(w, suf) {
			return w[:len(w)-len(suf)] + "is" + suf[2:]
		}
	}
	return w
}

// stem returns the Snowball (Porter2) stem of a lower-case word.
func stem(w string) string {
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

// stopWords carry no meaning for matching. Question words and fillers are here; words that change what
// is asked ("long", "much", "pay", "not") are not.
var stopWords = toSet(`a about above after again all also am an and any anyone anything are aren as at be
because been before being below between both but by can cant could couldnt did didnt do does doesnt doing
dont down during each else even ever every few for from further get gets getting give go going got had
has have having he her here hers herself him himself his how however i id if ill im in into is isnt it its
itself ive just kind know let lets like ll me might mine more most must my myself need no nor now of off
often on once one only or other our ours ourselves out over own please pls plz really re same say see
seem she should so some someone something sort still such tell than thank that thats the their theirs
them themselves then there these they thing things this those through thus to too u under until up upon
us use very via was wasnt way we well were what whats whether which while whom whose why
will with within without wonder wondering would wouldnt yeah yes yet you youre your yours yourself ur r
im actually basically currently generally usually typically exactly anyway okay ok hey hi hello
involve involves involved involving entail entails done`)

func toSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}
