package content

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/text"
)

// Subscriber is a newsletter subscriber.
type Subscriber struct {
	ID             string
	Email          string
	ConsentAt      time.Time // when they last agreed
	ConsentText    string    // the statement they agreed to
	Source         string    // where: "section:<id>", "checkout", "api"
	UnsubscribedAt *time.Time
	CreatedAt      time.Time
}

// Active reports whether the subscriber currently consents.
func (s *Subscriber) Active() bool { return s.UnsubscribedAt == nil }

type subscriberRow struct {
	bun.BaseModel  `bun:"table:content_subscribers"`
	TenantID       string     `bun:"tenant_id,pk"`
	ID             string     `bun:"id,pk"`
	Email          string     `bun:"email"`
	ConsentAt      time.Time  `bun:"consent_at"`
	ConsentText    string     `bun:"consent_text"`
	Source         string     `bun:"source"`
	UnsubscribedAt *time.Time `bun:"unsubscribed_at"`
	CreatedAt      time.Time  `bun:"created_at"`
	UpdatedAt      time.Time  `bun:"updated_at"`
}

func (r *subscriberRow) toSubscriber() *Subscriber {
	s := &Subscriber{ID: r.ID, Email: r.Email, ConsentAt: r.ConsentAt.UTC(), ConsentText: r.ConsentText, Source: r.Source, CreatedAt: r.CreatedAt.UTC()}
	if r.UnsubscribedAt != nil {
		t := r.UnsubscribedAt.UTC()
		s.UnsubscribedAt = &t
	}
	return s
}

// Subscribe records that email consents to the newsletter with the words
// consentText, now. Subscribing again (also after unsubscribing) renews the
// consent; it never creates a second row.
func (s *Service) Subscribe(ctx context.Context, email, consentText, source string) (*Subscriber, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	email, err = text.NormaliseEmail("email", email)
	if err != nil {
		return nil, err
	}
	if email == "" {
		return nil, errs.Field("email", "is required")
	}
	consentText = strings.Join(strings.Fields(consentText), " ")
	if consentText == "" || len(consentText) > 500 {
		return nil, errs.Field("consent", "consent must be given to a stated purpose")
	}
	if len(source) > 100 {
		source = source[:100]
	}
	now := s.now()
	row := &subscriberRow{TenantID: tid, ID: store.NewID(), Email: email, ConsentAt: now, ConsentText: consentText, Source: source, CreatedAt: now, UpdatedAt: now}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		_, err := q.NewRaw(`INSERT INTO content_subscribers (tenant_id, id, email, consent_at, consent_text, source, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, email) DO UPDATE SET consent_at = EXCLUDED.consent_at, consent_text = EXCLUDED.consent_text,
				source = EXCLUDED.source, unsubscribed_at = NULL, updated_at = EXCLUDED.updated_at`,
			tid, row.ID, email, now, consentText, source, now, now).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "content: subscribe")
		}
		return errs.Wrap(q.NewSelect().Model(row).Where("tenant_id = ? AND email = ?", tid, email).Scan(ctx), "content: subscribe")
	})
	if err != nil {
		return nil, err
	}
	return row.toSubscriber(), nil
}

// Unsubscribe withdraws consent (the row stays as the record of it).
func (s *Service) Unsubscribe(ctx context.Context, email string) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	email, err = text.NormaliseEmail("email", email)
	if err != nil {
		return err
	}
	if email == "" {
		return errs.Field("email", "is required")
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewRaw("UPDATE content_subscribers SET unsubscribed_at = ?, updated_at = ? WHERE tenant_id = ? AND email = ? AND unsubscribed_at IS NULL",
			s.now(), s.now(), tid, email).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "content: unsubscribe")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("no such subscriber")
		}
		return nil
	})
}

// Subscribers lists subscribers, newest first, with the total count.
func (s *Service) Subscribers(ctx context.Context, activeOnly bool, limit, offset int) ([]*Subscriber, int, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, 0, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var rows []subscriberRow
	var total int
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sq := q.NewSelect().Model(&rows).Where("tenant_id = ?", tid)
		if activeOnly {
			sq = sq.Where("unsubscribed_at IS NULL")
		}
		n, err := sq.Order("created_at DESC", "id DESC").Limit(int64(limit)).Offset(int64(offset)).ScanAndCount(ctx)
		if err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "content: subscribers")
		}
		total = int(n)
		return nil
	})
	out := make([]*Subscriber, len(rows))
	for i := range rows {
		out[i] = rows[i].toSubscriber()
	}
	return out, total, err
}
