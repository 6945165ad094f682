package catalog

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// PriceChange changes every variant price of the selected products.
// Exactly one of PercentBP (basis points: -1000 is -10 %) and Amount
// (minor units, may be negative) is non-zero. Results are rounded half
// away from zero; a price that would fall below zero refuses the whole edit.
type PriceChange struct {
	PercentBP int64
	Amount    int64
	// CompareAt also changes compare-at prices.
	CompareAt bool
}

// BulkEdit is one edit applied to many products in one transaction.
type BulkEdit struct {
	ProductIDs []string
	Price      *PriceChange
	Status     Status // a workflow transition for every product; "" = none
	AddTags    []string
	RemoveTags []string
}

// MaxBulk is the most products one bulk edit may touch.
const MaxBulk = 5000

// MaxBulkPercentBP is the largest price rise of a bulk edit, in basis
// points (+10000 %).
const MaxBulkPercentBP = 1_000_000

// Bulk applies e to every listed product, all or nothing, and returns how
// many products changed.
func (s *Service) Bulk(ctx context.Context, e BulkEdit) (int, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return 0, err
	}
	if len(e.ProductIDs) == 0 {
		return 0, errs.Field("product_ids", "select at least one product")
	}
	if len(e.ProductIDs) > MaxBulk {
		return 0, errs.Field("product_ids", "at most %d products at once", MaxBulk)
	}
	if e.Price != nil && (e.Price.PercentBP == 0) == (e.Price.Amount == 0) {
		return 0, errs.Field("price", "give either a percentage or an amount")
	}
	if e.Price != nil && e.Price.PercentBP < -10000 {
		return 0, errs.Field("price", "cannot lower prices by more than 100%%")
	}
	// Bounded so the SQL below cannot overflow on prices within the limit.
	if e.Price != nil && e.Price.PercentBP > MaxBulkPercentBP {
		return 0, errs.Field("price", "cannot raise prices by more than %d%%", MaxBulkPercentBP/100)
	}
	if e.Price != nil && (e.Price.Amount > money.MaxUnitPrice || e.Price.Amount < -money.MaxUnitPrice) {
		return 0, errs.Field("price", "cannot change prices by more than %d minor units", int64(money.MaxUnitPrice))
	}
	if e.Status != "" && !e.Status.Valid() {
		return 0, errs.Field("status", "unknown status")
	}
	add, remove := normTags(e.AddTags), normTags(e.RemoveTags)
	ids := uniq(e.ProductIDs)
	actor := tenancy.ActorFrom(ctx)
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		n, err := q.NewSelect().Table("catalog_products").Where("tenant_id = ? AND id IN (?)", tid, bun.List(ids)).Count(ctx)
		if err != nil {
			return errs.Wrap(err, "catalog: bulk")
		}
		if int(n) != len(ids) {
			return errs.Field("product_ids", "%d of the selected products do not exist", len(ids)-int(n))
		}
		now := s.now()
		if p := e.Price; p != nil {
			expr := func(col string) string {
				if p.PercentBP != 0 {
					// round half away from zero: (x*(10000+bp) + 5000) / 10000 for x >= 0
					return fmt.Sprintf("(%s * %d + 5000) / 10000", col, 10000+p.PercentBP)
				}
				return fmt.Sprintf("%s + %d", col, p.Amount)
			}
			var neg int
			if err := q.NewRaw("SELECT COUNT(*) FROM catalog_variants WHERE tenant_id = ? AND product_id IN (?) AND "+expr("price")+" < 0", tid, bun.List(ids)).Scan(ctx, &neg); err != nil {
				return errs.Wrap(err, "catalog: bulk price")
			}
			if neg > 0 {
				return errs.Field("price", "%d variants would get a negative price", neg)
			}
			// Checkout's limit holds for bulk changes too (money.CheckUnitPrice).
			over := fmt.Sprintf("(%s > %d", expr("price"), int64(money.MaxUnitPrice))
			if p.CompareAt {
				over += fmt.Sprintf(" OR %s > %d", expr("compare_at_price"), int64(money.MaxUnitPrice))
			}
			var high int
			if err := q.NewRaw("SELECT COUNT(*) FROM catalog_variants WHERE tenant_id = ? AND product_id IN (?) AND "+over+")", tid, bun.List(ids)).Scan(ctx, &high); err != nil {
				return errs.Wrap(err, "catalog: bulk price")
			}
			if high > 0 {
				return errs.Field("price", "%d variants would get a price above %d minor units, the largest price checkout accepts", high, int64(money.MaxUnitPrice))
			}
			set := "price = " + expr("price")
			if p.CompareAt {
				set += ", compare_at_price = CASE WHEN compare_at_price IS NULL THEN NULL WHEN " + expr("compare_at_price") + " < 0 THEN 0 ELSE " + expr("compare_at_price") + " END"
			}
			if _, err := q.NewRaw("UPDATE catalog_variants SET "+set+", updated_at = ? WHERE tenant_id = ? AND product_id IN (?)", now, tid, bun.List(ids)).Exec(ctx); err != nil {
				return errs.Wrap(err, "catalog: bulk price")
			}
			if _, err := q.NewRaw(`UPDATE catalog_products SET
				price_min = (SELECT COALESCE(MIN(v.price), 0) FROM catalog_variants v WHERE v.tenant_id = catalog_products.tenant_id AND v.product_id = catalog_products.id),
				price_max = (SELECT COALESCE(MAX(v.price), 0) FROM catalog_variants v WHERE v.tenant_id = catalog_products.tenant_id AND v.product_id = catalog_products.id),
				updated_at = ?, version = version + 1
				WHERE tenant_id = ? AND id IN (?)`, now, tid, bun.List(ids)).Exec(ctx); err != nil {
				return errs.Wrap(err, "catalog: bulk price")
			}
		}
		if len(remove) > 0 {
			if _, err := q.NewRaw("DELETE FROM catalog_product_tags WHERE tenant_id = ? AND product_id IN (?) AND tag IN (?)", tid, bun.List(ids), bun.List(remove)).Exec(ctx); err != nil {
				return errs.Wrap(err, "catalog: bulk tags")
			}
		}
		if len(add) > 0 {
			var rows []tagRow
			for _, id := range ids {
				for _, t := range add {
					rows = append(rows, tagRow{TenantID: tid, ProductID: id, Tag: t})
				}
			}
			for len(rows) > 0 {
				k := min(len(rows), 500)
				chunk := rows[:k]
				if _, err := q.NewInsert().Model(&chunk).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
					return errs.Wrap(err, "catalog: bulk tags")
				}
				rows = rows[k:]
			}
		}
		if len(add)+len(remove) > 0 {
			if _, err := q.NewRaw("UPDATE catalog_products SET updated_at = ?, version = version + 1 WHERE tenant_id = ? AND id IN (?)", now, tid, bun.List(ids)).Exec(ctx); err != nil {
				return errs.Wrap(err, "catalog: bulk tags")
			}
			if err := reindex(ctx, q, tid, ids); err != nil {
				return err
			}
		}
		if e.Status != "" {
			for _, id := range ids {
				if err := s.transition(ctx, q, tid, id, e.Status, TransitionOptions{Comment: "bulk edit"}, actor); err != nil {
					if x, ok := err.(*errs.Error); ok {
						x.Message = "product " + id + ": " + x.Message
					}
					return err
				}
			}
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "product.bulk", ObjectType: "product", After: e.summary(len(ids))})
	})
	if err != nil {
		return 0, err
	}
	return len(ids), nil
}

// summary describes the edit of n products for the audit log.
func (e BulkEdit) summary(n int) string {
	var what []string
	if p := e.Price; p != nil {
		if p.PercentBP != 0 {
			what = append(what, "price "+strconv.FormatFloat(float64(p.PercentBP)/100, 'f', -1, 64)+"%")
		} else {
			what = append(what, "price "+strconv.FormatInt(p.Amount, 10))
		}
	}
	if len(e.AddTags) > 0 {
		what = append(what, "+tags "+strings.Join(e.AddTags, ","))
	}
	if len(e.RemoveTags) > 0 {
		what = append(what, "-tags "+strings.Join(e.RemoveTags, ","))
	}
	if e.Status != "" {
		what = append(what, "status "+string(e.Status))
	}
	return strconv.Itoa(n) + " products: " + strings.Join(what, "; ")
}

func uniq(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
