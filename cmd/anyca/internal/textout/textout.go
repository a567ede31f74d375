// Package textout holds the CLI's text output helpers that the commands and the demo
// share: aligned tables whose cells are escaped for the terminal, dates and durations,
// and DCV challenges printed ready to paste into a zone file or onto a file host.
package textout

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/anyca/anyca/model"
)

// NewTable returns a tabwriter for aligned columns; call Flush when done.
func NewTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// Row writes one tab-separated row, each cell passed through Display: a CA's value
// cannot end the line, split a cell or reach the terminal as a control sequence.
func Row(w io.Writer, cols ...string) {
	for i, c := range cols {
		if c == "" {
			c = "-"
		}
		cols[i] = Display(c)
	}
	fmt.Fprintln(w, strings.Join(cols, "\t"))
}

// Date formats t as a UTC calendar date, "-" when zero.
func Date(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}

// Stamp formats t as a UTC timestamp to the minute, "-" when zero.
func Stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// Relative says how far t is from now: "in 3d 4h", "12d ago".
func Relative(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := t.Sub(now)
	if d < 0 {
		return Short(-d) + " ago"
	}
	return "in " + Short(d)
}

// Short renders a duration in days and hours ("3d 4h", "5h", "20m").
func Short(d time.Duration) string {
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case days > 0:
		return fmt.Sprintf("%dd", days)
	case hours > 0:
		return fmt.Sprintf("%dh", hours)
	}
	return fmt.Sprintf("%dm", int(d/time.Minute))
}

// StatusWord shows a normalized status with the vendor's word when it differs.
func StatusWord(normalized, vendor string) string {
	if vendor == "" || strings.EqualFold(vendor, normalized) {
		return normalized
	}
	return normalized + " (" + vendor + ")"
}

// LevelsSummary renders "ov valid until 2027-01-02, ev expired".
func LevelsSummary(ls []model.LevelValidation) string {
	var parts []string
	for _, l := range ls {
		s := string(l.Level) + " " + string(l.Status)
		if !l.ValidUntil.IsZero() {
			s += " until " + Date(l.ValidUntil)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// The lines around an HTTP validation file's body.
const (
	BodyBegin = "-----BEGIN BODY-----"
	BodyEnd   = "-----END BODY-----"
)

// WriteChallenges prints challenges ready to paste: DNS records in zone-file form,
// the file to serve with its exact body, or the addresses approval emails go to. A CA
// value that would break its line or the zone file (a newline, another control
// character, a quote, whitespace in a name) is never printed as a record or body: a
// commented warning takes its place, and -o json shows the exact value.
func WriteChallenges(w io.Writer, chs []model.Challenge) {
	for i, ch := range chs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		head := "; " + Display(ch.Domain) + "  " + Display(string(ch.Type))
		if ch.Status != "" {
			head += "  " + Display(string(ch.Status))
		}
		if !ch.ExpiresAt.IsZero() {
			head += "  expires " + Stamp(ch.ExpiresAt)
		}
		fmt.Fprintln(w, head)
		warn := func(what string) {
			fmt.Fprintf(w, "; WARNING: the CA's %s would break a zone file or terminal line (control character, whitespace or quote); not printed: see -o json\n", what)
		}
		switch ch.Type {
		case model.ChallengeDNSCNAME:
			writeRecord(w, warn, ch.RecordName, "CNAME", "CNAME target", zoneToken(ch.RecordValue), FQDN(ch.RecordValue))
		case model.ChallengeDNSTXT:
			writeRecord(w, warn, ch.RecordName, "TXT", "TXT value", zoneText(ch.RecordValue), TXTQuote(ch.RecordValue))
		case model.ChallengeHTTPFile, model.ChallengeHTTPSFile:
			switch {
			case !zoneToken(ch.URL):
				warn("file URL " + strconv.Quote(Display(ch.URL)))
			case !fileBody(ch.Content):
				fmt.Fprintf(w, "; serve this URL: %s\n", ch.URL)
				warn("file body")
			default:
				fmt.Fprintf(w, "; serve this URL: %s\n", ch.URL)
				fmt.Fprintln(w, "; with exactly this body (between the marker lines, no trailing newline):")
				fmt.Fprintln(w, BodyBegin)
				fmt.Fprintln(w, ch.Content)
				fmt.Fprintln(w, BodyEnd)
			}
		case model.ChallengeEmail:
			fmt.Fprintln(w, "; approve the email the CA sends to one of:")
			for _, e := range ch.Emails {
				fmt.Fprintln(w, ";   "+Display(e))
			}
		default:
			if ch.Token != "" {
				fmt.Fprintf(w, "; token: %s\n", Display(ch.Token))
			}
		}
	}
}

// writeRecord prints the zone-file line "NAME. 3600 IN TYPE VALUE", or, when the record
// name or the value (valueOK false; valueWord names it) would break the zone file,
// the warning instead. value is already in zone-file form.
func writeRecord(w io.Writer, warn func(string), name, typ, valueWord string, valueOK bool, value string) {
	switch {
	case !zoneToken(name):
		warn("record name " + strconv.Quote(Display(name)))
	case !valueOK:
		warn(valueWord + " for " + FQDN(name))
	default:
		fmt.Fprintf(w, "%s 3600 IN %s %s\n", FQDN(name), typ, value)
	}
}

// FQDN adds the trailing dot a zone file needs for an absolute name.
func FQDN(name string) string {
	if name == "" || strings.HasSuffix(name, ".") {
		return name
	}
	return name + "."
}

// TXTQuote quotes a TXT value as zone files want it: backslash and quote escaped, split
// into strings of at most 255 bytes.
func TXTQuote(v string) string {
	esc := func(s string) string {
		s = strings.ReplaceAll(s, `\`, `\\`)
		return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
	}
	if len(v) <= 255 {
		return esc(v)
	}
	var parts []string
	for len(v) > 255 {
		parts = append(parts, esc(v[:255]))
		v = v[255:]
	}
	return strings.Join(append(parts, esc(v)), " ")
}

// OneLine collapses s onto one line: trimmed, every run of whitespace one space.
func OneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// Plural renders "1 certificate", "2 certificates".
func Plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
