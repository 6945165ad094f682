package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
	mail "github.com/wneessen/go-mail"
)

// Sender delivers one e-mail.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// BatchSender delivers several e-mails over one connection; the i-th error
// is the i-th message's (nil: the server accepted it).
type BatchSender interface {
	SendBatch(ctx context.Context, ms []Message) []error
}

// ErrRejected marks a permanent delivery failure: the SMTP server answered
// the message with a 5xx code (the address bounced). Retrying will not help.
var ErrRejected = errors.New("rejected by the mail server")

// Rejected reports whether err is a permanent failure (ErrRejected).
func Rejected(err error) bool { return errors.Is(err, ErrRejected) }

// SMTPConfig configures SMTP delivery. An empty Host means "no SMTP": mail
// is kept for the mailbox page.
type SMTPConfig struct {
	Host string
	Port int
	User string
	Pass string
	From string
	// Timeout bounds dialling and each SMTP command (default 30 s).
	Timeout time.Duration
}

// SMTPSender sends mail with github.com/wneessen/go-mail, which builds the
// MIME (multipart/alternative text and HTML, quoted-printable, encoded
// headers) and speaks SMTP: STARTTLS when the server offers it, PLAIN auth
// when a user is configured (go-mail refuses it without TLS except to
// localhost, as net/smtp did).
type SMTPSender struct{ Config SMTPConfig }

// Send implements Sender.
func (s SMTPSender) Send(ctx context.Context, m Message) error {
	return s.SendBatch(ctx, []Message{m})[0]
}

// SendBatch implements BatchSender: one connection for all of ms.
func (s SMTPSender) SendBatch(ctx context.Context, ms []Message) []error {
	out := make([]error, len(ms))
	msgs := make([]*mail.Msg, 0, len(ms))
	idx := make([]int, 0, len(ms))
	for i, m := range ms {
		msg, err := BuildMessage(s.Config.From, m)
		if err != nil {
			out[i] = fmt.Errorf("%w: %v", ErrRejected, err) // a message that cannot be built never will be
			continue
		}
		msgs = append(msgs, msg)
		idx = append(idx, i)
	}
	if len(msgs) == 0 {
		return out
	}
	c, err := s.client()
	if err == nil {
		err = c.DialAndSendWithContext(ctx, msgs...)
	}
	for k, msg := range msgs {
		i := idx[k]
		switch {
		case msg.HasSendError():
			out[i] = classify(msg.SendError())
		case err != nil && !msg.IsDelivered():
			out[i] = err // could not connect or send: retry later
		}
	}
	return out
}

// classify marks 5xx answers as permanent.
func classify(err error) error {
	var se *mail.SendError
	if errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
		return fmt.Errorf("%w: %v", ErrRejected, err)
	}
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 && te.Code < 600 {
		return fmt.Errorf("%w: %v", ErrRejected, err)
	}
	return err
}

func (s SMTPSender) client() (*mail.Client, error) {
	c := s.Config
	port := c.Port
	if port == 0 {
		port = 587
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []mail.Option{mail.WithPort(port), mail.WithTLSPolicy(mail.TLSOpportunistic), mail.WithTimeout(timeout)}
	if c.User != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(c.User), mail.WithPassword(c.Pass))
	}
	return mail.NewClient(c.Host, opts...)
}

// reserved headers are set from the message's own fields, never from
// Headers.
var reserved = map[string]bool{"From": true, "To": true, "Cc": true, "Bcc": true, "Subject": true, "Message-Id": true,
	"Date": true, "Mime-Version": true, "Content-Type": true, "Content-Transfer-Encoding": true, "Sender": true}

// BuildMessage builds m as a go-mail message from the address from:
// text/plain, or multipart/alternative with an HTML part, plus m's extra
// headers.
func BuildMessage(from string, m Message) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithEncoding(mail.EncodingQP), mail.WithCharset(mail.CharsetUTF8))
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.ID + "@wasmart")
	msg.SetDate()
	h, err := m.headers()
	if err != nil {
		return nil, err
	}
	for k, v := range h {
		msg.SetGenHeader(mail.Header(textproto.CanonicalMIMEHeaderKey(k)), v)
	}
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// checkHeaders refuses header names that are not tokens, reserved names
// and values with line breaks.
func checkHeaders(h map[string]string) error {
	for k, v := range h {
		ck := textproto.CanonicalMIMEHeaderKey(k)
		if reserved[ck] || k == "" || strings.ContainsAny(k, " :\r\n\t") || strings.ContainsAny(v, "\r\n") {
			return errs.Field("headers", "header %q is not allowed", k)
		}
	}
	return nil
}

// encodeHeaders validates m.Headers and stores them in m.HeaderJSON.
func (m *Message) encodeHeaders() error {
	if len(m.Headers) == 0 {
		return nil
	}
	if err := checkHeaders(m.Headers); err != nil {
		return err
	}
	b, err := json.Marshal(m.Headers)
	m.HeaderJSON = string(b)
	return err
}

// headers are m.Headers, or those stored in m.HeaderJSON.
func (m *Message) headers() (map[string]string, error) {
	if m.Headers != nil || m.HeaderJSON == "" {
		return m.Headers, checkHeaders(m.Headers)
	}
	var h map[string]string
	if err := json.Unmarshal([]byte(m.HeaderJSON), &h); err != nil {
		return nil, fmt.Errorf("headers: %w", err)
	}
	return h, checkHeaders(h)
}

// Mail hands e-mails to the mail server at once (over one connection when
// the Sender can batch), for senders that keep their own per-message
// state and retries (campaigns). It returns one error per message (nil:
// accepted; Rejected: bounced). With no Sender configured, the messages are
// written to the outbox as kept mail, readable in the mailbox page like
// every other mail. IDs are assigned when empty.
func (w *Worker) Mail(ctx context.Context, ms []Message) []error {
	for i := range ms {
		if ms[i].ID == "" {
			ms[i].ID = store.NewID()
		}
		ms[i].Kind = KindEmail
	}
	if w.Sender == nil {
		err := w.DB.Write(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
			now := store.Now()
			for i := range ms {
				m := ms[i]
				if err := m.encodeHeaders(); err != nil {
					return err
				}
				m.Status, m.CreatedAt, m.NextAttemptAt, m.DeliveredAt = StatusKept, now, now, &now
				if _, err := q.NewInsert().Model(&m).Exec(ctx); err != nil {
					return err
				}
			}
			return nil
		})
		out := make([]error, len(ms))
		for i := range out {
			out[i] = errs.Wrap(err, "outbox.Mail")
		}
		return out
	}
	if b, ok := w.Sender.(BatchSender); ok {
		return b.SendBatch(ctx, ms)
	}
	out := make([]error, len(ms))
	for i, m := range ms {
		out[i] = w.Sender.Send(ctx, m)
	}
	return out
}
