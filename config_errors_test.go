package anyca_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertConfigError checks the promise every configuration error keeps: a *model.Error
// of kind ErrInvalidArgument whose text says why and holds no key.
func assertConfigError(t *testing.T, name string, err error, why string) {
	t.Helper()
	require.Error(t, err, name)
	var me *model.Error
	require.True(t, errors.As(err, &me), "%s: %T is not a *model.Error: %v", name, err, err)
	assert.Equal(t, model.ErrInvalidArgument, me.Kind, "%s: %v", name, err)
	assert.ErrorIs(t, err, model.ErrInvalidArgument, name)
	assert.Contains(t, err.Error(), why, name)
	assert.NotContains(t, err.Error(), secret, name)
	assert.NotContains(t, err.Error(), secret[:8], "%s: no piece of the key", name)
}

func TestNewErrorsAreInvalidArgument(t *testing.T) {
	anyca.Register("cfgtest-plain-error", func(context.Context, anyca.Config) (anyca.Provider, error) {
		return nil, errors.New("cfgtest: the account id is missing")
	})
	tests := []struct {
		name string
		cfg  anyca.Config
		why  string
	}{
		{"empty provider", anyca.Config{APIKey: secret}, "no provider named in the config (registered: acme, cfgtest-plain-error, digicert, "},
		{"blank provider", anyca.Config{Provider: " \t", APIKey: secret}, "no provider named"},
		{"unknown provider", anyca.Config{Provider: "buypass", APIKey: secret}, `unknown provider "buypass" (registered: `},
		{"unknown provider with a control character", anyca.Config{Provider: "digi\ncert", APIKey: secret}, `unknown provider "digi\ncert"`},
		{"adapter error without a kind", anyca.Config{Provider: "cfgtest-plain-error", APIKey: secret}, "cfgtest-plain-error: New: invalid argument: cfgtest: the account id is missing"},
	}
	for _, p := range []string{"digicert", "zerossl"} {
		tests = append(tests, []struct {
			name string
			cfg  anyca.Config
			why  string
		}{
			{p + " no key", anyca.Config{Provider: p}, p + ": New: invalid argument: an API key is required"},
			{p + " blank key", anyca.Config{Provider: p, APIKey: " \n"}, "an API key is required"},
			{p + " two-character key", anyca.Config{Provider: p, APIKey: "ab"}, "the API key is 2 characters long; real keys have at least 16"},
			{p + " inner space", anyca.Config{Provider: p, APIKey: "a b" + secret}, "whitespace at character 2"},
			{p + " tab", anyca.Config{Provider: p, APIKey: secret + "\t" + secret}, "control character"},
			{p + " NUL", anyca.Config{Provider: p, APIKey: secret + "\x00"}, "control character"},
			{p + " ESC", anyca.Config{Provider: p, APIKey: "\x1b" + secret}, "control character at character 1"},
			{p + " newline inside", anyca.Config{Provider: p, APIKey: secret + "\n" + secret}, "control character"},
			{p + " http to a remote host", anyca.Config{Provider: p, APIKey: secret, BaseURL: "http://ca.example.com/x"}, "http is allowed only for loopback hosts"},
			{p + " ftp", anyca.Config{Provider: p, APIKey: secret, BaseURL: "ftp://ca.example.com/"}, "scheme must be https"},
			{p + " no host", anyca.Config{Provider: p, APIKey: secret, BaseURL: "https:///path"}, "has no host"},
			{p + " credentials in the URL", anyca.Config{Provider: p, APIKey: secret, BaseURL: "https://user:" + secret + "@ca.example.com/"}, "must not carry credentials"},
			{p + " key in the URL query", anyca.Config{Provider: p, APIKey: secret, BaseURL: "http://ca.example.com/?k=" + secret}, "http is allowed only"},
			{p + " unparsable URL", anyca.Config{Provider: p, APIKey: secret, BaseURL: "https://ca.example.com/\x7f"}, "base URL"},
			{p + " negative attempts", anyca.Config{Provider: p, APIKey: secret, Retry: retry.Config{MaxAttempts: -1}}, "max_attempts -1 is negative"},
			{p + " min above max", anyca.Config{Provider: p, APIKey: secret, Retry: retry.Config{MinWait: time.Minute, MaxWait: time.Second}}, "min_wait 1m0s is above max_wait 1s"},
			{p + " negative burst", anyca.Config{Provider: p, APIKey: secret, Retry: retry.Config{Burst: -2}}, "burst -2 is negative"},
			{p + " NaN rate", anyca.Config{Provider: p, APIKey: secret, Retry: retry.Config{RequestsPerSecond: math.NaN()}}, "requests_per_second"},
		}...)
	}
	tests = append(tests,
		struct {
			name string
			cfg  anyca.Config
			why  string
		}{"digicert unknown region", anyca.Config{Provider: "digicert", APIKey: secret, Region: "mars"}, `unknown region "mars"`},
		struct {
			name string
			cfg  anyca.Config
			why  string
		}{"zerossl has no region", anyca.Config{Provider: "zerossl", APIKey: secret, Region: "eu"}, "ZeroSSL has no regions"},
	)
	for _, tt := range tests {
		p, err := anyca.New(context.Background(), tt.cfg)
		assert.Nil(t, p, tt.name)
		assertConfigError(t, tt.name, err, tt.why)
	}
}

func TestNewTrimsTheKey(t *testing.T) {
	for _, p := range []string{"digicert", "zerossl"} {
		_, err := anyca.New(context.Background(), anyca.Config{Provider: p, APIKey: secret + "\n"})
		assert.NoError(t, err, "%s: a key read from a file keeps its newline; it is trimmed", p)
	}
}

func TestConfigFromEnvErrors(t *testing.T) {
	for _, tt := range []struct {
		provider, key, why string
	}{
		{"", "", "anyca: ConfigFromEnv: invalid argument: ANYCA_PROVIDER and ANYCA_API_KEY not set"},
		{"digicert", "", "ANYCA_API_KEY not set"},
		{"digicert", " \n ", "ANYCA_API_KEY not set"},
		{"  ", secret, "ANYCA_PROVIDER not set"},
	} {
		t.Setenv(anyca.EnvProvider, tt.provider)
		t.Setenv(anyca.EnvAPIKey, tt.key)
		_, err := anyca.ConfigFromEnv()
		assertConfigError(t, tt.why, err, tt.why)
	}
}

func TestParseConfig(t *testing.T) {
	cfg, err := anyca.ParseConfig([]byte(`{"provider":"zerossl","api_key":"` + secret + `","base_url":"https://x.test",
		"region":"","retry":{"max_attempts":4,"min_wait":"100ms","max_wait":"2s","requests_per_second":5,"burst":2}}` + "\n"))
	require.NoError(t, err)
	assert.Equal(t, anyca.Config{Provider: "zerossl", APIKey: secret, BaseURL: "https://x.test",
		Retry: retry.Config{MaxAttempts: 4, MinWait: 100 * time.Millisecond, MaxWait: 2 * time.Second, RequestsPerSecond: 5, Burst: 2}}, cfg)

	k := `"api_key":"` + secret + `"`
	for in, why := range map[string]string{
		``:                                      "empty input",
		`   `:                                   "empty input",
		`null`:                                  "the config is null",
		`[]`:                                    "want an object, got a JSON array",
		`"digicert"`:                            "want an object, got a JSON string",
		`{` + k:                                 "the JSON ends before the value is complete",
		`{` + k + ` "provider":"x"}`:            "malformed JSON at byte",
		`{` + k + `}{}`:                         "unexpected data after the JSON value",
		`{` + k + `} trailing`:                  "unexpected data after the JSON value",
		`{` + k + `,"provder":"digicert"}`:      `anyca: config: invalid argument: unknown field "provder"`,
		`{` + k + `,"apikey":"x"}`:              `unknown field "apikey"`,
		`{` + k + `,"retry":{"max_atempts":3}}`: `anyca: config: invalid argument: retry: unknown field "max_atempts"`,
		`{` + k + `,"retry":{"max_attempts":"3"}}`:         `retry: field "max_attempts": want an integer, got a JSON string`,
		`{` + k + `,"retry":{"max_wait":"soon"}}`:          `retry: field "max_wait": a wait must be a duration such as "500ms"`,
		`{` + k + `,"retry":"fast"}`:                       "retry: want an object, got a JSON string",
		`{` + k + `,"retry":[]}`:                           "retry: want an object, got a JSON array",
		`{"api_key":12345678901234567890}`:                 `field "api_key": want a string, got a JSON number`,
		`{` + k + `,"provider":["digicert"]}`:              `field "provider": want a string, got a JSON array`,
		`{` + k + `,"region":{"name":"eu"}}`:               `field "region": want a string, got a JSON object`,
		`{` + k + `,"base_url":true}`:                      `field "base_url": want a string, got a JSON bool`,
		`{` + k + `,"HTTPClient":{}}`:                      `unknown field "HTTPClient"`,
		`{` + k + `,"` + strings.Repeat("x", 100) + `":1}`: `unknown field "` + strings.Repeat("x", 40) + `…"`,
	} {
		_, err := anyca.ParseConfig([]byte(in))
		assertConfigError(t, in, err, why)
	}
}

func TestReadConfig(t *testing.T) {
	cfg, err := anyca.ReadConfig(strings.NewReader(`{"provider":"digicert","api_key":"` + secret + `"}`))
	require.NoError(t, err)
	assert.Equal(t, anyca.Config{Provider: "digicert", APIKey: secret}, cfg)

	huge := `{"api_key":"` + secret + `","provider":"` + strings.Repeat("d", anyca.MaxConfigBytes) + `"}`
	_, err = anyca.ReadConfig(strings.NewReader(huge))
	assertConfigError(t, "huge", err, "larger than 1048576 bytes")

	_, err = anyca.ReadConfig(iotest.ErrReader(io.ErrClosedPipe))
	assertConfigError(t, "read error", err, "reading the config: io: read/write on closed pipe")

	_, err = anyca.ReadConfig(strings.NewReader(`{"retry":{"burst":1,"extra":1}}`))
	assertConfigError(t, "nested unknown", err, `retry: unknown field "extra"`)
}

// encoding/json's own Unmarshal gets the same strict reading and typed errors.
func TestConfigUnmarshalJSONIsStrict(t *testing.T) {
	var cfg anyca.Config
	err := json.Unmarshal([]byte(`{"provider":"zerossl","retry":{"max_attempts":3,"typo":1}}`), &cfg)
	assertConfigError(t, "nested typo", err, `retry: unknown field "typo"`)

	var outer struct {
		Accounts map[string]anyca.Config `json:"accounts"`
	}
	err = json.Unmarshal([]byte(`{"accounts":{"prod":{"provider":"digicert","api_kee":"x"}}}`), &outer)
	assertConfigError(t, "config inside another document", err, `unknown field "api_kee"`)

	// A marshalled config (key redacted) read back is refused by New, not used as a key.
	b, err := json.Marshal(anyca.Config{Provider: "zerossl", APIKey: secret})
	require.NoError(t, err)
	back, err := anyca.ParseConfig(b)
	require.NoError(t, err)
	_, err = anyca.New(context.Background(), back)
	assertConfigError(t, "redacted key", err, "real keys have at least 16")
}
