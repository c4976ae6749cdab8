package knowledge

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns the canonical form of a text that everything compares: the matcher, lint's
// duplicate-phrasing check and the maintainers' report. It is Words joined by single spaces.
func Normalize(text string) string {
	return strings.Join(Words(text), " ")
}

// Words splits text into lower-case words of letters and digits, in UK spelling.
//
// Before splitting, the text is put in Unicode compatibility form (NFKC: fullwidth letters become ASCII,
// ligatures are split), invisible format characters (zero-width spaces and joiners, soft hyphens,
// direction marks) are dropped and accents are folded, so that nothing a person cannot see changes
// what a question means: "pa\u200bin" is "pain". Apostrophes join ("i'm" → "im"); a possessive "'s" is
// dropped. Every question takes this path, so plain ASCII text skips the Unicode work.
func Words(text string) []string {
	lower := strings.ToLower(text)
	for i := 0; i < len(lower); i++ {
		if lower[i] >= 0x80 {
			lower = foldUnicode(text)
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
	// "the US" is the country, never the pronoun: "usa", so that a question about pay or training
	// in the US does not lose the word that puts it out of scope ("us" alone is a stop word, and
	// "US" alone often means ultrasound).
	for i := 1; i < len(out); i++ {
		if out[i] == "us" && out[i-1] == "the" {
			out[i] = "usa"
		}
	}
	return out
}

// foldUnicode lower-cases text that is not plain ASCII and maps it to the characters Words splits:
// letters and digits (accents removed), straight apostrophes, and spaces for everything else.
func foldUnicode(text string) string {
	text = norm.NFKC.String(text)
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range norm.NFD.String(strings.ToLower(text)) {
		switch {
		case r == '’' || r == '‘' || r == 'ʼ' || r == '′':
			b.WriteByte('\'')
		case r < 0x80:
			b.WriteRune(r)
		case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Mn, r):
			// Invisible: a zero-width space or soft hyphen inside a word must not split it, and a
			// combining accent belongs to the letter before it.
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	return norm.NFC.String(b.String())
}

// usToUK maps whole US words to UK ones where no suffix rule applies.
var usToUK = map[string]string{
	"tumor": "tumour", "tumors": "tumours", "color": "colour", "behavior": "behaviour", "labor": "labour",
	"favorite": "favourite", "center": "centre", "centers": "centres", "fiber": "fibre", "program": "programme",
	"programs": "programmes", "esophagus": "oesophagus", "fetal": "foetal", "anemia": "anaemia",
	"mom": "mum", "moms": "mums", "counseling": "counselling", "traveling": "travelling", "enrollment": "enrolment",
	"gray": "grey", "analyze": "analyse", "analyzing": "analysing", "catheterization": "catheterisation",
	"fetus": "foetus", "liter": "litre", "meter": "metre", "license": "licence", "practise": "practice",
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
