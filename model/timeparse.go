package model

import (
	"fmt"
	"strings"
	"time"
)

// layouts are the date and time forms the supported CAs send, most specific first.
// Layouts without a zone are read in the location given to ParseTimeIn.
var layouts = []struct {
	layout string
	zoned  bool
}{
	{time.RFC3339Nano, true},           // 2021-01-10T21:01:53Z, 2019-09-22T22:11:44+00:00
	{"2006-01-02T15:04:05Z0700", true}, // 2019-09-22T22:11:44+0000
	{"2006-01-02 15:04:05Z07:00", true},
	{"2006-01-02 15:04:05Z0700", true},
	{"2006-01-02T15:04:05", false},
	{"2006-01-02 15:04:05", false}, // ZeroSSL created/expires, DigiCert reports date_created
	{"2006-01-02T15:04", false},
	{"2006-01-02", false}, // DigiCert valid_from/valid_till, dcv_expiration without time
}

// ParseTime parses a CA timestamp and returns it in UTC. Values without a zone are taken
// as UTC. Empty strings, "null" and all-zero dates ("0000-00-00 00:00:00") give the zero
// time and no error: the CA gave no time.
func ParseTime(s string) (time.Time, error) {
	return ParseTimeIn(s, time.UTC)
}

// ParseTimeIn is ParseTime for a CA that sends zone-less values in loc (DigiCert's
// date-only DCV expirations are in Mountain Time, for example). The result is in UTC.
func ParseTimeIn(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "null") || strings.HasPrefix(s, "0000-00-00") {
		return time.Time{}, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	// Fast path for the two zone-less forms CAs send most (DigiCert's dates, ZeroSSL's and
	// the Reports API's "2006-01-02 15:04:05"): no earlier layout can match a string of
	// exactly that shape, so trying its layout first gives the same result without the
	// failed attempts, each of which allocates a *time.ParseError.
	switch {
	case len(s) == len("2006-01-02"):
		if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
			return t.UTC(), nil
		}
	case len(s) == len("2006-01-02 15:04:05") && s[10] == ' ':
		if t, err := time.ParseInLocation("2006-01-02 15:04:05", s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	for _, l := range layouts {
		var t time.Time
		var err error
		if l.zoned {
			t, err = time.Parse(l.layout, s)
		} else {
			t, err = time.ParseInLocation(l.layout, s, loc)
		}
		if err == nil {
			return t.UTC(), nil
		}
	}
	if len(s) > maxQuoted {
		// Not quoted at all rather than cut: a cut made here, before the client
		// redacts, could leave part of a key visible.
		return time.Time{}, fmt.Errorf("%w: unrecognized time (a %d-byte value)", ErrInvalidArgument, len(s))
	}
	return time.Time{}, fmt.Errorf("%w: unrecognized time %q", ErrInvalidArgument, s)
}

// FormatDate formats t as the calendar date YYYY-MM-DD in UTC, the form CAs take in filters.
func FormatDate(t time.Time) string {
	return t.UTC().Format("2006-01-02")
}

// maxQuoted is the longest value ParseTime quotes in its error, whole: the client that
// reports the error redacts, then cuts (retry.Client.Line).
const maxQuoted = 64
