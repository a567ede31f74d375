package toyca

import (
	_ "embed"
	"encoding/json"
	"testing"
	"time"

	"github.com/anyca/anyca/model"
)

//go:embed testdata/certificate.json
var certificateJSON []byte

// TestMapCertificate maps testdata/certificate.json, ToyCA's documented example, and
// checks each of its facts: states in ToyCA's words, times with an offset read as UTC,
// a null not_after left zero, serials as lower-case hex, names normalized.
func TestMapCertificate(t *testing.T) {
	var w wireCertificate
	if err := json.Unmarshal(certificateJSON, &w); err != nil {
		t.Fatal(err)
	}
	c, err := w.model()
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != model.StatusIssued || c.VendorStatus != "active" || c.CommonName != "shop.example.com" ||
		len(c.DNSNames) != 2 || c.SerialNumber != "0a1b2c" || !c.NotAfter.IsZero() || c.ReplacesID != "toy-3" ||
		!c.CreatedAt.Equal(time.Date(2025, 3, 1, 8, 30, 0, 0, time.UTC)) || c.CreatedAt.Location() != time.UTC {
		t.Errorf("mapped %+v", c)
	}
	for st, word := range map[model.CertificateStatus]string{model.StatusPending: "waiting", model.StatusRejected: ""} {
		if got := StatusWord(st); got != word {
			t.Errorf("StatusWord(%s) = %q, want %q", st, got, word)
		}
	}
}
