package promotion

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/store"
)

// Campaign groups promotions (11.11, a spring launch) under a theme, a
// window and a budget shared by its promotions: once the discounts they
// gave reach Budget, none of them applies any more.
type Campaign struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Theme     string    `json:"theme,omitempty"`
	StartsAt  time.Time `json:"starts_at,omitzero"`
	EndsAt    time.Time `json:"ends_at,omitzero"`
	Currency  string    `json:"currency,omitempty"`
	Budget    int64     `json:"budget,omitempty"` // 0: none
	Spent     int64     `json:"spent"`            // discount given under it (usage.go)
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

type campaignRow struct {
	bun.BaseModel `bun:"table:promotion_campaigns"`
	TenantID      string     `bun:"tenant_id,pk"`
	ID            string     `bun:"id,pk"`
	Name          string     `bun:"name"`
	Theme         string     `bun:"theme"`
	StartsAt      *time.Time `bun:"starts_at"`
	EndsAt        *time.Time `bun:"ends_at"`
	Currency      string     `bun:"currency"`
	Budget        int64      `bun:"budget"`
	Spent         int64      `bun:"spent"`
	Version       int        `bun:"version"`
	CreatedAt     time.Time  `bun:"created_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
}

func (r *campaignRow) campaign() *Campaign {
	return &Campaign{ID: r.ID, Name: r.Name, Theme: r.Theme, StartsAt: fromPtr(r.StartsAt), EndsAt: fromPtr(r.EndsAt), Currency: r.Currency,
		Budget: r.Budget, Spent: r.Spent, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func (c *Campaign) normalise() error {
	var err error
	if c.Name, err = cleanText("name", c.Name, 200, true); err != nil {
		return err
	}
	if c.Theme, err = cleanText("theme", c.Theme, 200, false); err != nil {
		return err
	}
	if !c.StartsAt.IsZero() && !c.EndsAt.IsZero() && !c.EndsAt.After(c.StartsAt) {
		return errs.Field("ends_at", "must be after starts_at")
	}
	if c.Currency != "" && !money.Known(c.Currency) {
		return errs.Field("currency", "is not a known ISO 4217 currency (%q)", c.Currency)
	}
	if err := checkAmount("budget", c.Budget, c.Currency); err != nil {
		return err
	}
	if c.Budget > 0 && c.Currency == "" {
		return errs.Field("currency", "is required with a budget")
	}
	return nil
}

// CreateCampaign stores a new campaign.
func (s *Service) CreateCampaign(ctx context.Context, in Campaign) (*Campaign, error) {
	out, _, err := s.CreateCampaignWith(ctx, in, nil)
	return out, err
}

// MaxCampaignPromotions is the most promotions CreateCampaignWith creates
// with a campaign.
const MaxCampaignPromotions = 20

// CreateCampaignWith stores a new campaign and promotions in it, in one
// transaction: each promotion goes through Create's checks and insert path
// (its CampaignID is the new campaign's), and a refused one creates
// nothing, the campaign included. A promotion without a currency takes
// the campaign's; one without a window takes the campaign's, so that
// activating it does not run it outside the campaign. Errors about a
// promotion name its field under "promotions[i]".
func (s *Service) CreateCampaignWith(ctx context.Context, in Campaign, ps []Promotion) (*Campaign, []Promotion, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := in.normalise(); err != nil {
		return nil, nil, err
	}
	if len(ps) > MaxCampaignPromotions {
		return nil, nil, errs.Field("promotions", "may list at most %d promotions", MaxCampaignPromotions)
	}
	now := s.now()
	row := &campaignRow{TenantID: tenant, ID: store.NewID(), Name: in.Name, Theme: in.Theme, StartsAt: timePtr(in.StartsAt), EndsAt: timePtr(in.EndsAt),
		Currency: in.Currency, Budget: in.Budget, Version: 1, CreatedAt: now, UpdatedAt: now}
	ps = append([]Promotion(nil), ps...)
	for i := range ps {
		p := &ps[i]
		p.CampaignID = row.ID
		if p.Currency == "" {
			p.Currency = in.Currency
		}
		if p.StartsAt.IsZero() && p.EndsAt.IsZero() {
			p.StartsAt, p.EndsAt = in.StartsAt, in.EndsAt
		}
		if err := normalise(p); err != nil {
			return nil, nil, errs.Under(fmt.Sprintf("promotions[%d]", i), err)
		}
	}
	var out []Promotion
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if _, err := q.NewInsert().Model(row).Exec(ctx); err != nil {
			return errs.Wrap(err, "promotion.CreateCampaign")
		}
		if err := audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "campaign.create", ObjectType: "campaign", ObjectID: row.ID, After: row.Name}); err != nil {
			return err
		}
		out = out[:0]
		for i := range ps {
			p, err := s.insert(ctx, q, tenant, ps[i], "")
			if err != nil {
				return errs.Under(fmt.Sprintf("promotions[%d]", i), err)
			}
			out = append(out, *p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return row.campaign(), out, nil
}

// UpdateCampaign replaces a campaign's settings (version as in Update).
// The budget's counter is recounted from the redemptions under the row's
// lock (usage.go), and a budget below what was already given is refused.
func (s *Service) UpdateCampaign(ctx context.Context, id string, version int, in Campaign) (*Campaign, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.normalise(); err != nil {
		return nil, err
	}
	var out *Campaign
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		old, err := campaign(ctx, q, tenant, id)
		if err != nil {
			return err
		}
		// Lock out the orders redeeming under it, then the row, before
		// counting, as Update does.
		if err := s.hold(ctx, q, true, "c", tenant, []string{id}); err != nil {
			return err
		}
		res, err := q.NewUpdate().Model((*campaignRow)(nil)).Set("version = ?", version+1).
			Where("tenant_id = ? AND id = ? AND version = ?", tenant, id, version).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "promotion.UpdateCampaign")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "the campaign was changed by someone else; reload it")
		}
		given, err := campaignsGiven(ctx, q, tenant, []string{id})
		if err != nil {
			return err
		}
		spent := given[id]
		if in.Budget > 0 && in.Budget < spent {
			return errs.Field("budget", "is below the %s already given", money.Formatter{}.Display(spent, in.Currency))
		}
		if in.Budget == 0 {
			spent = 0 // the counter is kept only under a budget
		}
		row := &campaignRow{Name: in.Name, Theme: in.Theme, StartsAt: timePtr(in.StartsAt), EndsAt: timePtr(in.EndsAt), Currency: in.Currency,
			Budget: in.Budget, Spent: spent, Version: version + 1, UpdatedAt: s.now()}
		if _, err := q.NewUpdate().Model(row).Column("name", "theme", "starts_at", "ends_at", "currency", "budget", "spent", "version", "updated_at").
			Where("tenant_id = ? AND id = ?", tenant, id).Exec(ctx); err != nil {
			return errs.Wrap(err, "promotion.UpdateCampaign")
		}
		if err := audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "campaign.update", ObjectType: "campaign", ObjectID: id, Before: old.Name, After: in.Name}); err != nil {
			return err
		}
		out, err = campaign(ctx, q, tenant, id)
		return err
	})
	return out, err
}

func campaign(ctx context.Context, q bun.IDB, tenant, id string) (*Campaign, error) {
	var row campaignRow
	if err := q.NewSelect().Model(&row).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx); err != nil {
		if store.NoRows(err) {
			return nil, errs.NotFoundf("campaign not found")
		}
		return nil, errs.Wrap(err, "promotion: campaign")
	}
	c := row.campaign()
	given, err := campaignsGiven(ctx, q, tenant, []string{id})
	if err != nil {
		return nil, err
	}
	c.Spent = given[id]
	return c, nil
}

// Campaign returns one campaign.
func (s *Service) Campaign(ctx context.Context, id string) (*Campaign, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var c *Campaign
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		c, err = campaign(ctx, q, tenant, id)
		return err
	})
	return c, err
}

// Campaigns lists the shop's campaigns, newest first (at most 500).
func (s *Service) Campaigns(ctx context.Context) ([]Campaign, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var out []Campaign
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var rows []campaignRow
		if err := q.NewSelect().Model(&rows).Where("tenant_id = ?", tenant).OrderExpr("id DESC").Limit(500).Scan(ctx); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "promotion.Campaigns")
		}
		ids := make([]string, len(rows))
		for i := range rows {
			ids[i] = rows[i].ID
		}
		given, err := campaignsGiven(ctx, q, tenant, ids)
		if err != nil {
			return err
		}
		for i := range rows {
			c := rows[i].campaign()
			c.Spent = given[c.ID]
			out = append(out, *c)
		}
		return nil
	})
	return out, err
}
