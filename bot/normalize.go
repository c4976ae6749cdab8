package bot

import (
	"strings"

	"github.com/kljensen/snowball/english"

	"github.com/radbot/radbot/knowledge"
)

// token is one word of a text on its way through the analyzer.
type token struct {
	raw  string // lower-cased word, UK spelling, after any typo correction
	stem string
	stop bool
}

// Normalize returns the canonical form of a text (knowledge.Normalize): lower case, invisible characters
// dropped, punctuation-free, UK-spelt. Maintainers' reports group questions by it.
func Normalize(text string) string { return knowledge.Normalize(text) }

// words is knowledge.Words: the one tokenizer behind matching, safety, lint and the report.
func words(text string) []string { return knowledge.Words(text) }

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
