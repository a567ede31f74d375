package wire

import (
	"net/url"
	"strings"
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
