package mailing

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// Outbox topics the package enqueues and handles.
const (
	TopicStart = "mailing.start" // campaign_id, version: resolve the audience
	TopicBatch = "mailing.batch" // campaign_id, recipient_ids: send
	// TopicOrderPlaced is the checkout's event; it attributes orders.
	TopicOrderPlaced = "order.placed"
)

// Recipient statuses.
const (
	RQueued    = "queued"
	RSending   = "sending" // claimed: being handed to the server
	RSent      = "sent"    // accepted by the SMTP server (delivered)
	RBounced   = "bounced" // refused permanently (5xx)
	RFailed    = "failed"  // temporary failures ran out, or a claim was interrupted
	RSkipped   = "skipped" // consent withdrawn or unsubscribed before sending
	RCancelled = "cancelled"
)

// maxRecipientAttempts bounds temporary failures per recipient.
const maxRecipientAttempts = 5

// claimTTL: a claim older than this was interrupted (the process died, or
// could not record the result, between claiming and recording); it is
// failed, not resent. It is longer than the outbox's own claim (2 min), and
// shorter than the outbox's retries of a batch add up to, so a batch whose
// rows are still claimed is retried until they are either recorded or
// failed, and its campaign always finishes.
const claimTTL = 3 * time.Minute

// errClaimed asks the outbox to retry a batch some of whose recipients are
// claimed by a run that has not recorded them yet.
var errClaimed = errors.New("mailing: recipients of this batch are still being sent")

// Recipient is one recipient of a campaign.
type Recipient struct {
	bun.BaseModel `bun:"table:mailing_recipients"`

	TenantID       string     `bun:"tenant_id,pk"`
	ID             string     `bun:"id,pk"`
	CampaignID     string     `bun:"campaign_id"`
	CustomerID     string     `bun:"customer_id"`
	Email          string     `bun:"email"`
	Name           string     `bun:"name"`
	Status         string     `bun:"status"`
	Attempts       int        `bun:"attempts"`
	LastError      string     `bun:"last_error"`
	ClaimedAt      *time.Time `bun:"claimed_at"`
	SentAt         *time.Time `bun:"sent_at"`
	OpenedAt       *time.Time `bun:"opened_at"`
	ClickedAt      *time.Time `bun:"clicked_at"`
	LastClickedAt  *time.Time `bun:"last_clicked_at"`
	UnsubscribedAt *time.Time `bun:"unsubscribed_at"`
	CreatedAt      time.Time  `bun:"created_at"`
	// Variant is the A/B test variant the recipient is sent (A or B).
	Variant string `bun:"variant"`
}

type startPayload struct {
	CampaignID string `json:"campaign_id"`
	Version    int    `json:"version"`
}

type batchPayload struct {
	CampaignID   string   `json:"campaign_id"`
	RecipientIDs []string `json:"recipient_ids"`
}

// Handlers are the outbox handlers by topic (Register installs them).
func (s *Service) Handlers() map[string]outbox.Handler {
	return map[string]outbox.Handler{
		TopicStart: func(ctx context.Context, m outbox.Message) error {
			var p startPayload
			if json.Unmarshal([]byte(m.Payload), &p) != nil || p.CampaignID == "" {
				return nil // not ours to retry
			}
			return s.runStart(s.system(ctx, m.TenantID), m.TenantID, p)
		},
		TopicBatch: func(ctx context.Context, m outbox.Message) error {
			var p batchPayload
			if json.Unmarshal([]byte(m.Payload), &p) != nil || p.CampaignID == "" {
				return nil
			}
			return s.runBatch(s.system(ctx, m.TenantID), m.TenantID, p)
		},
		TopicOrderPlaced: func(ctx context.Context, m outbox.Message) error {
			var p struct {
				OrderID string `json:"order_id"`
			}
			if json.Unmarshal([]byte(m.Payload), &p) != nil || p.OrderID == "" || m.TenantID == "" {
				return nil
			}
			return s.attribute(s.system(ctx, m.TenantID), m.TenantID, p.OrderID)
		},
		loyalty.TopicTierChanged: func(ctx context.Context, m outbox.Message) error {
			var e loyalty.TierChanged
			if json.Unmarshal([]byte(m.Payload), &e) != nil || m.TenantID == "" {
				return nil
			}
			return s.onTierChanged(s.system(ctx, m.TenantID), m.TenantID, e)
		},
		TopicAutomation: func(ctx context.Context, m outbox.Message) error {
			var p autoPayload
			if json.Unmarshal([]byte(m.Payload), &p) != nil || p.Kind == "" || m.TenantID == "" {
				return nil
			}
			return s.runAutomation(s.system(ctx, m.TenantID), m.TenantID, p)
		},
	}
}

func (s *Service) system(ctx context.Context, tid string) context.Context {
	return tenancy.WithActor(tenancy.ForTenant(ctx, tid), tenancy.Actor{Kind: "system", ID: "mailing", Name: "mailing"})
}

// suppressedIn returns which of emails unsubscribed, and when.
func suppressedIn(ctx context.Context, q bun.IDB, tid string, emails []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(emails) == 0 {
		return out, nil
	}
	var rows []struct {
		Email string    `bun:"email"`
		At    time.Time `bun:"created_at"`
	}
	err := q.NewRaw("SELECT email, created_at FROM mailing_suppressions WHERE tenant_id = ? AND email IN (?)", tid, bun.List(emails)).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "mailing: suppressions")
	}
	for _, r := range rows {
		out[r.Email] = r.At.UTC()
	}
	return out, nil
}

// allowed is the consent rule: the customer accepts marketing now, and the
// address has not unsubscribed since that consent was given (consent
// given again on the account page after an unsubscribe counts).
func allowed(consent map[string]time.Time, sup map[string]time.Time, customerID, email string) bool {
	given, ok := consent[customerID]
	if !ok {
		return false
	}
	out, unsub := sup[email]
	return !unsub || out.Before(given)
}

// mailable keeps the members who may be mailed: consent, an address, not
// suppressed. Members without a customer id are never mailed by a
// campaign (consent lives on the customer).
func (s *Service) mailable(ctx context.Context, tid string, ms []Member) ([]Member, error) {
	var ids, emails []string
	for i := range ms {
		ms[i].Email = strings.ToLower(strings.TrimSpace(ms[i].Email))
		if ms[i].AcceptsMarketing && ms[i].CustomerID != "" && validEmail(ms[i].Email) {
			ids = append(ids, ms[i].CustomerID)
			emails = append(emails, ms[i].Email)
		}
	}
	var out []Member
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		consent, err := customer.ConsentIn(ctx, q, tid, ids)
		if err != nil {
			return err
		}
		sup, err := suppressedIn(ctx, q, tid, emails)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, m := range ms {
			if m.AcceptsMarketing && allowed(consent, sup, m.CustomerID, m.Email) && !seen[m.Email] && validEmail(m.Email) {
				seen[m.Email] = true
				out = append(out, m)
			}
		}
		return nil
	})
	return out, err
}

// runStart resolves the audience page by page, writing recipients and
// paced batch events; each page commits with the cursor, so a retry
// resumes where it stopped.
func (s *Service) runStart(ctx context.Context, tid string, p startPayload) error {
	for {
		c, err := s.Get(ctx, p.CampaignID)
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if c.Version != p.Version || (c.Status != Scheduled && c.Status != Sending) {
			return nil // rescheduled, cancelled or done: a stale event
		}
		if c.AudienceDone {
			return s.finishIfDone(ctx, tid, c.ID)
		}
		if s.opts.Audience == nil {
			return errors.New("mailing: no audience source")
		}
		members, next, err := s.opts.Audience.Members(ctx, c.SegmentID, c.Cursor, s.opts.PageSize)
		if err != nil {
			return err
		}
		ok, err := s.mailable(ctx, tid, members)
		if err != nil {
			return err
		}
		set, err := s.Settings(ctx)
		if err != nil {
			return err
		}
		err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			now := s.now()
			// Guard: still this version and sending; move a scheduled one on.
			res, err := q.NewUpdate().Model((*Campaign)(nil)).
				Set("status = ?, audience_cursor = ?, audience_done = ?, updated_at = ?", Sending, next, next == "", now).
				Set("started_at = COALESCE(started_at, ?)", now).
				Where("tenant_id = ? AND id = ? AND version = ? AND audience_cursor = ? AND status IN (?)", tid, c.ID, c.Version, c.Cursor, bun.List([]string{Scheduled, Sending})).Exec(ctx)
			if err != nil {
				return errs.Wrap(err, "mailing: start")
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // someone else moved it
			}
			// The shop's rate holds across its campaigns: batches queue
			// behind the latest one any of its sending campaigns planned.
			var batch []string
			at := now
			var last []time.Time
			if err := q.NewSelect().Model((*Campaign)(nil)).Column("next_batch_at").
				Where("tenant_id = ? AND status = ? AND next_batch_at IS NOT NULL", tid, Sending).OrderExpr("next_batch_at DESC").Limit(1).Scan(ctx, &last); err != nil {
				return errs.Wrap(err, "mailing: start")
			}
			if len(last) > 0 && last[0].After(at) {
				at = last[0].UTC()
			}
			step := time.Duration(float64(time.Second) * float64(s.opts.BatchSize) / float64(max(1, set.RatePerSecond)))
			flush := func() error {
				if len(batch) == 0 {
					return nil
				}
				if _, err := outbox.EnqueueEventAt(ctx, q, tid, TopicBatch, batchPayload{CampaignID: c.ID, RecipientIDs: batch}, at); err != nil {
					return err
				}
				batch, at = nil, at.Add(step)
				return nil
			}
			rows := make([]Recipient, 0, len(ok))
			for _, m := range ok {
				rows = append(rows, Recipient{TenantID: tid, ID: store.NewID(), CampaignID: c.ID, CustomerID: m.CustomerID, Email: m.Email,
					Name: truncate(m.Name, 200), Status: RQueued, CreatedAt: now, Variant: c.variantOf(m.Email)})
			}
			if len(rows) > 0 {
				if _, err := q.NewInsert().Model(&rows).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
					return errs.Wrap(err, "mailing: recipients")
				}
			}
			for _, r := range rows {
				batch = append(batch, r.ID)
				if len(batch) >= s.opts.BatchSize {
					if err := flush(); err != nil {
						return err
					}
				}
			}
			if err := flush(); err != nil {
				return err
			}
			_, err = q.NewUpdate().Model((*Campaign)(nil)).Set("next_batch_at = ?", at).Where("tenant_id = ? AND id = ?", tid, c.ID).Exec(ctx)
			return errs.Wrap(err, "mailing: start")
		})
		if err != nil {
			return err
		}
		if next == "" {
			return s.finishIfDone(ctx, tid, c.ID)
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// finishIfDone marks a campaign sent once its audience is resolved and no
// recipient waits.
func (s *Service) finishIfDone(ctx context.Context, tid, id string) error {
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		waiting, err := q.NewSelect().Model((*Recipient)(nil)).Where("tenant_id = ? AND campaign_id = ? AND status IN (?)", tid, id, bun.List([]string{RQueued, RSending})).Exists(ctx)
		if err != nil || waiting {
			return errs.Wrap(err, "mailing: finish")
		}
		now := s.now()
		_, err = q.NewUpdate().Model((*Campaign)(nil)).Set("status = ?, finished_at = ?, updated_at = ?", Sent, now, now).
			Where("tenant_id = ? AND id = ? AND status = ? AND audience_done = ?", tid, id, Sending, true).Exec(ctx)
		return errs.Wrap(err, "mailing: finish")
	})
}

// runBatch sends one batch: consent again, claim, send, record.
func (s *Service) runBatch(ctx context.Context, tid string, p batchPayload) error {
	c, err := s.Get(ctx, p.CampaignID)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if c.Status != Sending || len(p.RecipientIDs) == 0 {
		return nil // cancelled: its queued recipients were cancelled with it
	}
	content, err := s.prepare(ctx, tid, c)
	if err != nil {
		return err
	}
	if content.b, err = s.prepareB(ctx, tid, c); err != nil {
		return err
	}
	if err := s.deliver(ctx, tid, content, p.RecipientIDs); err != nil {
		return err
	}
	c2, err := s.Get(ctx, c.ID)
	if err != nil || !c2.AudienceDone {
		return err
	}
	return s.finishIfDone(ctx, tid, c.ID)
}

// deliver sends content to the recipients ids that are queued: it fails
// interrupted claims, checks consent again, claims, sends over one
// connection and records each result. An error asks the outbox to retry
// (temporary failures, rows still claimed by another run); sent rows are
// never sent again.
func (s *Service) deliver(ctx context.Context, tid string, content *content, ids []string) error {
	if s.mailer == nil {
		return errors.New("mailing: no mailer registered")
	}
	var claimed []Recipient
	inFlight := false
	err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		claimed, inFlight = nil, false
		now := s.now()
		// A claim left by a crash: the mail may have gone out; never resend.
		if _, err := q.NewUpdate().Model((*Recipient)(nil)).Set("status = ?, last_error = ?", RFailed, "interrupted while sending; not resent").
			Where("tenant_id = ? AND id IN (?) AND status = ? AND claimed_at < ?", tid, bun.List(ids), RSending, now.Add(-claimTTL)).Exec(ctx); err != nil {
			return errs.Wrap(err, "mailing: batch")
		}
		var all, rs []Recipient
		if err := q.NewSelect().Model(&all).Where("tenant_id = ? AND id IN (?) AND status IN (?)", tid, bun.List(ids), bun.List([]string{RQueued, RSending})).OrderExpr("id").Scan(ctx); err != nil {
			return errs.Wrap(err, "mailing: batch")
		}
		for _, r := range all {
			if r.Status == RSending {
				inFlight = true
			} else {
				rs = append(rs, r)
			}
		}
		var ids, emails []string
		for _, r := range rs {
			ids = append(ids, r.CustomerID)
			emails = append(emails, r.Email)
		}
		// The check at send time: consent now, and no unsubscribe since.
		consent, err := customer.ConsentIn(ctx, q, tid, ids)
		if err != nil {
			return err
		}
		sup, err := suppressedIn(ctx, q, tid, emails)
		if err != nil {
			return err
		}
		var skip, ok []string
		for _, r := range rs {
			if allowed(consent, sup, r.CustomerID, r.Email) {
				ok = append(ok, r.ID)
				claimed = append(claimed, r)
			} else {
				skip = append(skip, r.ID)
			}
		}
		if len(skip) > 0 {
			if _, err := q.NewUpdate().Model((*Recipient)(nil)).Set("status = ?, last_error = ?", RSkipped, "no marketing consent at send time").
				Where("tenant_id = ? AND id IN (?) AND status = ?", tid, bun.List(skip), RQueued).Exec(ctx); err != nil {
				return errs.Wrap(err, "mailing: batch")
			}
		}
		if len(ok) > 0 {
			if _, err := q.NewUpdate().Model((*Recipient)(nil)).Set("status = ?, claimed_at = ?, attempts = attempts + 1", RSending, now).
				Where("tenant_id = ? AND id IN (?) AND status = ?", tid, bun.List(ok), RQueued).Exec(ctx); err != nil {
				return errs.Wrap(err, "mailing: batch")
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	msgs := make([]outbox.Message, len(claimed))
	for i, r := range claimed {
		msgs[i] = content.forVariant(r.Variant).message(s.opts.Secret, tid, r)
	}
	var results []error
	if len(msgs) > 0 {
		results = s.mailer.Mail(ctx, msgs)
	}
	var retry error
	if inFlight {
		retry = errClaimed
	}
	record := func(ctx context.Context, q bun.IDB) error {
		now := s.now()
		var sent []string
		for i, r := range claimed {
			if results[i] == nil {
				sent = append(sent, r.ID)
			}
		}
		if len(sent) > 0 { // the common case in one statement
			if _, err := q.NewUpdate().Model((*Recipient)(nil)).Set("status = ?, sent_at = ?, last_error = ''", RSent, now).
				Where("tenant_id = ? AND id IN (?) AND status = ?", tid, bun.List(sent), RSending).Exec(ctx); err != nil {
				return errs.Wrap(err, "mailing: batch result")
			}
		}
		for i, r := range claimed {
			e := results[i]
			if e == nil {
				continue
			}
			up := q.NewUpdate().Model((*Recipient)(nil)).Where("tenant_id = ? AND id = ? AND status = ?", tid, r.ID, RSending)
			switch {
			case outbox.Rejected(e):
				up.Set("status = ?, last_error = ?", RBounced, truncate(e.Error(), 500))
			case r.Attempts+1 >= maxRecipientAttempts:
				up.Set("status = ?, last_error = ?", RFailed, truncate(e.Error(), 500))
			default:
				up.Set("status = ?, last_error = ?", RQueued, truncate(e.Error(), 500))
				retry = e
			}
			if _, err := up.Exec(ctx); err != nil {
				return errs.Wrap(err, "mailing: batch result")
			}
		}
		return nil
	}
	// The mail is out: recording it must not be lost to a passing error
	// (a busy database), or the rows stay claimed until claimTTL fails them.
	for try := 0; ; try++ {
		if err = s.db.Write(ctx, record); err == nil || try == 4 || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(50<<try) * time.Millisecond)
	}
	if err != nil {
		return err
	}
	return retry // non-nil: the outbox retries the batch with backoff; sent ones are not resent
}

// SendTest mails the campaign as it would look to a recipient to one
// staff address now, outside the results (its links work but record
// nothing; its unsubscribe link is inert).
func (s *Service) SendTest(ctx context.Context, id, to string) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	if !validEmail(to) {
		return errs.Field("email", "is not a valid e-mail address")
	}
	c, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	if s.mailer == nil {
		return errs.E(errs.Unavailable, "mail sending is not running")
	}
	content, err := s.prepare(ctx, tid, c)
	if err != nil {
		return err
	}
	m := content.message(s.opts.Secret, tid, Recipient{ID: "test", Email: to, Name: "Test"})
	m.Subject = "[Test] " + m.Subject
	if err := s.mailer.Mail(ctx, []outbox.Message{m})[0]; err != nil {
		return errs.E(errs.Unavailable, "the test mail was not accepted: %v", err)
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		return record(ctx, q, tid, "mailing.campaign.test", "campaign", id, "test sent to "+to)
	})
}
