package bot_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/radbot/radbot/bot"
)

// FuzzNormalize feeds the normaliser arbitrary text: it must not panic, must give valid UTF-8 for
// valid input, and must not grow the text beyond a small factor (UK spellings add a letter or two).
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"How LONG is Radiology training?!", "Pediatric tumor centers", "What's the radiologist’s role",
		"Café ⚕️ <@123> ＦＲＣＲ", "", "\x00\xff", strings.Repeat("a ", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := bot.Normalize(s)
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Errorf("Normalize(%q) = %q: invalid UTF-8", s, out)
		}
		if len(out) > 3*len(s)+16 {
			t.Errorf("Normalize grew %d bytes to %d", len(s), len(out))
		}
	})
}
