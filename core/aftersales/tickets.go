package aftersales

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// TicketStatus is where a service ticket is.
type TicketStatus string

// Ticket statuses: open (needs staff), waiting (needs the customer),
// resolved, closed.
const (
	TicketOpen     TicketStatus = "open"
	TicketWaiting  TicketStatus = "waiting"
	TicketResolved TicketStatus = "resolved"
	TicketClosed   TicketStatus = "closed"
)

// Ticket kinds.
const (
	KindQuestion  = "question"
	KindComplaint = "complaint"
	KindOther     = "other"
)

// Ticket is a customer service conversation, optionally about an order.
type Ticket struct {
	bun.BaseModel `bun:"table:tickets"`

	TenantID   string       `bun:"tenant_id,pk" json:"-"`
	ID         string       `bun:"id,pk" json:"id"`
	OrderID    string       `bun:"order_id" json:"order_id,omitempty"`
	CustomerID string       `bun:"customer_id" json:"customer_id,omitempty"`
	Email      string       `bun:"email" json:"email"`
	Kind       string       `bun:"kind" json:"kind"`
	Subject    string       `bun:"subject" json:"subject"`
	Status     TicketStatus `bun:"status" json:"status"`
	CreatedAt  time.Time    `bun:"created_at" json:"created_at"`
	UpdatedAt  time.Time    `bun:"updated_at" json:"updated_at"`

	Messages []Message `bun:"-" json:"messages,omitempty"`
}

// Message is one message on a ticket.
type Message struct {
	bun.BaseModel `bun:"table:ticket_messages"`

	TenantID   string    `bun:"tenant_id,pk" json:"-"`
	ID         string    `bun:"id,pk" json:"id"`
	TicketID   string    `bun:"ticket_id" json:"ticket_id"`
	AuthorKind string    `bun:"author_kind" json:"author_kind"` // "staff", "customer", ...
	AuthorID   string    `bun:"author_id" json:"author_id"`
	AuthorName string    `bun:"author_name" json:"author_name,omitempty"`
	Body       string    `bun:"body" json:"body"`
	CreatedAt  time.Time `bun:"created_at" json:"created_at"`
}

// TicketInput opens a ticket.
type TicketInput struct {
	OrderID    string `json:"order_id,omitempty"`
	CustomerID string `json:"customer_id,omitempty"`
	Email      string `json:"email"`
	Kind       string `json:"kind"`
	Subject    string `json:"subject"`
	Body       string `json:"body"`
}

const maxBody = 10_000

func (s *Service) message(ctx context.Context, t *Ticket, body string) (*Message, error) {
	body = strings.TrimSpace(body)
	if body == "" || len(body) > maxBody {
		return nil, errs.Field("body", "must be 1 to %d characters", maxBody)
	}
	a := tenancy.ActorFrom(ctx)
	return &Message{TenantID: t.TenantID, ID: store.NewID(), TicketID: t.ID, AuthorKind: a.Kind, AuthorID: a.ID, AuthorName: a.Name, Body: body,
		CreatedAt: s.Now().UTC().Truncate(time.Microsecond)}, nil
}

// OpenTicket opens a ticket with its first message. A ticket about an
// order must name the order's e-mail (so nobody attaches notes to someone
// else's order).
func (s *Service) OpenTicket(ctx context.Context, in TicketInput) (*Ticket, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.Subject = strings.TrimSpace(in.Subject)
	switch {
	case !strings.Contains(in.Email, "@") || len(in.Email) > 254:
		return nil, errs.Field("email", "is not a valid e-mail address")
	case in.Subject == "" || len(in.Subject) > 200:
		return nil, errs.Field("subject", "must be 1 to 200 characters")
	case in.Kind != KindQuestion && in.Kind != KindComplaint && in.Kind != KindOther:
		return nil, errs.Field("kind", "must be question, complaint or other")
	}
	now := s.Now().UTC().Truncate(time.Microsecond)
	t := &Ticket{TenantID: tenant, ID: store.NewID(), OrderID: in.OrderID, CustomerID: in.CustomerID, Email: in.Email, Kind: in.Kind,
		Subject: in.Subject, Status: TicketOpen, CreatedAt: now, UpdatedAt: now}
	m, err := s.message(ctx, t, in.Body)
	if err != nil {
		return nil, err
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if in.OrderID != "" {
			o, err := order.Load(ctx, q, in.OrderID)
			if err != nil || (o.Email != in.Email && tenancy.ActorFrom(ctx).Kind != "staff") {
				return errs.NotFoundf("order not found")
			}
			if _, err := order.AddEvent(ctx, q, tenant, o.ID, "ticket", "Ticket opened: "+t.Subject, map[string]any{"ticket_id": t.ID}); err != nil {
				return err
			}
		}
		if _, err := q.NewInsert().Model(t).Exec(ctx); err != nil {
			return errs.Wrap(err, "ticket insert")
		}
		if _, err := q.NewInsert().Model(m).Exec(ctx); err != nil {
			return errs.Wrap(err, "ticket message")
		}
		_, err := outbox.EnqueueEvent(ctx, q, tenant, "ticket.opened", map[string]any{"ticket_id": t.ID, "email": t.Email, "subject": t.Subject})
		return err
	})
	if err != nil {
		return nil, err
	}
	t.Messages = []Message{*m}
	return t, nil
}

// Reply adds a message. A staff reply sets the ticket to waiting (for the
// customer); a customer reply reopens it.
func (s *Service) Reply(ctx context.Context, ticketID, body string) (*Message, error) {
	var m *Message
	err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		t, err := s.loadTicket(ctx, q, ticketID, false)
		if err != nil {
			return err
		}
		if t.Status == TicketClosed {
			return &errs.Error{Code: errs.Unprocessable, Field: "status", Message: "the ticket is closed"}
		}
		if m, err = s.message(ctx, t, body); err != nil {
			return err
		}
		if _, err := q.NewInsert().Model(m).Exec(ctx); err != nil {
			return errs.Wrap(err, "ticket reply")
		}
		st := TicketOpen
		topic := "ticket.customer_reply"
		if m.AuthorKind == "staff" {
			st, topic = TicketWaiting, "ticket.staff_reply"
		}
		if _, err := q.NewUpdate().Model((*Ticket)(nil)).Set("status = ?", st).Set("updated_at = ?", m.CreatedAt).
			Where("tenant_id = ? AND id = ?", t.TenantID, t.ID).Exec(ctx); err != nil {
			return errs.Wrap(err, "ticket status")
		}
		_, err = outbox.EnqueueEvent(ctx, q, t.TenantID, topic, map[string]any{"ticket_id": t.ID, "email": t.Email, "subject": t.Subject, "message_id": m.ID})
		return err
	})
	return m, err
}

// SetTicketStatus changes a ticket's status (staff).
func (s *Service) SetTicketStatus(ctx context.Context, ticketID string, st TicketStatus) error {
	switch st {
	case TicketOpen, TicketWaiting, TicketResolved, TicketClosed:
	default:
		return errs.Field("status", "unknown ticket status %q", st)
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewUpdate().Model((*Ticket)(nil)).Set("status = ?", st).Set("updated_at = ?", s.Now().UTC().Truncate(time.Microsecond)).
			Where("tenant_id = ? AND id = ?", tenant, ticketID).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "ticket status")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.NotFoundf("ticket not found")
		}
		return nil
	})
}

func (s *Service) loadTicket(ctx context.Context, q bun.IDB, id string, messages bool) (*Ticket, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	t := new(Ticket)
	if err := q.NewSelect().Model(t).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx); err != nil {
		if store.NoRows(err) {
			return nil, errs.NotFoundf("ticket not found")
		}
		return nil, errs.Wrap(err, "ticket load")
	}
	if messages {
		if err := q.NewSelect().Model(&t.Messages).Where("tenant_id = ? AND ticket_id = ?", tenant, id).OrderExpr("id").Scan(ctx); err != nil {
			return nil, errs.Wrap(err, "ticket messages")
		}
	}
	return t, nil
}

// Ticket returns a ticket with its messages.
func (s *Service) Ticket(ctx context.Context, id string) (*Ticket, error) {
	var t *Ticket
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		t, err = s.loadTicket(ctx, q, id, true)
		return err
	})
	return t, err
}

// TicketFilter selects tickets.
type TicketFilter struct {
	Status  TicketStatus
	OrderID string
	Email   string
	// CustomerID: the tickets the customer opened or that are about
	// one of their orders.
	CustomerID string
	Before     string
	Limit      int
}

// Tickets lists tickets (without messages), newest first.
func (s *Service) Tickets(ctx context.Context, f TicketFilter) ([]Ticket, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var out []Ticket
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sel := q.NewSelect().Model(&out).Where("tenant_id = ?", tenant)
		if f.Status != "" {
			sel.Where("status = ?", f.Status)
		}
		if f.OrderID != "" {
			sel.Where("order_id = ?", f.OrderID)
		}
		if f.Email != "" {
			sel.Where("email = ?", strings.ToLower(strings.TrimSpace(f.Email)))
		}
		if f.CustomerID != "" {
			sel.Where("(customer_id = ? OR order_id IN ("+order.CustomerOrderIDsSQL+"))", f.CustomerID, tenant, f.CustomerID)
		}
		if f.Before != "" {
			sel.Where("id < ?", f.Before)
		}
		return sel.OrderExpr("id DESC").Limit(int64(f.Limit)).Scan(ctx)
	})
	return out, errs.Wrap(err, "aftersales.Tickets")
}
