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
	"syscall"

	"github.com/radbot/radbot/knowledge"
)

const usage = `radbot answers career questions about UK clinical radiology.

Usage:
  radbot ask [--json] [--explain] "question"   answer one question ("-" reads one per line from stdin)
  radbot chat                                  talk to the bot in the terminal
  radbot lint [DIR]                            check a knowledge folder (default: the embedded one)
  radbot eval [FILE]                           measure matching against an evaluation case file
  radbot serve [--config FILE] [--listen ADDR] run the bot for Discord and Slack, with its HTTP server
  radbot report [--config FILE] [--db PATH] [--since 30d] [--json|--csv] [--top N]
                                               what people asked, what went unanswered, how answers rated
  radbot forget [--config FILE] [--db PATH] --platform P --user ID
                                               erase a person's stored questions and votes

Every subcommand takes --knowledge DIR to use a knowledge folder instead of the embedded default.
`

// exitError carries an exit code without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// command is one subcommand. It owns nothing global: tests call it directly.
type command func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error

func commands() map[string]command {
	return map[string]command{
		"ask":    cmdAsk,
		"chat":   cmdChat,
		"lint":   cmdLint,
		"eval":   cmdEval,
		"serve":  cmdServe,
		"report": cmdReport,
		"forget": cmdForget,
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand and turns its error into an exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "radbot: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	err := cmd(ctx, args[1:], stdin, stdout, stderr)
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

// newFlags makes a subcommand's flag set, with the --knowledge flag every subcommand has.
func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("radbot "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("knowledge", "", "knowledge folder (default: the embedded content)")
	return fs, dir
}

// loadKnowledge loads a knowledge folder, or the embedded default when dir is empty.
func loadKnowledge(dir string) (*knowledge.Base, error) {
	if dir == "" {
		return knowledge.Default()
	}
	return knowledge.LoadDir(dir)
}
