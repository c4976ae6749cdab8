package bot

import (
	"slices"
	"testing"
)

// Articles start no safety word pair: "an MRI" says nothing about whose scan it is.
func TestSafetyPairsSkipArticles(t *testing.T) {
	got := pairs([]string{"differ", "between", "a", "ct", "scan", "and", "an", "mri", "my", "scan"}, "")
	for _, f := range got {
		if f == "a ct" || f == "an mri" {
			t.Errorf("pairs gave %q", f)
		}
	}
	if !slices.Contains(got, "my scan") {
		t.Errorf("pairs lost %q: %v", "my scan", got)
	}
}

// The career check's asking clause ends at "and", "but" or "so" only where a new clause starts.
func TestAskingClauseStrict(t *testing.T) {
	tests := []struct {
		text          string
		loose, strict string
	}{
		{"What's the difference between a CT scan and an MRI?", "an MRI?", ""},
		{"pay and hours for rads regs", "hours for rads regs", ""},
		{"My nan had a thrombectomy and it inspired me, how do I become an IR?", "how do I become an IR?", "how do I become an IR?"},
		{"I'm preparing for my interview and I've noticed blood when I cough", "I've noticed blood when I cough", "I've noticed blood when I cough"},
		{"I love anatomy but is radiology boring", "is radiology boring", "is radiology boring"},
		{"I've found a lump in my neck. Can I ask radiology to scan me?", "Can I ask radiology to scan me?", "Can I ask radiology to scan me?"},
		{"how long is training", "", ""},
	}
	for _, tt := range tests {
		if got := askingClause(tt.text); got != tt.loose {
			t.Errorf("askingClause(%q) = %q, want %q", tt.text, got, tt.loose)
		}
		if got := askingClauseBy(tt.text, true); got != tt.strict {
			t.Errorf("askingClauseBy(%q, true) = %q, want %q", tt.text, got, tt.strict)
		}
	}
}
