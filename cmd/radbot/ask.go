package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/radbot/radbot/bot"
)

// cliQuery is the conversation the terminal commands speak in.
var cliQuery = bot.Query{Platform: bot.PlatformCLI, ConversationID: "terminal", UserID: "local"}

// maxAskLine is the longest input line `ask -` reads whole. A longer line is not an error: it gets
// the same polite "too long" (limited) reply as any question over the bot's limit, and the batch goes on.
const maxAskLine = 64 << 10

// maxEcho caps the question echoed in `ask --json -` output, so one huge line cannot make a huge reply.
const maxEcho = 1000

func cmdAsk(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, dir := newFlags("ask", stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per question")
	explain := fs.Bool("explain", false, "show why: tokens, synonyms, corrections and the top five entries")
	if err := fs.Parse(args); err != nil {
		return usageError(err)
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
	b := bot.New(base, bot.Options{Index: indexFor(base)})
	if question == "-" {
		return askLines(ctx, b, stdin, stdout, *asJSON)
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
		return enc.Encode(replyJSON(question, r))
	}
	fmt.Fprint(stdout, renderReply(r, detectTerm(stdout, os.Getenv)))
	return nil
}

// askLines answers one question a line, each on its own (a fresh conversation per line, no carried
// context). Every input line gets exactly one reply, blank and over-long lines included, so that
// output line N always belongs to input line N; each JSON reply also echoes its line and question.
func askLines(ctx context.Context, b *bot.Bot, stdin io.Reader, stdout io.Writer, asJSON bool) error {
	rd := bufio.NewReaderSize(stdin, 64<<10)
	enc := json.NewEncoder(stdout)
	out := detectTerm(stdout, os.Getenv)
	for n := 1; ; n++ {
		line, err := readLine(rd, maxAskLine)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading line %d: %w", n, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		q := cliQuery
		q.ConversationID = fmt.Sprintf("line-%d", n)
		q.Text = strings.TrimSpace(line)
		r := b.Answer(ctx, q)
		if asJSON {
			j := replyJSON(q.Text, r)
			j.Line = n
			if err := enc.Encode(j); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(stdout, "> %s\n%s\n", clip(q.Text, maxEcho), renderReply(r, out))
	}
}

// readLine reads one line without its end of line. A line longer than max is cut to its first max
// bytes (on a character boundary) and the rest is skipped, so that memory stays bounded. It returns
// io.EOF only when there is no line left.
func readLine(rd *bufio.Reader, max int) (string, error) {
	var buf []byte
	read := false
	for {
		chunk, more, err := rd.ReadLine()
		if err != nil {
			if errors.Is(err, io.EOF) && read {
				break
			}
			return "", err
		}
		read = true
		if room := max - len(buf); room > 0 {
			buf = append(buf, chunk[:min(len(chunk), room)]...)
		}
		if !more {
			break
		}
	}
	return strings.ToValidUTF8(string(buf), ""), nil
}

// jsonReply is the documented shape of `radbot ask --json`.
type jsonReply struct {
	// Line is the input line number, in `ask --json -` only.
	Line       int          `json:"line,omitempty"`
	Question   string       `json:"question"`
	Status     string       `json:"status"`
	Reason     string       `json:"reason"` // why it was not answered: out_of_scope, no_match, medical, crisis
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

// echo is the question as `ask --json` repeats it: as given, or its first maxEcho characters and "…".
func echo(q string) string {
	if utf8.RuneCountInString(q) <= maxEcho {
		return q
	}
	return string([]rune(q)[:maxEcho]) + "…"
}

func replyJSON(question string, r bot.Reply) jsonReply {
	j := jsonReply{Question: echo(question), Status: string(r.Status), Reason: string(r.Reason), Answer: r.Text, Score: round3(r.Score),
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

func orNone(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return strings.Join(s, "; ")
}
