package model_test

import (
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTime(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		// RFC 3339, with and without fraction and zone offset.
		{"2021-01-10T21:01:53Z", utc(2021, 1, 10, 21, 1, 53, 0)},
		{"2021-01-10T21:01:53.123456789Z", utc(2021, 1, 10, 21, 1, 53, 123456789)},
		{"2019-09-22T22:11:44+00:00", utc(2019, 9, 22, 22, 11, 44, 0)},
		{"2019-09-22T22:11:44-06:00", utc(2019, 9, 23, 4, 11, 44, 0)},
		{"2019-09-22T22:11:44.5+02:00", utc(2019, 9, 22, 20, 11, 44, 500000000)},
		// Numeric zone without colon.
		{"2019-09-22T22:11:44+0000", utc(2019, 9, 22, 22, 11, 44, 0)},
		{"2019-09-22T22:11:44+0130", utc(2019, 9, 22, 20, 41, 44, 0)},
		// Space separator with zone.
		{"2019-09-22 22:11:44Z", utc(2019, 9, 22, 22, 11, 44, 0)},
		{"2019-09-22 22:11:44+00:00", utc(2019, 9, 22, 22, 11, 44, 0)},
		{"2019-09-22 22:11:44-07:00", utc(2019, 9, 23, 5, 11, 44, 0)},
		{"2019-09-22 22:11:44+0000", utc(2019, 9, 22, 22, 11, 44, 0)},
		// Zone-less forms, taken as UTC.
		{"2019-09-22T22:11:44", utc(2019, 9, 22, 22, 11, 44, 0)},
		{"2019-09-22T22:11:44.25", utc(2019, 9, 22, 22, 11, 44, 250000000)},
		{"2020-04-29 09:04:19", utc(2020, 4, 29, 9, 4, 19, 0)},
		{"2019-09-22T22:11", utc(2019, 9, 22, 22, 11, 0, 0)},
		{"2023-03-27", utc(2023, 3, 27, 0, 0, 0, 0)},
		// Surrounding space.
		{"  2023-03-27 \n", utc(2023, 3, 27, 0, 0, 0, 0)},
		// No time given.
		{"", time.Time{}},
		{"   ", time.Time{}},
		{"null", time.Time{}},
		{"NULL", time.Time{}},
		{"0000-00-00", time.Time{}},
		{"0000-00-00 00:00:00", time.Time{}},
		{"0000-00-00T00:00:00Z", time.Time{}},
	}
	for _, tt := range tests {
		got, err := model.ParseTime(tt.in)
		require.NoError(t, err, "ParseTime(%q)", tt.in)
		assert.True(t, tt.want.Equal(got), "ParseTime(%q) = %v, want %v", tt.in, got, tt.want)
		if !got.IsZero() {
			assert.Equal(t, time.UTC, got.Location(), "ParseTime(%q) location", tt.in)
		}
	}
}

func TestParseTimeIn(t *testing.T) {
	denver, err := time.LoadLocation("America/Denver")
	if err != nil {
		t.Skipf("no tz database: %v", err)
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		// Zone-less values are in the given location: MDT is UTC-6, MST is UTC-7.
		{"2024-05-01", time.Date(2024, 5, 1, 6, 0, 0, 0, time.UTC)},
		{"2024-01-15", time.Date(2024, 1, 15, 7, 0, 0, 0, time.UTC)},
		{"2024-05-01 23:30:00", time.Date(2024, 5, 2, 5, 30, 0, 0, time.UTC)},
		{"2024-05-01T23:30:00", time.Date(2024, 5, 2, 5, 30, 0, 0, time.UTC)},
		{"2024-05-01T23:30", time.Date(2024, 5, 2, 5, 30, 0, 0, time.UTC)},
		// Zoned values ignore the location.
		{"2024-05-01T00:00:00Z", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)},
		{"2024-05-01T00:00:00+02:00", time.Date(2024, 4, 30, 22, 0, 0, 0, time.UTC)},
		{"2024-05-01 00:00:00+0000", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)},
		{"", time.Time{}},
		{"0000-00-00", time.Time{}},
	}
	for _, tt := range tests {
		got, err := model.ParseTimeIn(tt.in, denver)
		require.NoError(t, err, "ParseTimeIn(%q)", tt.in)
		assert.True(t, tt.want.Equal(got), "ParseTimeIn(%q) = %v, want %v", tt.in, got, tt.want)
		if !got.IsZero() {
			assert.Equal(t, time.UTC, got.Location())
		}
	}
	// A nil location means UTC.
	got, err := model.ParseTimeIn("2024-05-01", nil)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), got)
}

func TestParseTimeInvalid(t *testing.T) {
	for _, in := range []string{
		"garbage", "2024-13-01", "2024-02-30", "2024-05-01T25:00:00Z", "01/05/2024", "May 1, 2024",
		"2024-05-01T10:00:00 UTC", "1714521600", "2024-5-1", "nil", "0000", strings.Repeat("9", 500), "\xff\xfe",
	} {
		got, err := model.ParseTime(in)
		require.Error(t, err, "ParseTime(%q) = %v", in, got)
		assert.ErrorIs(t, err, model.ErrInvalidArgument)
		assert.True(t, got.IsZero())
		assert.Less(t, len(err.Error()), 120, "a long value is described, not quoted")
		assert.NotContains(t, err.Error(), "…", "a value is quoted whole or not at all, never cut")
	}
}

// TestParseTimeNeverCutsAValue: the error quotes the value whole (up to 64 bytes) or
// describes it by length, so a key that follows a date is never left half there for a
// redactor to miss after a cut.
func TestParseTimeNeverCutsAValue(t *testing.T) {
	const key = "9f8e7d6c5b4a3928170615243342516070"
	for _, in := range []string{"2024-01-01T00:00:00 " + key, "2024-01-01T00:00:00.000000 " + key + strings.Repeat(" tail", 20)} {
		_, err := model.ParseTime(in)
		require.Error(t, err)
		if strings.Contains(err.Error(), key[:8]) {
			assert.Contains(t, err.Error(), key, "a value is quoted whole or not at all: %v", err)
		}
	}
}

func TestFormatDate(t *testing.T) {
	loc := time.FixedZone("UTC+10", 10*3600)
	assert.Equal(t, "2024-04-30", model.FormatDate(time.Date(2024, 5, 1, 5, 0, 0, 0, loc)))
	assert.Equal(t, "2024-05-01", model.FormatDate(time.Date(2024, 5, 1, 23, 59, 0, 0, time.UTC)))
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2021-01-10T21:01:53Z", "2019-09-22T22:11:44+00:00", "2019-09-22T22:11:44+0000",
		"2019-09-22 22:11:44Z", "2020-04-29 09:04:19", "2019-09-22T22:11", "2023-03-27", "",
		"null", "0000-00-00 00:00:00", "garbage", "2024-02-30", "9999-12-31T23:59:59.999999999-23:59",
	} {
		f.Add(s)
	}
	denver, _ := time.LoadLocation("America/Denver")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := model.ParseTimeIn(in, denver)
		if err != nil {
			if !got.IsZero() {
				t.Fatalf("ParseTimeIn(%q) returned %v with an error", in, got)
			}
			return
		}
		if !got.IsZero() && got.Location() != time.UTC {
			t.Fatalf("ParseTimeIn(%q) = %v, not in UTC", in, got)
		}
		if _, err := model.ParseTime(in); err != nil {
			t.Fatalf("ParseTime(%q) failed where ParseTimeIn succeeded: %v", in, err)
		}
	})
}
