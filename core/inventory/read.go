package inventory

import (
	"context"
	"sort"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// Level is the stock of one variant at one location. OnHand = Available +
// Reserved always (a CHECK constraint guarantees it).
type Level struct {
	VariantID  string
	LocationID string
	OnHand     int64
	Available  int64
	Reserved   int64
	UpdatedAt  time.Time
}

type levelRow struct {
	bun.BaseModel `bun:"table:inventory_levels"`
	TenantID      string    `bun:"tenant_id,pk"`
	VariantID     string    `bun:"variant_id,pk"`
	LocationID    string    `bun:"location_id,pk"`
	OnHand        int64     `bun:"on_hand"`
	Available     int64     `bun:"available"`
	Reserved      int64     `bun:"reserved"`
	Backorder     bool      `bun:"backorder"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

func (r *levelRow) out() Level {
	return Level{VariantID: r.VariantID, LocationID: r.LocationID, OnHand: r.OnHand, Available: r.Available, Reserved: r.Reserved, UpdatedAt: r.UpdatedAt.UTC()}
}

// Levels returns a variant's stock at each location.
func (s *Service) Levels(ctx context.Context, variantID string) ([]Level, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var rows []levelRow
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&rows).Where("tenant_id = ? AND variant_id = ?", tid, variantID).Order("location_id").Scan(ctx)
	})
	if err != nil {
		return nil, errs.Wrap(err, "inventory: levels")
	}
	out := make([]Level, len(rows))
	for i := range rows {
		out[i] = rows[i].out()
	}
	return out, nil
}

// StockFor sums each variant's levels over the shop's locations
// (catalog.StockSource). One query.
func (s *Service) StockFor(ctx context.Context, q bun.IDB, tid string, variantIDs []string) (map[string]catalog.Stock, error) {
	out := make(map[string]catalog.Stock, len(variantIDs))
	if len(variantIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		VariantID string `bun:"variant_id"`
		OnHand    int64  `bun:"on_hand"`
		Available int64  `bun:"available"`
		Reserved  int64  `bun:"reserved"`
	}
	err := q.NewRaw(`SELECT variant_id, SUM(on_hand) AS on_hand, SUM(available) AS available, SUM(reserved) AS reserved
		FROM inventory_levels WHERE tenant_id = ? AND variant_id IN (?) GROUP BY variant_id`, tid, bun.List(variantIDs)).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "inventory: stock")
	}
	for _, r := range rows {
		out[r.VariantID] = catalog.Stock{OnHand: r.OnHand, Available: r.Available, Reserved: r.Reserved}
	}
	return out, nil
}

// Stocked reports, for each variant among variantIDs that has stock
// levels, whether any of them can sell now (stock available, or a
// backorder level); a variant without levels is absent. One query.
func Stocked(ctx context.Context, q bun.IDB, tid string, variantIDs []string) (map[string]bool, error) {
	out := make(map[string]bool, len(variantIDs))
	if len(variantIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		VariantID string `bun:"variant_id"`
		Stocked   int64  `bun:"stocked"`
	}
	err := q.NewRaw(`SELECT variant_id, SUM(CASE WHEN available > 0 OR backorder THEN 1 ELSE 0 END) AS stocked
		FROM inventory_levels WHERE tenant_id = ? AND variant_id IN (?) GROUP BY variant_id`, tid, bun.List(variantIDs)).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "inventory: stocked")
	}
	for _, r := range rows {
		out[r.VariantID] = r.Stocked > 0
	}
	return out, nil
}

// ImportStock records imported quantities of new variants as received
// (or, when negative for a backorder variant, adjusted) stock at the
// default location (catalog.StockSink). It runs in the import's
// transaction with one multi-row statement per table.
func (s *Service) ImportStock(ctx context.Context, q bun.IDB, tid string, levels []catalog.ImportedStock) error {
	if len(levels) == 0 {
		return nil
	}
	loc, err := s.defaultLocation(ctx, q, tid)
	if err != nil {
		return err
	}
	now := s.now()
	actor := tenancy.ActorFrom(ctx)
	type mv struct {
		bun.BaseModel  `bun:"table:inventory_movements"`
		TenantID       string    `bun:"tenant_id"`
		ID             string    `bun:"id"`
		VariantID      string    `bun:"variant_id"`
		LocationID     string    `bun:"location_id"`
		Kind           string    `bun:"kind"`
		OnHandDelta    int64     `bun:"on_hand_delta"`
		AvailableDelta int64     `bun:"available_delta"`
		ReservedDelta  int64     `bun:"reserved_delta"`
		Reason         string    `bun:"reason"`
		Ref            string    `bun:"ref"`
		ActorKind      string    `bun:"actor_kind"`
		ActorID        string    `bun:"actor_id"`
		CreatedAt      time.Time `bun:"created_at"`
	}
	var lv []levelRow
	var mvs []mv
	for _, l := range levels {
		if l.Quantity == 0 {
			continue
		}
		if l.Quantity < 0 && !l.AllowBackorder {
			return errs.Field("quantity", "negative stock needs a backorder variant")
		}
		lv = append(lv, levelRow{TenantID: tid, VariantID: l.VariantID, LocationID: loc, OnHand: l.Quantity, Available: l.Quantity, Backorder: l.AllowBackorder, UpdatedAt: now})
		m := mv{TenantID: tid, ID: store.NewID(), VariantID: l.VariantID, LocationID: loc, Kind: string(Received), OnHandDelta: l.Quantity,
			AvailableDelta: l.Quantity, Ref: "import", ActorKind: actor.Kind, ActorID: actor.ID, CreatedAt: now}
		if l.Quantity < 0 {
			m.Kind, m.Reason = string(Adjusted), "import"
		}
		mvs = append(mvs, m)
	}
	for len(lv) > 0 {
		n := min(len(lv), 3000)
		chunk := lv[:n]
		if _, err := q.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			if store.IsUniqueViolation(err) {
				return errs.E(errs.Conflict, "stock already recorded for an imported variant")
			}
			return errs.Wrap(err, "inventory: import levels")
		}
		lv = lv[n:]
	}
	for len(mvs) > 0 {
		n := min(len(mvs), 2000)
		chunk := mvs[:n]
		if _, err := q.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return errs.Wrap(err, "inventory: import movements")
		}
		mvs = mvs[n:]
	}
	return nil
}

// SetImportedStock makes each variant's available stock, summed over
// locations, equal to the imported quantity (catalog.StockSink, for an
// import that updates existing products). The difference is an "adjusted"
// movement with reason "import": stock that goes up is added at the
// default location, stock that goes down is taken from the locations with
// the most available first (and, for a backorder or untracked variant
// going below zero, from the default location). It runs in the import's
// transaction.
func (s *Service) SetImportedStock(ctx context.Context, q bun.IDB, tid string, levels []catalog.ImportedStock) error {
	for _, l := range levels {
		var rows []struct {
			LocationID string `bun:"location_id"`
			Available  int64  `bun:"available"`
		}
		if err := q.NewRaw("SELECT location_id, available FROM inventory_levels WHERE tenant_id = ? AND variant_id = ? ORDER BY available DESC, location_id",
			tid, l.VariantID).Scan(ctx, &rows); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "inventory: import stock")
		}
		var total int64
		for _, r := range rows {
			total += r.Available
		}
		adjust := func(loc string, d int64) error {
			if loc == "" {
				var err error
				if loc, err = s.defaultLocation(ctx, q, tid); err != nil {
					return err
				}
			}
			return s.apply(ctx, q, tid, move{variant: l.VariantID, location: loc, kind: Adjusted, d: delta{d, d, 0}, reason: "import", ref: "import"})
		}
		switch d := l.Quantity - total; {
		case d > 0:
			if err := adjust("", d); err != nil {
				return err
			}
		case d < 0:
			need := -d
			for _, r := range rows {
				if take := min(need, max(r.Available, 0)); take > 0 {
					if err := adjust(r.LocationID, -take); err != nil {
						return err
					}
					need -= take
				}
			}
			if need > 0 {
				if err := adjust("", -need); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Movement is one ledger entry.
type Movement struct {
	ID             string
	VariantID      string
	LocationID     string
	Kind           Kind
	OnHandDelta    int64
	AvailableDelta int64
	ReservedDelta  int64
	Reason         string
	Ref            string
	ReservationID  string
	ActorKind      string
	ActorID        string
	At             time.Time
}

// MovedProducts are the tenant's distinct products whose stock moved
// since the given time (a primary-key range of the movements ledger, whose
// ids are time-ordered), at most limit of them, read in q in one
// statement; caches of pages that show stock drop the pages of these.
// Variants deleted since are left out.
func MovedProducts(ctx context.Context, q bun.IDB, tid string, since time.Time, limit int) ([]string, error) {
	var ids []string
	err := q.NewRaw(`SELECT DISTINCT product_id FROM (SELECT `+catalog.ProductOfVariantSQL("m.tenant_id", "m.variant_id")+` AS product_id
		FROM inventory_movements AS m WHERE m.tenant_id = ? AND m.id >= ?) AS moved WHERE product_id IS NOT NULL LIMIT ?`,
		tid, store.IDFloor(since), limit).Scan(ctx, &ids)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "inventory: moved products")
	}
	return ids, nil
}

// Movements returns a variant's ledger, newest first, at most limit
// entries before the entry with id before ("" = from the newest).
func (s *Service) Movements(ctx context.Context, variantID, before string, limit int) ([]Movement, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var rows []struct {
		ID             string    `bun:"id"`
		VariantID      string    `bun:"variant_id"`
		LocationID     string    `bun:"location_id"`
		Kind           string    `bun:"kind"`
		OnHandDelta    int64     `bun:"on_hand_delta"`
		AvailableDelta int64     `bun:"available_delta"`
		ReservedDelta  int64     `bun:"reserved_delta"`
		Reason         string    `bun:"reason"`
		Ref            string    `bun:"ref"`
		ReservationID  string    `bun:"reservation_id"`
		ActorKind      string    `bun:"actor_kind"`
		ActorID        string    `bun:"actor_id"`
		CreatedAt      time.Time `bun:"created_at"`
	}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sel := q.NewSelect().Table("inventory_movements").Column("id", "variant_id", "location_id", "kind", "on_hand_delta", "available_delta", "reserved_delta", "reason", "ref", "reservation_id", "actor_kind", "actor_id", "created_at").Where("tenant_id = ? AND variant_id = ?", tid, variantID)
		if before != "" {
			sel = sel.Where("id < ?", before)
		}
		return sel.OrderExpr("id DESC").Limit(int64(limit)).Scan(ctx, &rows)
	})
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "inventory: movements")
	}
	out := make([]Movement, len(rows))
	for i, r := range rows {
		out[i] = Movement{ID: r.ID, VariantID: r.VariantID, LocationID: r.LocationID, Kind: Kind(r.Kind), OnHandDelta: r.OnHandDelta,
			AvailableDelta: r.AvailableDelta, ReservedDelta: r.ReservedDelta, Reason: r.Reason, Ref: r.Ref, ReservationID: r.ReservationID,
			ActorKind: r.ActorKind, ActorID: r.ActorID, At: r.CreatedAt.UTC()}
	}
	return out, nil
}

// StockRow is a variant's stock at a location with what the console shows
// next to it.
type StockRow struct {
	VariantID    string
	ProductID    string
	ProductTitle string
	SKU          string
	Options      [3]string
	SafetyStock  int64
	Level
}

// ByLocation lists stock at one location ordered by variant id, limit rows
// after variant id after ("" = from the start): the console's inventory view.
func (s *Service) ByLocation(ctx context.Context, locationID, after string, limit int) ([]StockRow, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var levels []levelRow
	var labels map[string]catalog.VariantSummary
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		err := q.NewSelect().Model(&levels).Where("tenant_id = ? AND location_id = ? AND variant_id > ?", tid, locationID, after).
			Order("variant_id").Limit(int64(limit)).Scan(ctx)
		if err != nil && !store.NoRows(err) {
			return err
		}
		ids := make([]string, len(levels))
		for i := range levels {
			ids[i] = levels[i].VariantID
		}
		labels, err = catalog.VariantSummaries(ctx, q, tid, ids, nil)
		return err
	})
	if err != nil {
		return nil, errs.Wrap(err, "inventory: by location")
	}
	out := make([]StockRow, 0, len(levels))
	for i := range levels {
		v, ok := labels[levels[i].VariantID]
		if !ok {
			continue
		}
		r := StockRow{VariantID: v.ID, ProductID: v.ProductID, ProductTitle: v.ProductTitle, Options: [3]string{v.Option1, v.Option2, v.Option3},
			SafetyStock: v.SafetyStock, Level: levels[i].out()}
		if v.SKU != nil {
			r.SKU = *v.SKU
		}
		out = append(out, r)
	}
	return out, nil
}

// LowStockItem is a variant at or below its safety stock.
type LowStockItem struct {
	VariantID    string
	ProductID    string
	ProductTitle string
	SKU          string
	Available    int64
	SafetyStock  int64
}

// LowStock lists variants (of products not archived) whose total
// available stock is at or below their safety stock, lowest first.
func (s *Service) LowStock(ctx context.Context, limit int) ([]LowStockItem, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	var vs []catalog.VariantSummary
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		vs, err = catalog.SafetyStockVariants(ctx, q, tid, AvailableSQL)
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []LowStockItem
	for _, v := range vs {
		if v.Available > v.SafetyStock {
			continue
		}
		it := LowStockItem{VariantID: v.ID, ProductID: v.ProductID, ProductTitle: v.ProductTitle, Available: v.Available, SafetyStock: v.SafetyStock}
		if v.SKU != nil {
			it.SKU = *v.SKU
		}
		out = append(out, it)
	}
	sort.SliceStable(out, func(i, j int) bool { // vs is in id order
		return out[i].Available-out[i].SafetyStock < out[j].Available-out[j].SafetyStock
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Turnover is a variant's stock turnover over a period, from the ledger.
type Turnover struct {
	VariantID     string
	UnitsSold     int64 // sold minus returned in the period
	OpeningOnHand int64 // at the start of the period
	ClosingOnHand int64 // at the end of the period
	// Rate is UnitsSold divided by the average of opening and closing
	// on-hand (0 when that average is not positive).
	Rate float64
}

// TurnoverFor computes turnover for every variant with movements, over
// [from, to). Two queries whatever the number of variants.
func (s *Service) TurnoverFor(ctx context.Context, from, to time.Time) ([]Turnover, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if !to.After(from) {
		return nil, errs.Field("to", "must be after from")
	}
	from, to = from.UTC(), to.UTC()
	var rows []struct {
		VariantID   string `bun:"variant_id"`
		Sold        int64  `bun:"sold"`
		PeriodDelta int64  `bun:"period_delta"`
		AfterDelta  int64  `bun:"after_delta"`
		OnHand      int64  `bun:"on_hand"`
	}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw(`SELECT m.variant_id,
			SUM(CASE WHEN m.created_at >= ? AND m.created_at < ? AND m.kind IN ('sold', 'returned') THEN -m.on_hand_delta ELSE 0 END) AS sold,
			SUM(CASE WHEN m.created_at >= ? AND m.created_at < ? THEN m.on_hand_delta ELSE 0 END) AS period_delta,
			SUM(CASE WHEN m.created_at >= ? THEN m.on_hand_delta ELSE 0 END) AS after_delta,
			(SELECT COALESCE(SUM(l.on_hand), 0) FROM inventory_levels l WHERE l.tenant_id = m.tenant_id AND l.variant_id = m.variant_id) AS on_hand
			FROM inventory_movements m WHERE m.tenant_id = ?
			GROUP BY m.tenant_id, m.variant_id ORDER BY m.variant_id`, from, to, from, to, to, tid).Scan(ctx, &rows)
	})
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "inventory: turnover")
	}
	out := make([]Turnover, 0, len(rows))
	for _, r := range rows {
		t := Turnover{VariantID: r.VariantID, UnitsSold: r.Sold, ClosingOnHand: r.OnHand - r.AfterDelta}
		t.OpeningOnHand = t.ClosingOnHand - r.PeriodDelta
		if avg := float64(t.OpeningOnHand+t.ClosingOnHand) / 2; avg > 0 {
			t.Rate = float64(t.UnitsSold) / avg
		}
		out = append(out, t)
	}
	return out, nil
}
