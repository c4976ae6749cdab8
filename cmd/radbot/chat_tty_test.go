//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pty is a pseudo-terminal: the chat gets the terminal side, the test types on the other and reads the
// screen's bytes.
type pty struct {
	master, tty *os.File
	mu          sync.Mutex
	out         bytes.Buffer
}

func openPTY(t *testing.T, cols int) *pty {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening a pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlocking the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 50, Col: uint16(cols)}); err != nil {
		t.Fatal(err)
	}
	p := &pty{master: m, tty: s}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := m.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return p
}

// screen is everything written to the terminal so far.
func (p *pty) screen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// waitFor waits until the screen shows want n times in all.
func (p *pty) waitFor(t *testing.T, want string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(p.screen(), want) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q %d times; it shows:\n%q", want, n, p.screen())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (p *pty) typeKeys(t *testing.T, keys string) {
	t.Helper()
	if _, err := io.WriteString(p.master, keys); err != nil {
		t.Fatal(err)
	}
}

// TestChatOnATerminal drives chat on a real pseudo-terminal, as a person at a keyboard: answers come in
// colour, wrapped at the terminal's width; the up arrow brings back the last question instead of
// being sent as text; Ctrl-C clears a half-typed line and the chat goes on; Ctrl-D leaves with status 0.
func TestChatOnATerminal(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm-256color")
	p := openPTY(t, 72)
	done := make(chan error, 1)
	var errOut strings.Builder
	go func() { done <- cmdChat(context.Background(), nil, p.tty, p.tty, &errOut) }()

	title := defaultBase(t).Entry("training-length").Title
	p.waitFor(t, "you>", 1)
	p.typeKeys(t, "how long is radiology training\r")
	p.waitFor(t, title, 1)
	p.waitFor(t, "you>", 2)
	// The up arrow recalls the question; Enter asks it again.
	p.typeKeys(t, "\x1b[A\r")
	p.waitFor(t, title, 2)
	p.waitFor(t, "you>", 3)
	// Ctrl-C throws away a half-typed line: the next question is answered on its own.
	p.typeKeys(t, "this line is thrown away\x03")
	p.waitFor(t, "^C", 1)
	p.typeKeys(t, "what are the frcr exams\r")
	p.waitFor(t, "What are the FRCR exams?", 1)
	p.waitFor(t, "you>", 5)
	p.typeKeys(t, "\x04") // Ctrl-D
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("chat ended with %v, want nil (status 0)", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Ctrl-D did not end the chat:\n%q", p.screen())
	}

	screen := p.screen()
	if !strings.Contains(screen, ansiBold+title+ansiBoldOff) {
		t.Errorf("no bold title on a terminal:\n%q", screen)
	}
	// Three questions, three answers: neither the arrow key nor the cleared line reached the bot as
	// text, which would have got the fallback.
	if n := strings.Count(screen, "Sorry, I don't have"); n != 0 {
		t.Errorf("%d fallbacks: an arrow key or a cleared line was sent as a question:\n%q", n, screen)
	}
	if n := strings.Count(screen, ansiBold+title+ansiBoldOff); n != 2 {
		t.Errorf("the training answer shown %d times, want 2 (typed, then recalled with the up arrow)", n)
	}
	for _, line := range strings.Split(ansiSeq.ReplaceAllString(screen, ""), "\n") {
		line = strings.TrimRight(line, "\r")
		if visibleWidth(line) > 72 && strings.Contains(strings.TrimSpace(line), " ") && !strings.Contains(line, "you>") {
			t.Errorf("a line of %d columns on a 72-column terminal: %q", visibleWidth(line), line)
		}
	}
	if errOut.Len() > 0 {
		t.Errorf("stderr: %q", errOut.String())
	}
}

// TestTerminalDetection: colour only on a terminal and never with NO_COLOR or TERM=dumb; width from the
// terminal (capped), or $COLUMNS, or 80.
func TestTerminalDetection(t *testing.T) {
	t.Parallel()
	p := openPTY(t, 120)
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, tt := range []struct {
		name string
		w    io.Writer
		env  func(string) string
		want termOutput
	}{
		{"terminal", p.tty, env("TERM", "xterm"), termOutput{width: maxTermWidth, color: true}},
		{"terminal with NO_COLOR", p.tty, env("TERM", "xterm", "NO_COLOR", "1"), termOutput{width: maxTermWidth}},
		{"dumb terminal", p.tty, env("TERM", "dumb"), termOutput{width: maxTermWidth}},
		{"pipe", &bytes.Buffer{}, env("TERM", "xterm"), termOutput{width: 80}},
		{"pipe with COLUMNS", &bytes.Buffer{}, env("COLUMNS", "60"), termOutput{width: 60}},
	} {
		if got := detectTerm(tt.w, tt.env); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
