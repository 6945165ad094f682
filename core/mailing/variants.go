package mailing

import (
	"context"
	"strings"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/experiment"
	"github.com/wasmart/wasmart/core/richtext"
	"github.com/wasmart/wasmart/core/store"
)

// A/B tests of campaigns: variant B (another subject, other content, or
// both) goes to VariantPercent percent of the audience, picked per
// address by core/experiment's Bucket over (campaign id, address), so a
// recipient's variant never depends on the order the audience is read
// in. Each recipient row records its variant; VariantResults counts sent,
// opened, clicked and attributed orders per variant, for the z-test the
// console and API show (core/experiment's method).

// Variants.
const (
	VariantA = "A"
	VariantB = "B"
)

// cleanVariant validates variant B of in.
func cleanVariant(in Input) (Input, error) {
	if in.VariantPercent < 0 || in.VariantPercent > 99 {
		return in, errs.Field("variant_percent", "must be from 1 to 99 (percent of the audience sent variant B), or 0 for no test")
	}
	var err error
	if in.VariantSubject, err = line("variant_subject", in.VariantSubject, 200, false); err != nil {
		return in, err
	}
	if len(in.VariantBody) > 100_000 {
		return in, errs.Field("variant_body", "is longer than 100000 bytes")
	}
	if strings.ContainsRune(in.VariantBody, 0) {
		return in, errs.Field("variant_body", "contains control characters")
	}
	if strings.TrimSpace(in.VariantBody) != "" {
		in.VariantBody = richtext.Sanitize(in.VariantBody)
	} else {
		in.VariantBody = ""
	}
	if in.VariantPercent == 0 {
		if in.VariantSubject != "" || in.VariantBody != "" {
			return in, errs.Field("variant_percent", "give the share of the audience that gets variant B")
		}
		return in, nil
	}
	if (in.VariantSubject == "" || in.VariantSubject == in.Subject) && (in.VariantBody == "" || in.VariantBody == in.Body) {
		return in, errs.Field("variant_subject", "variant B is identical to A: change its subject or its content")
	}
	return in, nil
}

// variantOf is the variant an address is sent.
func (c *Campaign) variantOf(email string) string {
	if c.VariantPercent > 0 && experiment.Bucket(c.ID, strings.ToLower(email)) < c.VariantPercent*100 {
		return VariantB
	}
	return VariantA
}

// prepareB renders variant B of c (nil when c is not a test).
func (s *Service) prepareB(ctx context.Context, tid string, c *Campaign) (*content, error) {
	if c.VariantPercent == 0 {
		return nil, nil
	}
	b := *c
	if c.VariantSubject != "" {
		b.Subject = c.VariantSubject
	}
	if c.VariantBody != "" {
		b.Body = c.VariantBody
	}
	return s.prepare(ctx, tid, &b)
}

// forVariant is the content a recipient of variant v is sent.
func (c *content) forVariant(v string) *content {
	if v == VariantB && c.b != nil {
		return c.b
	}
	return c
}

// VariantResult is one variant's figures: recipients sent (accepted by the
// SMTP server), opened (approximate), clicked, orders attributed and
// their revenue by currency.
type VariantResult struct {
	Variant string    `json:"variant"`
	Subject string    `json:"subject"`
	Sent    int64     `json:"sent"`
	Opened  int64     `json:"opened"`
	Clicked int64     `json:"clicked"`
	Orders  int64     `json:"orders"`
	Buyers  int64     `json:"buyers"` // recipients with an attributed order
	Revenue []Revenue `json:"revenue"`
}

// VariantResults counts a campaign's outcomes per variant (A, then B for
// a test).
func (s *Service) VariantResults(ctx context.Context, id string) ([]VariantResult, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var out []VariantResult
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		c, err := getIn(ctx, q, tid, id)
		if err != nil {
			return err
		}
		out = []VariantResult{{Variant: VariantA, Subject: c.Subject, Revenue: []Revenue{}}}
		if c.VariantPercent > 0 {
			sb := c.VariantSubject
			if sb == "" {
				sb = c.Subject
			}
			out = append(out, VariantResult{Variant: VariantB, Subject: sb, Revenue: []Revenue{}})
		}
		at := map[string]*VariantResult{}
		for i := range out {
			at[out[i].Variant] = &out[i]
		}
		var rows []struct {
			Variant string `bun:"variant"`
			Sent    int64  `bun:"sent"`
			Opened  int64  `bun:"opened"`
			Clicked int64  `bun:"clicked"`
		}
		if err := q.NewRaw(`SELECT variant, COUNT(sent_at) AS sent, COUNT(opened_at) AS opened, COUNT(clicked_at) AS clicked
			FROM mailing_recipients WHERE tenant_id = ? AND campaign_id = ? GROUP BY variant`, tid, id).Scan(ctx, &rows); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "mailing: variant results")
		}
		for _, r := range rows {
			if v := at[r.Variant]; v != nil {
				v.Sent, v.Opened, v.Clicked = r.Sent, r.Opened, r.Clicked
			}
		}
		var orders []struct {
			Variant  string `bun:"variant"`
			Currency string `bun:"currency"`
			N        int64  `bun:"n"`
			Amount   int64  `bun:"amount"`
		}
		if err := q.NewRaw(`SELECT r.variant, a.currency, COUNT(*) AS n, SUM(a.total) AS amount
			FROM mailing_attributions a JOIN mailing_recipients r ON r.tenant_id = a.tenant_id AND r.id = a.recipient_id
			WHERE a.tenant_id = ? AND a.campaign_id = ? GROUP BY r.variant, a.currency ORDER BY a.currency`, tid, id).Scan(ctx, &orders); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "mailing: variant results")
		}
		for _, o := range orders {
			if v := at[o.Variant]; v != nil {
				v.Orders += o.N
				v.Revenue = append(v.Revenue, Revenue{Currency: o.Currency, Amount: o.Amount})
			}
		}
		var buyers []struct {
			Variant string `bun:"variant"`
			N       int64  `bun:"n"`
		}
		if err := q.NewRaw(`SELECT r.variant, COUNT(DISTINCT a.recipient_id) AS n
			FROM mailing_attributions a JOIN mailing_recipients r ON r.tenant_id = a.tenant_id AND r.id = a.recipient_id
			WHERE a.tenant_id = ? AND a.campaign_id = ? GROUP BY r.variant`, tid, id).Scan(ctx, &buyers); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "mailing: variant results")
		}
		for _, b := range buyers {
			if v := at[b.Variant]; v != nil {
				v.Buyers = b.N
			}
		}
		return nil
	})
	return out, err
}

// VariantTests compares a campaign's variants with A on clicks and on
// orders, by core/experiment's method (Judge), the recipients sent being
// those exposed: Clicks counts recipients who clicked, Orders those with
// an attributed order (Buyers).
func VariantTests(vs []VariantResult) (clicks, orders *experiment.Results) {
	clicks, orders = &experiment.Results{}, &experiment.Results{}
	for _, v := range vs {
		clicks.Arms = append(clicks.Arms, experiment.ArmResult{ArmID: v.Variant, Name: "Variant " + v.Variant, Exposed: v.Sent, Conversions: v.Clicked})
		orders.Arms = append(orders.Arms, experiment.ArmResult{ArmID: v.Variant, Name: "Variant " + v.Variant, Exposed: v.Sent, Conversions: v.Buyers, Ordered: v.Buyers, Orders: v.Orders})
	}
	experiment.Judge(clicks)
	experiment.Judge(orders)
	return clicks, orders
}
