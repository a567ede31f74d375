package zerossl

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

// TestFileChallengeURLIsTheDomains: ZeroSSL's file_validation_url_http passes through
// to preflight and the operator, so a URL that is not one file under the domain's own
// /.well-known/pki-validation/ (another host, the metadata address, a port, a query) is
// refused as a malformed answer, never handed out.
func TestFileChallengeURLIsTheDomains(t *testing.T) {
	for url, ok := range map[string]bool{
		"http://shop.example.com/.well-known/pki-validation/ABC.txt":      true,
		"http://169.254.169.254/latest/meta-data/":                        false,
		"http://127.0.0.1:9200/_cat/indices":                              false,
		"http://shop.example.com:8080/.well-known/pki-validation/ABC.txt": false,
		"http://shop.example.com/.well-known/pki-validation/ABC.txt?x=1":  false,
		"http://admin.internal/.well-known/pki-validation/ABC.txt":        false,
	} {
		s := zerossltest.NewServer()
		t.Cleanup(s.Close)
		c, err := New(Config{APIKey: s.APIKey, BaseURL: s.URL})
		if err != nil {
			t.Fatal(err)
		}
		cert := s.AddCertificate(model.Certificate{CommonName: "shop.example.com", Status: model.StatusPending})
		s.SetValidation(cert.ID, zerossltest.Validation{Method: model.ChallengeHTTPFile, Challenges: []model.Challenge{
			{Domain: "shop.example.com", Type: model.ChallengeHTTPFile, URL: url, Content: "token\nca.example\nx"}}})
		chs, err := c.Challenges(context.Background(), cert.ID)
		if ok {
			if err != nil || len(chs) == 0 || chs[0].URL != url {
				t.Errorf("%s: %v %+v", url, err, chs)
			}
			continue
		}
		if !errors.Is(err, model.ErrUnavailable) || err == nil || !strings.Contains(err.Error(), wire.ErrFileURL.Error()) {
			t.Errorf("%s: want a malformed answer naming the file URL, got %v (challenges %+v)", url, err, chs)
		}
	}
}
