package bot

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"sync"
)

//go:embed dict/english-words.txt.gz
var englishWordsGz []byte

// englishWords is the set of real English words (5-14 letters) that typo correction leaves alone. It is
// immutable, embedded data, decoded once per process on first use rather than on every reload.
var englishWords = sync.OnceValue(func() map[string]struct{} {
	zr, err := gzip.NewReader(bytes.NewReader(englishWordsGz))
	if err != nil {
		panic("bot: embedded word list is corrupt: " + err.Error()) // caught by any test run
	}
	set := make(map[string]struct{}, 60000)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		set[sc.Text()] = struct{}{}
	}
	if sc.Err() != nil {
		panic("bot: reading embedded word list: " + sc.Err().Error())
	}
	return set
})

func isEnglishWord(w string) bool {
	_, ok := englishWords()[w]
	return ok
}
