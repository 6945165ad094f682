// Package outbox is Wasmart's transactional outbox: events and e-mails are
// written with Enqueue inside the same transaction as the change they
// announce, so a message exists if and only if the change committed. A
// Worker delivers them afterwards: e-mails go through an SMTP Sender when one
// is configured, otherwise they are marked "kept" and stay readable in the
// platform console's mailbox (ListMail); events are handed to the handlers
// registered for their topic.
//
// Rows carry tenant_id like every tenant-owned table; platform messages
// (password reset, notices to a person rather than a shop) use tenant_id ”
// so the key still leads with it. The worker reads across tenants in the
// platform scope. Delivery is at-least-once: a claim is a conditional UPDATE
// (no SELECT ... FOR UPDATE, which SQLite lacks), a crashed worker's claim
// expires, and failures are retried with backoff up to MaxAttempts.
//
// Tables: the package owns outbox; other packages write through Enqueue and
// ask Enqueued.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// Kinds of message.
const (
	KindEmail = "email"
	KindEvent = "event"
)

// Statuses.
const (
	StatusPending = "pending" // waiting for the worker
	StatusSending = "sending" // claimed by a worker
	StatusSent    = "sent"    // handed to the SMTP server / handled
	StatusKept    = "kept"    // no SMTP configured: kept for the mailbox page
	StatusFailed  = "failed"  // gave up after MaxAttempts
)

// MaxAttempts is how many times delivery is tried before a message fails.
const MaxAttempts = 8

// Message is one outbox row.
type Message struct {
	bun.BaseModel `bun:"table:outbox"`

	TenantID string `bun:"tenant_id,pk"`
	ID       string `bun:"id,pk"`
	Kind     string `bun:"kind"`
	Topic    string `bun:"topic"`
	To       string `bun:"mail_to"`
	Subject  string `bun:"subject"`
	Text     string `bun:"body_text"`
	HTML     string `bun:"body_html"`
	// Headers are extra e-mail headers (List-Unsubscribe, ...); stored as
	// JSON in HeaderJSON. From, To, Subject, Message-ID, Date and the MIME
	// headers are not allowed: they come from the message itself.
	Headers       map[string]string `bun:"-"`
	HeaderJSON    string            `bun:"headers"`
	Payload       string            `bun:"payload"`
	Status        string            `bun:"status"`
	Attempts      int               `bun:"attempts"`
	LastError     string            `bun:"last_error"`
	CreatedAt     time.Time         `bun:"created_at"`
	NextAttemptAt time.Time         `bun:"next_attempt_at"`
	DeliveredAt   *time.Time        `bun:"delivered_at"`
}

// Mail is an e-mail to enqueue.
type Mail struct {
	TenantID string // "" for platform mail
	Topic    string // e.g. "staff.invitation"
	To       string
	Subject  string
	Text     string
	HTML     string
	Headers  map[string]string // extra headers, e.g. List-Unsubscribe
}

// Enqueue writes msg in the caller's transaction q. ID, status and times are
// filled in (a NextAttemptAt in the future delays delivery until then). It
// returns the stored message.
func Enqueue(ctx context.Context, q bun.IDB, msg Message) (Message, error) {
	if msg.Kind != KindEmail && msg.Kind != KindEvent {
		return msg, errs.Wrap(fmt.Errorf("outbox: unknown kind %q", msg.Kind), "outbox.Enqueue")
	}
	if msg.Kind == KindEmail && (strings.TrimSpace(msg.To) == "" || strings.ContainsAny(msg.To, "\r\n")) {
		return msg, errs.Field("email", "is not a valid address")
	}
	if strings.ContainsAny(msg.Subject, "\r\n") {
		msg.Subject = strings.NewReplacer("\r", " ", "\n", " ").Replace(msg.Subject)
	}
	msg.To = strings.ToLower(strings.TrimSpace(msg.To))
	if err := msg.encodeHeaders(); err != nil {
		return msg, err
	}
	now := store.Now()
	if msg.NextAttemptAt.Before(now) {
		msg.NextAttemptAt = now
	}
	msg.ID = store.NewID()
	msg.Status = StatusPending
	msg.CreatedAt = now
	msg.Attempts = 0
	if _, err := q.NewInsert().Model(&msg).Exec(ctx); err != nil {
		return msg, errs.Wrap(err, "outbox.Enqueue")
	}
	return msg, nil
}

// EnqueueMail is Enqueue for an e-mail.
func EnqueueMail(ctx context.Context, q bun.IDB, m Mail) (Message, error) {
	return Enqueue(ctx, q, Message{TenantID: m.TenantID, Kind: KindEmail, Topic: m.Topic, To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Headers: m.Headers})
}

// EnqueueEvent is Enqueue for an event with a JSON payload.
func EnqueueEvent(ctx context.Context, q bun.IDB, tenantID, topic string, payload any) (Message, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return Message{}, errs.Wrap(err, "outbox.EnqueueEvent")
	}
	return Enqueue(ctx, q, Message{TenantID: tenantID, Kind: KindEvent, Topic: topic, Payload: string(b)})
}

// EnqueueEventAt is EnqueueEvent for an event not delivered before at (a
// scheduled send, a paced batch); a time in the past means now.
func EnqueueEventAt(ctx context.Context, q bun.IDB, tenantID, topic string, payload any, at time.Time) (Message, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return Message{}, errs.Wrap(err, "outbox.EnqueueEventAt")
	}
	return Enqueue(ctx, q, Message{TenantID: tenantID, Kind: KindEvent, Topic: topic, Payload: string(b), NextAttemptAt: at.UTC()})
}

// Enqueued reports, in q, whether the tenant has a message with this topic
// (a handler that enqueues mails per event checks it to mail them once).
func Enqueued(ctx context.Context, q bun.IDB, tenantID, topic string) (bool, error) {
	n, err := q.NewSelect().Model((*Message)(nil)).Where("tenant_id = ? AND topic = ?", tenantID, topic).Count(ctx)
	if err != nil {
		return false, errs.Wrap(err, "outbox.Enqueued")
	}
	return n > 0, nil
}

// MailFilter selects mail for the platform mailbox.
type MailFilter struct {
	TenantID *string // nil: every tenant; "" platform mail only
	To       string  // exact recipient (case-insensitive)
	Topic    string
	Before   string // cursor: ids older than this (from the previous page)
	Limit    int    // default 50, max 200
}

// MailPage is one page of mail, newest first.
type MailPage struct {
	Mail []Message
	Next string // cursor for the next page, "" at the end
}

// ListMail lists e-mails, newest first, for the platform console mailbox.
// It reads across tenants, so callers must have checked that the principal
// may read the mailbox.
func ListMail(ctx context.Context, db *store.DB, f MailFilter) (MailPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > 200 {
		limit = 200
	}
	var page MailPage
	err := db.Read(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		sel := q.NewSelect().Model(&page.Mail).Where("kind = ?", KindEmail)
		if f.TenantID != nil {
			sel.Where("tenant_id = ?", *f.TenantID)
		}
		if f.To != "" {
			sel.Where("mail_to = ?", strings.ToLower(strings.TrimSpace(f.To)))
		}
		if f.Topic != "" {
			sel.Where("topic = ?", f.Topic)
		}
		if f.Before != "" {
			sel.Where("id < ?", f.Before)
		}
		return sel.OrderExpr("id DESC").Limit(int64(limit + 1)).Scan(ctx)
	})
	if err != nil {
		return page, errs.Wrap(err, "outbox.ListMail")
	}
	if len(page.Mail) > limit {
		page.Mail = page.Mail[:limit]
		page.Next = page.Mail[limit-1].ID
	}
	return page, nil
}

// Get returns one message by id (platform scope).
func Get(ctx context.Context, db *store.DB, tenantID, id string) (Message, error) {
	var m Message
	err := db.Read(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&m).Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx)
	})
	if store.NoRows(err) {
		return m, errs.NotFoundf("message not found")
	}
	return m, errs.Wrap(err, "outbox.Get")
}
