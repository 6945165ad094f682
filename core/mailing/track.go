package mailing

import (
	"context"
	"crypto/hmac"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
)

// errBadLink is the answer to any token that does not verify.
func errBadLink() error { return errs.NotFoundf("this link is not valid") }

func (s *Service) recipient(ctx context.Context, q bun.IDB, tid, tok string) (*Recipient, error) {
	id, ok := parseToken(s.opts.Secret, tid, tok)
	if !ok {
		return nil, errBadLink()
	}
	r := new(Recipient)
	err := q.NewSelect().Model(r).Where("tenant_id = ? AND id = ?", tid, id).Scan(ctx)
	if store.NoRows(err) {
		return nil, errBadLink()
	}
	return r, errs.Wrap(err, "mailing: recipient")
}

// Subscription is what the unsubscribe page shows.
type Subscription struct {
	Email        string // masked: j***@example.com
	Unsubscribed bool
}

// Lookup checks an unsubscribe token for the page (no login needed: the
// token is the proof).
func (s *Service) Lookup(ctx context.Context, tok string) (*Subscription, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var out *Subscription
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		r, err := s.recipient(ctx, q, tid, tok)
		if err != nil {
			return err
		}
		sup, err := suppressedIn(ctx, q, tid, []string{r.Email})
		if err != nil {
			return err
		}
		_, unsub := sup[r.Email]
		out = &Subscription{Email: mask(r.Email), Unsubscribed: unsub}
		return nil
	})
	return out, err
}

func mask(email string) string {
	local, domain, _ := strings.Cut(email, "@")
	if len(local) > 1 {
		local = local[:1] + "***"
	}
	return local + "@" + domain
}

// Unsubscribe honours an unsubscribe link at once: the address is
// suppressed, the customer's marketing consent withdrawn, and mail still
// queued for it (this campaign's or any other's) is skipped when its batch
// runs. Repeating it changes nothing.
func (s *Service) Unsubscribe(ctx context.Context, tok, source string) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		r, err := s.recipient(ctx, q, tid, tok)
		if err != nil {
			return err
		}
		now := s.now()
		res, err := q.NewRaw("INSERT INTO mailing_suppressions (tenant_id, email, reason, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
			tid, r.Email, "unsubscribe link ("+source+")", now).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "mailing: unsubscribe")
		}
		if n, _ := res.RowsAffected(); n == 0 { // unsubscribed before: again now
			if _, err := q.NewRaw("UPDATE mailing_suppressions SET created_at = ? WHERE tenant_id = ? AND email = ?", now, tid, r.Email).Exec(ctx); err != nil {
				return errs.Wrap(err, "mailing: unsubscribe")
			}
		}
		if r.CustomerID != "" {
			if err := customer.SetConsentIn(ctx, q, tid, r.CustomerID, false, "unsubscribe link", now); err != nil && !errs.Is(err, errs.NotFound) {
				return err
			}
		}
		if _, err := q.NewUpdate().Model((*Recipient)(nil)).Set("unsubscribed_at = ?", now).
			Where("tenant_id = ? AND id = ? AND unsubscribed_at IS NULL", tid, r.ID).Exec(ctx); err != nil {
			return errs.Wrap(err, "mailing: unsubscribe")
		}
		// Queued mail to the address is skipped now rather than at its batch.
		if _, err := q.NewUpdate().Model((*Recipient)(nil)).Set("status = ?, last_error = ?", RSkipped, "unsubscribed").
			Where("tenant_id = ? AND email = ? AND status = ?", tid, r.Email, RQueued).Exec(ctx); err != nil {
			return errs.Wrap(err, "mailing: unsubscribe")
		}
		return record(ctx, q, tid, "mailing.unsubscribe", "campaign", r.CampaignID, mask(r.Email)+" unsubscribed ("+source+")")
	})
}

// Open records the first open of a recipient's mail (a 1×1 image load).
// An unknown token records nothing and is not an error for the image.
func (s *Service) Open(ctx context.Context, tok string) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		r, err := s.recipient(ctx, q, tid, tok)
		if err != nil {
			return err
		}
		now := s.now()
		res, err := q.NewUpdate().Model((*Recipient)(nil)).Set("opened_at = ?", now).
			Where("tenant_id = ? AND id = ? AND opened_at IS NULL", tid, r.ID).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "mailing: open")
		}
		if n, _ := res.RowsAffected(); n == 0 || s.opts.Tracker == nil {
			return nil
		}
		return s.opts.Tracker.Track(ctx, q, tid, TrackEvent{Kind: "open", CampaignID: r.CampaignID, RecipientID: r.ID, CustomerID: r.CustomerID, At: now})
	})
}

// SafePath reports whether p is a path on the shop's own host: it starts
// with one "/", and has no scheme, host, backslash or control character.
func SafePath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || len(p) > 2000 || strings.ContainsAny(p, "\\") {
		return false
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// Click checks a tracked link (the recipient token, the path and its
// signature) and records the click; it returns the path to redirect to,
// always on the shop's own host. A forged or foreign link is an error and
// nothing is recorded.
func (s *Service) Click(ctx context.Context, tok, path, sig string) (string, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return "", err
	}
	if !SafePath(path) {
		return "", errBadLink()
	}
	id, ok := parseToken(s.opts.Secret, tid, tok)
	if !ok || !hmac.Equal([]byte(sig), []byte(linkSig(s.opts.Secret, tid, id, path))) {
		return "", errBadLink()
	}
	if id == "test" { // a test send's link: goes, records nothing
		return path, nil
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		r, err := s.recipient(ctx, q, tid, tok)
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := q.NewUpdate().Model((*Recipient)(nil)).Set("clicked_at = COALESCE(clicked_at, ?), last_clicked_at = ?", now, now).
			Where("tenant_id = ? AND id = ?", tid, r.ID).Exec(ctx); err != nil {
			return errs.Wrap(err, "mailing: click")
		}
		if s.opts.Tracker == nil {
			return nil
		}
		return s.opts.Tracker.Track(ctx, q, tid, TrackEvent{Kind: "click", CampaignID: r.CampaignID, RecipientID: r.ID, CustomerID: r.CustomerID, Path: path, At: now})
	})
	if err != nil {
		return "", err
	}
	return path, nil
}

// attribute credits an order to the campaign whose mail the buyer (by
// customer or e-mail) last clicked within the attribution window before
// placing it. Idempotent: one row per order.
func (s *Service) attribute(ctx context.Context, tid, orderID string) error {
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		o, err := order.Load(ctx, q, orderID)
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		placed := o.PlacedAt.UTC()
		// An order placed from a cart an abandoned-cart mail restored
		// belongs to that mail, whoever placed it.
		rid, err := cart.RestoredFromIn(ctx, q, tid, o.ID)
		if err != nil {
			return err
		}
		if rid != "" {
			var cid string
			err := q.NewSelect().Model((*Recipient)(nil)).Column("campaign_id").Where("tenant_id = ? AND id = ?", tid, rid).Scan(ctx, &cid)
			if err != nil && !store.NoRows(err) {
				return errs.Wrap(err, "mailing: attribute")
			}
			if err == nil {
				_, err = q.NewRaw("INSERT INTO mailing_attributions (tenant_id, order_id, campaign_id, recipient_id, total, currency, placed_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
					tid, o.ID, cid, rid, o.Total, o.Currency, placed).Exec(ctx)
				return errs.Wrap(err, "mailing: attribute")
			}
		}
		set, err := settingsIn(ctx, q, tid)
		if err != nil {
			return err
		}
		from := placed.Add(-time.Duration(set.AttributionDays) * 24 * time.Hour)
		var r Recipient
		sel := q.NewSelect().Model(&r).Where("tenant_id = ? AND clicked_at <= ? AND last_clicked_at >= ?", tid, placed, from)
		email := strings.ToLower(strings.TrimSpace(o.Email))
		switch {
		case o.CustomerID != "" && email != "":
			sel.Where("(customer_id = ? OR email = ?)", o.CustomerID, email)
		case o.CustomerID != "":
			sel.Where("customer_id = ?", o.CustomerID)
		case email != "":
			sel.Where("email = ?", email)
		default:
			return nil
		}
		err = sel.OrderExpr("last_clicked_at DESC").Limit(1).Scan(ctx)
		if store.NoRows(err) {
			return nil
		}
		if err != nil {
			return errs.Wrap(err, "mailing: attribute")
		}
		_, err = q.NewRaw("INSERT INTO mailing_attributions (tenant_id, order_id, campaign_id, recipient_id, total, currency, placed_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
			tid, o.ID, r.CampaignID, r.ID, o.Total, o.Currency, placed).Exec(ctx)
		return errs.Wrap(err, "mailing: attribute")
	})
}

// Revenue is an attributed sum in one currency.
type Revenue struct {
	Currency string `bun:"currency"`
	Amount   int64  `bun:"amount"`
}

// Results are a campaign's figures.
type Results struct {
	Recipients   int // rows written (after consent at enqueue)
	Queued       int
	Sent         int // accepted by the SMTP server
	Delivered    int // the same as Sent: no delivery-status feedback yet
	Bounced      int
	Failed       int
	Skipped      int // consent withdrawn or unsubscribed before sending
	Opened       int // approximate (see the package doc)
	Clicked      int
	Unsubscribed int
	Orders       int
	Revenue      []Revenue
}

// Results counts a campaign's outcomes.
func (s *Service) Results(ctx context.Context, id string) (*Results, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	out := &Results{}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		if _, err := getIn(ctx, q, tid, id); err != nil {
			return err
		}
		return resultsIn(ctx, q, tid, "campaign_id = ?", id, out)
	})
	return out, err
}

// AutomationResults counts the outcomes of every mail of one automation
// kind (all its triggers together).
func (s *Service) AutomationResults(ctx context.Context, kind string) (*Results, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := builtin(kind); !ok {
		return nil, errs.Field("kind", "unknown automation %q", kind)
	}
	out := &Results{}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return resultsIn(ctx, q, tid, "campaign_id LIKE ?", "auto:"+kind+":%", out)
	})
	return out, err
}

// resultsIn adds up, in q, the recipients and attributions whose campaign
// matches cond (on campaign_id, with one argument).
func resultsIn(ctx context.Context, q bun.IDB, tid, cond string, arg any, out *Results) error {
	var rows []struct {
		Status       string `bun:"status"`
		N            int    `bun:"n"`
		Opened       int    `bun:"opened"`
		Clicked      int    `bun:"clicked"`
		Unsubscribed int    `bun:"unsubscribed"`
	}
	if err := q.NewRaw(`SELECT status, COUNT(*) AS n, COUNT(opened_at) AS opened, COUNT(clicked_at) AS clicked, COUNT(unsubscribed_at) AS unsubscribed
		FROM mailing_recipients WHERE tenant_id = ? AND `+cond+` GROUP BY status`, tid, arg).Scan(ctx, &rows); err != nil && !store.NoRows(err) {
		return errs.Wrap(err, "mailing: results")
	}
	for _, r := range rows {
		out.Recipients += r.N
		out.Opened += r.Opened
		out.Clicked += r.Clicked
		out.Unsubscribed += r.Unsubscribed
		switch r.Status {
		case RQueued, RSending:
			out.Queued += r.N
		case RSent:
			out.Sent += r.N
		case RBounced:
			out.Bounced += r.N
		case RFailed:
			out.Failed += r.N
		case RSkipped, RCancelled:
			out.Skipped += r.N
		}
	}
	out.Delivered = out.Sent
	if err := q.NewRaw("SELECT currency, SUM(total) AS amount FROM mailing_attributions WHERE tenant_id = ? AND "+cond+" GROUP BY currency ORDER BY currency",
		tid, arg).Scan(ctx, &out.Revenue); err != nil && !store.NoRows(err) {
		return errs.Wrap(err, "mailing: results")
	}
	err := q.NewRaw("SELECT COUNT(*) FROM mailing_attributions WHERE tenant_id = ? AND "+cond, tid, arg).Scan(ctx, &out.Orders)
	return errs.Wrap(err, "mailing: results")
}

// Eraser anonymises a deleted customer's campaign rows in the deletion's
// transaction (a customer.Eraser): the address and name go, the counts
// stay. The suppression of an address that unsubscribed stays, so it is
// never mailed again.
type Eraser struct{}

// EraseCustomer implements customer.Eraser.
func (Eraser) EraseCustomer(ctx context.Context, q bun.IDB, tenantID, customerID string) error {
	_, err := q.NewUpdate().Model((*Recipient)(nil)).Set("email = 'erased:' || id, name = '', customer_id = ''").
		Where("tenant_id = ? AND customer_id = ?", tenantID, customerID).Exec(ctx)
	return errs.Wrap(err, "mailing: erase customer")
}
