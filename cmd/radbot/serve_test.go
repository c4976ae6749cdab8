package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/radbot/radbot/adapters/sqlite"
	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// radbotBin is the radbot binary built by TestMain, for the tests that run a real `radbot serve`.
var radbotBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "radbot-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	radbotBin = filepath.Join(dir, "radbot")
	args := []string{"build", "-o", radbotBin}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building radbot: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// logBuffer collects a process's log output; safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var listenLine = regexp.MustCompile(`msg="http server listening".* addr=(\S+)`)

// listenAddr returns the address serve logged it listens on, from a text or a JSON log, or "".
func listenAddr(logs string) string {
	if m := listenLine.FindStringSubmatch(logs); m != nil {
		return m[1]
	}
	for _, line := range strings.Split(logs, "\n") {
		var rec struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "http server listening" {
			return rec.Addr
		}
	}
	return ""
}

// waitFor polls cond every 20 ms until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serveProc is a running `radbot serve`.
type serveProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	logs   *logBuffer
	addr   string
	exited chan struct{}
	err    error // valid once exited is closed
}

// startServe runs `radbot serve --listen 127.0.0.1:0 args...` in dir with the given environment and waits
// until it logs its address (as text or JSON).
func startServe(t *testing.T, dir string, env []string, args ...string) *serveProc {
	t.Helper()
	p := &serveProc{t: t, logs: &logBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(radbotBin, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	p.cmd.Dir = dir
	p.cmd.Env = env
	p.cmd.Stdout = p.logs
	p.cmd.Stderr = p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("radbot serve output:\n%s", p.logs.String())
		}
	})
	deadline := time.After(slowWait)
	for p.addr == "" {
		if p.addr = listenAddr(p.logs.String()); p.addr != "" {
			break
		}
		select {
		case <-p.exited:
			t.Fatalf("radbot serve exited before listening (%v):\n%s", p.err, p.logs.String())
		case <-deadline:
			t.Fatalf("radbot serve did not log its address:\n%s", p.logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return p
}

func (p *serveProc) get(path string) (int, string) {
	p.t.Helper()
	return httpGet(p.t, "http://"+p.addr+path)
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

// metric returns the value of one sample (name with labels, exactly as exposed) from /metrics, or -1
// when it is absent.
func (p *serveProc) metric(sample string) float64 {
	p.t.Helper()
	_, body := p.get("/metrics")
	return metricValue(body, sample)
}

func metricValue(body, sample string) float64 {
	for line := range strings.SplitSeq(body, "\n") {
		if rest, ok := strings.CutPrefix(line, sample+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

// stop sends sig and waits for the process to exit, returning how long that took.
func (p *serveProc) stop(sig os.Signal, limit time.Duration) time.Duration {
	p.t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(limit):
		p.t.Fatalf("radbot serve did not exit within %v of %v", limit, sig)
	}
	return time.Since(start)
}

// childEnv is the test's environment without the variables radbot reads, plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "RADBOT_HASH_KEY", "DISCORD_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET":
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// copyKnowledge copies the embedded knowledge folder into a new directory.
func copyKnowledge(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "knowledge")
	src := knowledge.DefaultFS()
	err := fs.WalkDir(src, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dst, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := fs.ReadFile(src, path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copying the knowledge: %v", err)
	}
	return dst
}

// extraTopic returns a valid topic file with one new entry, made from an existing one, and the base
// it was made from.
func extraTopic(t *testing.T, id string, edit func(*knowledge.Entry)) ([]byte, *knowledge.Base) {
	t.Helper()
	base, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := *base.Entries[0]
	e.ID = id
	e.Title = "Test entry " + id
	e.Questions = nil
	for i := range knowledge.MinQuestions + 1 {
		e.Questions = append(e.Questions, fmt.Sprintf("zebra question %s number %d", id, i))
	}
	e.Related = []string{base.Entries[0].ID}
	if edit != nil {
		edit(&e)
	}
	data, err := yaml.Marshal(map[string]any{"topic": "Reload test", "entries": []*knowledge.Entry{&e}})
	if err != nil {
		t.Fatal(err)
	}
	return data, base
}

// TestServeDefaults runs serve with no configuration file: embedded knowledge, radbot.db in the working
// directory, no chat platform. It checks the endpoints, the SIGHUP no-op and a clean SIGTERM.
func TestServeDefaults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startServe(t, dir, childEnv())

	if code, body := p.get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, body := p.get("/readyz"); code != 200 || body != "ok\n" {
		t.Errorf("/readyz = %d %q", code, body)
	}
	if code, _ := p.get("/nothing"); code != 404 {
		t.Errorf("/nothing = %d", code)
	}
	base, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	code, body := p.get("/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	if got := metricValue(body, "radbot_knowledge_entries"); got != float64(len(base.Entries)) {
		t.Errorf("radbot_knowledge_entries = %v, want %d", got, len(base.Entries))
	}
	for _, s := range []string{`radbot_knowledge_reloads_total{result="success"}`, `radbot_knowledge_reloads_total{result="failure"}`} {
		if got := metricValue(body, s); got != 0 {
			t.Errorf("%s = %v, want 0", s, got)
		}
	}
	// Question and vote counters appear per enabled platform; with none, only the histogram shows.
	for _, want := range []string{"# TYPE radbot_answer_seconds histogram", "radbot_answer_seconds_count 0",
		"go_goroutines ", "process_cpu_seconds_total "} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics has no %q", want)
		}
	}

	p.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, 5*time.Second, "the SIGHUP log line", func() bool {
		return strings.Contains(p.logs.String(), "embedded in the binary, so there is nothing to reload")
	})
	if code, _ := p.get("/healthz"); code != 200 {
		t.Errorf("SIGHUP stopped the server")
	}

	took := p.stop(syscall.SIGTERM, 15*time.Second)
	if p.err != nil {
		t.Errorf("exit after SIGTERM: %v, want status 0", p.err)
	}
	logs := p.logs.String()
	for _, want := range []string{"RADBOT_HASH_KEY is not set", "no chat platform is enabled", "shutting down", "stopped cleanly"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log has no %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "radbot.db")); err != nil {
		t.Errorf("no radbot.db in the working directory: %v", err)
	}
	t.Logf("shutdown took %v", took)
}

// TestServeHotReload edits a watched knowledge folder: a good edit is served, a broken one is refused
// with its file:line logged while the old content keeps serving.
func TestServeHotReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	kdir := copyKnowledge(t)
	key := "test-hash-key-0123456789abcdef"
	cfg := fmt.Sprintf("knowledge:\n  dir: %q\n  watch: true\nstore:\n  path: %q\nshutdown_timeout: 5s\n",
		kdir, filepath.Join(dir, "bot.db"))
	os.WriteFile(filepath.Join(dir, "radbot.yaml"), []byte(cfg), 0o600)
	p := startServe(t, dir, childEnv("RADBOT_HASH_KEY="+key), "--config", "radbot.yaml")

	extra, base := extraTopic(t, "reload-test-entry", nil)
	n := float64(len(base.Entries))
	if got := p.metric("radbot_knowledge_entries"); got != n {
		t.Fatalf("entries before the edit = %v, want %v", got, n)
	}

	// A good edit: one more entry.
	if err := os.WriteFile(filepath.Join(kdir, "zz-extra.yaml"), extra, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, slowWait, "the good edit to be served", func() bool {
		return p.metric("radbot_knowledge_entries") == n+1
	})
	edited, err := knowledge.LoadDir(kdir)
	if err != nil {
		t.Fatal(err)
	}
	servedVersion := fmt.Sprintf(`radbot_knowledge_info{version=%q}`, edited.Version)
	if got := p.metric(servedVersion); got != 1 {
		t.Errorf("%s = %v after the good edit, want 1", servedVersion, got)
	}
	if got := p.metric(`radbot_knowledge_reloads_total{result="success"}`); got < 1 {
		t.Errorf("success reloads = %v after a good edit", got)
	}
	if !strings.Contains(p.logs.String(), `msg="knowledge reloaded" component=reload reason="file change"`) {
		t.Errorf("no reload log line")
	}

	// A broken edit: the new entry loses its answer, and an editor's swap file appears (ignored).
	os.WriteFile(filepath.Join(kdir, ".zz-extra.yaml.swp"), []byte("junk"), 0o644)
	broken, _ := extraTopic(t, "reload-test-entry", func(e *knowledge.Entry) { e.Answer = "" })
	if err := os.WriteFile(filepath.Join(kdir, "zz-extra.yaml"), broken, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, slowWait, "the broken edit to be refused", func() bool {
		return p.metric(`radbot_knowledge_reloads_total{result="failure"}`) == 1
	})
	if got := p.metric("radbot_knowledge_entries"); got != n+1 {
		t.Errorf("entries after a broken edit = %v, want %v (the previous content)", got, n+1)
	}
	if got := p.metric(servedVersion); got != 1 {
		t.Errorf("%s = %v after a broken edit; the exact previous content must still be served", servedVersion, got)
	}
	logs := p.logs.String()
	if !regexp.MustCompile(`msg="knowledge problem" component=reload problem=".*zz-extra\.yaml:\d+: entry \\"reload-test-entry\\": .*answer`).MatchString(logs) {
		t.Errorf("the problem is not logged with file:line")
	}
	if !strings.Contains(logs, "knowledge reload failed; still serving the previous version") {
		t.Errorf("no reload failure log line")
	}
	if code, _ := p.get("/readyz"); code != 200 {
		t.Errorf("/readyz = %d after a refused edit; the old content is still served", code)
	}

	// Fixing the file is picked up again.
	os.WriteFile(filepath.Join(kdir, "zz-extra.yaml"), extra, 0o644)
	waitFor(t, slowWait, "the fix to be served", func() bool {
		return p.metric(`radbot_knowledge_reloads_total{result="success"}`) >= 2
	})

	p.stop(syscall.SIGINT, 10*time.Second)
	if p.err != nil {
		t.Errorf("exit after SIGINT: %v", p.err)
	}
	if strings.Contains(p.logs.String(), key) {
		t.Errorf("the hash key appears in the log")
	}
	if strings.Contains(p.logs.String(), "is not set") {
		t.Errorf("hash key warning although RADBOT_HASH_KEY is set")
	}
}

// slowWait bounds waits for work that builds an index (start-up, reloads): about a second normally,
// but many times that under the race detector on a busy 2-core machine. Waiting longer costs nothing
// when things work.
const slowWait = 60 * time.Second

// TestServeSIGHUPReload reloads an unwatched folder on SIGHUP only.
func TestServeSIGHUPReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	kdir := copyKnowledge(t)
	cfg := fmt.Sprintf("knowledge:\n  dir: %q\n  watch: false\n", kdir)
	os.WriteFile(filepath.Join(dir, "radbot.yaml"), []byte(cfg), 0o600)
	p := startServe(t, dir, childEnv(), "--config", "radbot.yaml")

	extra, base := extraTopic(t, "sighup-test-entry", nil)
	n := float64(len(base.Entries))
	os.WriteFile(filepath.Join(kdir, "zz-extra.yaml"), extra, 0o644)
	time.Sleep(4 * reloadDebounce) // a watcher would have reloaded by now
	if got := p.metric("radbot_knowledge_entries"); got != n {
		t.Fatalf("entries = %v without SIGHUP and with watch: false; want %v", got, n)
	}

	p.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, slowWait, "the SIGHUP reload", func() bool {
		return p.metric("radbot_knowledge_entries") == n+1
	})
	if got := p.metric(`radbot_knowledge_reloads_total{result="success"}`); got != 1 {
		t.Errorf("success reloads = %v, want 1", got)
	}
	if !strings.Contains(p.logs.String(), `msg="knowledge reloaded" component=reload reason=SIGHUP`) {
		t.Errorf("no SIGHUP reload log line")
	}
	p.stop(syscall.SIGTERM, 15*time.Second)
	if p.err != nil {
		t.Errorf("exit after SIGTERM: %v", p.err)
	}
}

func TestServeStartupErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("discord:\n  enabled: true\n  tokn: x\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "noenv.yaml"), []byte("discord:\n  enabled: true\n"), 0o600)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--config", "bad.yaml"}, "config bad.yaml: unknown key discord.tokn at line 3"},
		{[]string{"--config", "noenv.yaml"}, "discord.token_env: environment variable DISCORD_BOT_TOKEN is not set"},
		{[]string{"--knowledge", filepath.Join(dir, "missing")}, "loading knowledge"},
		{[]string{"--listen", "nonsense"}, `http.listen: "nonsense" is not a listen address`},
	} {
		cmd := exec.Command(radbotBin, append([]string{"serve"}, tt.args...)...)
		cmd.Dir = dir
		cmd.Env = childEnv()
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Errorf("serve %v: %v, want exit status 1", tt.args, err)
		}
		if !strings.Contains(string(out), tt.want) {
			t.Errorf("serve %v output:\n%s\nwant %q", tt.args, out, tt.want)
		}
	}
}

// inProcess runs server.run in this process with fake platforms.
type inProcess struct {
	addr   string
	logs   *logBuffer
	cancel context.CancelFunc
	done   chan struct{} // closed when run has returned err
	err    error
	store  string
}

func startInProcess(t *testing.T, timeout time.Duration, platforms platformBuilder) *inProcess {
	t.Helper()
	cfg := DefaultConfig()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.ShutdownTimeout = Duration(timeout)
	cfg.Store.Path = filepath.Join(t.TempDir(), "radbot.db")
	ip := &inProcess{logs: &logBuffer{}, done: make(chan struct{}), store: cfg.Store.Path}
	s := &server{cfg: cfg, getenv: func(string) string { return "" }, log: newLogger(cfg.Log, ip.logs), platforms: platforms}
	ctx, cancel := context.WithCancel(context.Background())
	ip.cancel = cancel
	go func() { ip.err = s.run(ctx, make(chan os.Signal)); close(ip.done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-ip.done:
		case <-time.After(20 * time.Second):
			t.Error("server.run did not return")
		}
		if t.Failed() {
			t.Logf("log:\n%s", ip.logs.String())
		}
	})
	waitFor(t, slowWait, "the listen log line", func() bool {
		m := listenLine.FindStringSubmatch(ip.logs.String())
		if m != nil {
			ip.addr = m[1]
		}
		return m != nil
	})
	return ip
}

// wait waits for run to return and gives its error.
func (ip *inProcess) wait(t *testing.T, limit time.Duration) error {
	t.Helper()
	select {
	case <-ip.done:
		return ip.err
	case <-time.After(limit):
		t.Fatalf("server.run did not return within %v", limit)
		return nil
	}
}

func onePlatform(run func(ctx context.Context, b *bot.Bot) error) platformBuilder {
	return func(_ Config, _ Secrets, b *bot.Bot, _ platformDeps, _ *slog.Logger) ([]platform, http.Handler, error) {
		return []platform{{name: "fake", run: func(ctx context.Context) error { return run(ctx, b) }}}, nil, nil
	}
}

// TestServeMetricsAndDrain runs a fake platform on the real bot: its answers and votes show in /metrics,
// and a question it finishes after shutdown began is still stored, because the store closes last.
func TestServeMetricsAndDrain(t *testing.T) {
	t.Parallel()
	answered := make(chan struct{})
	ip := startInProcess(t, 10*time.Second, onePlatform(func(ctx context.Context, b *bot.Bot) error {
		id := b.Knowledge().Entries[0].ID
		q := bot.Query{Platform: "fake", ConversationID: "c1", UserID: "u1", EntryID: id}
		r := b.Answer(ctx, q)
		if r.Status != bot.StatusAnswered || r.InteractionID == 0 {
			return fmt.Errorf("answer by entry id: %+v", r)
		}
		if err := b.Feedback(ctx, bot.Feedback{Platform: "fake", UserID: "u1", InteractionID: r.InteractionID, Helpful: true}); err != nil {
			return err
		}
		close(answered)
		<-ctx.Done()
		time.Sleep(200 * time.Millisecond) // a question still in flight when shutdown begins
		b.Answer(context.WithoutCancel(ctx), q)
		return nil
	}))
	select {
	case <-answered:
	case <-ip.done:
		t.Fatalf("serve stopped: %v", ip.err)
	case <-time.After(10 * time.Second):
		t.Fatal("the fake platform did not answer")
	}
	_, body := httpGet(t, "http://"+ip.addr+"/metrics")
	for sample, want := range map[string]float64{
		`radbot_questions_total{platform="fake",status="answered"}`: 1,
		`radbot_votes_total{helpful="true",platform="fake"}`:        1,
		`radbot_answer_seconds_count`:                               1,
		`radbot_questions_total{platform="fake",status="fallback"}`: 0, // every series exists from the start
		`radbot_votes_total{helpful="false",platform="fake"}`:       0,
	} {
		if got := metricValue(body, sample); got != want {
			t.Errorf("%s = %v, want %v", sample, got, want)
		}
	}
	if code, body := httpGet(t, "http://"+ip.addr+"/readyz"); code != 200 {
		t.Errorf("/readyz = %d %q", code, body)
	}

	ip.cancel()
	if err := ip.wait(t, 10*time.Second); err != nil {
		t.Fatalf("run after cancel: %v", err)
	}
	if !strings.Contains(ip.logs.String(), "stopped cleanly") {
		t.Errorf("no clean stop logged")
	}
	store, err := sqlite.Open(context.Background(), ip.store, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rep, err := store.Report(context.Background(), sqlite.ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Interactions != 2 || rep.Totals.Votes != 1 {
		t.Errorf("stored %d interactions and %d votes, want 2 and 1 (the in-flight question included)", rep.Totals.Interactions, rep.Totals.Votes)
	}
}

// TestServeShutdownTimeout: a platform that does not stop makes serve give up after shutdown_timeout
// and exit with status 1.
func TestServeShutdownTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	ip := startInProcess(t, 300*time.Millisecond, onePlatform(func(ctx context.Context, b *bot.Bot) error {
		<-release // ignores ctx
		return nil
	}))
	start := time.Now()
	ip.cancel()
	err := ip.wait(t, 5*time.Second)
	if err != (exitError{1}) {
		t.Errorf("run = %v, want exit status 1", err)
	}
	if took := time.Since(start); took < 300*time.Millisecond || took > 3*time.Second {
		t.Errorf("shutdown took %v with a 300ms timeout", took)
	}
	if !strings.Contains(ip.logs.String(), "shutdown timed out") {
		t.Errorf("timeout not logged")
	}
}

// TestServePlatformFailure: a platform that fails stops serve, cleanly, with the platform's error.
func TestServePlatformFailure(t *testing.T) {
	t.Parallel()
	for name, tt := range map[string]struct {
		run  func(ctx context.Context, b *bot.Bot) error
		want string
	}{
		"error":   {func(context.Context, *bot.Bot) error { return errors.New("boom") }, "fake: boom"},
		"returns": {func(context.Context, *bot.Bot) error { return nil }, "fake stopped unexpectedly"},
		"panics":  {func(context.Context, *bot.Bot) error { panic("kaboom") }, "fake: panic: kaboom"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ip := startInProcess(t, 5*time.Second, onePlatform(tt.run))
			err := ip.wait(t, 10*time.Second)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run = %v, want %q", err, tt.want)
			}
			if !strings.Contains(ip.logs.String(), "shutting down after a failure") {
				t.Errorf("failure not logged")
			}
		})
	}
}
