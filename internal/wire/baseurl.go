package wire

import (
	"net/url"
	"strings"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/pager"
)

// WithDefaultPath returns base with defaultPath as its path when base is an origin
// (scheme and host, with no path or only "/"), and base unchanged otherwise, so that
// "https://www.digicert.com" reaches the same API as the documented
// "https://www.digicert.com/services/v2". An unparsable base is returned unchanged for
// the caller's URL check to report.
func WithDefaultPath(base, defaultPath string) string {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || u.Host == "" || defaultPath == "" {
		return base
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
		return base
	}
	u.Path = "/" + strings.Trim(defaultPath, "/")
	return u.String()
}

// NotVendorErrorHint is the message of a 404 whose body is not the vendor's error format:
// most often the request went to a server that is not the CA's API.
const NotVendorErrorHint = "HTTP 404 without the CA's error format; is BaseURL right?"

// NotVendor404Code is the code of that answer.
const NotVendor404Code = pager.CodeEndpointNotFound

// NotVendor404 is what an adapter's error decoder returns for a 404 whose body is not the
// vendor's error format: kind model.ErrUnavailable, never model.ErrNotFound, because the
// endpoint is missing (a wrong BaseURL, a proxy), not the object asked for; a caller
// must not read it as "no such certificate".
func NotVendor404() (code, message string, kind error) {
	return NotVendor404Code, NotVendorErrorHint, model.ErrUnavailable
}
