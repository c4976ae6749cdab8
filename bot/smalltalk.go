package bot

import "strings"

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
