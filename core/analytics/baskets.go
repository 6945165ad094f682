package analytics

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// Bought together: association rules between products mined from the
// shop's orders (SEEDS §2, §10 — cross-selling).
//
// A basket is a counted order (neither awaiting payment nor cancelled)
// placed in the last WindowDays days, taken as the set of the distinct
// products on its lines. Over N baskets, with n(X) the baskets holding X,
// the rule A → B ("who buys A also buys B") has
//
//	support    = n(A ∧ B) / N        how common the pair is
//	confidence = n(A ∧ B) / n(A)     how often A's baskets also hold B
//	lift       = confidence / (n(B) / N) = n(A ∧ B) · N / (n(A) · n(B))
//	                                 how much more often than by chance
//	                                 (1: independent; > 1: bought together)
//
// A rule is kept when its support is at least MinSupport and its
// confidence at least MinConfidence; both directions of a pair are
// rules. Mining counts pairs in SQL (order.BasketPairs: a self-join of
// the baskets, with the support threshold as HAVING, so rare pairs never
// leave the database) and stores the kept rules with the counts they come
// from; MineBaskets (a core/jobs schedule) re-mines the shops whose orders
// changed, and saving the thresholds re-mines the shop at once. Readers
// (the console, the product page, the recommendations host) read the
// stored rules.

// BasketSettings are a shop's thresholds for the rules.
type BasketSettings struct {
	MinSupport    float64 `json:"min_support"`    // (0, 1]
	MinConfidence float64 `json:"min_confidence"` // [0, 1]
	WindowDays    int     `json:"window_days"`    // orders placed in the last this many days
}

// DefaultBasketSettings apply to a shop that saved none.
var DefaultBasketSettings = BasketSettings{MinSupport: 0.01, MinConfidence: 0.1, WindowDays: 365}

// maxRules caps the rules stored per shop (best confidence first).
const maxRules = 5000

type basketSettingsRow struct {
	bun.BaseModel `bun:"table:analytics_basket_settings"`
	TenantID      string    `bun:"tenant_id,pk"`
	MinSupport    float64   `bun:"min_support"`
	MinConfidence float64   `bun:"min_confidence"`
	WindowDays    int       `bun:"window_days"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

// BasketRun is a shop's last mining run.
type BasketRun struct {
	bun.BaseModel `bun:"table:analytics_basket_runs"`
	TenantID      string    `bun:"tenant_id,pk" json:"-"`
	ComputedAt    time.Time `bun:"computed_at" json:"computed_at"`
	Since         time.Time `bun:"since" json:"since"`
	Baskets       int64     `bun:"baskets" json:"baskets"`
	Rules         int       `bun:"rules" json:"rules"`
	TookMS        int64     `bun:"took_ms" json:"took_ms"`
}

// Rule is one association rule A → B with its counts and measures.
type Rule struct {
	bun.BaseModel    `bun:"table:analytics_basket_rules"`
	TenantID         string  `bun:"tenant_id,pk"`
	AntecedentID     string  `bun:"antecedent_id,pk"`
	ConsequentID     string  `bun:"consequent_id,pk"`
	PairOrders       int64   `bun:"pair_orders"`       // n(A ∧ B)
	AntecedentOrders int64   `bun:"antecedent_orders"` // n(A)
	ConsequentOrders int64   `bun:"consequent_orders"` // n(B)
	Baskets          int64   `bun:"baskets"`           // N
	Support          float64 `bun:"support"`
	Confidence       float64 `bun:"confidence"`
	Lift             float64 `bun:"lift"`
	// The products' titles when read by Rules ("" for a deleted product).
	AntecedentTitle string `bun:"-"`
	ConsequentTitle string `bun:"-"`
}

func (st BasketSettings) validate() error {
	if math.IsNaN(st.MinSupport) || st.MinSupport <= 0 || st.MinSupport > 1 {
		return errs.Field("min_support", "must be more than 0 and at most 1 (a share of the orders, e.g. 0.01)")
	}
	if math.IsNaN(st.MinConfidence) || st.MinConfidence < 0 || st.MinConfidence > 1 {
		return errs.Field("min_confidence", "must be between 0 and 1")
	}
	if st.WindowDays < 1 || st.WindowDays > 3650 {
		return errs.Field("window_days", "must be between 1 and 3650")
	}
	return nil
}

func basketSettingsIn(ctx context.Context, q bun.IDB, tid string) (BasketSettings, error) {
	var row basketSettingsRow
	err := q.NewSelect().Model(&row).Where("tenant_id = ?", tid).Scan(ctx)
	if store.NoRows(err) {
		return DefaultBasketSettings, nil
	}
	if err != nil {
		return BasketSettings{}, errs.Wrap(err, "analytics: basket settings")
	}
	return BasketSettings{MinSupport: row.MinSupport, MinConfidence: row.MinConfidence, WindowDays: row.WindowDays}, nil
}

// BasketState is a shop's thresholds and last run (nil: never mined).
func (s *Service) BasketState(ctx context.Context) (BasketSettings, *BasketRun, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return BasketSettings{}, nil, err
	}
	var st BasketSettings
	var run *BasketRun
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		if st, err = basketSettingsIn(ctx, q, tid); err != nil {
			return err
		}
		var r BasketRun
		err := q.NewSelect().Model(&r).Where("tenant_id = ?", tid).Scan(ctx)
		if err == nil {
			r.ComputedAt, r.Since = r.ComputedAt.UTC(), r.Since.UTC()
			run = &r
		}
		if store.NoRows(err) {
			return nil
		}
		return err
	})
	return st, run, err
}

// SaveBasketSettings validates and stores the shop's thresholds (audited)
// and mines its rules with them at once.
func (s *Service) SaveBasketSettings(ctx context.Context, st BasketSettings) (*BasketRun, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if err := st.validate(); err != nil {
		return nil, err
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		before, err := basketSettingsIn(ctx, q, tid)
		if err != nil {
			return err
		}
		row := &basketSettingsRow{TenantID: tid, MinSupport: st.MinSupport, MinConfidence: st.MinConfidence, WindowDays: st.WindowDays, UpdatedAt: s.now()}
		if _, err := q.NewInsert().Model(row).On("CONFLICT (tenant_id) DO UPDATE").
			Set("min_support = EXCLUDED.min_support, min_confidence = EXCLUDED.min_confidence, window_days = EXCLUDED.window_days, updated_at = EXCLUDED.updated_at").
			Exec(ctx); err != nil {
			return errs.Wrap(err, "analytics: save basket settings")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "analytics.basket_settings", ObjectType: "analytics_settings", ObjectID: tid,
			Before: fmt.Sprintf("%+v", before), After: fmt.Sprintf("%+v", st)})
	})
	if err != nil {
		return nil, err
	}
	return s.MineShop(ctx)
}

// MineShop mines the context shop's rules now and replaces the stored
// ones: the counts are read first (two statements), then the rules are
// written in one transaction.
func (s *Service) MineShop(ctx context.Context) (*BasketRun, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	now := s.now()
	var (
		st    BasketSettings
		bk    *order.Baskets
		pairs []order.BasketPair
	)
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		if st, err = basketSettingsIn(ctx, q, tid); err != nil {
			return err
		}
		since := now.AddDate(0, 0, -st.WindowDays)
		if bk, err = order.BasketCounts(ctx, q, tid, since); err != nil {
			return err
		}
		if bk.Orders == 0 {
			return nil
		}
		minPair := int64(math.Ceil(st.MinSupport*float64(bk.Orders) - 1e-9))
		pairs, err = order.BasketPairs(ctx, q, tid, since, minPair, maxRules)
		return err
	})
	if err != nil {
		return nil, err
	}
	rules := RulesOf(bk, pairs, st)
	if len(rules) > maxRules {
		rules = rules[:maxRules]
	}
	run := &BasketRun{TenantID: tid, ComputedAt: now, Since: now.AddDate(0, 0, -st.WindowDays), Baskets: bk.Orders, Rules: len(rules)}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if _, err := q.NewDelete().TableExpr("analytics_basket_rules").Where("tenant_id = ?", tid).Exec(ctx); err != nil {
			return err
		}
		for len(rules) > 0 {
			chunk := rules[:min(len(rules), 1000)]
			rules = rules[len(chunk):]
			for i := range chunk {
				chunk[i].TenantID = tid
			}
			if _, err := q.NewInsert().Model(&chunk).Exec(ctx); err != nil {
				return err
			}
		}
		run.TookMS = time.Since(start).Milliseconds()
		_, err := q.NewInsert().Model(run).On("CONFLICT (tenant_id) DO UPDATE").
			Set("computed_at = EXCLUDED.computed_at, since = EXCLUDED.since, baskets = EXCLUDED.baskets, rules = EXCLUDED.rules, took_ms = EXCLUDED.took_ms").Exec(ctx)
		return err
	})
	if err != nil {
		return nil, errs.Wrap(err, "analytics: store basket rules")
	}
	return run, nil
}

// RulesOf turns basket counts into the rules that pass the thresholds,
// both directions of every pair, best confidence first (then lift, then
// ids). Pure: the measures are the package's definitions above.
func RulesOf(bk *order.Baskets, pairs []order.BasketPair, st BasketSettings) []Rule {
	var out []Rule
	if bk == nil || bk.Orders == 0 {
		return out
	}
	n := float64(bk.Orders)
	for _, p := range pairs {
		for _, dir := range [2][2]string{{p.A, p.B}, {p.B, p.A}} {
			na, nb := bk.Items[dir[0]], bk.Items[dir[1]]
			if na == 0 || nb == 0 {
				continue
			}
			r := Rule{AntecedentID: dir[0], ConsequentID: dir[1], PairOrders: p.Orders, AntecedentOrders: na, ConsequentOrders: nb, Baskets: bk.Orders,
				Support: float64(p.Orders) / n, Confidence: float64(p.Orders) / float64(na), Lift: float64(p.Orders) * n / (float64(na) * float64(nb))}
			if r.Support+1e-12 < st.MinSupport || r.Confidence+1e-12 < st.MinConfidence {
				continue
			}
			out = append(out, r)
		}
	}
	sortRules(out)
	return out
}

func sortRules(rs []Rule) {
	less := func(a, b *Rule) bool {
		if a.Confidence != b.Confidence {
			return a.Confidence > b.Confidence
		}
		if a.Lift != b.Lift {
			return a.Lift > b.Lift
		}
		if a.AntecedentID != b.AntecedentID {
			return a.AntecedentID < b.AntecedentID
		}
		return a.ConsequentID < b.ConsequentID
	}
	for i := 1; i < len(rs); i++ { // insertion into a sorted prefix keeps it stable
		for j := i; j > 0 && less(&rs[j], &rs[j-1]); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// RuleSorts are the orders Rules accepts.
var RuleSorts = map[string]string{
	"lift":       "lift DESC, confidence DESC",
	"confidence": "confidence DESC, lift DESC",
	"support":    "support DESC, lift DESC",
}

// Rules lists the context shop's stored rules, by sort (one of RuleSorts;
// "" = lift), at most limit (1–1000), optionally only those whose
// antecedent is product.
func (s *Service) Rules(ctx context.Context, product, sort string, limit int) ([]Rule, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if sort == "" {
		sort = "lift"
	}
	order, ok := RuleSorts[sort]
	if !ok {
		return nil, errs.Field("sort", "must be lift, confidence or support")
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var out []Rule
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sel := q.NewSelect().Model(&out).Where("tenant_id = ?", tid)
		if product != "" {
			sel = sel.Where("antecedent_id = ?", product)
		}
		if err := sel.OrderExpr(order + ", antecedent_id, consequent_id").Limit(int64(limit)).Scan(ctx); err != nil {
			return err
		}
		ids := make([]string, 0, 2*len(out))
		for _, r := range out {
			ids = append(ids, r.AntecedentID, r.ConsequentID)
		}
		briefs, err := catalog.ProductBriefs(ctx, q, tid, ids)
		for i := range out {
			out[i].AntecedentTitle, out[i].ConsequentTitle = briefs[out[i].AntecedentID].Title, briefs[out[i].ConsequentID].Title
		}
		return err
	})
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "analytics: rules")
	}
	return out, nil
}

// BoughtWith are the rules from product whose lift is above 1 (bought
// together more often than by chance), strongest first (lift, then
// confidence), at most limit: what the product page shows.
func (s *Service) BoughtWith(ctx context.Context, product string, limit int) ([]Rule, error) {
	rs, err := s.Rules(ctx, product, "lift", limit)
	out := rs[:0]
	for _, r := range rs {
		if r.Lift > 1 {
			out = append(out, r)
		}
	}
	return out, err
}

// MineBaskets re-mines the shops whose orders changed since the last
// round (order.Touched; its cursor, kept in analytics_cursors as
// "baskets", is read back with a few minutes' lookback so an order whose
// transaction committed late is not missed) and returns how many it
// mined. One shop failing is logged and the others go on.
func (s *Service) MineBaskets(ctx context.Context) (int, error) {
	const page, lookback = 100000, 5 * time.Minute
	platform := tenancy.WithPlatform(ctx)
	start := s.now()
	var cur cursorRow
	var touched []order.Touch
	err := s.db.Read(platform, func(ctx context.Context, q bun.IDB) error {
		err := q.NewSelect().Model(&cur).Where("name = 'baskets'").Scan(ctx)
		if err != nil && !store.NoRows(err) {
			return err
		}
		since := cur.At
		if !since.IsZero() {
			since = since.Add(-lookback)
		}
		touched, err = order.Touched(ctx, q, since, page)
		return err
	})
	if err != nil {
		return 0, errs.Wrap(err, "analytics: basket shops")
	}
	next := start
	if len(touched) == page { // the rest next round
		next = touched[len(touched)-1].UpdatedAt
	}
	seen := map[string]bool{}
	done := 0
	for _, t := range touched {
		if seen[t.TenantID] {
			continue
		}
		seen[t.TenantID] = true
		if _, err := s.MineShop(tenancy.WithTenant(ctx, t.TenantID)); err != nil {
			if ctx.Err() != nil {
				return done, ctx.Err()
			}
			s.log.Warn("analytics: mine baskets", "tenant", t.TenantID, "err", err)
			continue
		}
		done++
	}
	err = s.db.Write(platform, func(ctx context.Context, q bun.IDB) error {
		_, err := q.NewInsert().Model(&cursorRow{Name: "baskets", At: next}).On("CONFLICT (name) DO UPDATE").Set("at = EXCLUDED.at").Exec(ctx)
		return err
	})
	if err != nil {
		return done, errs.Wrap(err, "analytics: basket cursor")
	}
	return done, nil
}
