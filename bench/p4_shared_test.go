package bench

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/redislimit"
	"github.com/anyca/anyca/redislimit/redistest"
	"github.com/anyca/anyca/retry"
)

// p4Processes is how many OS processes share one API key in P4-shared.
const p4Processes = 4

// Environment of a P4-shared client process (this test binary run again).
const (
	envP4URL   = "ANYCA_BENCH_P4_URL"   // the fake's base URL
	envP4Key   = "ANYCA_BENCH_P4_KEY"   // API key
	envP4ID    = "ANYCA_BENCH_P4_ID"    // certificate id to look up
	envP4Mode  = "ANYCA_BENCH_P4_MODE"  // "shared" (redislimit) or "local" (retry.WindowLimiter)
	envP4Redis = "ANYCA_BENCH_P4_REDIS" // Redis address, for "shared"
)

// TestP4Shared is P4-shared: p4Processes OS processes use one key against the fake that
// enforces DigiCert's two windows (scaled by p4Scale), first each with its own
// rolling-window limiter (each believes it has the whole budget), then all with the
// shared Redis limiter. It prints "P4S|..." lines. Skipped with -short.
func TestP4Shared(t *testing.T) {
	if testing.Short() {
		t.Skip("takes ~40 s")
	}
	rds := redistest.Start(t)
	fmt.Printf("P4S|setup|%d processes, windows %v (DigiCert's divided by %d), %d long windows measured, real redis-server: %v\n",
		p4Processes, p4ScaledWindows, p4Scale, p4LongWindows, rds.Real)
	for _, mode := range []string{"local", "shared"} {
		fk := digicerttest.NewUnstarted()
		id := fk.AddCertificate(p1Certificate("p4s.example.com")).ID
		rf := &rollingFake{next: fk.Handler(), windows: p4ScaledWindows}
		ts := httptest.NewServer(rf)
		var cmds []*exec.Cmd
		var outs []*bytes.Buffer
		for range p4Processes {
			cmd := exec.Command(os.Args[0], "-test.run=^TestP4SharedClient$", "-test.v")
			cmd.Env = append(os.Environ(), envP4URL+"="+ts.URL+digicerttest.BasePath, envP4Key+"="+fk.APIKey,
				envP4ID+"="+id, envP4Mode+"="+mode, envP4Redis+"="+rds.Addr)
			out := &bytes.Buffer{}
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			cmds, outs = append(cmds, cmd), append(outs, out)
		}
		okCalls, limitedCalls := 0, 0
		for i, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				t.Fatalf("%s client %d: %v\n%s", mode, i, err, outs[i])
			}
			var ok, limited int
			s := outs[i].String()
			if j := strings.Index(s, "P4CLIENT|"); j < 0 {
				t.Fatalf("%s client %d printed no result:\n%s", mode, i, s)
			} else if _, err := fmt.Sscanf(s[j:], "P4CLIENT|%d|%d", &ok, &limited); err != nil {
				t.Fatalf("%s client %d: %v\n%s", mode, i, err, s)
			}
			okCalls, limitedCalls = okCalls+ok, limitedCalls+limited
		}
		ts.Close()
		admitted, frac := rf.allowedFraction()
		name := map[string]string{
			"local":  fmt.Sprintf("%d processes, each its own rolling-window limiter", p4Processes),
			"shared": fmt.Sprintf("%d processes, one redislimit.Limiter on one Redis", p4Processes),
		}[mode]
		fmt.Printf("P4S|row|%s|%d|%d|%d|%d|%.1f%%\n", name, okCalls, limitedCalls, admitted, rf.shed.Load(), 100*frac)
		if mode == "shared" && (rf.shed.Load() != 0 || frac < 0.95) {
			t.Errorf("shared limiter: %d answered 429, %.1f%% of the allowed requests", rf.shed.Load(), 100*frac)
		}
	}
}

// TestP4SharedClient is one client process of TestP4Shared; it does nothing in a normal run.
func TestP4SharedClient(t *testing.T) {
	url := os.Getenv(envP4URL)
	if url == "" {
		t.Skip("a client process of TestP4Shared")
	}
	rc := retry.Config{Windows: p4ScaledWindows}
	if os.Getenv(envP4Mode) == "shared" {
		lim, err := redislimit.New(redistest.Client(t, os.Getenv(envP4Redis)), os.Getenv(envP4Key),
			redislimit.Options{Windows: p4ScaledWindows})
		if err != nil {
			t.Fatal(err)
		}
		rc = retry.Config{Limiter: lim}
	}
	p := newProvider(t, "digicert", fakeInfo{URL: url, Key: os.Getenv(envP4Key)}, rc)
	ctx, cancel := context.WithTimeout(context.Background(), p4RollingPhase())
	defer cancel()
	ok, limited, err := p4Loop(ctx, p, os.Getenv(envP4ID))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("P4CLIENT|%d|%d\n", ok, limited)
}
