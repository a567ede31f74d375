package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/model"
)

// simACMEEnv starts anyca sim and returns the environment of its ACME export line with
// the world's, the featured pending order's ID, the root file and everything it printed.
func simACMEEnv(t *testing.T) (env map[string]string, featured, root, out string) {
	t.Helper()
	s := serve(t, func(string) string { return "" }, "sim", "--listen", "127.0.0.1:0")
	out = s.out.String()
	env = maps.Clone(parseExports(t, out)["acme"])
	for _, line := range exportLines(out) {
		if line[envSim] != "" {
			maps.Copy(env, line)
		}
	}
	m := regexp.MustCompile(`(?m)^# ACME .*pending order for ` + regexp.QuoteMeta(demo.FeaturedDomain) + `: (https://127\.0\.0\.1:\d+/\S+)$`).FindStringSubmatch(out)
	r := regexp.MustCompile(`(?m)^# directory https://\S+; issued chains verify against its root, (\S+)$`).FindStringSubmatch(out)
	if m == nil || r == nil {
		t.Fatalf("sim printed no ACME order or root:\n%s", out)
	}
	return env, m[1], r[1], out
}

// accountKey reads the ACME account key anyca sim wrote: the config file is an accounts
// config whose one account names its key by key_file (relative to the config's
// directory); the config holds no key, and both files are readable by their owner only.
func accountKey(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Accounts []struct {
			ACME map[string]any `json:"acme"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil || len(cfg.Accounts) != 1 {
		t.Fatalf("config %s: %v, %d accounts", path, err, len(cfg.Accounts))
	}
	keyFile, _ := cfg.Accounts[0].ACME["key_file"].(string)
	if keyFile == "" || cfg.Accounts[0].ACME["key"] != nil || strings.Contains(string(b), "PRIVATE KEY") {
		t.Fatalf("config %s: the account key is not (only) named by key_file: %s", path, b)
	}
	keyFile = filepath.Join(filepath.Dir(path), keyFile)
	key, err := os.ReadFile(keyFile)
	if err != nil || !strings.Contains(string(key), "PRIVATE KEY") {
		t.Fatalf("key file %s: %v", keyFile, err)
	}
	for _, f := range []string{path, keyFile} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f, fi.Mode())
		}
	}
	return string(key)
}

// TestSimACMECommands walks, with the commands and the environment anyca sim prints,
// the whole loop on the simulated ACME CA (Pebble, validating against the simulator's
// DNS server): listing, lookup, challenges --check before and after sim publish, verify,
// download of a chain that verifies against the printed root. The account key is never
// printed.
func TestSimACMECommands(t *testing.T) {
	env, id, rootFile, simOut := simACMEEnv(t)
	key := accountKey(t, env[envConfigFile])
	var outs []string
	run := func(args ...string) result {
		t.Helper()
		r := runLive(t, env, args...)
		outs = append(outs, r.stdout, r.stderr)
		return r
	}

	var certs []model.Certificate
	decode(t, run("certs", "list", "-o", "json"), &certs)
	byStatus := map[model.CertificateStatus]int{}
	for _, c := range certs {
		byStatus[c.Status]++
	}
	if len(certs) != 4 || byStatus[model.StatusIssued] != 2 || byStatus[model.StatusRevoked] != 1 || byStatus[model.StatusPending] != 1 {
		t.Errorf("certs list: %v", byStatus)
	}
	var one model.Certificate
	decode(t, run("cert", "get", id, "-o", "json"), &one)
	if one.Provider != "acme" || one.Status != model.StatusPending || one.CommonName != demo.FeaturedDomain {
		t.Errorf("cert get: %+v", one)
	}

	verdict := func() string {
		t.Helper()
		var chs []checkedChallenge
		decode(t, run("challenges", id, "--check", "-o", "json"), &chs)
		for _, ch := range chs {
			if ch.Type == model.ChallengeDNSTXT && ch.Domain == demo.FeaturedDomain {
				return string(ch.Preflight.Status)
			}
		}
		t.Fatalf("no dns-txt challenge for %s: %+v", demo.FeaturedDomain, chs)
		return ""
	}
	if v := verdict(); v != "missing" {
		t.Errorf("before publishing: %s", v)
	}
	r := mustSucceed(t, run("sim", "publish", id))
	if !strings.Contains(r.stdout, "_acme-challenge.pay.example.org. 300 IN TXT ") {
		t.Errorf("sim publish: %s", r.stdout)
	}
	if v := verdict(); v != "ok" {
		t.Errorf("after publishing: %s", v)
	}
	mustSucceed(t, run("verify", id, "--method", "dns-txt"))
	deadline := time.Now().Add(10 * time.Second)
	for {
		var chs []model.Challenge
		decode(t, run("challenges", id, "-o", "json"), &chs)
		valid := 0
		for _, ch := range chs {
			if ch.Type == model.ChallengeDNSTXT && ch.Status == model.ValidationValid {
				valid++
			}
		}
		if valid == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not validated: %+v", chs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	out := t.TempDir() + "/pay.pem"
	mustSucceed(t, run("download", id, "--out", out))
	decode(t, run("cert", "get", id, "-o", "json"), &one)
	if one.Status != model.StatusIssued || one.SerialNumber == "" {
		t.Errorf("after download: %+v", one)
	}
	verifyChain(t, out, rootFile, "www."+demo.FeaturedDomain)

	assertFailure(t, run("cert", "get", "4128223"), exitNotFound, "not an order URL of this CA")
	assertFailure(t, run("verify", id), exitError, "nothing to verify")
	for _, o := range append(outs, simOut) {
		if strings.Contains(o, strings.TrimSpace(key)) || strings.Contains(o, "PRIVATE KEY") {
			t.Fatalf("the account key was printed:\n%s", o)
		}
	}
}

// verifyChain checks that the PEM chain in file verifies for name against the root in
// rootFile.
func verifyChain(t *testing.T, file, rootFile, name string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var certs []*x509.Certificate
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, c)
	}
	rootPEM, err := os.ReadFile(rootFile)
	if err != nil {
		t.Fatal(err)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AppendCertsFromPEM(rootPEM)
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: name}); err != nil {
		t.Errorf("%s does not verify against %s: %v", file, rootFile, err)
	}
}

// TestACMEConfigErrors: an ACME provider without its account, or an ANYCA_CA_ROOTS file
// that is missing or holds no certificate, is a configuration error (exit 2) saying what
// to do; an ACME provider needs no API key.
func TestACMEConfigErrors(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"ANYCA_PROVIDER": "acme", "ANYCA_BASE_URL": "https://127.0.0.1:1/dir"}
	assertFailure(t, runLive(t, env, "cert", "get", "https://127.0.0.1:1/my-order/x"), exitUsage, `needs an ACME account: "acme": {"key"`)
	cfg := writeFile(t, dir, "acme.json", `{"provider": "acme", "base_url": "https://127.0.0.1:1/dir", "acme": {"key": "not a key"}}`)
	env = map[string]string{envConfigFile: cfg}
	assertFailure(t, runLive(t, env, "cert", "get", "https://127.0.0.1:1/my-order/x"), exitUsage, "account key: not PEM")
	env[envCARoots] = dir + "/missing.pem"
	assertFailure(t, runLive(t, env, "cert", "get", "x"), exitUsage, envCARoots)
	env[envCARoots] = writeFile(t, dir, "roots.pem", "no certificate here")
	assertFailure(t, runLive(t, env, "cert", "get", "x"), exitUsage, "no PEM certificate in it")
}

// TestSimEnvFileACME: anyca sim --env-file names the ACME CA's variables (no key), and
// they reach its pending order.
func TestSimEnvFileACME(t *testing.T) {
	envFile := t.TempDir() + "/sim.env"
	serve(t, func(string) string { return "" }, "sim", "--listen", "127.0.0.1:0", "--env-file", envFile)
	b, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "PRIVATE KEY") {
		t.Fatal("the env file holds the account key")
	}
	env := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && strings.HasPrefix(k, "ANYCA_SIM_ACME_") {
			env[k] = v
		}
	}
	run := map[string]string{"ANYCA_PROVIDER": env["ANYCA_SIM_ACME_PROVIDER"], "ANYCA_BASE_URL": env["ANYCA_SIM_ACME_BASE_URL"],
		envConfigFile: env["ANYCA_SIM_ACME_CONFIG"], envCARoots: env["ANYCA_SIM_ACME_CA_ROOTS"]}
	var c model.Certificate
	decode(t, runLive(t, run, "cert", "get", env["ANYCA_SIM_ACME_PENDING_ID"], "-o", "json"), &c)
	if c.Status != model.StatusPending || c.CommonName != demo.FeaturedDomain || env["ANYCA_SIM_ACME_ROOT"] == "" {
		t.Errorf("from the env file: %+v, %v", c, env)
	}
}
