// Command radbot runs RadBot: answers career questions about UK clinical radiology from the command
// line, or serves them to Discord and Slack.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// exitError carries an exit code without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// command is one subcommand. It owns nothing global: tests call it directly.
type command func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error

// subcommand is a command with its help, which every form of help prints in one style: `radbot`,
// `radbot help CMD`, `radbot CMD -h` and a flag mistake.
type subcommand struct {
	name     string
	run      command
	synopsis string // the arguments after "radbot NAME"
	summary  string // one line, for the list of commands
	about    string // what `radbot NAME -h` says before the flags
}

func subcommands() []subcommand {
	return []subcommand{
		{"ask", cmdAsk, `[--json] [--explain] "question" | -`, "answer one question (\"-\": one question a line from standard input)",
			"Answers one question, as a person reads it; --json prints one JSON object instead. With \"-\" it\n" +
				"reads one question a line from standard input and answers every line on its own (no carried\n" +
				"context), so output line N is the answer to input line N."},
		{"chat", cmdChat, "[--store FILE]", "talk to the bot in the terminal",
			"Talk to RadBot in the terminal: follow-up questions, numbers to pick from a list, \"topics\",\n" +
				"\"help\", and \"quit\" or Ctrl-D to leave. With --store FILE it records the questions in that\n" +
				"SQLite database and lets you vote on answers (+ or -, then an optional comment), as people do\n" +
				"on Discord and Slack, so that `radbot report` and `radbot forget` can be tried locally."},
		{"lint", cmdLint, "[DIR | FILE]", "check a knowledge folder or one of its files",
			"Checks a knowledge folder (default: the knowledge built into radbot): every mistake with its\n" +
				"file:line, then warnings. Exit status 1 when there is a mistake; warnings alone exit 0. Given\n" +
				"one .yaml FILE, it checks that file in the folder it belongs to and lists only its problems."},
		{"eval", cmdEval, "[--quiet] [FILE]", "measure matching against an evaluation case file",
			"Measures matching against an evaluation case file and exits 1 below its thresholds."},
		{"serve", cmdServe, "[--config FILE] [--listen ADDR]", "run the bot for Discord and Slack, with its HTTP server",
			"Runs RadBot on Discord and/or Slack with the store, metrics and hot reload, until SIGINT or\n" +
				"SIGTERM. See README.md, \"Running the bot\"."},
		{"report", cmdReport, "[--config FILE] [--db PATH] [--since 30d] [--json | --csv | --html FILE | --digest] [--top N]",
			"what people asked, what went unanswered, how answers were rated",
			"Prints the maintainers' report from the database serve (or chat --store) writes: how the\n" +
				"answers were rated, the questions the bot could not answer, and totals. --html FILE writes\n" +
				"it as one self-contained web page with charts; --digest prints the weekly digest that serve\n" +
				"posts to the maintainers' channel (report.digest)."},
		{"forget", cmdForget, "[--config FILE] [--db PATH] --platform discord|slack|cli --user ID",
			"erase a person's stored questions and votes",
			"Erases everything stored about one person (right to erasure) and says how many rows went.\n" +
				"ID is the platform's user id, not a display name: on Discord a long number (Developer Mode,\n" +
				"then Copy User ID), on Slack a member ID such as U024BE7LH, in chat --store the name it shows."},
		{"version", cmdVersion, "", "print radbot's version, source revision and knowledge version",
			"Prints the module version, the source revision it was built from, and the version of the\n" +
				"knowledge (the built-in one, or --knowledge DIR). Also: radbot --version."},
	}
}

// usage is the overview that `radbot`, `radbot help` and `radbot --help` print.
func usage() string {
	var b strings.Builder
	b.WriteString("radbot answers career questions about UK clinical radiology.\n\nUsage: radbot COMMAND [flags] [arguments]\n\nCommands:\n")
	for _, c := range subcommands() {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	b.WriteString("\nEvery command takes --knowledge DIR to use a knowledge folder instead of the built-in one.\n" +
		"Run \"radbot help COMMAND\" or \"radbot COMMAND -h\" for its flags.\n")
	return b.String()
}

func lookup(name string) (subcommand, bool) {
	for _, c := range subcommands() {
		if c.name == name {
			return c, true
		}
	}
	return subcommand{}, false
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand and turns its error into an exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage())
		return 0
	}
	switch args[0] {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, usage())
		return 0
	case "help":
		if len(args) == 1 {
			fmt.Fprint(stdout, usage())
			return 0
		}
		c, ok := lookup(args[1])
		if !ok {
			fmt.Fprintf(stderr, "radbot help: unknown command %q\n\n%s", args[1], usage())
			return 2
		}
		args = []string{c.name, "-h"}
	case "-version", "--version", "-v":
		args = []string{"version"}
	}
	c, ok := lookup(args[0])
	if !ok {
		fmt.Fprintf(stderr, "radbot: unknown command %q\n\n%s", args[0], usage())
		return 2
	}
	// Help goes to stdout, since it was asked for; a flag mistake prints the same help to stderr.
	for _, a := range args[1:] {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprint(stdout, help(ctx, c))
			return 0
		}
	}
	err := c.run(ctx, args[1:], stdin, stdout, stderr)
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, flag.ErrHelp):
		return 0
	default:
		fmt.Fprintf(stderr, "radbot %s: %v\n", args[0], err)
		return 1
	}
}

// help is what `radbot NAME -h` prints: the synopsis, what the command does, and its flags as the
// flag package lists them (taken from the command itself, so they are never out of date).
func help(ctx context.Context, c subcommand) string {
	var flags strings.Builder
	c.run(ctx, []string{"-h"}, strings.NewReader(""), io.Discard, &flags)
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: radbot %s %s\n\n%s\n", c.name, c.synopsis, c.about)
	// The flag package lists each flag on lines starting "  -"; whatever the command printed before
	// them is its own usage line, replaced by the one above.
	lines := strings.SplitAfter(flags.String(), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "  -") {
			b.WriteString("\nFlags:\n")
			b.WriteString(strings.Join(lines[i:], ""))
			break
		}
	}
	return b.String()
}

// newFlags makes a subcommand's flag set, with the --knowledge flag every subcommand has. Its usage
// (printed on a flag mistake) is the same help as `radbot NAME -h`.
func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("radbot "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("knowledge", "", "knowledge folder (default: the knowledge built into radbot)")
	fs.Usage = func() {
		if c, ok := lookup(name); ok {
			fmt.Fprintf(fs.Output(), "Usage: radbot %s %s\n\n%s\n\nFlags:\n", c.name, c.synopsis, c.about)
		}
		fs.PrintDefaults()
	}
	return fs, dir
}

// usageError turns a flag parsing error into the exit status for a usage mistake (2); the flag
// package has already printed the problem and the usage. Help (-h) stays flag.ErrHelp: status 0.
func usageError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return exitError{2}
}

// The embedded knowledge never changes, so a process loads and indexes it once however many commands
// run in it (the tests run hundreds): building an index learns the matcher's and the safety models.
var (
	embeddedBase  = sync.OnceValues(knowledge.Default)
	embeddedIndex = sync.OnceValue(func() *bot.Index {
		base, _ := embeddedBase() // only called once embeddedBase has succeeded
		return bot.NewIndex(base)
	})
)

// indexFor returns the shared index when base is the embedded knowledge, else nil (bot.New builds one).
func indexFor(base *knowledge.Base) *bot.Index {
	if b, err := embeddedBase(); err == nil && b == base {
		return embeddedIndex()
	}
	return nil
}

// loadKnowledge loads a knowledge folder, or the embedded default when dir is empty. Problems in a
// folder are named by the folder as given, so that an editor can open "knowledge/content/pay.yaml:12".
// The embedded default is shared and must not be changed.
func loadKnowledge(dir string) (*knowledge.Base, error) {
	if dir == "" {
		return embeddedBase()
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	return knowledge.LoadWith(os.DirFS(dir), knowledge.Options{Dir: dir})
}
