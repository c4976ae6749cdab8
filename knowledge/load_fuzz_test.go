package knowledge_test

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/radbot/radbot/knowledge"
)

// FuzzLoad loads a knowledge folder whose topic file is arbitrary bytes, beside the real bot.yaml:
// the loader must not panic, and must either fail or return a base whose entries all have an id.
func FuzzLoad(f *testing.F) {
	real := knowledge.DefaultFS()
	botYAML, err := fs.ReadFile(real, "bot.yaml")
	if err != nil {
		f.Fatal(err)
	}
	entries, _ := fs.Glob(real, "*.yaml")
	for _, name := range entries {
		if name != "bot.yaml" {
			data, _ := fs.ReadFile(real, name)
			f.Add(data)
			break
		}
	}
	f.Add([]byte("topic: T\nentries:\n  - id: x\n    title: X\n"))
	f.Add([]byte("topic: [\n"))
	f.Add([]byte("\t- a: b\n"))
	f.Fuzz(func(t *testing.T, topic []byte) {
		base, err := knowledge.Load(fstest.MapFS{
			"bot.yaml":   {Data: botYAML},
			"topic.yaml": {Data: topic},
		})
		if err != nil {
			return
		}
		for _, e := range base.Entries {
			if e.ID == "" {
				t.Errorf("an entry without an id was loaded")
			}
		}
	})
}
