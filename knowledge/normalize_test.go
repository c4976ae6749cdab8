package knowledge_test

import (
	"testing"

	"github.com/radbot/radbot/knowledge"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"How long is Radiology training?", "how long is radiology training"},
		{"I'm a radiologist's friend", "im a radiologist friend"},
		{"What is a tumor?", "what is a tumour"},
		{"pediatric radiology program", "paediatric radiology programme"},
		{"chest pa\u200bin", "chest pain"},             // zero-width space
		{"chest pa\u00adin", "chest pain"},             // soft hyphen
		{"chest ｐａｉｎ", "chest pain"},                   // fullwidth letters
		{"\ufeffpain\u2060", "pain"},                   // BOM and word joiner
		{"Ca\u0301ncer re\u0301sumé", "cancer resume"}, // combining and precomposed accents
		{"don’t", "dont"},
		{"FRCR\u00a02A", "frcr 2a"}, // no-break space
		{"£52,656 (2025/26)", "52 656 2025 26"},
		{"x-ray", "x ray"},
		{"how much do attendings earn in the US", "how much do attendings earn in the usa"},
		{"can you help us", "can you help us"},
		{"US guided biopsy", "us guided biopsy"}, // ultrasound
		{"", ""},
	} {
		if got := knowledge.Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
