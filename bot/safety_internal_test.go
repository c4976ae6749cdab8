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
