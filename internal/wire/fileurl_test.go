package wire

import (
	"errors"
	"testing"
)

func TestFileURL(t *testing.T) {
	ok := map[string]string{
		"http://shop.example.com/.well-known/pki-validation/ABC123.txt":      "http",
		"http://SHOP.example.com:80/.well-known/pki-validation/fileauth.txt": "http",
		"https://shop.example.com/.well-known/pki-validation/x.txt":          "https",
	}
	for u, scheme := range ok {
		if _, err := FileURL("shop.example.com", u, scheme); err != nil {
			t.Errorf("FileURL(%q): %v", u, err)
		}
	}
	bad := []string{
		"http://127.0.0.1/.well-known/pki-validation/x.txt",
		"http://169.254.169.254/latest/meta-data/",
		"http://shop.example.com:8080/.well-known/pki-validation/x.txt",
		"http://shop.example.com/admin",
		"http://shop.example.com/.well-known/pki-validation/x.txt?debug=1",
		"http://shop.example.com/.well-known/pki-validation/x.txt#f",
		"http://shop.example.com/.well-known/pki-validation/../../admin",
		"http://shop.example.com/.well-known/pki-validation/a%2F..%2Fadmin",
		"http://shop.example.com/.well-known/pki-validation/",
		"http://user:pw@shop.example.com/.well-known/pki-validation/x.txt",
		"https://shop.example.com/.well-known/pki-validation/x.txt",
		"http://evil.shop.example.com/.well-known/pki-validation/x.txt",
		"http://shop.example.com.evil.test/.well-known/pki-validation/x.txt",
		"ftp://shop.example.com/.well-known/pki-validation/x.txt",
		"%zz",
	}
	for _, u := range bad {
		if _, err := FileURL("shop.example.com", u, "http"); !errors.Is(err, ErrFileURL) {
			t.Errorf("FileURL(%q) = %v, want ErrFileURL", u, err)
		}
	}
	if _, err := FileURL("*.example.com", "http://example.com/.well-known/pki-validation/x.txt", "http"); err == nil {
		t.Error("a wildcard domain has no file challenge")
	}
}
