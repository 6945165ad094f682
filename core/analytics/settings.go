package analytics

import (
	"context"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // shops name IANA zones; the binary carries the database

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Defaults and bounds of a shop's settings.
const (
	// DefaultRetentionDays keeps two years of rollups and a margin, so
	// "same period last year" can be compared for any range in the last
	// year.
	DefaultRetentionDays = 760
	// DefaultRawRetentionDays keeps the raw events (with their daily
	// visitor ids) for 90 days.
	DefaultRawRetentionDays = 90
	MaxRetentionDays        = 3660
)

// Settings are a shop's analytics settings.
type Settings struct {
	bun.BaseModel `bun:"table:analytics_settings"`

	TenantID string `bun:"tenant_id,pk" json:"-"`
	// TimeZone is the IANA zone the shop's days, weeks and months are
	// counted in (default UTC). A change applies to events from then on;
	// days already counted keep their boundaries.
	TimeZone string `bun:"time_zone" json:"time_zone"`
	// RetentionDays is how long the rollups (and so the KPIs) are kept;
	// a KPI range may not start before it.
	RetentionDays int `bun:"retention_days" json:"retention_days"`
	// RawRetentionDays is how long the raw events are kept (at most
	// RetentionDays).
	RawRetentionDays int       `bun:"raw_retention_days" json:"raw_retention_days"`
	UpdatedAt        time.Time `bun:"updated_at" json:"updated_at"`
}

func defaultSettings(tenant string) Settings {
	return Settings{TenantID: tenant, TimeZone: "UTC", RetentionDays: DefaultRetentionDays, RawRetentionDays: DefaultRawRetentionDays}
}

func (st Settings) location() *time.Location {
	if loc, err := time.LoadLocation(st.TimeZone); err == nil && st.TimeZone != "" {
		return loc
	}
	return time.UTC
}

// Location is the shop's time zone.
func (st Settings) Location() *time.Location { return st.location() }

// LocationIn reads the tenant's time zone in q (UTC when the shop set
// none), for other packages that count the shop's days (promotions'
// recurring dates, monthly coupons).
func LocationIn(ctx context.Context, q bun.IDB, tenant string) (*time.Location, error) {
	st := defaultSettings(tenant)
	if err := readSettings(ctx, q, tenant, &st); err != nil {
		return nil, err
	}
	return st.location(), nil
}

func (st Settings) summary() string {
	return fmt.Sprintf("time zone %s, rollups %d days, raw events %d days", st.TimeZone, st.RetentionDays, st.RawRetentionDays)
}

// settingsOf reads the settings of tenants (defaults for those without),
// in a platform-scoped ctx.
func (s *Service) settingsOf(ctx context.Context, tenants []string) (map[string]Settings, error) {
	out := make(map[string]Settings, len(tenants))
	for _, t := range tenants {
		out[t] = defaultSettings(t)
	}
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var rows []Settings
		if err := q.NewSelect().Model(&rows).Where("tenant_id IN (?)", bun.List(tenants)).Scan(ctx); err != nil && !store.NoRows(err) {
			return err
		}
		for _, r := range rows {
			out[r.TenantID] = r
		}
		return nil
	})
	return out, errs.Wrap(err, "analytics: settings")
}

// Settings returns the context shop's settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return Settings{}, err
	}
	st := defaultSettings(tenant)
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return readSettings(ctx, q, tenant, &st)
	})
	return st, err
}

func readSettings(ctx context.Context, q bun.IDB, tenant string, st *Settings) error {
	err := q.NewSelect().Model(st).Where("tenant_id = ?", tenant).Scan(ctx)
	if store.NoRows(err) {
		*st = defaultSettings(tenant)
		return nil
	}
	return errs.Wrap(err, "analytics: settings")
}

// SaveSettings validates and stores the context shop's settings (audited).
func (s *Service) SaveSettings(ctx context.Context, in Settings) (Settings, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return Settings{}, err
	}
	in.TimeZone = strings.TrimSpace(in.TimeZone)
	if in.TimeZone == "" {
		in.TimeZone = "UTC"
	}
	if _, err := time.LoadLocation(in.TimeZone); err != nil || strings.EqualFold(in.TimeZone, "local") {
		return Settings{}, errs.Field("time_zone", "must be an IANA time zone such as Europe/Paris")
	}
	if in.RetentionDays < 31 || in.RetentionDays > MaxRetentionDays {
		return Settings{}, errs.Field("retention_days", "must be between 31 and %d", MaxRetentionDays)
	}
	if in.RawRetentionDays < 1 || in.RawRetentionDays > in.RetentionDays {
		return Settings{}, errs.Field("raw_retention_days", "must be between 1 and retention_days (%d)", in.RetentionDays)
	}
	in.TenantID, in.UpdatedAt = tenant, s.now()
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var before Settings
		if err := readSettings(ctx, q, tenant, &before); err != nil {
			return err
		}
		if _, err := q.NewInsert().Model(&in).On("CONFLICT (tenant_id) DO UPDATE").
			Set("time_zone = EXCLUDED.time_zone").Set("retention_days = EXCLUDED.retention_days").
			Set("raw_retention_days = EXCLUDED.raw_retention_days").Set("updated_at = EXCLUDED.updated_at").Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "analytics.settings", ObjectType: "analytics_settings", ObjectID: tenant,
			Before: before.summary(), After: in.summary()})
	})
	if err != nil {
		return Settings{}, errs.Wrap(err, "analytics: save settings")
	}
	s.wmu.Lock()
	delete(s.zones, tenant)
	s.wmu.Unlock()
	return in, nil
}
