package segment

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// Thresholds score a customer's recency, frequency and monetary value 1-5
// against absolute, shop-set limits (not against the other customers, so
// a shop's only customer who ordered today is "new", not "hibernating").
// Each array holds the limits for scores 5, 4, 3, 2 (recency) or 2, 3, 4,
// 5 (frequency, monetary), strictly increasing.
type Thresholds struct {
	// RecencyDays: score 5 when the last order is at most [0] days old,
	// 4 at most [1], 3 at most [2], 2 at most [3], else 1.
	RecencyDays [4]int64 `json:"recency_days"`
	// Frequency: score 2 from [0] counted orders, 3 from [1], 4 from [2],
	// 5 from [3], else 1.
	Frequency [4]int64 `json:"frequency"`
	// Monetary: score 2 from [0] spent (minor units of the shop's
	// currency, paid less refunded), 3 from [1], 4 from [2], 5 from [3].
	Monetary [4]int64 `json:"monetary"`
}

// DefaultThresholds: 30/90/180/365 days; 2/3/5/10 orders; 50/200/500/1000
// currency units (two-decimal currencies).
func DefaultThresholds() Thresholds {
	return Thresholds{
		RecencyDays: [4]int64{30, 90, 180, 365},
		Frequency:   [4]int64{2, 3, 5, 10},
		Monetary:    [4]int64{5000, 20000, 50000, 100000},
	}
}

func (t *Thresholds) validate() error {
	check := func(name string, a [4]int64, min, max int64) error {
		for i, v := range a {
			if v < min || v > max {
				return errs.Field(name+"["+strconv.Itoa(i)+"]", "must be %d to %d", min, max)
			}
			if i > 0 && v <= a[i-1] {
				return errs.Field(name+"["+strconv.Itoa(i)+"]", "must be more than the one before")
			}
		}
		return nil
	}
	if err := check("recency_days", t.RecencyDays, 1, 36500); err != nil {
		return err
	}
	if err := check("frequency", t.Frequency, 2, 1_000_000); err != nil {
		return err
	}
	return check("monetary", t.Monetary, 1, 1<<50)
}

// Scores are a customer's R, F and M scores and the group they make.
type Scores struct {
	R, F, M int
	Group   string
}

// Score scores one customer's figures at now; it is the same rule the
// stored scores are computed with in SQL (scoreSQL).
func (t *Thresholds) Score(lastOrder time.Time, orders, spent int64, now time.Time) Scores {
	s := Scores{R: 1, F: 1, M: 1}
	for i, d := range t.RecencyDays {
		if !lastOrder.Before(now.Add(-time.Duration(d) * 24 * time.Hour)) {
			s.R = 5 - i
			break
		}
	}
	up := func(a [4]int64, v int64) int {
		n := 1
		for i, lim := range a {
			if v >= lim {
				n = i + 2
			}
		}
		return n
	}
	s.F, s.M = up(t.Frequency, orders), up(t.Monetary, spent)
	s.Group = GroupOf(s.R, s.F, s.M)
	return s
}

// scoreSQL is the SQL for r, f and m over a row with last_order_at,
// orders and spent (prefixed by alias), with the recency cutoffs as
// arguments (the limits are validated integers, written in).
func (t *Thresholds) scoreSQL(alias string, now time.Time) (r, f, m string, args []any) {
	var b strings.Builder
	b.WriteString("CASE")
	for i, d := range t.RecencyDays {
		b.WriteString(" WHEN " + alias + "last_order_at >= ? THEN " + strconv.Itoa(5-i))
		args = append(args, now.Add(-time.Duration(d)*24*time.Hour))
	}
	b.WriteString(" ELSE 1 END")
	up := func(col string, a [4]int64) string {
		s := "CASE"
		for i := 3; i >= 0; i-- {
			s += " WHEN " + alias + col + " >= " + strconv.FormatInt(a[i], 10) + " THEN " + strconv.Itoa(i+2)
		}
		return s + " ELSE 1 END"
	}
	return b.String(), up("orders", t.Frequency), up("spent", t.Monetary), args
}

// Group is one of the standard RFM groups: a customer is in the first
// group whose score ranges hold their R, F and M.
type Group struct {
	Code, Name, Description string
	rMin, rMax, fMin, fMax  int
	mMin                    int
}

// Groups are the standard RFM groups, in the order they are tried; every
// R, F, M combination falls into one.
var Groups = []Group{
	{"champions", "Champions", "Bought recently, often and spent the most", 4, 5, 4, 5, 4},
	{"loyal", "Loyal", "Buy often and not long ago", 3, 5, 4, 5, 1},
	{"cant_lose", "Can't lose them", "Bought often, but long ago", 1, 2, 4, 5, 1},
	{"potential_loyalist", "Potential loyalists", "Recent customers with a few orders", 3, 5, 2, 3, 1},
	{"new", "New customers", "Bought once, recently", 4, 5, 1, 1, 1},
	{"promising", "Promising", "Bought once, a while ago", 3, 3, 1, 1, 1},
	{"at_risk", "At risk", "Bought a few times, but not for a long time", 2, 2, 2, 3, 1},
	{"hibernating", "Hibernating", "Bought once, long ago", 2, 2, 1, 1, 1},
	{"lost", "Lost", "No order for the longest time", 1, 1, 1, 3, 1},
}

// GroupOf is the group of R, F, M scores (1-5).
func GroupOf(r, f, m int) string {
	for _, g := range Groups {
		if r >= g.rMin && r <= g.rMax && f >= g.fMin && f <= g.fMax && m >= g.mMin {
			return g.Code
		}
	}
	return "lost"
}

// groupSQL is GroupOf in SQL over the columns r, f, m.
func groupSQL() string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, g := range Groups {
		b.WriteString(" WHEN r BETWEEN " + strconv.Itoa(g.rMin) + " AND " + strconv.Itoa(g.rMax) +
			" AND f BETWEEN " + strconv.Itoa(g.fMin) + " AND " + strconv.Itoa(g.fMax) +
			" AND m >= " + strconv.Itoa(g.mMin) + " THEN '" + g.Code + "'")
	}
	b.WriteString(" ELSE 'lost' END")
	return b.String()
}

// GroupByCode is the group with that code, or nil.
func GroupByCode(code string) *Group {
	for i := range Groups {
		if Groups[i].Code == code {
			return &Groups[i]
		}
	}
	return nil
}

// GroupCodes lists the groups' codes.
func GroupCodes() []string {
	out := make([]string, len(Groups))
	for i, g := range Groups {
		out[i] = g.Code
	}
	return out
}

type rfmSettingsRow struct {
	bun.BaseModel `bun:"table:segment_rfm_settings"`
	TenantID      string     `bun:"tenant_id,pk"`
	Thresholds    string     `bun:"thresholds"`
	ComputedAt    *time.Time `bun:"computed_at"`
	ScoredAt      *time.Time `bun:"scored_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
}

func (r *rfmSettingsRow) thresholds() Thresholds {
	t := DefaultThresholds()
	if r.Thresholds != "" {
		_ = json.Unmarshal([]byte(r.Thresholds), &t)
	}
	return t
}

// settingsIn reads (lock: and locks, by writing it) the shop's RFM row,
// creating it with the default thresholds.
func settingsIn(ctx context.Context, q bun.IDB, tenant string, lock bool, now time.Time) (*rfmSettingsRow, error) {
	if lock {
		def, _ := json.Marshal(DefaultThresholds())
		row := rfmSettingsRow{TenantID: tenant, Thresholds: string(def), UpdatedAt: now}
		// A no-op update on conflict takes the row's lock on PostgreSQL:
		// two recomputations of one shop queue.
		if _, err := q.NewInsert().Model(&row).On("CONFLICT (tenant_id) DO UPDATE").Set("tenant_id = EXCLUDED.tenant_id").Exec(ctx); err != nil {
			return nil, errs.Wrap(err, "segment: rfm settings")
		}
	}
	row := &rfmSettingsRow{}
	err := q.NewSelect().Model(row).Where("tenant_id = ?", tenant).Scan(ctx)
	if store.NoRows(err) {
		return &rfmSettingsRow{TenantID: tenant}, nil
	}
	return row, errs.Wrap(err, "segment: rfm settings")
}

// Thresholds reads the shop's RFM thresholds.
func (s *Service) Thresholds(ctx context.Context) (Thresholds, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return Thresholds{}, err
	}
	var t Thresholds
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		t, err = ThresholdsIn(ctx, q, tenant)
		return err
	})
	return t, err
}

// ThresholdsIn reads the shop's RFM thresholds in q (the plugin host's
// RFM report scores its rows with them).
func ThresholdsIn(ctx context.Context, q bun.IDB, tenant string) (Thresholds, error) {
	row, err := settingsIn(ctx, q, tenant, false, time.Time{})
	if err != nil {
		return Thresholds{}, err
	}
	return row.thresholds(), nil
}

// SaveThresholds validates and stores the shop's thresholds and
// recomputes every customer's scores in the same transaction, audited.
func (s *Service) SaveThresholds(ctx context.Context, t Thresholds) (Thresholds, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return t, err
	}
	if err := t.validate(); err != nil {
		return t, err
	}
	b, _ := json.Marshal(t)
	now := s.now()
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		row, err := settingsIn(ctx, q, tenant, true, now)
		if err != nil {
			return err
		}
		row.Thresholds, row.UpdatedAt = string(b), now
		if err := s.recompute(ctx, q, row, true, now); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "segment.rfm_thresholds", ObjectType: "rfm_thresholds", ObjectID: tenant, After: string(b)})
	})
	return t, err
}

// rescoreEvery is how often every stored score is recomputed although the
// customer placed no order: recency decays with time.
const rescoreEvery = 24 * time.Hour

// watermarkOverlap is how far before a run's start its watermark is set:
// an order changed by a transaction that commits after the run read the
// orders is picked up by the next run.
const watermarkOverlap = time.Minute

// recompute brings the shop's stored RFM rows up to date in q, the
// settings row being locked: every customer (full, or the first run), or
// only customers with orders changed since the watermark; every row is
// re-scored when the last full scoring is older than rescoreEvery. Three
// to five statements, none per customer.
func (s *Service) recompute(ctx context.Context, q bun.IDB, row *rfmSettingsRow, full bool, now time.Time) error {
	tenant := row.TenantID
	th := row.thresholds()
	full = full || row.ComputedAt == nil
	var since time.Time
	if !full {
		since = *row.ComputedAt
	}
	del := q.NewDelete().Model((*customerRFM)(nil)).Where("tenant_id = ?", tenant)
	if !full {
		del = del.Where("customer_id IN ("+order.ChangedCustomersSQL+")", tenant, since)
	}
	if _, err := del.Exec(ctx); err != nil {
		return errs.Wrap(err, "segment: rfm delete")
	}
	r, f, m, rargs := th.scoreSQL("t.", now)
	args := append([]any{tenant}, rargs...)
	args = append(args, now, tenant)
	if !full {
		args = append(args, tenant, since)
	}
	ins := "INSERT INTO segment_customer_rfm (tenant_id, customer_id, orders, spent, last_order_at, r, f, m, grp, computed_at)" +
		" SELECT ?, t.customer_id, t.orders, t.spent, t.last_order_at, " + r + ", " + f + ", " + m + ", '', ? FROM (" +
		order.CustomerTotalsSQL(!full) + ") t"
	if _, err := q.NewRaw(ins, args...).Exec(ctx); err != nil {
		return errs.Wrap(err, "segment: rfm insert")
	}
	rescore := full || row.ScoredAt == nil || now.Sub(*row.ScoredAt) >= rescoreEvery
	if rescore {
		r, f, m, rargs := th.scoreSQL("", now)
		if _, err := q.NewRaw("UPDATE segment_customer_rfm SET r = "+r+", f = "+f+", m = "+m+", grp = '' WHERE tenant_id = ?",
			append(rargs, tenant)...).Exec(ctx); err != nil {
			return errs.Wrap(err, "segment: rfm rescore")
		}
		row.ScoredAt = &now
	}
	if _, err := q.NewRaw("UPDATE segment_customer_rfm SET grp = "+groupSQL()+" WHERE tenant_id = ? AND grp = ''", tenant).Exec(ctx); err != nil {
		return errs.Wrap(err, "segment: rfm groups")
	}
	mark := now.Add(-watermarkOverlap)
	row.ComputedAt = &mark
	if _, err := q.NewUpdate().Model(row).WherePK().Exec(ctx); err != nil {
		return errs.Wrap(err, "segment: rfm settings")
	}
	return nil
}

type customerRFM struct {
	bun.BaseModel `bun:"table:segment_customer_rfm"`
	TenantID      string    `bun:"tenant_id,pk"`
	CustomerID    string    `bun:"customer_id,pk"`
	Orders        int64     `bun:"orders"`
	Spent         int64     `bun:"spent"`
	LastOrderAt   time.Time `bun:"last_order_at"`
	R             int       `bun:"r"`
	F             int       `bun:"f"`
	M             int       `bun:"m"`
	Group         string    `bun:"grp"`
}

// Recompute brings the context's shop's RFM scores up to date now: every
// customer (full) or those with orders changed since the last run.
func (s *Service) Recompute(ctx context.Context, full bool) error {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		row, err := settingsIn(ctx, q, tenant, true, now)
		if err != nil {
			return err
		}
		return s.recompute(ctx, q, row, full, now)
	})
}

// Refresh is the RFM job's round, for core/jobs (every minute; ctx any,
// the work is scoped shop by shop): every shop with orders changed since
// the previous round (since start-up: any order), and every shop whose
// scores were last re-scored a day ago, is recomputed incrementally, one
// transaction per shop. It returns how many shops it recomputed.
func (s *Service) Refresh(ctx context.Context) (int, error) {
	start := s.now()
	s.mu.Lock()
	since := s.refreshed
	s.mu.Unlock()
	var tenants []string
	err := s.db.Read(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		var changed, stale []string
		if err := q.NewRaw(order.ChangedTenantsSQL, since).Scan(ctx, &changed); err != nil && !store.NoRows(err) {
			return err
		}
		if err := q.NewSelect().Model((*rfmSettingsRow)(nil)).Column("tenant_id").
			Where("scored_at IS NOT NULL AND scored_at < ?", start.Add(-rescoreEvery)).Scan(ctx, &stale); err != nil && !store.NoRows(err) {
			return err
		}
		seen := map[string]bool{}
		for _, t := range append(changed, stale...) {
			if !seen[t] {
				seen[t] = true
				tenants = append(tenants, t)
			}
		}
		return nil
	})
	if err != nil {
		return 0, errs.Wrap(err, "segment: refresh")
	}
	sort.Strings(tenants)
	for i, t := range tenants {
		if err := s.Recompute(tenancy.ForTenant(ctx, t), false); err != nil {
			return i, err
		}
	}
	s.mu.Lock()
	s.refreshed = start.Add(-watermarkOverlap)
	s.mu.Unlock()
	return len(tenants), nil
}
