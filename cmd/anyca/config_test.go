package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// Every configuration mistake exits 2 with one line naming the mistake, never the key.
func TestConfigErrorsExitUsage(t *testing.T) {
	dir := t.TempDir()
	file := func(name, body string) string { return writeFile(t, dir, name, body) }
	const key = "zz-cli-config-key-0123456789"
	k := `"api_key": "` + key + `"`
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"typo inside retry", nil, []string{"--config", file("retry.json", `{"provider": "digicert", `+k+`, "retry": {"max_atempts": 2}}`), "certs", "list"},
			`retry: unknown field "max_atempts"`},
		{"wrong type inside retry", nil, []string{"--config", file("type.json", `{"provider": "digicert", `+k+`, "retry": {"burst": "2"}}`), "certs", "list"},
			`retry: field "burst": want an integer, got a JSON string`},
		{"trailing data", nil, []string{"--config", file("trail.json", `{"provider": "digicert", `+k+`} {"provider": "zerossl"}`), "certs", "list"},
			"unexpected data after the JSON value"},
		{"not an object", nil, []string{"--config", file("array.json", `[`+k[len(`"api_key": `):]+`]`), "certs", "list"},
			"want an object, got a JSON array"},
		{"missing file", nil, []string{"--config", filepath.Join(dir, "none.json"), "certs", "list"}, "config file: stat"},
		{"no provider", map[string]string{"ANYCA_API_KEY": key}, []string{"certs", "list"}, "no provider: set ANYCA_PROVIDER"},
		{"unknown provider", map[string]string{"ANYCA_PROVIDER": "nope", "ANYCA_API_KEY": key}, []string{"certs", "list"},
			`unknown provider "nope" (registered: acme, digicert, `},
		{"short key", map[string]string{"ANYCA_PROVIDER": "digicert", "ANYCA_API_KEY": "ab"}, []string{"certs", "list"},
			"the API key is 2 characters long"},
		{"inner space", map[string]string{"ANYCA_PROVIDER": "zerossl", "ANYCA_API_KEY": "a b" + key}, []string{"certs", "list"},
			"whitespace at character 2"},
		{"escape character", map[string]string{"ANYCA_PROVIDER": "zerossl", "ANYCA_API_KEY": key + "\x1b[2J"}, []string{"certs", "list"},
			"control character"},
		{"http to a remote host", map[string]string{"ANYCA_PROVIDER": "zerossl", "ANYCA_API_KEY": key, "ANYCA_BASE_URL": "http://ca.example.com"},
			[]string{"certs", "list"}, "http is allowed only for loopback hosts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runApp(t, tt.env, tt.args...)
			assertFailure(t, r, exitUsage, tt.want, key[:8])
			if !strings.Contains(r.stderr, "invalid argument") || strings.Contains(r.stderr, "\x1b") {
				t.Errorf("stderr %q: want it to say invalid argument, with no raw escape", r.stderr)
			}
		})
	}
}
