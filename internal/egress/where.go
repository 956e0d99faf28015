package egress

import "net/url"

// LeavesMachine reports whether a request to rawURL would leave this
// machine: true for every host that is not loopback, and for anything that
// is not a URL with a host.
func LeavesMachine(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return true
	}
	return !IsLoopback(u.Hostname())
}
