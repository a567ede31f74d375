package retry

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigJSON(t *testing.T) {
	c := Config{MaxAttempts: 4, MinWait: 250 * time.Millisecond, MaxWait: 30 * time.Second, RequestsPerSecond: 2.5, Burst: 3}
	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, `{"max_attempts":4,"min_wait":"250ms","max_wait":"30s","requests_per_second":2.5,"burst":3}`, string(b))
	var back Config
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, c, back)

	// Pointer and value marshal the same; zero fields are omitted.
	b2, err := json.Marshal(&c)
	require.NoError(t, err)
	assert.Equal(t, string(b), string(b2))
	b, err = json.Marshal(Config{})
	require.NoError(t, err)
	assert.Equal(t, `{}`, string(b))
	b, err = json.Marshal(struct {
		Retry Config `json:"retry,omitempty"`
	}{})
	require.NoError(t, err)
	assert.Equal(t, `{"retry":{}}`, string(b))

	tests := []struct {
		in   string
		want Config
	}{
		{`{}`, Config{}},
		{`{"min_wait":"250ms","max_wait":"1m30s"}`, Config{MinWait: 250 * time.Millisecond, MaxWait: 90 * time.Second}},
		{`{"min_wait":"0","max_wait":0}`, Config{}},
		{`{"min_wait":"","max_wait":null,"max_attempts":null}`, Config{}},
		{`{"max_attempts":1,"requests_per_second":-1,"burst":0}`, Config{MaxAttempts: 1, RequestsPerSecond: -1}},
		{`{"min_wait":"-1s"}`, Config{MinWait: -time.Second}}, // parsed; Validate refuses it
	}
	for _, tt := range tests {
		var got Config
		require.NoError(t, json.Unmarshal([]byte(tt.in), &got), tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}

	for bad, why := range map[string]string{
		`{"min_wait":"soon"}`:                `retry: field "min_wait": a wait must be a duration such as "500ms"`,
		`{"min_wait":"250"}`:                 `retry: field "min_wait": a wait must be a duration such as "500ms"`,
		`{"min_wait":500}`:                   `retry: field "min_wait": a wait must be a duration string with its unit, such as "500ms" or "2s": a bare number is refused`,
		`{"max_wait":30000000000}`:           `retry: field "max_wait": a wait must be a duration string with its unit, such as "500ms" or "2s": a bare number is refused`,
		`{"max_wait":1.5}`:                   `retry: field "max_wait": a wait must be a duration string`,
		`{"min_wait":"1s","max_wait":5}`:     `retry: field "max_wait": a wait must`,
		`{"max_wait":true}`:                  "got a JSON bool",
		`{"max_wait":{}}`:                    "got a JSON object",
		`{"max_attempts":"3"}`:               `retry: field "max_attempts": want an integer, got a JSON string`,
		`{"max_attempts":1e99}`:              `retry: field "max_attempts": want an integer, got a JSON number`,
		`[]`:                                 "retry: want an object, got a JSON array",
		`{`:                                  "unexpected end of JSON input",
		`{"unknown":true,"max_attempts":2}`:  `retry: unknown field "unknown"`,
		`{"max_atempts":2}`:                  `retry: unknown field "max_atempts"`,
		`{"MaxAttempts":2,"max_attempts":2}`: `retry: unknown field "MaxAttempts"`,
	} {
		var got Config
		err := json.Unmarshal([]byte(bad), &got)
		assert.ErrorContains(t, err, why, bad)
		assert.NotContains(t, fmt.Sprint(err), "1e99", "errors quote no value")
	}

	// Like encoding/json, fields the input leaves out keep their values.
	got := Config{MaxAttempts: 5, MinWait: time.Second, MaxWait: time.Minute, RequestsPerSecond: 10, Burst: 2}
	require.NoError(t, json.Unmarshal([]byte(`{"max_wait":"2m","burst":null}`), &got))
	assert.Equal(t, Config{MaxAttempts: 5, MinWait: time.Second, MaxWait: 2 * time.Minute, RequestsPerSecond: 10, Burst: 2}, got)

	// Inside another struct, as anyca.Config holds it.
	var outer struct {
		Retry Config `json:"retry"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"retry":{"max_attempts":3,"max_wait":"10s"}}`), &outer))
	assert.Equal(t, Config{MaxAttempts: 3, MaxWait: 10 * time.Second}, outer.Retry)
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		err  string // "" for valid
	}{
		{"zero", Config{}, ""},
		{"full", Config{MaxAttempts: 3, MinWait: time.Second, MaxWait: time.Minute, RequestsPerSecond: 5, Burst: 5}, ""},
		{"min equals max", Config{MinWait: time.Second, MaxWait: time.Second}, ""},
		{"min without max", Config{MinWait: time.Hour}, ""},
		{"limiter off", Config{RequestsPerSecond: -1}, ""},
		{"negative attempts", Config{MaxAttempts: -1}, "max_attempts -1 is negative"},
		{"negative min", Config{MinWait: -time.Second}, "must not be negative"},
		{"negative max", Config{MaxWait: -time.Second}, "must not be negative"},
		{"min above max", Config{MinWait: time.Minute, MaxWait: time.Second}, "min_wait 1m0s is above max_wait 1s"},
		{"negative burst", Config{Burst: -2}, "burst -2 is negative"},
		{"NaN rate", Config{RequestsPerSecond: math.NaN()}, "requests_per_second"},
		{"infinite rate", Config{RequestsPerSecond: math.Inf(1)}, "requests_per_second"},
	}
	for _, tt := range tests {
		err := tt.c.Validate()
		if tt.err == "" {
			assert.NoError(t, err, tt.name)
			continue
		}
		if assert.Error(t, err, tt.name) {
			assert.Contains(t, err.Error(), tt.err, tt.name)
			assert.True(t, strings.HasPrefix(err.Error(), "retry: "), tt.name)
		}
	}
}

func TestConfigWithDefaults(t *testing.T) {
	d := Config{MaxAttempts: 4, MinWait: time.Second, MaxWait: time.Minute, RequestsPerSecond: 10, Burst: 5}
	assert.Equal(t, d, Config{}.WithDefaults(d))
	assert.Equal(t, Config{}, Config{}.WithDefaults(Config{}))
	c := Config{MaxAttempts: 1, RequestsPerSecond: -1}
	assert.Equal(t, Config{MaxAttempts: 1, MinWait: time.Second, MaxWait: time.Minute, RequestsPerSecond: -1, Burst: 5}, c.WithDefaults(d))
	full := Config{MaxAttempts: 2, MinWait: 2 * time.Millisecond, MaxWait: 3 * time.Millisecond, RequestsPerSecond: 1, Burst: 1}
	assert.Equal(t, full, full.WithDefaults(d))
}

func TestNewAppliesConfig(t *testing.T) {
	c, err := New(Options{Provider: "p", BaseURL: "https://ca.example.com"})
	require.NoError(t, err)
	assert.Equal(t, Config{MaxAttempts: 1, MinWait: 500 * time.Millisecond, MaxWait: 30 * time.Second}, c.Config())
	assert.Nil(t, c.limiter)
	assert.Nil(t, c.rc.Logger, "go-retryablehttp must never get a logger: it would log to stderr")
	assert.Equal(t, int64(DefaultMaxBodyBytes), c.maxBody)

	c, err = New(Options{Provider: "p", BaseURL: "https://ca.example.com",
		Defaults: Config{MaxAttempts: 4, MinWait: time.Second, MaxWait: 10 * time.Second, RequestsPerSecond: 5, Burst: 2},
		Config:   Config{MaxAttempts: 2}})
	require.NoError(t, err)
	assert.Equal(t, Config{MaxAttempts: 2, MinWait: time.Second, MaxWait: 10 * time.Second, RequestsPerSecond: 5, Burst: 2}, c.Config())
	require.NotNil(t, c.limiter)
	assert.Equal(t, 2, c.limiter.Burst())
	assert.Equal(t, 1, c.rc.RetryMax)

	c, err = New(Options{Provider: "p", BaseURL: "https://ca.example.com", Config: Config{MaxWait: 100 * time.Millisecond, RequestsPerSecond: 1}})
	require.NoError(t, err)
	assert.Equal(t, 100*time.Millisecond, c.Config().MinWait, "MinWait defaults to at most MaxWait")
	assert.Equal(t, 1, c.limiter.Burst(), "burst 0 means 1")

	_, err = New(Options{Provider: "p", BaseURL: "https://ca.example.com", Config: Config{MaxAttempts: -1}})
	assert.ErrorContains(t, err, "p: New: invalid argument: retry: max_attempts -1 is negative")
	assert.ErrorIs(t, err, model.ErrInvalidArgument)
	_, err = New(Options{Provider: "p", BaseURL: "http://ca.example.com"})
	assert.ErrorContains(t, err, "http is allowed only for loopback hosts")

	// The caller's client is copied, never changed.
	base := &http.Client{Timeout: time.Second}
	_, err = New(Options{Provider: "p", BaseURL: "https://ca.example.com", HTTPClient: base})
	require.NoError(t, err)
	assert.Nil(t, base.Transport)
	assert.Nil(t, base.CheckRedirect)
}

func TestDefaultClientAttemptTimeout(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Query().Get("slow") != "":
			<-r.Context().Done()
		case r.URL.Query().Get("stall") != "": // headers, then nothing
			w.Header().Set("Content-Length", "10")
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}
	})
	c := newTestClient(t, srv.URL, func(o *Options) { o.Config.MaxAttempts = 2 })
	tr := c.rc.HTTPClient.Transport.(*transport)
	assert.Equal(t, DefaultTimeout, tr.timeout, "the default client bounds each attempt")
	assert.Zero(t, c.rc.HTTPClient.Timeout, "...but not the rate-limiter wait")
	tr.timeout = 30 * time.Millisecond

	_, err := c.Do(context.Background(), &Request{Op: "Op"})
	require.NoError(t, err, "a fast answer is read whole after its attempt's context is released")

	_, err = c.Do(context.Background(), &Request{Op: "Op", Query: map[string][]string{"slow": {"1"}}})
	require.Error(t, err)
	assert.ErrorIs(t, err, model.ErrUnavailable)
	assert.ErrorIs(t, err, errAttemptTimeout)
	assert.Contains(t, err.Error(), "no answer within the per-attempt timeout (30ms)")
	assert.Equal(t, 1, strings.Count(err.Error(), "per-attempt timeout"), err.Error())
	assert.Equal(t, 3, srv.count(), "1 + 2 attempts: a timed-out GET is retried")

	// The timeout covers reading the body too, and a stalled body is retried.
	_, err = c.Do(context.Background(), &Request{Op: "Op", Query: map[string][]string{"stall": {"1"}}})
	require.Error(t, err)
	assert.ErrorIs(t, err, model.ErrUnavailable)
	assert.ErrorIs(t, err, errAttemptTimeout)
	assert.Equal(t, 5, srv.count())
}

func TestCheckBaseURL(t *testing.T) {
	tests := []struct {
		in, want string // want "" means refused
		err      string
	}{
		{"https://api.example.com", "https://api.example.com", ""},
		{"https://api.example.com/services/v2/", "https://api.example.com/services/v2/", ""},
		{"  https://api.example.com:8443/x  ", "https://api.example.com:8443/x", ""},
		{"HTTPS://API.example.com", "https://API.example.com", ""},
		{"https://api.example.com/?access_key=x#frag", "https://api.example.com/", ""},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", ""},
		{"http://127.5.6.7", "http://127.5.6.7", ""},
		{"http://localhost:9000/api", "http://localhost:9000/api", ""},
		{"http://LocalHost", "http://LocalHost", ""},
		{"http://[::1]:8080", "http://[::1]:8080", ""},
		{"https://[2001:db8::1]/", "https://[2001:db8::1]/", ""},

		{"http://api.example.com", "", "http is allowed only for loopback hosts"},
		{"http://10.0.0.1", "", "loopback"},
		{"http://0.0.0.0:80", "", "loopback"},
		{"http://localhost.evil.com", "", "loopback"},
		{"http://127.0.0.1.evil.com", "", "loopback"},
		{"http://[::2]", "", "loopback"},
		{"ftp://api.example.com", "", "scheme must be https"},
		{"ws://localhost", "", "scheme must be https"},
		{"//api.example.com", "", "has no scheme: want https://HOST"},
		{"api.example.com", "", `base URL "api.example.com" has no scheme: want https://HOST[:PORT][/PATH], or http://127.0.0.1:PORT[/PATH]`},
		{"api.example.com:443", "", "has no scheme: want https://HOST"},
		{"127.0.0.1:8089/digicert", "", `base URL "127.0.0.1:8089/digicert" has no scheme: want https://HOST`},
		{"https://", "", "has no host: want https://HOST"},
		{"https://:443", "", "has no host"},
		{"https:api.example.com", "", "has no scheme: want https://HOST"},
		{"", "", "has no host"},
		{"https://user:pass@api.example.com", "", "must not carry credentials"},
		{"https://user@api.example.com", "", "must not carry credentials"},
		{"https://api.example.com/%zz", "", "invalid URL escape"},
		{"https://exa mple.com", "", `base URL "https://exa mple.com": invalid character " " in host name; want https://HOST`},
	}
	for _, tt := range tests {
		u, err := CheckBaseURL(tt.in)
		if tt.want == "" {
			if assert.Error(t, err, tt.in) {
				assert.Contains(t, err.Error(), tt.err, tt.in)
			}
			assert.Nil(t, u)
			continue
		}
		if assert.NoError(t, err, tt.in) {
			assert.Equal(t, tt.want, u.String(), tt.in)
		}
	}
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.255.255.254": true, "::1": true,
		"::ffff:127.0.0.1": true, "": false, "localhost.": false, "10.0.0.1": false, "example.com": false, "::": false,
	} {
		assert.Equal(t, want, IsLoopback(host), host)
	}
}
