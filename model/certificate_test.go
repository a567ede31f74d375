package model_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCertificateIsExpired(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		c    model.Certificate
		want bool
	}{
		{"no NotAfter", model.Certificate{Status: model.StatusIssued}, false},
		{"future", model.Certificate{Status: model.StatusIssued, NotAfter: now.Add(time.Hour)}, false},
		{"past", model.Certificate{Status: model.StatusIssued, NotAfter: now.Add(-time.Hour)}, true},
		{"exactly now", model.Certificate{Status: model.StatusIssued, NotAfter: now}, true},
		{"one ns later", model.Certificate{Status: model.StatusIssued, NotAfter: now.Add(1)}, false},
		{"CA says expired, no date", model.Certificate{Status: model.StatusExpired}, true},
		{"CA says expired, future date", model.Certificate{Status: model.StatusExpired, NotAfter: now.Add(time.Hour)}, true},
		{"revoked, past date", model.Certificate{Status: model.StatusRevoked, NotAfter: now.Add(-time.Hour)}, true},
		{"other zone", model.Certificate{Status: model.StatusIssued,
			NotAfter: now.In(time.FixedZone("X", 3600)).Add(-time.Second)}, true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.c.IsExpired(now), tt.name)
	}
}

func TestCertificateExpiresWithin(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	month := 30 * 24 * time.Hour
	tests := []struct {
		name string
		c    model.Certificate
		d    time.Duration
		want bool
	}{
		{"issued, expires in 10 days", model.Certificate{Status: model.StatusIssued, NotAfter: now.Add(10 * 24 * time.Hour)}, month, true},
		{"issued, expires in 60 days", model.Certificate{Status: model.StatusIssued, NotAfter: now.Add(2 * month)}, month, false},
		{"issued, expires exactly at now+d", model.Certificate{Status: model.StatusIssued, NotAfter: now.Add(month)}, month, false},
		{"issued, already expired", model.Certificate{Status: model.StatusIssued, NotAfter: now.Add(-time.Hour)}, month, false},
		{"issued, expires now", model.Certificate{Status: model.StatusIssued, NotAfter: now}, month, false},
		{"issued, no NotAfter", model.Certificate{Status: model.StatusIssued}, month, false},
		{"pending", model.Certificate{Status: model.StatusPending, NotAfter: now.Add(time.Hour)}, month, false},
		{"revoked", model.Certificate{Status: model.StatusRevoked, NotAfter: now.Add(time.Hour)}, month, false},
		{"zero window", model.Certificate{Status: model.StatusIssued, NotAfter: now.Add(time.Hour)}, 0, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.c.ExpiresWithin(now, tt.d), tt.name)
	}
}

func TestDomainValidationValidUntil(t *testing.T) {
	t1 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	t2 := t1.AddDate(0, 6, 0)
	t3 := t1.AddDate(1, 0, 0)
	tests := []struct {
		name   string
		levels []model.LevelValidation
		want   time.Time
	}{
		{"no levels", nil, time.Time{}},
		{"one valid", []model.LevelValidation{{Level: model.LevelOV, Status: model.ValidationValid, ValidUntil: t2}}, t2},
		{"latest valid wins", []model.LevelValidation{
			{Level: model.LevelDV, Status: model.ValidationValid, ValidUntil: t1},
			{Level: model.LevelOV, Status: model.ValidationValid, ValidUntil: t2},
			{Level: model.LevelEV, Status: model.ValidationExpired, ValidUntil: t3},
		}, t2},
		{"none valid", []model.LevelValidation{
			{Level: model.LevelOV, Status: model.ValidationExpired, ValidUntil: t3},
			{Level: model.LevelEV, Status: model.ValidationPending, ValidUntil: t3},
		}, time.Time{}},
		{"valid without date", []model.LevelValidation{{Level: model.LevelOV, Status: model.ValidationValid}}, time.Time{}},
	}
	for _, tt := range tests {
		d := &model.DomainValidation{Levels: tt.levels}
		assert.True(t, tt.want.Equal(d.ValidUntil()), tt.name)
	}
}

func TestStatusesValid(t *testing.T) {
	cs := model.CertificateStatuses()
	assert.Len(t, cs, 8)
	for _, s := range cs {
		assert.True(t, s.Valid(), s)
	}
	for _, s := range []model.CertificateStatus{"", "Issued", "active", "canceled", " issued"} {
		assert.False(t, s.Valid(), "%q", s)
	}
	vs := model.ValidationStatuses()
	assert.Len(t, vs, 6)
	for _, s := range vs {
		assert.True(t, s.Valid(), s)
	}
	for _, s := range []model.ValidationStatus{"", "Valid", "approved", "not started"} {
		assert.False(t, s.Valid(), "%q", s)
	}
	ct := model.ChallengeTypes()
	assert.Len(t, ct, 8)
	seen := map[model.ChallengeType]bool{}
	for _, c := range ct {
		assert.False(t, seen[c])
		seen[c] = true
	}
}

func TestCertificateJSON(t *testing.T) {
	c := model.Certificate{Provider: "zerossl", ID: "abc", CommonName: "example.com",
		DNSNames: []string{"example.com", "www.example.com"}, Status: model.StatusIssued, VendorStatus: "issued",
		Level: model.LevelDV, SerialNumber: "0a1b", NotAfter: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"status":"issued"`)
	assert.Contains(t, string(b), `"not_after":"2025-01-01T00:00:00Z"`)
	assert.NotContains(t, string(b), "replaces_id")
	var back model.Certificate
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, c, back)
}
