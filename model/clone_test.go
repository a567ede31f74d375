package model_test

import (
	"testing"

	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
)

func TestCloneSharesNothing(t *testing.T) {
	ch := model.Challenge{Domain: "a.example.com", Type: model.ChallengeEmail, Emails: []string{"admin@example.com"}}
	d := model.DomainValidation{Domain: "a.example.com", Levels: []model.LevelValidation{{Level: model.LevelDV}},
		Challenges: []model.Challenge{ch}}
	c := model.Certificate{ID: "1", DNSNames: []string{"a.example.com"}}

	dc, cc, chc := d.Clone(), c.Clone(), ch.Clone()
	assert.Equal(t, d, dc)
	assert.Equal(t, c, cc)
	assert.Equal(t, ch, chc)
	dc.Levels[0].Level = model.LevelEV
	dc.Challenges[0].Emails[0] = "changed@example.com"
	cc.DNSNames[0] = "changed.example.com"
	chc.Emails[0] = "changed@example.com"
	assert.Equal(t, model.LevelDV, d.Levels[0].Level)
	assert.Equal(t, "admin@example.com", d.Challenges[0].Emails[0])
	assert.Equal(t, "a.example.com", c.DNSNames[0])
	assert.Equal(t, "admin@example.com", ch.Emails[0])

	assert.Nil(t, model.CloneChallenges(nil))
	assert.NotNil(t, model.CloneChallenges([]model.Challenge{}), "an empty list stays empty, not nil")
	assert.Nil(t, model.Certificate{}.Clone().DNSNames)
}
