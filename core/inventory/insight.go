package inventory

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Inventory insight: per variant turnover and days of cover, a demand
// forecast with weekly seasonality, reorder suggestions and slow sellers.
//
// # Demand history
//
// Demand is the units of "sold" movements in the ledger (returns are not
// subtracted: a return does not make the sale un-wanted), counted by the
// shop's local day. The history window is the last HistoryWeeks full
// local weeks before today (today is partial and left out), so every
// weekday occurs exactly HistoryWeeks times in it. A day's weekday is
// taken at the shop's UTC offset of the moment the report is made (a sale
// within an hour of midnight in a week that changed daylight-saving time
// may be counted on the neighbouring weekday).
//
// # Forecast (average daily demand × the shop's weekday index)
//
// For a variant v with u_v units in a window of N weeks, the average
// daily demand is a_v = u_v / 7N. The weekday index of the shop is
// I_d = 7·U_d / U, where U_d is the shop's units (all variants) sold on
// weekday d in the window and U the total (I_d = 1 for every d when the
// shop sold nothing): pooled over the shop because one variant's few
// sales say little about its own weekly pattern. The forecast for a day t
// is a_v · I_weekday(t), so the forecast over a span of days starting
// today is u_v · Σ_t U_weekday(t) / (N · U), computed in integers so the
// rounded figures below are exact.
//
// # Reorder
//
// The lead time L (days) is the variant's own or the shop's; the safety
// stock SS is the variant's reorder override, else its catalog safety
// stock (the low-stock alert threshold), else ⌈a_v · safety days⌉ of the
// shop. Reorder point ROP = ⌈forecast over the L days from today⌉ + SS. A
// variant whose available stock is at or below its ROP (and has demand or
// a safety stock) is suggested for reorder, of the quantity that brings
// it up to ⌈forecast over L + review days⌉ + SS: enough to last until the
// next order after this one arrives.
//
// # Turnover, cover, slow sellers
//
// Turnover over the window is units sold ÷ the mean of the on-hand stock
// at its start and end (as TurnoverFor); days of cover is available ÷ a_v
// (none without demand). A variant with stock on hand and no sale in the
// last SlowDays days is a slow seller; sell-through over the window is
// u_v ÷ (u_v + on hand now).

// ReorderSettings are a shop's defaults for the insight figures.
type ReorderSettings struct {
	LeadTimeDays int `json:"lead_time_days"` // from order to stock on the shelf
	ReviewDays   int `json:"review_days"`    // how often the shop orders: a suggestion covers L + this
	SafetyDays   int `json:"safety_days"`    // safety stock in days of demand, for variants without their own
	HistoryWeeks int `json:"history_weeks"`  // the demand window, 1–52 weeks
	SlowDays     int `json:"slow_days"`      // no sale in this many days makes a slow seller
}

// DefaultReorderSettings apply to a shop that saved none.
var DefaultReorderSettings = ReorderSettings{LeadTimeDays: 7, ReviewDays: 7, SafetyDays: 3, HistoryWeeks: 8, SlowDays: 60}

type reorderSettingsRow struct {
	bun.BaseModel `bun:"table:inventory_reorder_settings"`
	TenantID      string    `bun:"tenant_id,pk"`
	LeadTimeDays  int       `bun:"lead_time_days"`
	ReviewDays    int       `bun:"review_days"`
	SafetyDays    int       `bun:"safety_days"`
	HistoryWeeks  int       `bun:"history_weeks"`
	SlowDays      int       `bun:"slow_days"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

type reorderVariantRow struct {
	bun.BaseModel `bun:"table:inventory_reorder_variants"`
	TenantID      string    `bun:"tenant_id,pk"`
	VariantID     string    `bun:"variant_id,pk"`
	LeadTimeDays  *int      `bun:"lead_time_days"`
	SafetyStock   *int64    `bun:"safety_stock"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

func (st ReorderSettings) validate() error {
	check := func(field string, v, lo, hi int) error {
		if v < lo || v > hi {
			return errs.Field(field, "must be between %d and %d", lo, hi)
		}
		return nil
	}
	for _, c := range []struct {
		f         string
		v, lo, hi int
	}{{"lead_time_days", st.LeadTimeDays, 0, 365}, {"review_days", st.ReviewDays, 0, 365}, {"safety_days", st.SafetyDays, 0, 365},
		{"history_weeks", st.HistoryWeeks, 1, 52}, {"slow_days", st.SlowDays, 1, 365}} {
		if err := check(c.f, c.v, c.lo, c.hi); err != nil {
			return err
		}
	}
	return nil
}

// ReorderSettingsOf returns the context shop's settings (the defaults
// when it saved none).
func (s *Service) ReorderSettingsOf(ctx context.Context) (ReorderSettings, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return ReorderSettings{}, err
	}
	var st ReorderSettings
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		st, err = reorderSettingsIn(ctx, q, tid)
		return err
	})
	return st, err
}

func reorderSettingsIn(ctx context.Context, q bun.IDB, tid string) (ReorderSettings, error) {
	var row reorderSettingsRow
	err := q.NewSelect().Model(&row).Where("tenant_id = ?", tid).Scan(ctx)
	if store.NoRows(err) {
		return DefaultReorderSettings, nil
	}
	if err != nil {
		return ReorderSettings{}, errs.Wrap(err, "inventory: reorder settings")
	}
	return ReorderSettings{LeadTimeDays: row.LeadTimeDays, ReviewDays: row.ReviewDays, SafetyDays: row.SafetyDays, HistoryWeeks: row.HistoryWeeks, SlowDays: row.SlowDays}, nil
}

// SaveReorderSettings validates and stores the shop's settings, audited.
func (s *Service) SaveReorderSettings(ctx context.Context, st ReorderSettings) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	if err := st.validate(); err != nil {
		return err
	}
	row := &reorderSettingsRow{TenantID: tid, LeadTimeDays: st.LeadTimeDays, ReviewDays: st.ReviewDays, SafetyDays: st.SafetyDays,
		HistoryWeeks: st.HistoryWeeks, SlowDays: st.SlowDays, UpdatedAt: s.now()}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		before, err := reorderSettingsIn(ctx, q, tid)
		if err != nil {
			return err
		}
		if _, err := q.NewInsert().Model(row).On("CONFLICT (tenant_id) DO UPDATE").
			Set("lead_time_days = EXCLUDED.lead_time_days, review_days = EXCLUDED.review_days, safety_days = EXCLUDED.safety_days").
			Set("history_weeks = EXCLUDED.history_weeks, slow_days = EXCLUDED.slow_days, updated_at = EXCLUDED.updated_at").Exec(ctx); err != nil {
			return errs.Wrap(err, "inventory: save reorder settings")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "inventory.reorder_settings", ObjectType: "shop", ObjectID: tid,
			Before: fmt.Sprintf("%+v", before), After: fmt.Sprintf("%+v", st)})
	})
}

// VariantReorder is a variant's own lead time and reorder safety stock
// (nil: inherited).
type VariantReorder struct {
	LeadTimeDays *int   `json:"lead_time_days"`
	SafetyStock  *int64 `json:"safety_stock"`
}

// SetVariantReorder stores a variant's overrides (both nil removes them),
// audited. An unknown variant is refused naming the field "variant".
func (s *Service) SetVariantReorder(ctx context.Context, variantID string, in VariantReorder) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	if in.LeadTimeDays != nil && (*in.LeadTimeDays < 0 || *in.LeadTimeDays > 365) {
		return errs.Field("lead_time_days", "must be between 0 and 365")
	}
	if in.SafetyStock != nil && (*in.SafetyStock < 0 || *in.SafetyStock > 1e12) {
		return errs.Field("safety_stock", "must be 0 or more")
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		vs, err := catalog.VariantSummaries(ctx, q, tid, []string{variantID}, nil)
		if err != nil {
			return err
		}
		if _, ok := vs[variantID]; !ok {
			return errs.Field("variant", "no variant %q in this shop", variantID)
		}
		if in.LeadTimeDays == nil && in.SafetyStock == nil {
			_, err = q.NewDelete().TableExpr("inventory_reorder_variants").Where("tenant_id = ? AND variant_id = ?", tid, variantID).Exec(ctx)
		} else {
			row := &reorderVariantRow{TenantID: tid, VariantID: variantID, LeadTimeDays: in.LeadTimeDays, SafetyStock: in.SafetyStock, UpdatedAt: s.now()}
			_, err = q.NewInsert().Model(row).On("CONFLICT (tenant_id, variant_id) DO UPDATE").
				Set("lead_time_days = EXCLUDED.lead_time_days, safety_stock = EXCLUDED.safety_stock, updated_at = EXCLUDED.updated_at").Exec(ctx)
		}
		if err != nil {
			return errs.Wrap(err, "inventory: variant reorder")
		}
		after := "inherited"
		if in.LeadTimeDays != nil || in.SafetyStock != nil {
			after = fmt.Sprintf("lead_time_days=%s safety_stock=%s", optInt(in.LeadTimeDays), optInt(in.SafetyStock))
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "inventory.variant_reorder", ObjectType: "variant", ObjectID: variantID, After: after})
	})
}

func optInt[T int | int64](p *T) string {
	if p == nil {
		return "inherited"
	}
	return strconv.FormatInt(int64(*p), 10)
}

// VariantInsight is one variant's figures (see the package's insight
// notes for every definition).
type VariantInsight struct {
	VariantID    string
	ProductID    string
	ProductTitle string
	SKU          string
	Options      [3]string
	OnHand       int64
	Available    int64
	UnitsSold    int64   // sold in the history window
	Turnover     float64 // over the window
	AvgDaily     float64 // a_v
	DaysOfCover  *float64
	Forecast7    float64 // forecast demand over the next 7 days from today
	LeadTimeDays int
	SafetyStock  int64
	SafetyFrom   string  // "variant", "catalog" or "shop"
	LeadDemand   float64 // forecast over the lead time
	ReorderPoint int64
	Reorder      bool  // available ≤ reorder point (with demand or safety stock)
	SuggestedQty int64 // when Reorder
	LastSoldAt   *time.Time
	SellThrough  float64
	Slow         bool
}

// Insight is the shop's inventory insight at a moment.
type Insight struct {
	Settings     ReorderSettings
	Today        time.Time  // the shop's local midnight
	From, To     time.Time  // the history window (UTC)
	WeekdayIndex [7]float64 // I_d, Sunday first
	Variants     []VariantInsight
}

// InsightFor computes the insight of the context shop's tracked variants
// with stock levels, at now in the shop's time zone loc (nil: UTC), in
// variant id order. Three statements whatever the number of variants: the
// settings, one aggregate over the stock levels, the ledger and the
// reorder overrides, and the variants' labels.
func (s *Service) InsightFor(ctx context.Context, now time.Time, loc *time.Location) (*Insight, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if loc == nil {
		loc = time.UTC
	}
	if now.IsZero() {
		now = s.now()
	}
	local := now.In(loc)
	y, m, d := local.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, loc)
	_, offset := local.Zone()
	type aggRow struct {
		VariantID   string     `bun:"variant_id"`
		OnHand      int64      `bun:"on_hand"`
		Available   int64      `bun:"available"`
		Sold        int64      `bun:"sold"`
		D           [7]int64   `bun:"-"`
		D0          int64      `bun:"d0"`
		D1          int64      `bun:"d1"`
		D2          int64      `bun:"d2"`
		D3          int64      `bun:"d3"`
		D4          int64      `bun:"d4"`
		D5          int64      `bun:"d5"`
		D6          int64      `bun:"d6"`
		PeriodDelta int64      `bun:"period_delta"`
		AfterDelta  int64      `bun:"after_delta"`
		LastSold    *time.Time `bun:"last_sold"`
		LeadTime    *int       `bun:"lead_time_days"`
		Safety      *int64     `bun:"safety_stock"`
	}
	var (
		st     ReorderSettings
		rows   []aggRow
		labels map[string]catalog.VariantSummary
		from   time.Time
	)
	to := today.UTC()
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		if st, err = reorderSettingsIn(ctx, q, tid); err != nil {
			return err
		}
		from = today.AddDate(0, 0, -7*st.HistoryWeeks).UTC()
		scanFrom := from
		if slow := today.AddDate(0, 0, -st.SlowDays).UTC(); slow.Before(scanFrom) {
			scanFrom = slow
		}
		dow := "CAST(strftime('%w', m.created_at, ?) AS INTEGER)"
		shift := any(fmt.Sprintf("%+d seconds", offset))
		if s.db.Dialect() == store.Postgres {
			dow, shift = "CAST(EXTRACT(DOW FROM m.created_at + ? * INTERVAL '1 second') AS INTEGER)", offset
		}
		inWindow := "m.kind = 'sold' AND m.created_at >= ? AND m.created_at < ?"
		var cols strings.Builder
		args := []any{from, to}
		for d := range 7 {
			fmt.Fprintf(&cols, ", SUM(CASE WHEN %s AND %s = %d THEN -m.on_hand_delta ELSE 0 END) AS d%d", inWindow, dow, d, d)
			args = append(args, from, to, shift)
		}
		args = append(args, from, to, to, tid, tid, scanFrom, tid)
		// One pass: the levels and the ledger rows since scanFrom as one
		// stream grouped by variant (a join of two grouped subqueries can
		// be planned as a nested loop that regroups the ledger per variant),
		// then the variant's overrides by primary key.
		err = q.NewRaw(`SELECT a.*, r.lead_time_days, r.safety_stock FROM (SELECT m.variant_id,
				SUM(m.on_hand) AS on_hand, SUM(m.available) AS available,
				SUM(CASE WHEN `+inWindow+` THEN -m.on_hand_delta ELSE 0 END) AS sold`+cols.String()+`,
				SUM(CASE WHEN m.created_at >= ? AND m.created_at < ? THEN m.on_hand_delta ELSE 0 END) AS period_delta,
				SUM(CASE WHEN m.created_at >= ? THEN m.on_hand_delta ELSE 0 END) AS after_delta,
				MAX(CASE WHEN m.kind = 'sold' THEN m.created_at END) AS last_sold
				FROM (SELECT variant_id, 1 AS level, on_hand, available, '' AS kind, 0 AS on_hand_delta, NULL AS created_at
					FROM inventory_levels WHERE tenant_id = ?
				UNION ALL SELECT variant_id, 0, 0, 0, kind, on_hand_delta, created_at
					FROM inventory_movements WHERE tenant_id = ? AND created_at >= ?) AS m
				GROUP BY m.variant_id HAVING SUM(m.level) > 0) AS a
			LEFT JOIN inventory_reorder_variants AS r ON r.tenant_id = ? AND r.variant_id = a.variant_id
			ORDER BY a.variant_id`, args...).Scan(ctx, &rows)
		if err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "inventory: insight")
		}
		ids := make([]string, len(rows))
		for i := range rows {
			ids[i] = rows[i].VariantID
		}
		labels, err = catalog.VariantSummaries(ctx, q, tid, ids, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &Insight{Settings: st, Today: today, From: from, To: to}
	var shop [7]int64
	var total int64
	for i := range rows {
		r := &rows[i]
		r.D = [7]int64{r.D0, r.D1, r.D2, r.D3, r.D4, r.D5, r.D6}
		for d, u := range r.D {
			shop[d] += u
			total += u
		}
	}
	for d := range shop {
		out.WeekdayIndex[d] = 1
		if total > 0 {
			out.WeekdayIndex[d] = 7 * float64(shop[d]) / float64(total)
		}
	}
	// span is Σ U_weekday(t) over n days from today, and its divisor N·U
	// (7N with no sales, when every index is 1).
	span := func(n int) (num, den int64) {
		den = int64(st.HistoryWeeks) * total
		for k := range n {
			wd := today.AddDate(0, 0, k).Weekday()
			if total > 0 {
				num += shop[wd]
			} else {
				num++
			}
		}
		if total == 0 {
			den = 7 * int64(st.HistoryWeeks)
		}
		return num, den
	}
	days := float64(7 * st.HistoryWeeks)
	for _, r := range rows {
		v, ok := labels[r.VariantID]
		if !ok || !v.Tracked {
			continue
		}
		x := VariantInsight{VariantID: r.VariantID, ProductID: v.ProductID, ProductTitle: v.ProductTitle, Options: [3]string{v.Option1, v.Option2, v.Option3},
			OnHand: r.OnHand, Available: r.Available, UnitsSold: r.Sold, LeadTimeDays: st.LeadTimeDays, LastSoldAt: r.LastSold}
		if v.SKU != nil {
			x.SKU = *v.SKU
		}
		if r.LastSold != nil {
			t := r.LastSold.UTC()
			x.LastSoldAt = &t
		}
		closing := r.OnHand - r.AfterDelta
		opening := closing - r.PeriodDelta
		if avg := float64(opening+closing) / 2; avg > 0 {
			x.Turnover = float64(r.Sold) / avg
		}
		x.AvgDaily = float64(r.Sold) / days
		if r.Sold > 0 {
			c := float64(r.Available) / x.AvgDaily
			x.DaysOfCover = &c
		}
		if r.LeadTime != nil {
			x.LeadTimeDays = *r.LeadTime
		}
		switch {
		case r.Safety != nil:
			x.SafetyStock, x.SafetyFrom = *r.Safety, "variant"
		case v.SafetyStock > 0:
			x.SafetyStock, x.SafetyFrom = v.SafetyStock, "catalog"
		default: // ⌈u_v · safety days / 7N⌉
			x.SafetyStock, x.SafetyFrom = ceilDiv(r.Sold*int64(st.SafetyDays), 7*int64(st.HistoryWeeks)), "shop"
		}
		n7, d7 := span(7)
		x.Forecast7 = float64(r.Sold*n7) / float64(d7)
		nl, dl := span(x.LeadTimeDays)
		x.LeadDemand = float64(r.Sold*nl) / float64(dl)
		x.ReorderPoint = ceilDiv(r.Sold*nl, dl) + x.SafetyStock
		if (r.Sold > 0 || x.SafetyStock > 0) && r.Available <= x.ReorderPoint {
			x.Reorder = true
			nr, dr := span(x.LeadTimeDays + st.ReviewDays)
			x.SuggestedQty = max(ceilDiv(r.Sold*nr, dr)+x.SafetyStock-r.Available, 0)
		}
		if r.Sold+r.OnHand > 0 {
			x.SellThrough = float64(r.Sold) / float64(r.Sold+max(r.OnHand, 0))
		}
		slowSince := today.AddDate(0, 0, -st.SlowDays)
		x.Slow = r.OnHand > 0 && (x.LastSoldAt == nil || x.LastSoldAt.Before(slowSince))
		out.Variants = append(out.Variants, x)
	}
	return out, nil
}

// ceilDiv is ⌈a / b⌉ for a ≥ 0, b > 0 (0 when b is 0).
func ceilDiv(a, b int64) int64 {
	if b <= 0 || a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}

// InsightSorts are the keys Sort accepts.
var InsightSorts = []string{"product", "sku", "available", "sold", "turnover", "cover", "forecast", "reorder_point", "suggested", "last_sold", "sell_through"}

// Sort orders variants by key (one of InsightSorts), descending when desc,
// ties by variant id. An unknown key is refused naming the field "sort".
func Sort(vs []VariantInsight, key string, desc bool) error {
	inf := math.Inf(1)
	num := map[string]func(v *VariantInsight) float64{
		"available":     func(v *VariantInsight) float64 { return float64(v.Available) },
		"sold":          func(v *VariantInsight) float64 { return float64(v.UnitsSold) },
		"turnover":      func(v *VariantInsight) float64 { return v.Turnover },
		"forecast":      func(v *VariantInsight) float64 { return v.Forecast7 },
		"reorder_point": func(v *VariantInsight) float64 { return float64(v.ReorderPoint) },
		"suggested":     func(v *VariantInsight) float64 { return float64(v.SuggestedQty) },
		"sell_through":  func(v *VariantInsight) float64 { return v.SellThrough },
		"cover": func(v *VariantInsight) float64 {
			if v.DaysOfCover == nil {
				return inf
			}
			return *v.DaysOfCover
		},
		"last_sold": func(v *VariantInsight) float64 {
			if v.LastSoldAt == nil {
				return -inf
			}
			return float64(v.LastSoldAt.UnixMicro())
		},
	}
	var less func(a, b *VariantInsight) int
	switch key {
	case "", "product":
		less = func(a, b *VariantInsight) int { return strings.Compare(a.ProductTitle, b.ProductTitle) }
	case "sku":
		less = func(a, b *VariantInsight) int { return strings.Compare(a.SKU, b.SKU) }
	default:
		f, ok := num[key]
		if !ok {
			return errs.Field("sort", "must be one of %s", strings.Join(InsightSorts, ", "))
		}
		less = func(a, b *VariantInsight) int {
			x, y := f(a), f(b)
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	sort.SliceStable(vs, func(i, j int) bool {
		c := less(&vs[i], &vs[j])
		if desc {
			c = -c
		}
		if c != 0 {
			return c < 0
		}
		return vs[i].VariantID < vs[j].VariantID
	})
	return nil
}
