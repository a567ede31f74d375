package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca/internal/secretstest"
)

// The helpers the command tests share to run anyca: in the background as a server
// (serve), or to completion against the fakes (runLive), and to read what it serves or
// prints (fetch, parseExports).

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
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// runLive runs a command against the fakes, with the real clock: the fakes judge
// expiry by it.
func runLive(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return env[k] }, now: time.Now}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := a.run(ctx, args)
	return result{code, out.String(), errb.String()}
}

// parseExports reads the "export K=V K=V" lines anyca sim prints, by provider.
func parseExports(t *testing.T, out string) map[string]map[string]string {
	t.Helper()
	envs := map[string]map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(line, "export ")
		if !ok {
			continue
		}
		env := map[string]string{}
		for _, kv := range strings.Fields(rest) {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		if env["ANYCA_PROVIDER"] == "" {
			continue // the fleet's key line
		}
		envs[env["ANYCA_PROVIDER"]] = env
	}
	if len(envs) != 2 || envs["digicert"] == nil || envs["zerossl"] == nil {
		t.Fatalf("sim printed no export line for both providers:\n%s", out)
	}
	return envs
}
