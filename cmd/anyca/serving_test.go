package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca/internal/testsupport/secretstest"
	"github.com/anyca/anyca/providertest/fakeca/fakecatest"
)

// The helpers the command tests share to run anyca: in the background as a server
// (serve), or to completion (runApp with the fixed clock, runLive with the real one),
// and to read what it serves or prints (mustSucceed, assertFailure, decode, fetch,
// parseExports).

// serving is a serving command ("anyca sim", "anyca exporter") running in the
// background for one test.
type serving struct {
	addr        string // its listen address
	out, stderr *secretstest.SyncBuffer
}

// serve runs the command line args in the background with the environment getenv and
// returns once it serves. When the test ends it stops the command and checks that it
// exited 0 after printing that it stopped.
func serve(t *testing.T, getenv func(string) string, args ...string) *serving {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &serving{out: &secretstest.SyncBuffer{}, stderr: &secretstest.SyncBuffer{}}
	ready := make(chan string, 1)
	a := &app{stdin: strings.NewReader(""), stdout: s.out, stderr: s.stderr, getenv: getenv, now: time.Now,
		simReady: func(addr string) { ready <- addr }}
	var code int
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		code = a.run(ctx, args)
	}()
	t.Cleanup(func() {
		cancel()
		<-exited
		if code != 0 || !strings.Contains(s.stderr.String(), "stopped") {
			t.Errorf("anyca %v: exit %d, stderr %q; want 0 and stopped", args, code, s.stderr)
		}
	})
	select {
	case s.addr = <-ready:
	case <-exited:
		t.Fatalf("anyca %v exited %d: %s", args, code, s.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("anyca %v did not start serving", args)
	}
	return s
}

// fetch GETs url with client and returns the answer and its whole body; a request or
// a body read that fails ends the test.
func fetch(t *testing.T, client *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, b := fakecatest.Get(t, client, url)
	return resp, string(b)
}

// result is one in-process run of the command.
type result struct {
	args           []string // the command line, for messages
	code           int
	stdout, stderr string
}

// runAt runs the command line with env as the whole environment and now as its clock,
// and gives it 30 s to finish.
func runAt(t *testing.T, now func() time.Time, env map[string]string, args ...string) result {
	t.Helper()
	return runWith(t, &app{now: now}, env, args...)
}

// runWith runs the command line on a, whose output and environment it sets (the rest,
// such as the clock and sleep, is the caller's), and gives it 30 s to finish.
func runWith(t *testing.T, a *app, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	a.stdin, a.stdout, a.stderr = strings.NewReader(""), &out, &errb
	a.getenv = func(k string) string { return env[k] }
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := a.run(ctx, args)
	return result{args, code, out.String(), errb.String()}
}

// runApp runs the command with the fixed clock of the golden tests (testNow).
func runApp(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runAt(t, func() time.Time { return testNow }, env, args...)
}

// runLive runs a command against the fakes, with the real clock: the fakes judge
// expiry by it.
func runLive(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runAt(t, time.Now, env, args...)
}

// mustSucceed ends the test unless the run exited 0, and returns it.
func mustSucceed(t *testing.T, r result) result {
	t.Helper()
	if r.code != exitOK {
		t.Fatalf("anyca %q: exit %d, stderr %q", r.args, r.code, r.stderr)
	}
	return r
}

// assertFailure checks that the run exited with code, said inStderr on stderr, printed
// nothing on stdout, and showed none of secrets.
func assertFailure(t *testing.T, r result, code int, inStderr string, secrets ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("anyca %q: exit %d, want %d; stderr %q", r.args, r.code, code, r.stderr)
	}
	if !strings.Contains(r.stderr, inStderr) {
		t.Errorf("anyca %q: stderr %q does not contain %q", r.args, r.stderr, inStderr)
	}
	if r.stdout != "" {
		t.Errorf("anyca %q: stdout not empty on error: %q", r.args, r.stdout)
	}
	for _, s := range secrets {
		if strings.Contains(r.stderr, s) {
			t.Errorf("anyca %q: stderr shows a secret: %q", r.args, r.stderr)
		}
	}
}

// decode ends the test unless the run exited 0 and its output starts with a JSON value
// whose every field v knows, and decodes that value into v.
func decode(t *testing.T, r result, v any) {
	t.Helper()
	decodeExit(t, r, exitOK, v)
}

// decodeExit is decode for a run that must exit with code, such as a partial answer.
func decodeExit(t *testing.T, r result, code int, v any) {
	t.Helper()
	if r.code != code {
		t.Fatalf("anyca %q: exit %d, want %d; stderr %q", r.args, r.code, code, r.stderr)
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("anyca %q: decoding %q: %v", r.args, r.stdout, err)
	}
}

// exportLines parses each "export K=V K=V" line anyca sim prints into its variables.
func exportLines(out string) []map[string]string {
	var lines []map[string]string
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(line, "export ")
		if !ok {
			continue
		}
		vars := map[string]string{}
		for _, kv := range strings.Fields(rest) {
			k, v, _ := strings.Cut(kv, "=")
			vars[k] = v
		}
		lines = append(lines, vars)
	}
	return lines
}

// parseExports returns the export lines anyca sim prints for each provider, by
// provider; it ends the test unless there is one for each of the three.
func parseExports(t *testing.T, out string) map[string]map[string]string {
	t.Helper()
	envs := map[string]map[string]string{}
	for _, env := range exportLines(out) {
		if p := env["ANYCA_PROVIDER"]; p != "" { // not the fleet's keys or the world's line
			envs[p] = env
		}
	}
	if len(envs) != 3 || envs["digicert"] == nil || envs["zerossl"] == nil || envs["acme"] == nil {
		t.Fatalf("sim printed no export line for each of digicert, zerossl and acme:\n%s", out)
	}
	return envs
}
