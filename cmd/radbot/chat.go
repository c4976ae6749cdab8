package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/chzyer/readline"
	"golang.org/x/term"

	"github.com/radbot/radbot/adapters/sqlite"
	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// chatPlatform is the platform name that chat --store records questions and votes under, and that
// `radbot forget --platform cli` erases.
const chatPlatform = bot.PlatformCLI

// topicExamples is how many entry titles `topics` shows for each topic.
const topicExamples = 3

func cmdChat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, dir := newFlags("chat", stderr)
	storePath := fs.String("store", "", "record questions and votes in this SQLite `FILE` (created if missing), for report and forget")
	if err := parseCmdFlags(fs, args); err != nil {
		return err
	}
	base, err := loadKnowledge(*dir)
	if err != nil {
		return err
	}
	c := &chat{out: stdout, errOut: stderr, term: detectTerm(stdout, os.Getenv), user: chatUser(), base: base}
	var opts bot.Options
	if *storePath != "" {
		store, err := sqlite.Open(ctx, *storePath, slog.New(slog.DiscardHandler))
		if err != nil {
			return fmt.Errorf("opening the store: %w", err)
		}
		defer store.Close()
		// The same key as serve and forget: RADBOT_HASH_KEY, or the one kept in the database.
		key, err := hashKey(ctx, DefaultConfig().Store.HashKeyEnv, os.Getenv, store, slog.New(slog.DiscardHandler))
		if err != nil {
			return err
		}
		opts.Store, opts.HashKey = store, key
		c.store = *storePath
	}
	opts.Index = indexFor(base)
	c.bot = bot.New(base, opts)

	var in lineSource
	if isTerminal(stdin, stdout) {
		rl, err := newEditor(stdin.(*os.File), stdout.(*os.File), c.term)
		if err != nil {
			return err
		}
		in = rl
	} else {
		in = newPlainLines(stdin, stdout)
	}
	defer in.close()
	// A signal (SIGTERM, or Ctrl-C while an answer is printing) ends the chat; unblock the reader.
	stop := context.AfterFunc(ctx, in.close)
	defer stop()
	return c.run(ctx, in)
}

// chat is one terminal conversation.
type chat struct {
	bot    *bot.Bot
	base   *knowledge.Base
	out    io.Writer
	errOut io.Writer
	term   termOutput
	user   string // the user id questions and votes are recorded under
	store  string // the database file, when recording
	last   bot.Reply
}

func (c *chat) run(ctx context.Context, in lineSource) error {
	greeting, _ := c.term.markdown(strings.TrimSpace(c.base.Texts.Greeting))
	fmt.Fprintf(c.out, "%s\n%s\n", greeting,
		c.term.dim(c.term.wrap(`(Type a question, "topics" to see what I know, "help" for more; "quit" or Ctrl-D to leave.)`, "", "")))
	if c.store != "" {
		// The command stays on one line, so that it can be copied.
		fmt.Fprintln(c.out, c.term.dim(c.term.wrap(fmt.Sprintf("Recording questions and votes in %s as %s user %q. To erase them:",
			c.store, chatPlatform, c.user), "", "")+"\n  "+fmt.Sprintf("radbot forget --db %s --platform %s --user %s",
			shellQuote(c.store), chatPlatform, shellQuote(c.user))))
	}
	for {
		line, err := in.next("\n" + c.term.bold("you>") + " ")
		switch {
		case ctx.Err() != nil:
			fmt.Fprintln(c.out)
			return nil
		case errors.Is(err, readline.ErrInterrupt):
			continue // Ctrl-C cleared the line
		case errors.Is(err, io.EOF):
			fmt.Fprintln(c.out)
			return nil
		case err != nil:
			return fmt.Errorf("reading input: %w", err)
		}
		line = strings.TrimSpace(line)
		switch strings.ToLower(line) {
		case "":
			continue
		case "quit", "exit", ":q":
			return nil
		case "help", "?":
			c.help()
			continue
		case "topics":
			c.topics()
			continue
		}
		if helpful, comment, ok := parseVote(line); ok && c.last.Status == bot.StatusAnswered {
			c.vote(ctx, in, helpful, comment)
			continue
		}
		q := bot.Query{Platform: chatPlatform, ConversationID: "terminal", UserID: c.user, Text: line}
		// After an answer, a number picks one of its related questions, as a button would.
		if id, ok := pickRelated(line, c.last); ok {
			q.EntryID = id
		}
		c.last = c.bot.Answer(ctx, q)
		fmt.Fprintf(c.out, "\n%s", renderReply(c.last, c.term))
		if hint := c.hint(); hint != "" {
			fmt.Fprintln(c.out, c.term.dim(c.term.wrap(hint, "", "")))
		}
	}
}

// hint says what can be typed after a reply: a related question's number, and a vote when recording.
func (c *chat) hint() string {
	var parts []string
	if c.last.Status == bot.StatusAnswered {
		switch n := len(c.last.Related); n {
		case 0:
		case 1:
			parts = append(parts, "1 for the related question")
		case 2:
			parts = append(parts, "1 or 2 for a related question")
		default:
			parts = append(parts, fmt.Sprintf("1-%d for a related question", n))
		}
		if c.store != "" && c.last.InteractionID > 0 {
			parts = append(parts, "+ or - to rate this answer (a comment may follow)")
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "(Type " + strings.Join(parts, "; ") + ".)"
}

// parseVote reads "+", "-", "+ comment" or "- comment".
func parseVote(line string) (helpful bool, comment string, ok bool) {
	if line == "" || (line[0] != '+' && line[0] != '-') {
		return false, "", false
	}
	rest := line[1:]
	if rest != "" && rest[0] != ' ' {
		return false, "", false // "-1", "+44...": not a vote
	}
	return line[0] == '+', strings.TrimSpace(rest), true
}

// vote records a vote on the last answer through the bot, as serve's buttons do. A "-" without a
// comment asks for one, as the feedback form does on Discord and Slack.
func (c *chat) vote(ctx context.Context, in lineSource, helpful bool, comment string) {
	if c.store == "" || c.last.InteractionID == 0 {
		fmt.Fprintln(c.out, c.term.wrap("Votes are kept only when chat records to a database: radbot chat --store radbot.db", "", ""))
		return
	}
	f := bot.Feedback{Platform: chatPlatform, UserID: c.user, InteractionID: c.last.InteractionID, Helpful: helpful, Comment: comment}
	if err := c.bot.Feedback(ctx, f); err != nil {
		fmt.Fprintf(c.errOut, "radbot chat: the vote was not saved: %v\n", err)
		return
	}
	if !helpful && comment == "" {
		more, err := in.next(c.term.dim("What were you looking for? (optional; Enter to skip)") + " ")
		if err == nil && strings.TrimSpace(more) != "" {
			f.Comment = more
			if err := c.bot.Feedback(ctx, f); err != nil {
				fmt.Fprintf(c.errOut, "radbot chat: the comment was not saved: %v\n", err)
				return
			}
		}
	}
	fmt.Fprintln(c.out, c.term.wrap(strings.TrimSpace(c.base.Texts.FeedbackThanks), "", ""))
}

func (c *chat) help() {
	rows := [][2]string{
		{"a question", "ask it in your own words; a short follow-up (\"and for IR?\") refers to the last answer"},
		{"topics", "what I can answer, by topic"},
		{"1, 2, 3", "ask a related question offered under an answer, or pick from a list"},
		{"+ or -", "rate the last answer, optionally with a comment: - it did not say how long (with --store FILE)"},
		{"help", "this list"},
		{"quit", "leave (or Ctrl-D); Ctrl-C clears the line"},
	}
	fmt.Fprintln(c.out)
	fmt.Fprintln(c.out, c.term.wrap("I answer careers questions about UK clinical radiology, never medical questions. In this chat you can type:", "", ""))
	for _, r := range rows {
		fmt.Fprintln(c.out, c.term.wrap(r[1], "  "+c.term.bold(fmt.Sprintf("%-11s", r[0]))+" ", strings.Repeat(" ", 14)))
	}
}

func (c *chat) topics() {
	fmt.Fprintf(c.out, "\n%s\n", c.term.bold("What I can answer (a few examples from each topic):"))
	for _, t := range c.base.Topics {
		if len(t.Entries) == 0 {
			continue
		}
		fmt.Fprintf(c.out, "\n%s\n", c.term.bold(clean(t.Name)))
		for i, e := range t.Entries {
			if i == topicExamples {
				fmt.Fprintf(c.out, "  …and %d more\n", len(t.Entries)-topicExamples)
				break
			}
			fmt.Fprintln(c.out, c.term.wrap(clean(e.Title), "  • ", "    "))
		}
	}
}

// pickRelated maps "1".."9" to the previous answer's related entries.
func pickRelated(line string, last bot.Reply) (string, bool) {
	if last.Status != bot.StatusAnswered {
		return "", false
	}
	n, err := strconv.Atoi(line)
	if err != nil || n < 1 || n > len(last.Related) {
		return "", false
	}
	return last.Related[n-1].ID, true
}

// chatUser is the user id chat records under: the name of the account running it.
func chatUser() string {
	if u, err := user.Current(); err == nil && validUserID(chatPlatform, u.Username) == nil {
		return u.Username
	}
	if n := os.Getenv("USER"); validUserID(chatPlatform, n) == nil {
		return n
	}
	return "local"
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9._/@%+=:,-]+$`)

// shellQuote quotes s for a POSIX shell when it needs it, for commands printed to copy.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// lineSource is where chat reads lines from.
type lineSource interface {
	// next shows prompt and returns the next line. It returns readline.ErrInterrupt when Ctrl-C
	// cleared the line, and io.EOF at the end of input (Ctrl-D) or once closed.
	next(prompt string) (string, error)
	close()
}

// plainLines reads lines from a pipe or file: no editing, no echo to undo.
type plainLines struct {
	out   io.Writer
	lines chan string
	done  chan struct{}
	err   error // set before lines is closed
	stop  sync.Once
}

func newPlainLines(r io.Reader, out io.Writer) *plainLines {
	p := &plainLines{out: out, lines: make(chan string), done: make(chan struct{})}
	go func() {
		defer close(p.lines)
		rd := bufio.NewReader(r)
		for {
			line, err := readLine(rd, maxAskLine)
			if err != nil {
				p.err = err
				return
			}
			select {
			case p.lines <- line:
			case <-p.done:
				return
			}
		}
	}()
	return p
}

func (p *plainLines) next(prompt string) (string, error) {
	fmt.Fprint(p.out, prompt)
	select {
	case line, ok := <-p.lines:
		if !ok {
			if p.err != nil && !errors.Is(p.err, io.EOF) {
				return "", p.err
			}
			return "", io.EOF
		}
		return line, nil
	case <-p.done:
		return "", io.EOF
	}
}

func (p *plainLines) close() { p.stop.Do(func() { close(p.done) }) }

// editor reads lines on a terminal with github.com/chzyer/readline: cursor keys, history (this
// session's questions, kept in memory only), Ctrl-C to clear the line and Ctrl-D to leave.
type editor struct {
	rl *readline.Instance
}

func newEditor(in, out *os.File, t termOutput) (*editor, error) {
	var saved *term.State
	rl, err := readline.NewEx(&readline.Config{
		Stdin:                  readline.NewCancelableStdin(in),
		Stdout:                 out,
		Stderr:                 out,
		HistoryLimit:           500,
		DisableAutoSaveHistory: false,
		AutoComplete:           readline.NewPrefixCompleter(readline.PcItem("topics"), readline.PcItem("help"), readline.PcItem("quit")),
		InterruptPrompt:        "^C",
		EOFPrompt:              "\n",
		FuncIsTerminal:         func() bool { return true },
		FuncGetWidth: func() int {
			if w, _, err := term.GetSize(int(out.Fd())); err == nil {
				return w
			}
			return t.width
		},
		FuncMakeRaw: func() (err error) {
			saved, err = term.MakeRaw(int(in.Fd()))
			return err
		},
		FuncExitRaw: func() error {
			if saved == nil {
				return nil
			}
			return term.Restore(int(in.Fd()), saved)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("setting up line editing: %w", err)
	}
	return &editor{rl: rl}, nil
}

func (e *editor) next(prompt string) (string, error) {
	// readline draws the prompt on one line: print any blank lines before it ourselves.
	for strings.HasPrefix(prompt, "\n") {
		fmt.Fprintln(e.rl.Stdout())
		prompt = prompt[1:]
	}
	e.rl.SetPrompt(prompt)
	return e.rl.Readline()
}

func (e *editor) close() { e.rl.Close() }
