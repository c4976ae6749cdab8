package main

import (
	"context"
	"strings"
	"testing"

	"github.com/radbot/radbot/bot"
)

func TestChat(t *testing.T) {
	t.Parallel()
	base := defaultBase(t)
	training := base.Entry("training-length")
	// The first related question offered after the training answer, as a fresh bot offers it.
	first := bot.New(base, bot.Options{}).Answer(context.Background(),
		bot.Query{Platform: "test", ConversationID: "c", UserID: "u", Text: "how long is radiology training"})
	if first.Status != bot.StatusAnswered || first.Entry.ID != training.ID || len(first.Related) == 0 {
		t.Fatalf("precondition: the bot answers the training question with related questions; got %s %+v", first.Status, first.Related)
	}
	related := base.Entry(first.Related[0].ID)

	code, out, errOut := runRadbot(t, "hello\nhow long is radiology training\n1\nquit\nnever read\n", "chat")
	if code != 0 || errOut != "" {
		t.Fatalf("chat exit %d, stderr %q", code, errOut)
	}
	// Split the transcript at each prompt: the greeting, then the reply to each line typed.
	turns := strings.Split(out, "\nyou> ")
	if len(turns) != 5 {
		t.Fatalf("%d prompts, want 4 (hello, question, 1, quit):\n%s", len(turns)-1, out)
	}
	greeting := strings.TrimSpace(base.Texts.Greeting)
	if !strings.HasPrefix(turns[0], greeting) || !strings.Contains(turns[0], `"quit"`) {
		t.Errorf("chat does not open with the greeting and how to leave:\n%s", turns[0])
	}
	if !strings.HasPrefix(turns[1], "\nradbot> "+greeting) {
		t.Errorf("reply to hello:\n%s", turns[1])
	}
	if !strings.HasPrefix(turns[2], "\nradbot> "+training.Title+"\n") ||
		!strings.Contains(turns[2], "You might also ask:\n  - "+related.Title+"\n") ||
		!strings.Contains(turns[2], "(type 1-3 to ask a related question)") {
		t.Errorf("reply to the training question:\n%s", turns[2])
	}
	if !strings.HasPrefix(turns[3], "\nradbot> "+related.Title+"\n") || !strings.Contains(turns[3], "Reviewed "+related.Reviewed) {
		t.Errorf(`"1" did not answer the first related question %q:\n%s`, related.ID, turns[3])
	}
	if strings.TrimSpace(turns[4]) != "" {
		t.Errorf("output after quit: %q", turns[4])
	}
}

func TestChatEndsAtEOFAndNumbersNeedAnAnswer(t *testing.T) {
	t.Parallel()
	// "1" before any answer picks nothing: it is an ordinary question, answered as `ask 1` answers it.
	// End of input ends the chat cleanly.
	_, alone, _ := runRadbot(t, "", "ask", "1")
	code, out, errOut := runRadbot(t, "1\n", "chat")
	if code != 0 || errOut != "" {
		t.Fatalf("chat exit %d, stderr %q", code, errOut)
	}
	turns := strings.Split(out, "\nyou> ")
	if len(turns) != 3 || !strings.HasPrefix(turns[1], "\nradbot> "+alone) || turns[2] != "\n" {
		t.Errorf("transcript:\n%s\nwant the reply to 1 to be:\n%s", out, alone)
	}
}
