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
	reSelf     = regexp.MustCompile(`\b(i|im|ive|id|ill|me|my|myself|mine)\b`)
	reRelative = regexp.MustCompile(`\b(my|our|his|her) (\w+ )?(mum|mother|mom|dad|father|parents?|son|daughter|child|children|kids?|baby|wife|husband|partner|friend|brother|sister|gran|granny|grandma|grandmother|grandad|grandpa|grandfather|nan|nana|aunt|auntie|uncle|boyfriend|girlfriend|cousin|flatmate|housemate|family|relative|niece|nephew|neighbour|fiance|fiancee|stepdad|stepmum)s?\b`)
	// Symptoms, findings and worries: with a personal subject these are health questions on their own.
	reStrong = regexp.MustCompile(`\b(pain|pains|painful|ache|aches|aching|lump|lumps|bump|swelling|swollen|bleeding|bleed|bleeds|cough|coughing|headaches?|migraines?|dizzy|dizziness|faint|fainted|fever|rash|nausea|vomiting|breathless|numb|numbness|tingling|injury|injured|sprain|sprained|hurts?|hurting|sore|cancer|tumour|tumours|cyst|cysts|nodule|nodules|shadow|growth|diagnosis|diagnosed|symptoms?|pacemaker|implant|claustrophobic|allergic|allergy|results?|findings|abnormal|unwell|ill|illness|sick|stroke|seizure|pregnant|pregnancy|breastfeeding|breastfeed|miscarriage|contrast reaction|fibroids?|varicocele|aneurysm|clots?|dvt|blockage|blocked|fractured?|broken|stones?|infection|infected|abscess|bruising|bruised)\b`)
	// Procedures and scans that happen to a person.
	reProcedure = `(scan|scans|scanned|mri|ct|cat|x ray|x rayed|embolised|embolized|stented|biopsied|operated|xray|xrays|x rays|ultrasound|biopsy|mammogram|mammography|angioplasty|angiogram|angiography|stent|embolisation|embolization|procedure|operation|surgery|test|tests|pet|nephrostomy|drain|evar|tipss|tips|thrombectomy|vertebroplasty|ablation|line|picc|port|gastrostomy|fluoroscopy|barium|dose|radiation|injection|contrast)`
	// Verbs that put a person on the table: "I'm having an MRI", "dad needs an angioplasty".
	rePatient      = regexp.MustCompile(`\b(have|having|had|has|need|needs|needed|get|getting|got|booked|book|scheduled|going for|referred for|waiting for|undergo|undergoing|undergone|do i need|should i get|should i have|recommended|offered|sent for|due for)( a| an| my| his| her| the| some| another| this| that| it)?( \w+)?( \w+)? ` + reProcedure + `\b`)
	reAnyProcedure = regexp.MustCompile(`\b` + reProcedure + `\b`)
	// "my scan", "my MRI results", "his CT report".
	rePossessedScan = regexp.MustCompile(`\b(my|his|her|their|mums|dads) (\w+ )?` + reProcedure + `\b`)
	// Worries about safety or risk, which need a procedure and a person to be medical.
	reWorry = regexp.MustCompile(`\b(safe|safety|dangerous|danger|risk|risks|risky|worried|worry|worrying|scared|afraid|side effects?|harm|harmful|hurt|recovery|recover|survive|serious|normal|mean|means)\b`)
	// Career phrases that use "my" without being about health: "my portfolio", "my MRI rotation".
	reCareerPossession = regexp.MustCompile(`\b(my|his|her) (\w+ )?` + reProcedure + ` (rotation|block|taster|placement|teaching|exam|course|elective|module|knowledge|reporting|training|list|session|skills|experience|logbook|competencies|competence)\b`)
)

// isMedical reports whether a normalised question asks for personal medical advice.
func isMedical(norm string) bool {
	self := reSelf.MatchString(norm)
	rel := reRelative.MatchString(norm)
	if !self && !rel {
		return false
	}
	if reStrong.MatchString(norm) {
		return true
	}
	if reCareerPossession.MatchString(norm) {
		return false
	}
	if patientProcedure(norm) || rePossessedScan.MatchString(norm) {
		return true
	}
	return rel && reWorry.MatchString(norm) && reAnyProcedure.MatchString(norm)
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
