package bot

import (
	"regexp"
	"strings"
)

// Personal medical questions are recognised by who they are about (the asker or someone close to them)
// together with what they ask (symptoms, their own scan or result, whether to have a test). A career
// word in the question does not make it safe: "my dad needs an angioplasty, is it dangerous?" is
// refused, while "what is an angioplasty" is answered.
var (
	// Procedures and scans that happen to a person.
	reProcedure = `(scan|scans|scanned|mri|ct|cat|x ray|x rayed|embolised|embolized|stented|biopsied|operated|xray|xrays|x rays|ultrasound|biopsy|mammogram|mammography|angioplasty|angiogram|angiography|stent|embolisation|embolization|procedure|operation|surgery|test|tests|pet|nephrostomy|drain|evar|tipss|tips|thrombectomy|vertebroplasty|ablation|line|picc|port|gastrostomy|fluoroscopy|barium|dose|radiation|injection|contrast)`
	// Verbs that put a person on the table: "I'm having an MRI", "dad needs an angioplasty".
	rePatient = regexp.MustCompile(`\b(have|having|had|has|need|needs|needed|get|getting|got|booked|book|scheduled|going for|referred for|waiting for|undergo|undergoing|undergone|do i need|should i get|should i have|recommended|offered|sent for|due for)( a| an| my| his| her| the| some| another| this| that| it)?( \w+)?( \w+)? ` + reProcedure + `\b`)
	// "my scan", "my MRI results", "his CT report".
	rePossessedScan = regexp.MustCompile(`\b(my|his|her|their|mums|dads) (\w+ )?` + reProcedure + `\b`)
	// Worries about safety or risk, which need a procedure and a person to be medical.
	reWorry = regexp.MustCompile(`\b(safe|safety|dangerous|danger|risk|risks|risky|worried|worry|worrying|scared|afraid|side effects?|harm|harmful|hurt|recovery|recover|survive|serious|normal|mean|means)\b`)
	// Career phrases that use "my" without being about health: "my portfolio", "my MRI rotation".
	reCareerPossession = regexp.MustCompile(`\b(my|his|her) (\w+ )?` + reProcedure + ` (rotation|block|taster|placement|teaching|exam|course|elective|module|knowledge|reporting|training|list|session|skills|experience|logbook|competencies|competence)\b`)
)

// Word sets for the quick checks that run on every question; the regular expressions above only run
// when these say a question might be personal and medical.
var (
	selfWords      = toSet(`i im ive id ill me my myself mine`)
	possessives    = toSet(`my our his her`)
	relativeWords  = toSet(`mum mother mom dad father parent parents son daughter child children kid kids baby wife husband partner friend brother sister gran granny grandma grandmother grandad grandpa grandfather nan nana aunt auntie uncle boyfriend girlfriend cousin flatmate housemate family relative niece nephew neighbour fiance fiancee stepdad stepmum`)
	strongWords    = newPhraseSet(strings.Fields(strings.ReplaceAll(`pain pains painful ache aches aching lump lumps bump swelling swollen bleeding bleed bleeds cough coughing headache headaches migraine migraines dizzy dizziness faint fainted fever rash nausea vomiting breathless numb numbness tingling injury injured sprain sprained hurt hurts hurting sore cancer tumour tumours cyst cysts nodule nodules shadow growth diagnosis diagnosed symptom symptoms pacemaker implant claustrophobic allergic allergy result results findings abnormal unwell ill illness sick stroke seizure pregnant pregnancy breastfeeding breastfeed miscarriage contrast_reaction fibroid fibroids varicocele aneurysm clot clots dvt blockage blocked fracture fractured broken stone stones infection infected abscess bruising bruised`, "_", "\x00")))
	procedureWords = toSet(`scan scans scanned mri ct cat ray xray xrays rays rayed ultrasound biopsy mammogram mammography angioplasty angiogram angiography stent embolisation embolization embolised embolized stented biopsied operated procedure operation surgery test tests pet nephrostomy drain evar tipss tips thrombectomy vertebroplasty ablation line picc port gastrostomy fluoroscopy barium dose radiation injection contrast`)
)

// phraseSet matches single words, and two-word phrases written with a NUL between the words.
type phraseSet map[string]bool

func newPhraseSet(terms []string) phraseSet {
	p := phraseSet{}
	for _, t := range terms {
		p[t] = true
	}
	return p
}

func (p phraseSet) any(ws []string) bool {
	for i, w := range ws {
		if p[w] || i+1 < len(ws) && p[w+"\x00"+ws[i+1]] {
			return true
		}
	}
	return false
}

// isMedical reports whether a question (its words, and their normalised join) asks for personal
// medical advice.
func isMedical(ws []string, norm string) bool {
	self, rel, proc := false, false, false
	for i, w := range ws {
		self = self || selfWords[w]
		proc = proc || procedureWords[w]
		if possessives[w] {
			for k := i + 1; k <= i+2 && k < len(ws); k++ {
				if relativeWords[strings.TrimSuffix(ws[k], "s")] || relativeWords[ws[k]] {
					rel = true
				}
			}
		}
	}
	if !self && !rel {
		return false
	}
	if strongWords.any(ws) {
		return true
	}
	if !proc {
		return false
	}
	if reCareerPossession.MatchString(norm) {
		return false
	}
	if patientProcedure(norm) || rePossessedScan.MatchString(norm) {
		return true
	}
	return rel && reWorry.MatchString(norm)
}

// smalltalk kinds.
const (
	talkNone = iota
	talkGreeting
	talkThanks
	talkHelp
)

var (
	greetWords = toSet(`hi hello hey hiya heya howdy yo hullo morning afternoon evening good day there radbot bot bye goodbye cya see you later night soon`)
	thankWords = toSet(`thanks thank thankyou thx ta cheers you so much very great lovely brilliant perfect helpful appreciate it that awesome nice cool ok okay many`)
	helpWords  = toSet(`help what can you do how does do work use commands command options menu start who are you is radbot this bot questions ask i about`)
)

// smalltalkKind recognises messages that are only a greeting, thanks or a request for help.
func smalltalkKind(ws []string) int {
	if len(ws) == 0 {
		return talkHelp
	}
	only := func(set map[string]bool) bool {
		for _, w := range ws {
			if !set[w] {
				return false
			}
		}
		return true
	}
	joined := strings.Join(ws, " ")
	switch {
	case only(thankWords) && (strings.Contains(joined, "thank") || strings.Contains(joined, "cheers") || strings.Contains(joined, "thx") || joined == "ta"):
		return talkThanks
	case only(greetWords):
		return talkGreeting
	case only(helpWords) && (strings.Contains(joined, "help") || strings.Contains(joined, "what can you do") || strings.Contains(joined, "who are you") || strings.Contains(joined, "commands") || strings.Contains(joined, "how do") || strings.Contains(joined, "menu") || joined == "start"):
		return talkHelp
	}
	return talkNone
}

// notAdjective words cannot sit between "had a" and a procedure in a patient's sentence: "I had a
// taster in MRI" and "how do I get into surgery" are career questions.
var notAdjective = toSet(`in into on at to for of with about from as than taster tasters week placement
job career rotation course experience interest look chance go training post posts block session`)

// patientProcedure finds "having an MRI", "needs an angioplasty" and the like.
func patientProcedure(norm string) bool {
	for _, m := range rePatient.FindAllStringSubmatch(norm, -1) {
		ok := true
		for _, w := range m[3:5] {
			if notAdjective[strings.TrimSpace(w)] {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}
