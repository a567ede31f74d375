package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/anyca/anyca/model"
)

// writeJSON writes v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// newTable returns a tabwriter for aligned columns; call Flush when done.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// row writes one tab-separated row, each cell passed through display: a CA's value
// cannot end the line, split a cell or reach the terminal as a control sequence.
func row(w io.Writer, cols ...string) {
	for i, c := range cols {
		if c == "" {
			c = "-"
		}
		cols[i] = display(c)
	}
	fmt.Fprintln(w, strings.Join(cols, "\t"))
}

// date formats t as a UTC calendar date, "-" when zero.
func date(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}

// stamp formats t as a UTC timestamp to the minute, "-" when zero.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// relative says how far t is from now: "in 3d 4h", "12d ago".
func relative(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := t.Sub(now)
	if d < 0 {
		return short(-d) + " ago"
	}
	return "in " + short(d)
}

// short renders a duration in days and hours ("3d 4h", "5h", "20m").
func short(d time.Duration) string {
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

// statusWord shows a normalized status with the vendor's word when it differs.
func statusWord(normalized, vendor string) string {
	if vendor == "" || strings.EqualFold(vendor, normalized) {
		return normalized
	}
	return normalized + " (" + vendor + ")"
}

// sortCertificates orders certificates by common name, then id.
func sortCertificates(cs []*model.Certificate) {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].CommonName != cs[j].CommonName {
			return cs[i].CommonName < cs[j].CommonName
		}
		return model.LessID(cs[i].ID, cs[j].ID)
	})
}

// levelsSummary renders "ov valid until 2027-01-02, ev expired".
func levelsSummary(ls []model.LevelValidation) string {
	var parts []string
	for _, l := range ls {
		s := string(l.Level) + " " + string(l.Status)
		if !l.ValidUntil.IsZero() {
			s += " until " + date(l.ValidUntil)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// The lines around an HTTP validation file's body.
const (
	bodyBegin = "-----BEGIN BODY-----"
	bodyEnd   = "-----END BODY-----"
)

// writeChallenges prints challenges ready to paste: DNS records in zone-file form,
// the file to serve with its exact body, or the addresses approval emails go to. A CA
// value that would break its line or the zone file (a newline, another control
// character, a quote, whitespace in a name) is never printed as a record or body: a
// commented warning takes its place, and -o json shows the exact value.
func writeChallenges(w io.Writer, chs []model.Challenge) {
	for i, ch := range chs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		head := "; " + display(ch.Domain) + "  " + display(string(ch.Type))
		if ch.Status != "" {
			head += "  " + display(string(ch.Status))
		}
		if !ch.ExpiresAt.IsZero() {
			head += "  expires " + stamp(ch.ExpiresAt)
		}
		fmt.Fprintln(w, head)
		warn := func(what string) {
			fmt.Fprintf(w, "; WARNING: the CA's %s would break a zone file or terminal line (control character, whitespace or quote); not printed: see -o json\n", what)
		}
		switch ch.Type {
		case model.ChallengeDNSCNAME:
			writeRecord(w, warn, ch.RecordName, "CNAME", "CNAME target", zoneToken(ch.RecordValue), fqdn(ch.RecordValue))
		case model.ChallengeDNSTXT:
			writeRecord(w, warn, ch.RecordName, "TXT", "TXT value", zoneText(ch.RecordValue), txtQuote(ch.RecordValue))
		case model.ChallengeHTTPFile, model.ChallengeHTTPSFile:
			switch {
			case !zoneToken(ch.URL):
				warn("file URL " + strconv.Quote(display(ch.URL)))
			case !fileBody(ch.Content):
				fmt.Fprintf(w, "; serve this URL: %s\n", ch.URL)
				warn("file body")
			default:
				fmt.Fprintf(w, "; serve this URL: %s\n", ch.URL)
				fmt.Fprintln(w, "; with exactly this body (between the marker lines, no trailing newline):")
				fmt.Fprintln(w, bodyBegin)
				fmt.Fprintln(w, ch.Content)
				fmt.Fprintln(w, bodyEnd)
			}
		case model.ChallengeEmail:
			fmt.Fprintln(w, "; approve the email the CA sends to one of:")
			for _, e := range ch.Emails {
				fmt.Fprintln(w, ";   "+display(e))
			}
		default:
			if ch.Token != "" {
				fmt.Fprintf(w, "; token: %s\n", display(ch.Token))
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
		warn("record name " + strconv.Quote(display(name)))
	case !valueOK:
		warn(valueWord + " for " + fqdn(name))
	default:
		fmt.Fprintf(w, "%s 3600 IN %s %s\n", fqdn(name), typ, value)
	}
}

// fqdn adds the trailing dot a zone file needs for an absolute name.
func fqdn(name string) string {
	if name == "" || strings.HasSuffix(name, ".") {
		return name
	}
	return name + "."
}

// txtQuote quotes a TXT value as zone files want it: backslash and quote escaped, split
// into strings of at most 255 bytes.
func txtQuote(v string) string {
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

// progress writes a transient count line on a terminal's stderr during long listings.
type progress struct {
	w     io.Writer
	on    bool
	what  string
	n     int
	shown bool
}

func (a *app) newProgress(what string) *progress {
	return &progress{w: a.stderr, on: a.progress, what: what}
}

// add counts one item and refreshes the line every 50 items.
func (p *progress) add() {
	p.n++
	if p.on && p.n%50 == 0 {
		fmt.Fprintf(p.w, "\ranyca: %d %s so far…", p.n, p.what)
		p.shown = true
	}
}

// done erases the progress line.
func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}
