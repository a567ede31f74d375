package anyca_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const secret = "sk-live-9f8e7d6c5b4a"

func TestConfigNeverPrintsKey(t *testing.T) {
	cfg := anyca.Config{Provider: "digicert", APIKey: secret, BaseURL: "https://example.test", Region: "eu",
		Retry: retry.Config{MaxAttempts: 3}}
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("config", "cfg", cfg)
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("config", "cfg", cfg)
	js, err := json.Marshal(cfg)
	require.NoError(t, err)

	outputs := map[string]string{
		"%v":      fmt.Sprintf("%v", cfg),
		"%+v":     fmt.Sprintf("%+v", cfg),
		"%#v":     fmt.Sprintf("%#v", cfg),
		"%s":      fmt.Sprintf("%s", cfg),
		"ptr%v":   fmt.Sprintf("%+v", &cfg),
		"String":  cfg.String(),
		"json":    string(js),
		"slog":    logBuf.String(),
		"wrapped": fmt.Sprintf("%v", fmt.Errorf("bad config %v", cfg)),
	}
	for name, out := range outputs {
		assert.NotContains(t, out, secret, name)
	}
	assert.Contains(t, outputs["%+v"], "APIKey:"+retry.Redacted)
	assert.Contains(t, outputs["%#v"], "anyca.Config{")
	assert.Contains(t, outputs["%+v"], "Region:eu", "the rest of the config stays visible")
	assert.Equal(t, secret, cfg.APIKey, "printing must not change the config")
}

func TestConfigUnmarshalKeepsKey(t *testing.T) {
	var cfg anyca.Config
	err := json.Unmarshal([]byte(`{"provider":"zerossl","api_key":"`+secret+`","retry":{"max_attempts":4,"max_wait":"2s"}}`), &cfg)
	require.NoError(t, err)
	assert.Equal(t, secret, cfg.APIKey)
	assert.Equal(t, 4, cfg.Retry.MaxAttempts)
	assert.Equal(t, "2s", cfg.Retry.MaxWait.String())
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv(anyca.EnvProvider, "ZeroSSL")
	t.Setenv(anyca.EnvAPIKey, " "+secret+" ")
	t.Setenv(anyca.EnvBaseURL, "http://127.0.0.1:8089/zerossl")
	t.Setenv(anyca.EnvRegion, "")
	cfg, err := anyca.ConfigFromEnv()
	require.NoError(t, err)
	assert.Equal(t, anyca.Config{Provider: "ZeroSSL", APIKey: secret, BaseURL: "http://127.0.0.1:8089/zerossl"}, cfg)

	t.Setenv(anyca.EnvAPIKey, "")
	t.Setenv(anyca.EnvProvider, "")
	_, err = anyca.ConfigFromEnv()
	require.Error(t, err)
	assert.Contains(t, err.Error(), anyca.EnvProvider)
	assert.Contains(t, err.Error(), anyca.EnvAPIKey)
}

// stubProvider is a minimal Provider for registry and helper tests.
type stubProvider struct {
	name  string
	certs map[string]*model.Certificate
	calls atomic.Int32
	fail  error // returned for the id "boom"
}

func (s *stubProvider) Name() string { return s.name }
func (s *stubProvider) Certificate(ctx context.Context, id string) (*model.Certificate, error) {
	s.calls.Add(1)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if id == "boom" {
		return nil, s.fail
	}
	if c, ok := s.certs[id]; ok {
		return c, nil
	}
	return nil, &model.Error{Provider: s.name, Op: "Certificate", Kind: model.ErrNotFound}
}
func (s *stubProvider) Certificates(context.Context, model.CertificateQuery) iter.Seq2[*model.Certificate, error] {
	return func(func(*model.Certificate, error) bool) {}
}
func (s *stubProvider) DomainValidation(context.Context, string) (*model.DomainValidation, error) {
	return nil, model.ErrNotFound
}
func (s *stubProvider) Challenges(context.Context, string) ([]model.Challenge, error) {
	return nil, nil
}

func TestRegisterAndNew(t *testing.T) {
	var got anyca.Config
	anyca.Register("Stub-Registry", func(_ context.Context, cfg anyca.Config) (anyca.Provider, error) {
		got = cfg
		return &stubProvider{name: "stub-registry"}, nil
	})
	assert.Contains(t, anyca.Providers(), "stub-registry")

	p, err := anyca.New(context.Background(), anyca.Config{Provider: "STUB-registry", APIKey: secret})
	require.NoError(t, err)
	assert.Equal(t, "stub-registry", p.Name())
	assert.Equal(t, "stub-registry", got.Provider, "the name reaches the adapter normalized")

	assert.Panics(t, func() {
		anyca.Register("stub-registry", func(context.Context, anyca.Config) (anyca.Provider, error) { return nil, nil })
	})
	assert.Panics(t, func() { anyca.Register("", nil) })

	_, err = anyca.New(context.Background(), anyca.Config{Provider: "nope", APIKey: secret})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown provider "nope"`)
	assert.Contains(t, err.Error(), "stub-registry", "the error lists the registered names")
	assert.NotContains(t, err.Error(), secret)

	_, err = anyca.New(context.Background(), anyca.Config{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no provider named")
}

func TestCertificatesByIDFallback(t *testing.T) {
	certs := map[string]*model.Certificate{}
	var ids []string
	for i := 0; i < 50; i++ {
		id := fmt.Sprintf("c%02d", i)
		certs[id] = &model.Certificate{ID: id}
		ids = append(ids, id)
	}
	p := &stubProvider{name: "stub", certs: certs}

	got, err := anyca.CertificatesByID(context.Background(), p, append(ids, "missing", "c01", ""))
	require.NoError(t, err)
	assert.Equal(t, certs, got, "unknown ids are absent, duplicates and empty ids ignored")
	assert.Equal(t, int32(51), p.calls.Load(), "each distinct id is asked once")

	p.fail = &model.Error{Provider: "stub", Kind: model.ErrUnauthenticated}
	_, err = anyca.CertificatesByID(context.Background(), p, append([]string{"boom"}, ids...))
	require.ErrorIs(t, err, model.ErrUnauthenticated, "a hard error stops the batch")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = anyca.CertificatesByID(ctx, p, ids)
	require.ErrorIs(t, err, context.Canceled)
}

func TestDomainsUnsupported(t *testing.T) {
	p := &stubProvider{name: "stub"}
	n := 0
	for d, err := range anyca.Domains(context.Background(), p, model.DomainQuery{}) {
		n++
		assert.Nil(t, d)
		require.ErrorIs(t, err, model.ErrUnsupported)
		var me *model.Error
		require.True(t, errors.As(err, &me))
		assert.Equal(t, "stub", me.Provider)
	}
	assert.Equal(t, 1, n)
}
