package providertest_test

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"slices"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
)

// Example shows what a harness's Start seeds its fake with: the scenario, in model
// values, that the suite then expects the provider to report back (Run calls Start
// with DefaultScenario, which is ScenarioAt(time.Now())), and the CSR an order in the
// suite sends.
func Example() {
	sc := providertest.ScenarioAt(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	statuses := map[model.CertificateStatus]bool{}
	for _, c := range sc.Certificates {
		statuses[c.Status] = true
	}
	var seen []string
	for s := range statuses {
		seen = append(seen, string(s))
	}
	slices.Sort(seen)
	fmt.Println("certificate statuses:", seen)

	var levels []string
	for _, d := range sc.Domains {
		for _, l := range d.Levels {
			if !slices.Contains(levels, string(l.Level)) {
				levels = append(levels, string(l.Level))
			}
		}
	}
	slices.Sort(levels)
	fmt.Println("domain levels:", levels)

	var types []string
	for _, chs := range sc.Challenges {
		for _, ch := range chs {
			if !slices.Contains(types, string(ch.Type)) {
				types = append(types, string(ch.Type))
			}
		}
	}
	slices.Sort(types)
	fmt.Println("challenge types:", types)

	block, _ := pem.Decode(providertest.NewCSR("shop.example.com", "www.shop.example.com"))
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(block.Type, csr.Subject.CommonName, csr.DNSNames, csr.CheckSignature() == nil)
	// Output:
	// certificate statuses: [cancelled draft expired issued pending revoked]
	// domain levels: [ev ov]
	// challenge types: [dns-cname dns-txt email http-file https-file]
	// CERTIFICATE REQUEST shop.example.com [shop.example.com www.shop.example.com] true
}
