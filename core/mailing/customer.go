package mailing

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// CustomerMail is one campaign mail to a customer and what became of it
// (the customer page's "recent campaign mails").
type CustomerMail struct {
	CampaignID     string     `bun:"campaign_id" json:"campaign_id"`
	Name           string     `bun:"name" json:"name"`
	Subject        string     `bun:"subject" json:"subject"`
	Status         string     `bun:"status" json:"status"` // the recipient's: queued, sending, sent, failed, suppressed, ...
	SentAt         *time.Time `bun:"sent_at" json:"sent_at,omitempty"`
	OpenedAt       *time.Time `bun:"opened_at" json:"opened_at,omitempty"`
	ClickedAt      *time.Time `bun:"clicked_at" json:"clicked_at,omitempty"`
	UnsubscribedAt *time.Time `bun:"unsubscribed_at" json:"unsubscribed_at,omitempty"`
	CreatedAt      time.Time  `bun:"created_at" json:"created_at"`
}

// CustomerMails returns the latest campaign mails to the customer, newest
// first (at most limit; 0 means 20, at most 200). One statement.
func (s *Service) CustomerMails(ctx context.Context, customerID string, limit int) ([]CustomerMail, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, 200)
	out := []CustomerMail{}
	if customerID == "" {
		return out, nil
	}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("SELECT r.campaign_id, c.name, c.subject, r.status, r.sent_at, r.opened_at, r.clicked_at, r.unsubscribed_at, r.created_at"+
			" FROM mailing_recipients r JOIN mailing_campaigns c ON c.tenant_id = r.tenant_id AND c.id = r.campaign_id"+
			" WHERE r.tenant_id = ? AND r.customer_id = ? ORDER BY r.created_at DESC, r.id DESC LIMIT ?", tid, customerID, limit).Scan(ctx, &out)
	})
	if err != nil {
		return nil, errs.Wrap(err, "mailing.CustomerMails")
	}
	for i := range out {
		out[i].CreatedAt = out[i].CreatedAt.UTC()
		for _, t := range []**time.Time{&out[i].SentAt, &out[i].OpenedAt, &out[i].ClickedAt, &out[i].UnsubscribedAt} {
			if *t != nil {
				u := (*t).UTC()
				*t = &u
			}
		}
	}
	return out, nil
}
