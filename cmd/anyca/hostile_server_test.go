package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/anyca/anyca/model"
)

// TestHostileZeroSSLServer serves ZeroSSL's documented certificate with a zone-file
// line smuggled into cname_validation_p2 and a terminal escape in the common name,
// through the real zerossl adapter: the CLI prints neither raw.
func TestHostileZeroSSLServer(t *testing.T) {
	doc, err := os.ReadFile("../../zerossl/testdata/get-certificate.json")
	if err != nil {
		t.Fatal(err)
	}
	const smuggled = `evil.domain.com. 3600 IN NS ns.evil.test.`
	body := strings.Replace(string(doc), `"cname_validation_p2": "2B449B7293947.23DD7293947.11DD7293941.ca.com"`,
		`"cname_validation_p2": "x.ca.com.\n`+smuggled+`"`, 1)
	body = strings.Replace(body, `"common_name": "domain.com"`, `"common_name": "domain.com\u001b[2J"`, 1)
	if body == string(doc) {
		t.Fatal("the fixture changed: nothing was replaced")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	env := providerEnv("zerossl", "zerossl-hostile-key-0123456789", srv.URL)
	const id = "a856a39a1c3ad0s8asa606g37667d221"

	r := mustSucceed(t, runApp(t, env, "challenges", id))
	assertTerminalSafe(t, "challenges", r.stdout)
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.Contains(strings.ToUpper(line), " IN NS ") && !strings.HasPrefix(line, ";") {
			t.Errorf("a smuggled record was printed: %q", line)
		}
	}
	if !strings.Contains(r.stdout, "; WARNING: the CA's CNAME target for 2b449b7293947.domain.com. would break") {
		t.Errorf("no warning for the hostile CNAME target:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "2b449b7293947.www.domain.com. 3600 IN CNAME 2b449b7293947.23dd7293947.11dd7293941.ca.com.") &&
		!strings.Contains(r.stdout, "IN CNAME 2B449B7293947.23DD7293947.11DD7293941.ca.com.") {
		t.Errorf("the intact record of www.domain.com is missing:\n%s", r.stdout)
	}

	r = runApp(t, env, "challenges", id, "-o", "json")
	var chs []model.Challenge
	decode(t, r, &chs)
	found := false
	for _, ch := range chs {
		// The adapter lower-cases names; the line break must survive as it is.
		found = found || strings.Contains(ch.RecordValue, "x.ca.com.\n"+strings.ToLower(smuggled[:len(smuggled)-1]))
	}
	if !found {
		t.Errorf("-o json must keep the CA's value exactly: %q", chs)
	}

	r = mustSucceed(t, runApp(t, env, "cert", "get", id))
	assertTerminalSafe(t, "cert get", r.stdout)
	if !strings.Contains(strings.ToLower(r.stdout), `domain.com\x1b[2j`) {
		t.Errorf("the common name is not shown escaped:\n%s", r.stdout)
	}
}
