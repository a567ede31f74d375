package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/textout"
	"github.com/anyca/anyca/model"
)

// The fleet commands (certs list, domains list, domain status, expiring) ask every
// configured account at once and print one merged answer with an ACCOUNT column. When
// some accounts fail, the others' answers are printed and the command exits 6 after
// naming the failed accounts on stderr; when all fail, it exits with the code of their
// errors (4 when every key is refused).

// fleetProgress feeds the progress line from the fleet's listing goroutines.
type fleetProgress struct {
	mu sync.Mutex
	p  *progress
}

// start shows a progress line for what is about to be listed; stop erases it.
// A nil *fleetProgress shows nothing.
func (fp *fleetProgress) start(p *progress) {
	if fp == nil {
		return
	}
	fp.mu.Lock()
	fp.p = p
	fp.mu.Unlock()
}

func (fp *fleetProgress) stop() {
	fp.shown(func(p *progress) {
		p.done()
		fp.p = nil
	})
}

// add counts one listed item on the line shown, if any (the fleet's OnItem).
func (fp *fleetProgress) add(string) { fp.shown((*progress).add) }

// shown calls do with the progress line shown, under the lock; it does nothing when no
// line is shown or fp is nil.
func (fp *fleetProgress) shown(do func(*progress)) {
	if fp == nil {
		return
	}
	fp.mu.Lock()
	defer fp.mu.Unlock()
	if fp.p != nil {
		do(fp.p)
	}
}

func runCertsList(ctx context.Context, a *app, o *cmdOpts, args []string) error {
	f, err := a.fleet(ctx, &o.globalOpts)
	if err != nil {
		return err
	}
	a.listing.start(a.newProgress("certificates"))
	r := f.Certificates(ctx, model.CertificateQuery{Status: o.statuses, Search: o.search})
	a.listing.stop()
	sortCertificates(r.Items)
	return printListing(a, o, len(f.Accounts()), r,
		[]string{"ACCOUNT", "ID", "COMMON NAME", "STATUS", "LEVEL", "PRODUCT", "NOT AFTER", "NAMES"},
		func(c *model.Certificate) []string {
			return []string{c.Account, c.ID, c.CommonName, textout.StatusWord(string(c.Status), c.VendorStatus), string(c.Level), c.Product,
				textout.Date(c.NotAfter), strconv.Itoa(len(c.DNSNames))}
		})
}

func runDomainsList(ctx context.Context, a *app, o *cmdOpts, args []string) error {
	f, err := a.fleet(ctx, &o.globalOpts)
	if err != nil {
		return err
	}
	return printListing(a, o, len(f.Accounts()), a.listDomains(ctx, f, o.search),
		[]string{"ACCOUNT", "DOMAIN", "STATUS", "METHOD", "VALID UNTIL", "LEVELS"},
		func(d *model.DomainValidation) []string {
			return []string{d.Account, d.Domain, textout.StatusWord(string(d.Status), d.VendorStatus), string(d.Method), textout.Date(d.ValidUntil()), textout.LevelsSummary(d.Levels)}
		})
}

// printListing prints what a fleet listed: with -o json an array (never null), else a
// table of header and one row of cells per item. When all of the total accounts failed
// it prints nothing. Its error is the fleet's failure, if any (see fleetFailure).
func printListing[T any](a *app, o *cmdOpts, total int, r *anyca.FleetResult[T], header []string, cells func(T) []string) error {
	if len(r.Failed) == total {
		return fleetFailure(total, nil, r.Failed) // no answer to print
	}
	if o.output == "json" {
		items := r.Items
		if items == nil {
			items = []T{}
		}
		if err := writeJSON(a.stdout, items); err != nil {
			return err
		}
	} else {
		tw := textout.NewTable(a.stdout)
		textout.Row(tw, header...)
		for _, item := range r.Items {
			textout.Row(tw, cells(item)...)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return fleetFailure(total, nil, r.Failed)
}

// listDomains lists the fleet's domains, sorted by name (then account), Items never nil.
func (a *app) listDomains(ctx context.Context, f *anyca.Fleet, search string) *anyca.FleetResult[*model.DomainValidation] {
	a.listing.start(a.newProgress("domains"))
	r := f.Domains(ctx, model.DomainQuery{Search: search})
	a.listing.stop()
	if r.Items == nil {
		r.Items = []*model.DomainValidation{}
	}
	sort.SliceStable(r.Items, func(i, j int) bool { return r.Items[i].Domain < r.Items[j].Domain })
	return r
}

// runDomainStatus asks every account about one domain. JSON is one object when one
// account is configured (or chosen with --account), else an array of the accounts that
// know the domain. Exit code 3 when no account knows it.
func runDomainStatus(ctx context.Context, a *app, o *cmdOpts, args []string) error {
	name, err := model.NormalizeDomain(args[0])
	if err != nil {
		return usagef("%v", err)
	}
	f, err := a.fleet(ctx, &o.globalOpts)
	if err != nil {
		return err
	}
	r := f.DomainValidation(ctx, name)
	total := len(f.Accounts())
	if len(r.Failed) == total {
		return fleetFailure(total, nil, r.Failed)
	}
	if len(r.Items) == 0 && !r.Partial() {
		err := notFoundAnywhere("domain "+name, f.Accounts())
		if registered := registeredHint(f, name); registered != "" {
			err = fmt.Errorf("%w; %s", err, registered)
		}
		return err
	}
	pending := map[*model.DomainValidation][]string{}
	for _, d := range r.Items {
		if p, ok := f.Provider(d.Account); ok && d.Status != model.ValidationValid {
			pending[d] = pendingOrders(ctx, p, d)
		}
	}
	switch {
	case o.output == "json" && total == 1 && len(r.Items) == 1:
		if err := writeJSON(a.stdout, r.Items[0]); err != nil {
			return err
		}
	case o.output == "json" && total > 1:
		items := r.Items
		if items == nil {
			items = []*model.DomainValidation{}
		}
		if err := writeJSON(a.stdout, items); err != nil {
			return err
		}
	case o.output != "json":
		for i, d := range r.Items {
			if i > 0 {
				fmt.Fprintln(a.stdout)
			}
			writeDomain(a.stdout, d, a.now())
			if ids := pending[d]; len(ids) > 0 {
				fmt.Fprintf(a.stdout, "\nPending order: %s (anyca verify %s)\n", textout.Display(strings.Join(ids, ", ")), textout.Display(ids[0]))
			}
		}
	}
	return fleetFailure(total, nil, r.Failed)
}

// pendingOrders finds the pending (or draft) certificates naming d's domain, where the
// CA can tell, newest first, at most three: the orders to verify. When d has no
// CertificateID and exactly one is found, it becomes d's CertificateID, so JSON shows it
// too. A CA that cannot list, or fails to, gives none: the domain's state is still shown.
func pendingOrders(ctx context.Context, p anyca.Provider, d *model.DomainValidation) []string {
	if d.CertificateID != "" {
		return []string{d.CertificateID}
	}
	var found []*model.Certificate
	for c, err := range p.Certificates(ctx, model.CertificateQuery{Search: d.Domain, PageSize: 100,
		Status: []model.CertificateStatus{model.StatusPending, model.StatusDraft}}) {
		if err != nil || len(found) >= 50 {
			break
		}
		if slices.Contains(c.DNSNames, d.Domain) || c.CommonName == d.Domain {
			found = append(found, c)
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].CreatedAt.After(found[j].CreatedAt) })
	var ids []string
	for _, c := range found[:min(len(found), 3)] {
		ids = append(ids, c.ID)
	}
	if len(ids) == 1 {
		d.CertificateID = ids[0]
	}
	return ids
}

// registeredHint is a hint for a name DigiCert does not know: CertCentral validates the
// registered domain (example.com), not each subdomain (shop.example.com). "" when no
// account is DigiCert's or the name has only two labels.
func registeredHint(f *anyca.Fleet, name string) string {
	labels := strings.Split(name, ".")
	if len(labels) < 3 {
		return ""
	}
	for _, acct := range f.Accounts() {
		if p, ok := f.Provider(acct); ok && p.Name() == "digicert" {
			return fmt.Sprintf("DigiCert validates the registered domain, not each subdomain: try anyca domain status %s", strings.Join(labels[len(labels)-2:], "."))
		}
	}
	return ""
}

// expiringReport is the JSON form of "anyca expiring".
type expiringReport struct {
	Now          time.Time                 `json:"now"`
	Within       string                    `json:"within"`
	Certificates []*model.Certificate      `json:"certificates"`
	Domains      []*model.DomainValidation `json:"domains"`
	// RenewalWindows holds, in the order of Certificates, when to renew each.
	RenewalWindows []renewalEntry `json:"renewal_windows"`
	// Failed names the accounts that could not be asked, with their error; absent when
	// every account answered.
	Failed map[string]string `json:"failed,omitempty"`
}

// renewalEntry is one certificate's renewal window (anyca.RenewalWindow) in expiring's
// report: Open when now is in it or past it; Error when the CA's advice could not be read.
type renewalEntry struct {
	Account string               `json:"account,omitempty"`
	ID      string               `json:"id"`
	Window  *model.RenewalWindow `json:"window,omitempty"`
	Open    bool                 `json:"open"`
	Error   string               `json:"error,omitempty"`
}

// findExpiring asks the fleet for issued certificates and domain validations expiring
// within d of now. An account whose provider cannot list domains contributes
// certificates only. The error is the accounts' failure, if any; the report holds the
// answers of the others.
func (a *app) findExpiring(ctx context.Context, f *anyca.Fleet, now time.Time, d time.Duration) (*expiringReport, error) {
	rep := &expiringReport{Now: now.UTC(), Within: d.String(), Certificates: []*model.Certificate{}, Domains: []*model.DomainValidation{},
		RenewalWindows: []renewalEntry{}}
	a.listing.start(a.newProgress("certificates"))
	certs := f.Certificates(ctx, model.CertificateQuery{Status: []model.CertificateStatus{model.StatusIssued}})
	a.listing.stop()
	for _, c := range certs.Items {
		if c.ExpiresWithin(now, d) {
			rep.Certificates = append(rep.Certificates, c)
		}
	}
	sort.SliceStable(rep.Certificates, func(i, j int) bool {
		ci, cj := rep.Certificates[i], rep.Certificates[j]
		if !ci.NotAfter.Equal(cj.NotAfter) {
			return ci.NotAfter.Before(cj.NotAfter)
		}
		return model.LessID(ci.ID, cj.ID)
	})
	rep.RenewalWindows = renewalWindows(ctx, f, rep.Certificates, now)
	doms := a.listDomains(ctx, f, "")
	for _, dv := range doms.Items {
		if len(expiringLevels(dv, now, d)) > 0 {
			rep.Domains = append(rep.Domains, dv)
		}
	}
	sort.SliceStable(rep.Domains, func(i, j int) bool {
		ti, tj := expiringLevels(rep.Domains[i], now, d)[0].ValidUntil, expiringLevels(rep.Domains[j], now, d)[0].ValidUntil
		if !ti.Equal(tj) {
			return ti.Before(tj)
		}
		return rep.Domains[i].Domain < rep.Domains[j].Domain
	})
	unsupported := func(err error) bool { return errors.Is(err, model.ErrUnsupported) }
	err := fleetFailure(len(f.Accounts()), unsupported, certs.Failed, doms.Failed)
	var fe *fleetError
	if errors.As(err, &fe) {
		rep.Failed = map[string]string{}
		for name, e := range fe.err.Failed {
			rep.Failed[name] = e.Error()
		}
	}
	return rep, err
}

func runExpiring(ctx context.Context, a *app, o *cmdOpts, args []string) error {
	within := o.window
	f, err := a.fleet(ctx, &o.globalOpts)
	if err != nil {
		return err
	}
	now := a.now()
	rep, failure := a.findExpiring(ctx, f, now, within)
	var fe *fleetError
	if failure != nil && (len(f.Accounts()) == 1 || errors.As(failure, &fe) && len(fe.err.Failed) == len(f.Accounts())) {
		return failure // no account answered: print only the error
	}
	if o.output == "json" {
		if err := writeJSON(a.stdout, rep); err != nil {
			return err
		}
		return failure
	}
	type line struct {
		at                                     time.Time
		renew, account, kind, name, id, detail string
	}
	var lines []line
	for i, c := range rep.Certificates {
		lines = append(lines, line{c.NotAfter, renewFrom(rep.RenewalWindows[i]), c.Account, "certificate", c.CommonName, c.ID, strings.TrimSpace(string(c.Level) + " " + c.Product)})
	}
	for _, dv := range rep.Domains {
		for _, l := range expiringLevels(dv, now, within) {
			lines = append(lines, line{l.ValidUntil, "", dv.Account, "domain", dv.Domain, dv.ID, string(l.Level) + " validation"})
		}
	}
	sort.SliceStable(lines, func(i, j int) bool {
		if !lines[i].at.Equal(lines[j].at) {
			return lines[i].at.Before(lines[j].at)
		}
		if lines[i].name != lines[j].name {
			return lines[i].name < lines[j].name
		}
		return lines[i].account < lines[j].account
	})
	if len(lines) == 0 {
		fmt.Fprintf(a.stdout, "Nothing expires within %s.\n", o.within)
		return failure
	}
	tw := textout.NewTable(a.stdout)
	textout.Row(tw, "EXPIRES", "IN", "RENEW FROM", "ACCOUNT", "KIND", "NAME", "ID", "DETAIL")
	for _, l := range lines {
		textout.Row(tw, textout.Stamp(l.at), textout.Short(l.at.Sub(now)), l.renew, l.account, l.kind, l.name, l.id, l.detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\n%s and %s expire within %s.\n", textout.Plural(len(rep.Certificates), "certificate"),
		textout.Plural(len(lines)-len(rep.Certificates), "domain validation"), o.within)
	return failure
}

// renewalWindows returns the renewal window of each certificate, asked of the provider
// of its account (anyca.RenewalWindow: the CA's advice, else the last third of its
// lifetime).
func renewalWindows(ctx context.Context, f *anyca.Fleet, certs []*model.Certificate, now time.Time) []renewalEntry {
	out := make([]renewalEntry, 0, len(certs))
	for _, c := range certs {
		e := renewalEntry{Account: c.Account, ID: c.ID}
		p, ok := f.Provider(c.Account)
		if !ok && len(f.Accounts()) == 1 {
			p, ok = f.Provider(f.Accounts()[0])
		}
		switch w, err := anyca.RenewalWindow(ctx, p, c); {
		case !ok:
			e.Error = "no provider for account " + c.Account
		case err != nil:
			e.Error = err.Error()
		default:
			e.Window, e.Open = w, w.Open(now)
		}
		out = append(out, e)
	}
	return out
}

// renewFrom renders a renewal window's start for the table: its date, "(due)" once open.
func renewFrom(e renewalEntry) string {
	switch {
	case e.Window == nil:
		return "unknown"
	case e.Open:
		return textout.Date(e.Window.Start) + " (due)"
	}
	return textout.Date(e.Window.Start)
}
