package main

import (
	"os"
	"testing"
)

// FuzzParseConfig parses arbitrary YAML as a configuration: it must not panic, and whatever it
// accepts must be valid (values in range, no NaN) when checked again.
func FuzzParseConfig(f *testing.F) {
	if example, err := os.ReadFile("../../config.example.yaml"); err == nil {
		f.Add(example)
	}
	for _, s := range []string{"", "bot:\n  context_ttl: 5m\n", "store:\n  retention_days: 1e6\n",
		"bot:\n  rate_limit:\n    per_minute: .nan\n", "discord:\n  enabled: true\n  command: Ask\n", "a: [\n", "bot: &x\n  <<: *x\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data)
		if err != nil {
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("accepted, then invalid: %v", err)
		}
	})
}
