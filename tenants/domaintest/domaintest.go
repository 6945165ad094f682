// Package domaintest is a tiny DNS server on 127.0.0.1 for tests of
// custom-domain ownership checks: the test sets TXT and A records, and the
// *net.Resolver it hands out asks only this server, so no test depends on
// (or leaks look-ups to) the machine's DNS. Only tests import it.
package domaintest

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// DNS is a running test DNS server. Unknown names answer NXDOMAIN.
type DNS struct {
	addr string
	srv  *dns.Server

	mu  sync.Mutex
	txt map[string][]string // fully qualified, lower case
	a   map[string]net.IP
	n   int // queries answered
}

// Start runs a DNS server on 127.0.0.1:0 (UDP) until the test ends.
func Start(t testing.TB) *DNS {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &DNS{addr: pc.LocalAddr().String(), txt: map[string][]string{}, a: map[string]net.IP{}}
	started := make(chan struct{})
	d.srv = &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(d.serve), NotifyStartedFunc: func() { close(started) }}
	done := make(chan error, 1)
	go func() { done <- d.srv.ActivateAndServe() }()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("domaintest: DNS server: %v", err)
	}
	t.Cleanup(func() {
		d.srv.Shutdown()
		<-done
	})
	return d
}

// Addr is the server's UDP address.
func (d *DNS) Addr() string { return d.addr }

// SetTXT replaces the TXT records of name (no values: removes them).
func (d *DNS) SetTXT(name string, values ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.txt[dns.CanonicalName(name)] = values
}

// SetA sets the IPv4 address of name.
func (d *DNS) SetA(name string, ip net.IP) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.a[dns.CanonicalName(name)] = ip
}

// Queries is how many questions the server has answered.
func (d *DNS) Queries() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n
}

// Resolver is a pure-Go resolver whose every query goes to this server.
func (d *DNS) Resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var nd net.Dialer
		return nd.DialContext(ctx, "udp", d.addr)
	}}
}

func (d *DNS) serve(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	d.mu.Lock()
	d.n++
	known := false
	for _, q := range req.Question {
		name := strings.ToLower(q.Name)
		txt, hasTXT := d.txt[name]
		ip, hasA := d.a[name]
		known = known || (hasTXT && len(txt) > 0) || hasA
		hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Ttl: 0}
		switch {
		case q.Qtype == dns.TypeTXT && hasTXT:
			for _, v := range txt {
				h := hdr
				h.Rrtype = dns.TypeTXT
				m.Answer = append(m.Answer, &dns.TXT{Hdr: h, Txt: []string{v}})
			}
		case q.Qtype == dns.TypeA && hasA && ip.To4() != nil:
			h := hdr
			h.Rrtype = dns.TypeA
			m.Answer = append(m.Answer, &dns.A{Hdr: h, A: ip.To4()})
		}
	}
	d.mu.Unlock()
	if !known {
		m.Rcode = dns.RcodeNameError
	}
	w.WriteMsg(m)
}
