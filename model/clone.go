package model

import "slices"

// Clone returns a copy of c that shares no slice with c: changing one never changes
// the other.
func (c Certificate) Clone() Certificate {
	c.DNSNames = slices.Clone(c.DNSNames)
	return c
}

// Clone returns a copy of d that shares no slice with d, its challenges' included.
func (d DomainValidation) Clone() DomainValidation {
	d.Levels = slices.Clone(d.Levels)
	d.Challenges = CloneChallenges(d.Challenges)
	return d
}

// Clone returns a copy of ch that shares no slice with ch.
func (ch Challenge) Clone() Challenge {
	ch.Emails = slices.Clone(ch.Emails)
	return ch
}

// CloneChallenges returns a copy of chs in which every challenge is cloned; nil stays
// nil and an empty list stays empty.
func CloneChallenges(chs []Challenge) []Challenge {
	if chs == nil {
		return nil
	}
	out := make([]Challenge, len(chs))
	for i, ch := range chs {
		out[i] = ch.Clone()
	}
	return out
}
