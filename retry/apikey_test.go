package retry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewValidatesTheKey(t *testing.T) {
	const good = "A1b2C3d4E5f6G7h8J9k0"
	tests := []struct {
		name, key, why string // why: "" when the key is accepted
	}{
		{"plain", good, ""},
		{"exactly the minimum", good[:MinKeyLength], ""},
		{"trailing newline from a file", good + "\n", ""},
		{"surrounding spaces and CRLF", "  " + good + "\r\n", ""},
		{"empty", "", "an API key is required"},
		{"only whitespace", " \n\t ", "an API key is required"},
		{"two characters", "ab", "2 characters long"},
		{"one short of the minimum", good[:MinKeyLength-1], "15 characters long"},
		{"inner space", "a b" + good, "whitespace at character 2"},
		{"tab", good[:8] + "\t" + good[8:], "control character at character 9"},
		{"NUL", good + "\x00x", "control character"},
		{"ESC", "\x1b[31m" + good, "control character at character 1"},
		{"DEL", good + "\x7f" + good, "control character"},
		{"C1 control", good + "\u0085" + good, "control character"},
		{"no-break space", good + "\u00a0" + good, "whitespace"},
		{"byte order mark", "\ufeff" + good, "invisible formatting character"},
		{"zero-width space", good + "\u200b" + good, "invisible formatting character"},
		{"invalid UTF-8", good + "\xff", "not valid UTF-8"},
	}
	for _, tt := range tests {
		for _, auth := range []Auth{{Key: tt.key, Header: "X-Api-Key"}, {Key: tt.key, QueryParam: "access_key"}} {
			srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				got := r.Header.Get("X-Api-Key") + r.URL.Query().Get("access_key")
				if got != strings.TrimSpace(tt.key) {
					w.WriteHeader(http.StatusUnauthorized)
				}
			})
			c, err := New(Options{Provider: "testca", BaseURL: srv.URL, Auth: auth, Config: fastConfig})
			if tt.why == "" {
				require.NoError(t, err, tt.name)
				_, err := c.Do(context.Background(), &Request{Op: "Get", Path: "x"})
				assert.NoError(t, err, "%s: the trimmed key is sent", tt.name)
				continue
			}
			require.Error(t, err, tt.name)
			var me *model.Error
			require.True(t, errors.As(err, &me), "%s: %T", tt.name, err)
			assert.ErrorIs(t, err, model.ErrInvalidArgument, tt.name)
			assert.Equal(t, "New", me.Op)
			assert.Equal(t, "testca", me.Provider)
			assert.Contains(t, err.Error(), tt.why, tt.name)
			k := strings.TrimSpace(tt.key)
			for i := 0; i+4 <= len(k); i++ {
				assert.NotContains(t, err.Error(), k[i:i+4], "%s: the message quotes part of the key", tt.name)
			}
			if k != "" {
				assert.NotContains(t, fmt.Sprintf("%+v %#v %q", err, err, err), k, tt.name)
			}
		}
	}
}

func TestNewWithoutAuthNeedsNoKey(t *testing.T) {
	_, err := New(Options{Provider: "testca", BaseURL: "https://ca.example.com"})
	assert.NoError(t, err, "a client without auth (downloads of public files) has no key to check")
}

func TestNewErrorsAreInvalidArgument(t *testing.T) {
	for name, opts := range map[string]Options{
		"bad config":       {Provider: "p", BaseURL: "https://ca.example.com", Config: Config{Burst: -1}},
		"http non-local":   {Provider: "p", BaseURL: "http://ca.example.com"},
		"no host":          {Provider: "p", BaseURL: "https://"},
		"credentials":      {Provider: "p", BaseURL: "https://u:" + testKey + "@ca.example.com", Auth: Auth{Key: testKey, Header: "X"}},
		"key in base URL":  {Provider: "p", BaseURL: "ftp://ca.example.com/?k=" + testKey, Auth: Auth{Key: testKey, Header: "X"}},
		"header, no key":   {Provider: "p", BaseURL: "https://ca.example.com", Auth: Auth{Header: "X"}},
		"short query key":  {Provider: "p", BaseURL: "https://ca.example.com", Auth: Auth{Key: "abc", QueryParam: "access_key"}},
		"control char key": {Provider: "p", BaseURL: "https://ca.example.com", Auth: Auth{Key: testKey + "\x1b", Header: "X"}},
	} {
		_, err := New(opts)
		var me *model.Error
		require.True(t, errors.As(err, &me), "%s: %T %v", name, err, err)
		assert.Equal(t, model.ErrInvalidArgument, me.Kind, name)
		assertErrorHasNoKey(t, err)
	}
}
