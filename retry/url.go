package retry

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// CheckBaseURL parses raw and accepts it only when it is https, or http on a loopback host
// (127.0.0.0/8, ::1, localhost) as used by fakes and local proxies. The API key must not
// cross a network in clear text.
// Errors say what a base URL must look like (baseURLShape).
func CheckBaseURL(raw string) (*url.URL, error) {
	trimmed := strings.TrimSpace(raw)
	if trimmed != "" && !strings.Contains(trimmed, "://") {
		return nil, fmt.Errorf("base URL %q has no scheme: %s", raw, baseURLShape)
	}
	u, err := url.Parse(trimmed)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without url.Parse's repetition of the URL
		}
		return nil, fmt.Errorf("base URL %q: %w; %s", raw, err, baseURLShape)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("base URL %q has no host: %s", raw, baseURLShape)
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
		return nil, fmt.Errorf("base URL %q: scheme must be https: %s", u.Redacted(), baseURLShape)
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// baseURLShape ends CheckBaseURL's errors: what a base URL must look like.
const baseURLShape = "want https://HOST[:PORT][/PATH], or http://127.0.0.1:PORT[/PATH] for a simulator on loopback"

// IsLoopback reports whether host (without port) is localhost or a loopback IP address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
