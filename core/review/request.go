package review

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// Settings are a shop's review settings.
type Settings struct {
	// RequestEmails: e-mail the shopper a review request when an order is
	// delivered (default on).
	RequestEmails bool `json:"request_emails"`
}

type settingsRow struct {
	bun.BaseModel `bun:"table:review_settings"`
	TenantID      string    `bun:"tenant_id,pk"`
	RequestEmails bool      `bun:"request_emails"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

func settingsIn(ctx context.Context, q bun.IDB, tenant string) (Settings, error) {
	var row settingsRow
	switch err := q.NewSelect().Model(&row).Where("tenant_id = ?", tenant).Scan(ctx); {
	case store.NoRows(err):
		return Settings{RequestEmails: true}, nil
	case err != nil:
		return Settings{}, errs.Wrap(err, "review settings")
	}
	return Settings{RequestEmails: row.RequestEmails}, nil
}

// Settings returns the context shop's review settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Settings{}, err
	}
	var out Settings
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		out, err = settingsIn(ctx, q, tenant)
		return err
	})
	return out, err
}

// SaveSettings stores the context shop's review settings.
func (s *Service) SaveSettings(ctx context.Context, st Settings) (Settings, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Settings{}, err
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		before, err := settingsIn(ctx, q, tenant)
		if err != nil {
			return err
		}
		if _, err := q.NewInsert().Model(&settingsRow{TenantID: tenant, RequestEmails: st.RequestEmails, UpdatedAt: s.now()}).
			On("CONFLICT (tenant_id) DO UPDATE").Set("request_emails = EXCLUDED.request_emails").Set("updated_at = EXCLUDED.updated_at").Exec(ctx); err != nil {
			return errs.Wrap(err, "review.SaveSettings")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "review.settings", ObjectType: "shop", ObjectID: tenant,
			Before: fmt.Sprintf("request e-mails %t", before.RequestEmails), After: fmt.Sprintf("request e-mails %t", st.RequestEmails)})
	})
	return st, err
}

// TopicRequested is the topic of review request e-mails.
const TopicRequested = "mail.review.request"

// DeliveredTopics are the order events after which a review is asked for.
var DeliveredTopics = []string{"order.delivered"}

// RequestMailer is the outbox handler for DeliveredTopics: unless the shop
// turned review requests off, it e-mails the order's shopper a link to
// the review form (<shop URL>/orders/<id>/reviews?rt=<Token>) for the
// lines not yet reviewed. Each order is asked once (a review_requests row
// is written with the mail, in one transaction). shopURL gives a shop's
// storefront address ("https://acme.example.com").
func (s *Service) RequestMailer(shopURL func(ctx context.Context, tenantID string) (name, base string, err error)) outbox.Handler {
	return func(ctx context.Context, m outbox.Message) error {
		var p struct {
			OrderID string `json:"order_id"`
		}
		if json.Unmarshal([]byte(m.Payload), &p) != nil || p.OrderID == "" || m.TenantID == "" {
			return nil // not ours to retry
		}
		name, base, err := shopURL(ctx, m.TenantID)
		if err != nil {
			return err
		}
		ctx = tenancy.WithActor(tenancy.ForTenant(ctx, m.TenantID), tenancy.Actor{Kind: "system", ID: "reviews", Name: "review requests"})
		return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			st, err := settingsIn(ctx, q, m.TenantID)
			if err != nil || !st.RequestEmails {
				return err
			}
			res, err := q.NewInsert().Model(&struct {
				bun.BaseModel `bun:"table:review_requests"`
				TenantID      string    `bun:"tenant_id,pk"`
				OrderID       string    `bun:"order_id,pk"`
				CreatedAt     time.Time `bun:"created_at"`
			}{TenantID: m.TenantID, OrderID: p.OrderID, CreatedAt: s.now()}).On("CONFLICT DO NOTHING").Exec(ctx)
			if err != nil {
				return errs.Wrap(err, "review request")
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // asked already
			}
			o, err := order.Load(ctx, q, p.OrderID)
			if errs.Is(err, errs.NotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			var reviewed []string
			if err := q.NewSelect().Model((*reviewRow)(nil)).Column("order_line_id").Where("tenant_id = ? AND order_id = ?", m.TenantID, o.ID).Scan(ctx, &reviewed); err != nil {
				return errs.Wrap(err, "review request")
			}
			done := map[string]bool{}
			for _, id := range reviewed {
				done[id] = true
			}
			var titles []string
			for i := range o.Lines {
				if l := &o.Lines[i]; l.ProductID != "" && !done[l.ID] && lineReviewable(o, l) == nil {
					titles = append(titles, "- "+l.Title)
				}
			}
			if len(titles) == 0 || o.Email == "" {
				return nil
			}
			link := strings.TrimRight(base, "/") + "/orders/" + url.PathEscape(o.ID) + "/reviews?rt=" + url.QueryEscape(s.Token(m.TenantID, o.ID))
			_, err = outbox.EnqueueMail(ctx, q, outbox.Mail{TenantID: m.TenantID, Topic: TopicRequested, To: o.Email,
				Subject: fmt.Sprintf("How was your order %s from %s?", o.Name(), name),
				Text: fmt.Sprintf("Your order %s has arrived. Would you tell other shoppers what you think of it?\n\n%s\n\nWrite a review: %s\n",
					o.Name(), strings.Join(titles, "\n"), link)})
			return err
		})
	}
}
