package retry

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A connection error that is not a timeout is not reported as one (found by the secrets
// failure-path tests: a refused dial, a reset and a TLS failure all read "no answer within
// the per-attempt timeout", because the check ran after the attempt's context was
// cancelled).
func TestAttemptTimeoutOnlyOnTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	c, err := New(Options{Provider: "p", BaseURL: "http://" + addr, Config: Config{MaxAttempts: 1, RequestsPerSecond: -1}})
	require.NoError(t, err)
	_, err = c.Do(context.Background(), &Request{Op: "Get"})
	require.Error(t, err)
	assert.NotErrorIs(t, err, errAttemptTimeout)
	assert.NotContains(t, err.Error(), "per-attempt timeout")
}
