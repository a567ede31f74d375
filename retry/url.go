package retry

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// CheckBaseURL parses raw and accepts it only when it is https, or http on a loopback host
// (127.0.0.0/8, ::1, localhost) as used by fakes and local proxies. The API key must not
// cross a network in clear text.
func CheckBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("base URL %q: %w", raw, err)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("base URL %q has no host", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("base URL must not carry credentials")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopback(u.Hostname()) {
			return nil, fmt.Errorf("base URL %q: http is allowed only for loopback hosts; use https", u.Redacted())
		}
	default:
		return nil, fmt.Errorf("base URL %q: scheme must be https", u.Redacted())
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// IsLoopback reports whether host (without port) is localhost or a loopback IP address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
