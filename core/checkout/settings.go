package checkout

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
)

// Settings are a shop's checkout settings.
type Settings struct {
	Currency string                 `json:"currency"`
	Tax      pricing.TaxConfig      `json:"tax"`
	Shipping pricing.ShippingConfig `json:"shipping"`
	// HoldHours is how long stock stays reserved for an unpaid order
	// (default 72); unpaid orders are cancelled after it (order.Service.CancelUnpaid, run by the sweeper).
	HoldHours int `json:"hold_hours"`
	// ReturnWindowDays is how long after delivery (or placing, if never
	// marked delivered) shoppers may ask for a return (default 30).
	ReturnWindowDays int `json:"return_window_days"`
}

// DefaultSettings is what a shop starts with.
func DefaultSettings() Settings {
	return Settings{Currency: "USD", HoldHours: 72, ReturnWindowDays: 30}
}

// Validate checks settings before they are saved.
func (s *Settings) Validate() error {
	if !money.Known(s.Currency) {
		return errs.Field("currency", "is not a known ISO 4217 currency")
	}
	if err := s.Tax.Validate(); err != nil {
		return err
	}
	if err := s.Shipping.Validate(); err != nil {
		return err
	}
	if s.HoldHours < 0 || s.HoldHours > 24*60 {
		return errs.Field("hold_hours", "must be between 0 and 1440")
	}
	if s.ReturnWindowDays < 0 || s.ReturnWindowDays > 3650 {
		return errs.Field("return_window_days", "must be between 0 and 3650")
	}
	return nil
}

// Hold is how long an unpaid order keeps its stock (72 hours unless set).
func (s *Settings) Hold() time.Duration {
	if s.HoldHours <= 0 {
		return 72 * time.Hour
	}
	return time.Duration(s.HoldHours) * time.Hour
}

type settingsRow struct {
	bun.BaseModel `bun:"table:checkout_settings"`
	TenantID      string    `bun:"tenant_id,pk"`
	Settings      string    `bun:"settings"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

// LoadSettings reads the context tenant's settings in q (defaults when
// none were saved).
func LoadSettings(ctx context.Context, q bun.IDB) (*Settings, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var raw string
	err = q.NewSelect().Model((*settingsRow)(nil)).Column("settings").Where("tenant_id = ?", tenant).Scan(ctx, &raw)
	if store.NoRows(err) {
		return decodeSettings("")
	}
	if err != nil {
		return nil, errs.Wrap(err, "checkout settings")
	}
	return decodeSettings(raw)
}

// decodeSettings decodes stored settings over the defaults ("": none).
func decodeSettings(raw string) (*Settings, error) {
	s := DefaultSettings()
	if raw == "" {
		return &s, nil
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return nil, errs.Wrap(err, "checkout settings decode")
	}
	return &s, nil
}

// loadCartSettings is LoadSettings plus whether the shop has a live
// promotion (promotion.LiveSQL) or runs a loyalty programme whose tier
// perks may apply (loyalty.LiveSQL), and then the state of its offers
// (promotion.StateSQL, for the promotions' snapshot cache), in the same
// statement.
func loadCartSettings(ctx context.Context, q bun.IDB) (*Settings, bool, string, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, false, "", err
	}
	var row struct {
		Settings *string `bun:"settings"`
		Live     bool    `bun:"live"`
		State    *string `bun:"state"`
	}
	now := store.Now()
	if err := q.NewRaw("SELECT s.settings, s.live, CASE WHEN s.live THEN "+promotion.StateSQL("?", "?")+" END AS state FROM (SELECT "+
		"(SELECT settings FROM checkout_settings WHERE tenant_id = ?) AS settings, "+"("+promotion.LiveSQL("?", "?")+" OR "+loyalty.LiveSQL("?")+") AS live) AS s",
		tenant, tenant, tenant, now, tenant, tenant, now, tenant).Scan(ctx, &row); err != nil {
		return nil, false, "", errs.Wrap(err, "checkout settings")
	}
	raw, state := "", ""
	if row.Settings != nil {
		raw = *row.Settings
	}
	if row.State != nil {
		state = *row.State
	}
	s, err := decodeSettings(raw)
	return s, row.Live, state, err
}

// InitSettings gives a new shop its starting settings in its currency, in
// the transaction q that creates the shop (nothing if it has some already).
// Without it a shop would start in the default currency and none of its
// products could be bought until someone saved the settings.
func InitSettings(ctx context.Context, q bun.IDB, tenantID, currency string) error {
	s := DefaultSettings()
	if money.Known(currency) {
		s.Currency = currency
	}
	b, err := json.Marshal(s)
	if err != nil {
		return errs.Wrap(err, "checkout settings encode")
	}
	_, err = q.NewInsert().Model(&settingsRow{TenantID: tenantID, Settings: string(b), UpdatedAt: store.Now()}).
		On("CONFLICT (tenant_id) DO NOTHING").Exec(ctx)
	return errs.Wrap(err, "checkout settings init")
}

// GetSettings returns the context tenant's settings.
func GetSettings(ctx context.Context, db *store.DB) (*Settings, error) {
	var s *Settings
	err := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		s, err = LoadSettings(ctx, q)
		return err
	})
	return s, err
}

// SaveSettings validates and stores the context tenant's settings.
func SaveSettings(ctx context.Context, db *store.DB, s Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	b, err := json.Marshal(s)
	if err != nil {
		return errs.Wrap(err, "checkout settings encode")
	}
	return db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		_, err := q.NewInsert().Model(&settingsRow{TenantID: tenant, Settings: string(b), UpdatedAt: store.Now()}).
			On("CONFLICT (tenant_id) DO UPDATE").Set("settings = EXCLUDED.settings").Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
		return errs.Wrap(err, "checkout settings save")
	})
}

// PipelineFunc returns the pricing pipeline (promotions, extensions) for
// the context's tenant; nil means none. q is the transaction pricing runs
// in: whatever the function reads, it reads there (never through a second
// connection, which a burst of checkouts would exhaust the pool with).
type PipelineFunc func(ctx context.Context, q bun.IDB) *pricing.Pipeline

// CartConfig returns a cart.ConfigFunc backed by the stored settings and
// the given pipelines (nil: no extensions). The settings statement also
// says whether the shop has a live promotion (cart.Config.OffersLive) and
// the state of its offers (cart.Config.OffersState).
func CartConfig(pipelines PipelineFunc) cart.ConfigFunc {
	return func(ctx context.Context, q bun.IDB) (*cart.Config, error) {
		s, live, state, err := loadCartSettings(ctx, q)
		if err != nil {
			return nil, err
		}
		c := &cart.Config{Currency: s.Currency, Tax: s.Tax, Shipping: s.Shipping, OffersLive: live, OffersState: state}
		if pipelines != nil {
			c.Pipeline = pipelines(ctx, q)
		}
		return c, nil
	}
}
