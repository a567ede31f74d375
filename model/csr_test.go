package model_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/anyca/anyca/model"
)

func makeCSR(t *testing.T, key crypto.Signer, cn string, names ...string) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: cn}, DNSNames: names}, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func p256(t *testing.T) crypto.Signer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestCheckOrderAccepts(t *testing.T) {
	der := makeCSR(t, p256(t), "Example.COM", "example.com", "www.example.com")
	pemCSR := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
	for name, csr := range map[string][]byte{"DER": der, "PEM": pemCSR} {
		t.Run(name, func(t *testing.T) {
			got, err := model.CheckOrder("x", model.OrderRequest{Names: []string{"WWW.example.com.", "example.com", "www.example.com"}, CSR: csr})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got.Request.Names, ",") != "www.example.com,example.com" {
				t.Errorf("names = %v, want normalized, de-duplicated, order kept", got.Request.Names)
			}
			if string(got.Request.CSR) != string(der) {
				t.Error("CSR not kept as DER")
			}
			if b, _ := pem.Decode(got.PEM()); b == nil || string(b.Bytes) != string(der) {
				t.Error("PEM() does not hold the CSR")
			}
		})
	}
}

func TestCheckOrderRefuses(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	good := makeCSR(t, p256(t), "a.example", "a.example")
	tampered := append([]byte(nil), good...)
	tampered[len(tampered)-5] ^= 0xff
	ipDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "a.example"}, IPAddresses: []net.IP{net.IPv4(10, 0, 0, 1)}}, p256(t))
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("secret-key-bytes")})
	cases := map[string]struct {
		req  model.OrderRequest
		want string
	}{
		"no names":       {model.OrderRequest{CSR: good}, "at least one name"},
		"bad name":       {model.OrderRequest{Names: []string{"a..example"}, CSR: good}, "empty label"},
		"no CSR":         {model.OrderRequest{Names: []string{"a.example"}}, "needs a CSR"},
		"garbage CSR":    {model.OrderRequest{Names: []string{"a.example"}, CSR: []byte("hello")}, "does not parse"},
		"key PEM":        {model.OrderRequest{Names: []string{"a.example"}, CSR: keyPEM}, "not a CERTIFICATE REQUEST"},
		"bad signature":  {model.OrderRequest{Names: []string{"a.example"}, CSR: tampered}, ""},
		"RSA 1024":       {model.OrderRequest{Names: []string{"a.example"}, CSR: makeCSR(t, rsaKey, "a.example")}, "1024 bits"},
		"ed25519":        {model.OrderRequest{Names: []string{"a.example"}, CSR: makeCSR(t, edKey, "a.example")}, "RSA or ECDSA only"},
		"P-224":          {model.OrderRequest{Names: []string{"a.example"}, CSR: makeCSR(t, p224, "a.example")}, "curve"},
		"extra CSR name": {model.OrderRequest{Names: []string{"a.example"}, CSR: makeCSR(t, p256(t), "a.example", "b.example")}, "not requested [b.example]"},
		"missing name":   {model.OrderRequest{Names: []string{"a.example", "c.example"}, CSR: good}, "missing from the CSR [c.example]"},
		"IP in CSR":      {model.OrderRequest{Names: []string{"a.example"}, CSR: ipDER}, "IP addresses"},
		"negative":       {model.OrderRequest{Names: []string{"a.example"}, CSR: good, Validity: -1}, "negative"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := model.CheckOrder("x", tc.req)
			var me *model.Error
			if !errors.As(err, &me) || !errors.Is(err, model.ErrInvalidArgument) || me.Op != "Order" {
				t.Fatalf("err = %v, want a *model.Error of kind invalid argument for Order", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %q, want it to say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "secret-key-bytes") || strings.Contains(err.Error(), "PRIVATE") {
				t.Errorf("err quotes the CSR input: %q", err)
			}
		})
	}
}
