package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/radbot/radbot/bot"
)

// cliUser is the conversation the terminal commands speak in.
var cliQuery = bot.Query{Platform: "cli", ConversationID: "terminal", UserID: "local"}

func cmdAsk(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, dir := newFlags("ask", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per question")
	explain := fs.Bool("explain", false, "show why: tokens, synonyms, corrections and the top five entries")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: radbot ask [--json] [--explain] [--knowledge DIR] \"question\"   (\"-\" reads one question per line from stdin)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	question := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if question == "" {
		fs.Usage()
		return exitError{2}
	}
	base, err := loadKnowledge(*dir)
	if err != nil {
		return err
	}
	b := bot.New(base, bot.Options{})
	if question == "-" {
		// Each line is answered on its own: a fresh bot conversation per line, no carried context.
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		enc := json.NewEncoder(stdout)
		for i := 0; sc.Scan(); i++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" {
				continue
			}
			q := cliQuery
			q.ConversationID = fmt.Sprintf("line-%d", i)
			q.Text = line
			r := b.Answer(ctx, q)
			if *asJSON {
				if err := enc.Encode(replyJSON(r)); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(stdout, "> %s\n%s\n", line, renderText(r))
			}
		}
		return sc.Err()
	}
	if *explain {
		ex := b.Explain(question)
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(explainJSON(ex))
		}
		printExplain(stdout, ex)
		return nil
	}
	q := cliQuery
	q.Text = question
	r := b.Answer(ctx, q)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(replyJSON(r))
	}
	fmt.Fprint(stdout, renderText(r))
	return nil
}

// jsonReply is the documented shape of `radbot ask --json`.
type jsonReply struct {
	Status     string       `json:"status"`
	EntryID    string       `json:"entry_id"`
	Title      string       `json:"title"`
	Answer     string       `json:"answer"`
	Score      float64      `json:"score"`
	Sources    []jsonSource `json:"sources"`
	Related    []jsonRef    `json:"related"`
	Candidates []jsonCand   `json:"candidates"`
}

type jsonSource struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

type jsonRef struct {
	EntryID string `json:"entry_id"`
	Title   string `json:"title"`
}

type jsonCand struct {
	EntryID string  `json:"entry_id"`
	Title   string  `json:"title"`
	Score   float64 `json:"score"`
}

func round3(f float64) float64 { return float64(int(f*1000+0.5)) / 1000 }

func replyJSON(r bot.Reply) jsonReply {
	j := jsonReply{Status: string(r.Status), Answer: r.Text, Score: round3(r.Score),
		Sources: []jsonSource{}, Related: []jsonRef{}, Candidates: []jsonCand{}}
	if r.Entry != nil {
		j.EntryID, j.Title = r.Entry.ID, r.Entry.Title
		for _, s := range r.Entry.Sources {
			j.Sources = append(j.Sources, jsonSource{s.Title, s.URL})
		}
	} else {
		for _, s := range r.Links {
			j.Sources = append(j.Sources, jsonSource{s.Title, s.URL})
		}
	}
	for _, rel := range r.Related {
		j.Related = append(j.Related, jsonRef{rel.ID, rel.Title})
	}
	for _, c := range r.Candidates {
		j.Candidates = append(j.Candidates, jsonCand{c.ID, c.Title, round3(c.Score)})
	}
	return j
}

// renderText shows a reply as a person reads it in a terminal.
func renderText(r bot.Reply) string {
	var b strings.Builder
	if r.Entry != nil {
		fmt.Fprintf(&b, "%s\n%s\n\n", r.Entry.Title, strings.Repeat("=", len([]rune(r.Entry.Title))))
	}
	b.WriteString(strings.TrimSpace(r.Text))
	b.WriteString("\n")
	if r.Entry != nil {
		b.WriteString("\nSources:\n")
		for _, s := range r.Entry.Sources {
			fmt.Fprintf(&b, "  - %s: %s\n", s.Title, s.URL)
		}
		fmt.Fprintf(&b, "Reviewed %s\n", r.Entry.Reviewed)
	}
	for _, s := range r.Links {
		fmt.Fprintf(&b, "  - %s: %s\n", s.Title, s.URL)
	}
	if len(r.Related) > 0 {
		b.WriteString("\nYou might also ask:\n")
		for _, rel := range r.Related {
			fmt.Fprintf(&b, "  - %s\n", rel.Title)
		}
	}
	return b.String()
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return strings.Join(s, "; ")
}

func cmdChat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, dir := newFlags("chat", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	base, err := loadKnowledge(*dir)
	if err != nil {
		return err
	}
	b := bot.New(base, bot.Options{})
	fmt.Fprintf(stdout, "%s\n(Type a question; a number picks from a list; \"quit\" or Ctrl-D to leave.)\n", strings.TrimSpace(base.Texts.Greeting))
	sc := bufio.NewScanner(stdin)
	var last bot.Reply
	for {
		fmt.Fprint(stdout, "\nyou> ")
		if !sc.Scan() {
			fmt.Fprintln(stdout)
			return sc.Err()
		}
		line := strings.TrimSpace(sc.Text())
		switch strings.ToLower(line) {
		case "":
			continue
		case "quit", "exit", ":q":
			return nil
		}
		q := cliQuery
		q.Text = line
		// After an answer, a number picks one of its related questions, as a button would.
		if n, ok := pickRelated(line, last); ok {
			q.EntryID = n
		}
		if err := ctx.Err(); err != nil {
			return errors.Join(err)
		}
		last = b.Answer(ctx, q)
		fmt.Fprintf(stdout, "\nradbot> %s", renderText(last))
		if len(last.Related) > 0 {
			fmt.Fprintln(stdout, "(type 1-3 to ask a related question)")
		}
	}
}

// pickRelated maps "1".."3" to the previous answer's related entries.
func pickRelated(line string, last bot.Reply) (string, bool) {
	if last.Status != bot.StatusAnswered || len(line) != 1 || line[0] < '1' || line[0] > '9' {
		return "", false
	}
	i := int(line[0] - '1')
	if i >= len(last.Related) {
		return "", false
	}
	return last.Related[i].ID, true
}
