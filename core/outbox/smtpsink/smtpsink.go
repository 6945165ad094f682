// Package smtpsink is a real SMTP server for tests and benchmarks
// (github.com/emersion/go-smtp, in-process on a port-0 listener): it
// accepts every message, keeps what it received (or only counts it), and
// answers 550 for the recipients it is told to reject, so a test can see a
// bounce. It owns no tables and is imported by tests only.
package smtpsink

import (
	"errors"
	"io"
	"net"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/wasmart/wasmart/core/outbox"
)

// Mail is one received message.
type Mail struct {
	From   string
	To     []string
	Raw    string
	Header mail.Header
	Body   string // the raw body after the header
}

// Sink is a running SMTP server.
type Sink struct {
	Host string
	Port int
	// CountOnly, when set before sending, counts messages without keeping
	// them (benchmarks).
	CountOnly bool

	srv      *smtp.Server
	mu       sync.Mutex
	mail     []Mail
	reject   map[string]bool
	received atomic.Int64
}

// Start starts a sink on 127.0.0.1:0 and stops it when t ends.
func Start(t testing.TB) *Sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Sink{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, reject: map[string]bool{}}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.MaxRecipients = 50
	s.srv.AllowInsecureAuth = true
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// Config is the outbox SMTP configuration that sends to the sink.
func (s *Sink) Config() outbox.SMTPConfig {
	return outbox.SMTPConfig{Host: s.Host, Port: s.Port, From: "shop@wasmart.test", Timeout: 10 * time.Second}
}

// Reject makes the sink answer 550 to this recipient.
func (s *Sink) Reject(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject[strings.ToLower(addr)] = true
}

// Received is how many messages the sink accepted.
func (s *Sink) Received() int64 { return s.received.Load() }

// Mail returns the messages received so far.
func (s *Sink) Mail() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mail...)
}

// To returns the messages received for addr.
func (s *Sink) To(addr string) []Mail {
	var out []Mail
	for _, m := range s.Mail() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
			}
		}
	}
	return out
}

type backend struct{ s *Sink }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Sink
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	rej := x.s.reject[strings.ToLower(to)]
	x.s.mu.Unlock()
	if rej {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	if x.s.CountOnly {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return err
		}
		x.s.received.Add(1)
		return nil
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Mail{From: x.from, To: x.to, Raw: string(raw)}
	if pm, err := mail.ReadMessage(strings.NewReader(m.Raw)); err == nil {
		m.Header = pm.Header
		body, _ := io.ReadAll(pm.Body)
		m.Body = string(body)
	} else {
		return errors.New("unparseable message: " + err.Error())
	}
	x.s.mu.Lock()
	x.s.mail = append(x.s.mail, m)
	x.s.mu.Unlock()
	x.s.received.Add(1)
	return nil
}
