package digicert

import (
	"strconv"
	"testing"
	"time"

	"github.com/anyca/anyca/internal/fuzzseed"
	"github.com/anyca/anyca/model"
)

// Fuzz targets for the decoders and mappers of CertCentral's answers. Properties: no
// panic; a body that decodes either maps or fails with a *model.Error; every mapped
// domain name is already normalized. Seeds are every file of testdata/.

func fuzzClient(t testing.TB) *Client {
	return fuzzseed.NewClient(t, func(key, base string) (*Client, error) { return New(Config{APIKey: key, BaseURL: base}) })
}

func checkCert(t *testing.T, cert *model.Certificate) {
	t.Helper()
	if cert == nil {
		t.Fatal("nil certificate without an error")
	}
	fuzzseed.CheckNormalized(t, "common name", cert.CommonName)
	fuzzseed.CheckNormalized(t, "dns name", cert.DNSNames...)
}

func FuzzDecodeOrder(f *testing.F) {
	fuzzseed.AddFiles(f, "testdata", `{"id":1,"certificate":{"dns_names":"a.example,B.Example."}}`, `null`, `{"certificate":null}`)
	c := fuzzClient(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var o orderWire
		if err := c.decode("Certificate", fuzzseed.Response(body), &o); err != nil {
			fuzzseed.CheckModelError(t, err)
			return
		}
		cert, err := mapOrder(&o)
		if err != nil {
			fuzzseed.CheckModelError(t, c.mapErr("Certificate", fuzzseed.Response(body), err))
			return
		}
		checkCert(t, cert)
	})
}

func FuzzDecodeList(f *testing.F) {
	fuzzseed.AddFiles(f, "testdata", `{"orders":[null,{}],"domains":[null],"page":{"total":"x"}}`)
	c := fuzzClient(f)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		var ol orderListWire
		if err := c.decode("Certificates", fuzzseed.Response(body), &ol); err != nil {
			fuzzseed.CheckModelError(t, err)
		} else {
			for i := range ol.Orders {
				cert, err := mapOrder(&ol.Orders[i])
				if err != nil {
					fuzzseed.CheckModelError(t, c.mapErr("Certificates", fuzzseed.Response(body), err))
					continue
				}
				checkCert(t, cert)
			}
		}
		var dl domainListWire
		if err := c.decode("Domains", fuzzseed.Response(body), &dl); err != nil {
			fuzzseed.CheckModelError(t, err)
			return
		}
		for i := range dl.Domains {
			d, err := mapDomain(&dl.Domains[i], now)
			if err != nil {
				fuzzseed.CheckModelError(t, c.mapErr("Domains", fuzzseed.Response(body), err))
				continue
			}
			checkDomain(t, d)
		}
	})
}

func checkDomain(t *testing.T, d *model.DomainValidation) {
	t.Helper()
	if d == nil {
		t.Fatal("nil domain without an error")
	}
	fuzzseed.CheckNormalized(t, "domain", d.Domain)
	for _, ch := range d.Challenges {
		fuzzseed.CheckNormalized(t, "challenge domain", ch.Domain)
	}
}

func FuzzDecodeDomainInfo(f *testing.F) {
	fuzzseed.AddFiles(f, "testdata", `{"id":1,"name":"Example.COM.","dcv_token":null,"validations":null}`,
		`{"id":"1","dcv_token":{"token":abc-123,"status":"pending"}}`)
	c := fuzzClient(f)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		var d domainWire
		if err := c.decode("DomainValidation", fuzzseed.Response(body), &d); err != nil {
			fuzzseed.CheckModelError(t, err)
			return
		}
		dv, err := mapDomain(&d, now)
		if err != nil {
			fuzzseed.CheckModelError(t, c.mapErr("DomainValidation", fuzzseed.Response(body), err))
			return
		}
		checkDomain(t, dv)
		if ch := domainChallenge(dv.Domain, &d, dv.Status); ch != nil {
			fuzzseed.CheckNormalized(t, "challenge domain", ch.Domain)
		}
		var ov orderValidationWire
		if err := c.decode("Challenges", fuzzseed.Response(body), &ov); err != nil {
			fuzzseed.CheckModelError(t, err)
		}
		var rv randomValueWire
		if err := c.decode("Challenges", fuzzseed.Response(body), &rv); err != nil {
			fuzzseed.CheckModelError(t, err)
		}
	})
}

// FuzzDecodeReports runs the Custom Reports (GraphQL) answer parser as reportBatch does.
func FuzzDecodeReports(f *testing.F) {
	fuzzseed.AddFiles(f, "testdata", `{"data":{"o0":null,"o1":{"id":"1","dns_names":"a,b"}}}`, `{"data":null,"errors":[{"code":"x"}]}`)
	c := fuzzClient(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var ans reportAnswer
		if err := c.decode("CertificatesByID", fuzzseed.Response(body), &ans); err != nil {
			fuzzseed.CheckModelError(t, err)
			return
		}
		for _, e := range ans.Errors {
			_ = kindFor(200, string(e.Code))
		}
		for i := 0; i < 4; i++ {
			raw, ok := ans.Data["o"+strconv.Itoa(i)]
			if !ok || len(raw) == 0 || string(raw) == "null" {
				continue
			}
			var o reportOrderWire
			if err := decodeJSON(raw, &o); err != nil {
				fuzzseed.CheckModelError(t, c.mapErr("CertificatesByID", fuzzseed.Response(body), err))
				continue
			}
			cert, err := mapReportOrder(&o)
			if err != nil {
				fuzzseed.CheckModelError(t, c.mapErr("CertificatesByID", fuzzseed.Response(body), err))
				continue
			}
			checkCert(t, cert)
		}
	})
}

func FuzzDecodeError(f *testing.F) {
	fuzzseed.AddFiles(f, "testdata", `{"errors":[{"code":"not_found|order","message":"x"}]}`, `{"errors":null}`, `{"errors":[null]}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, status := range []int{400, 401, 403, 404, 429, 500, 501, 503} {
			_, _, kind := decodeError(status, body)
			if kind == nil {
				t.Fatalf("status %d: nil kind", status)
			}
			found := false
			for _, k := range model.Kinds() {
				if kind == k {
					found = true
				}
			}
			if !found {
				t.Fatalf("status %d: kind %v is not a model kind", status, kind)
			}
		}
	})
}
