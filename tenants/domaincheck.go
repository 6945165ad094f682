package tenants

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Ownership checks of custom domains (VerifyDomain). Both reach outside the
// platform, so both go through what Config names: DomainResolver for DNS
// and DomainHTTPClient / DomainHTTPPort for HTTP, which tests point at a
// DNS server and a web server of their own on 127.0.0.1.
//
// The HTTP check must prove that whoever runs the domain's web server put
// the token there; Wasmart must never be the one answering it. Wasmart
// serves no shop on a host that is not verified, and storefronts answer
// 404 on the verification path whatever the host (web/hosts.go), so a
// domain already pointed at Wasmart cannot pass the HTTP check through
// Wasmart itself. The default client also connects only to public
// addresses (no loopback, private, link-local or unspecified ones), follows
// at most three redirects and only to the same host, reads at most 1 KiB
// and gives up after the check's timeout.

const (
	defaultDomainCheckTimeout = 10 * time.Second
	maxVerifyBody             = 1 << 10
)

// checkDomain runs the TXT check, then the HTTP check, and returns how the
// domain was verified ("dns" or "http"), or "" and what the merchant should
// fix, in plain words.
func (s *Service) checkDomain(ctx context.Context, d Domain) (via, reason string) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.DomainCheckTimeout)
	defer cancel()
	// A resolver that does not answer leaves the HTTP check half the time.
	dctx, dcancel := context.WithTimeout(ctx, s.cfg.DomainCheckTimeout/2)
	dnsErr := s.checkTXT(dctx, d)
	dcancel()
	if dnsErr == nil {
		return "dns", ""
	}
	httpErr := s.checkHTTP(ctx, d)
	if httpErr == nil {
		return "http", ""
	}
	return "", fmt.Sprintf("could not verify %s: the DNS TXT record %s %s; and %s %s. Add the TXT record (or serve the file), wait for it to be visible, then verify again",
		d.Host, d.TXTName(), dnsErr, d.HTTPURL(), httpErr)
}

// checkTXT looks for a TXT record _wasmart-verify.<host> holding the token.
func (s *Service) checkTXT(ctx context.Context, d Domain) error {
	recs, err := s.cfg.DomainResolver.LookupTXT(ctx, d.TXTName())
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			return errors.New("does not exist")
		}
		return errors.New("could not be looked up")
	}
	for _, r := range recs {
		if strings.TrimSpace(r) == d.Token {
			return nil
		}
	}
	return errors.New("does not hold the token")
}

// checkHTTP fetches http://<host>[:port]/.well-known/wasmart-verify/<token>
// and wants 200 with the token as the body.
func (s *Service) checkHTTP(ctx context.Context, d Domain) error {
	host := d.Host
	if s.cfg.DomainHTTPPort != 80 {
		host = net.JoinHostPort(host, strconv.Itoa(s.cfg.DomainHTTPPort))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+VerifyHTTPPath+d.Token, nil)
	if err != nil {
		return errors.New("is not a valid address")
	}
	req.Header.Set("User-Agent", "Wasmart-Domain-Verification/1")
	res, err := s.cfg.DomainHTTPClient.Do(req)
	if err != nil {
		if errors.Is(err, errNotPublic) {
			return errors.New("points to an address that is not public")
		}
		return errors.New("could not be reached")
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("answered %d instead of the token", res.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, maxVerifyBody))
	if err != nil || strings.TrimSpace(string(b)) != d.Token {
		return errors.New("did not answer the token")
	}
	return nil
}

var errNotPublic = errors.New("tenants: domain check: address is not public")

// defaultDomainHTTPClient is the HTTP check's client when Config leaves it
// nil: public addresses only, same-host redirects only.
func defaultDomainHTTPClient(r *net.Resolver, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, Resolver: r, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !publicAddr(ap.Addr()) {
			return errNotPublic
		}
		return nil
	}}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:            dialer.DialContext,
			DisableKeepAlives:      true,
			TLSHandshakeTimeout:    timeout,
			ResponseHeaderTimeout:  timeout,
			MaxResponseHeaderBytes: 16 << 10,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 || !strings.EqualFold(req.URL.Hostname(), via[0].URL.Hostname()) {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
}

// publicAddr reports whether a is a globally routable unicast address.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsValid() && a.IsGlobalUnicast() && !a.IsPrivate() && !a.IsLoopback() && !a.IsLinkLocalUnicast() &&
		!cgnat.Contains(a)
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")
