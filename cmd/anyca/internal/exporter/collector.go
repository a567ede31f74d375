package exporter

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/anyca/anyca/model"
)

// The metrics, all labelled by account and provider.
var (
	// certNotAfter carries issued certificates only, and no status label: a status change
	// would start a new series, and an expired or revoked certificate is nothing to renew.
	certNotAfter = metric("anyca_certificate_not_after_seconds",
		"When the issued certificate expires, in seconds since the Unix epoch.", "id", "common_name")
	domainValidUntil = metric("anyca_domain_validation_valid_until_seconds",
		"When the domain's validation for the level lapses, in seconds since the Unix epoch.", "domain", "level", "status")
	certRenewalStart = metric("anyca_certificate_renewal_window_start_seconds",
		"When the issued certificate should be renewed from (anyca.RenewalWindow: the CA's advice, else the last third of its lifetime), in seconds since the Unix epoch.",
		"id", "common_name", "status")
	certRenewed = metric("anyca_certificate_renewed",
		"1 when the account holds a renewal of the issued certificate (pending or issued, naming it as replaced or newer with the same names), 0 when it holds none.",
		"id", "common_name", "status")
	certCount = metric("anyca_certificates",
		"Certificates of the account by normalized status, in the last complete refresh.", "status")
	domainCount = metric("anyca_domain_validations",
		"Domains of the account by validation status, in the last complete refresh.", "status")
	refreshSuccess = metric("anyca_refresh_success",
		"1 when the account's last refresh listed everything, 0 when it failed.")
	refreshTime = metric("anyca_refresh_timestamp_seconds",
		"When the account's last refresh ended, successful or not, in seconds since the Unix epoch.")
	refreshSuccessTime = metric("anyca_refresh_last_success_timestamp_seconds",
		"When the account's last successful refresh ended, in seconds since the Unix epoch.")
	refreshDuration = metric("anyca_refresh_duration_seconds",
		"How long the account's last refresh took.")
	caRequests = metric("anyca_ca_requests_total",
		"HTTP requests sent to the CA for the account, retries included.")
	caRateLimited = metric("anyca_ca_rate_limited_total",
		"Answers 429 Too Many Requests the CA gave the account.")
)

// metric describes a metric labelled by account and provider, then by labels.
func metric(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, append([]string{"account", "provider"}, labels...), nil)
}

// Describe sends the descriptions of every metric the exporter serves.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{certNotAfter, certRenewalStart, certRenewed, domainValidUntil, certCount, domainCount, refreshSuccess,
		refreshTime, refreshSuccessTime, refreshDuration, caRequests, caRateLimited} {
		ch <- d
	}
}

// Collect sends the metrics of the current snapshot and the request counters. It makes
// no CA request. A series that would repeat a label set already sent (a CA listing
// the same id twice) is sent once.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	snap := e.snap.Load()
	seen := map[string]bool{}
	send := func(d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
		key := d.String() + "\x00" + strings.Join(labels, "\x00")
		if seen[key] {
			return
		}
		seen[key] = true
		ch <- prometheus.MustNewConstMetric(d, t, v, labels...)
	}
	for _, acct := range e.accounts {
		a, p := acct.name, acct.provider
		send(caRequests, prometheus.CounterValue, float64(acct.counter.requests.Load()), a, p)
		send(caRateLimited, prometheus.CounterValue, float64(acct.counter.rateLimited.Load()), a, p)
		st := snap.accounts[a]
		if st == nil {
			continue // not refreshed yet
		}
		send(refreshSuccess, prometheus.GaugeValue, boolValue(st.success), a, p)
		send(refreshTime, prometheus.GaugeValue, unixSeconds(st.finished), a, p)
		send(refreshDuration, prometheus.GaugeValue, st.duration.Seconds(), a, p)
		if !st.listed {
			continue
		}
		send(refreshSuccessTime, prometheus.GaugeValue, unixSeconds(st.lastSuccess), a, p)
		certsByStatus := map[string]int{}
		for _, c := range st.certs {
			certsByStatus[string(c.Status)]++
			if c.Status == model.StatusIssued && !c.NotAfter.IsZero() {
				send(certNotAfter, prometheus.GaugeValue, unixSeconds(c.NotAfter), a, p, c.ID, c.CommonName)
			}
			if w := st.windows[c.ID]; w != nil && c.Status == model.StatusIssued {
				send(certRenewalStart, prometheus.GaugeValue, unixSeconds(w.Start), a, p, c.ID, c.CommonName, string(c.Status))
				send(certRenewed, prometheus.GaugeValue, boolValue(st.renewed[c.ID]), a, p, c.ID, c.CommonName, string(c.Status))
			}
		}
		for status, n := range certsByStatus {
			send(certCount, prometheus.GaugeValue, float64(n), a, p, status)
		}
		domsByStatus := map[string]int{}
		for _, d := range st.domains {
			domsByStatus[string(d.Status)]++
			for _, l := range d.Levels {
				if !l.ValidUntil.IsZero() {
					send(domainValidUntil, prometheus.GaugeValue, unixSeconds(l.ValidUntil), a, p, d.Domain, string(l.Level), string(l.Status))
				}
			}
		}
		for status, n := range domsByStatus {
			send(domainCount, prometheus.GaugeValue, float64(n), a, p, status)
		}
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// unixSeconds is t in seconds since the Unix epoch, with sub-second precision.
func unixSeconds(t interface{ UnixMilli() int64 }) float64 {
	return float64(t.UnixMilli()) / 1000
}
