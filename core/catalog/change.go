package catalog

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Reads for the storefront's page cache and its design links, so it names
// none of the catalog's tables. The cache's reads run in the caller's
// transaction q, with the other owners' (design, content, inventory), so a
// check is one transaction of one statement per owner.

// LastChange identifies the current state of the tenant's catalog for a
// cache, in one statement of index look-ups, as of now: the token differs whenever a
// product (its variants, prices and workflow bump its updated_at), image,
// collection, collection membership or category is added, changed or
// deleted, and once a scheduled publication falls due. Latest is the
// newest change of products, collections and categories (zero when the
// catalog is empty). Stock is not part of it (see
// inventory.Service.MovedVariants).
func LastChange(ctx context.Context, q bun.IDB, tid string, now time.Time) (token string, latest time.Time, err error) {
	var row struct {
		PMax    bun.NullTime `bun:"p_max"`
		PN      int64        `bun:"p_n"`
		IMax    string       `bun:"i_max"`
		IN      int64        `bun:"i_n"`
		CMax    bun.NullTime `bun:"c_max"`
		CN      int64        `bun:"c_n"`
		CPN     int64        `bun:"cp_n"`
		GMax    bun.NullTime `bun:"g_max"`
		GN      int64        `bun:"g_n"`
		NextPub bun.NullTime `bun:"next_pub"`
	}
	err = q.NewRaw(`SELECT
		(SELECT MAX(updated_at) FROM catalog_products WHERE tenant_id = ?) AS p_max,
		(SELECT COUNT(*) FROM catalog_products WHERE tenant_id = ?) AS p_n,
		(SELECT COALESCE(MAX(id), '') FROM catalog_images WHERE tenant_id = ?) AS i_max,
		(SELECT COUNT(*) FROM catalog_images WHERE tenant_id = ?) AS i_n,
		(SELECT MAX(updated_at) FROM catalog_collections WHERE tenant_id = ?) AS c_max,
		(SELECT COUNT(*) FROM catalog_collections WHERE tenant_id = ?) AS c_n,
		(SELECT COUNT(*) FROM catalog_collection_products WHERE tenant_id = ?) AS cp_n,
		(SELECT MAX(updated_at) FROM catalog_categories WHERE tenant_id = ?) AS g_max,
		(SELECT COUNT(*) FROM catalog_categories WHERE tenant_id = ?) AS g_n,
		(SELECT MIN(publish_at) FROM catalog_products WHERE tenant_id = ? AND publish_at > ? AND status = 'published') AS next_pub`,
		tid, tid, tid, tid, tid, tid, tid, tid, tid, tid, now).Scan(ctx, &row)
	if err != nil {
		return "", time.Time{}, errs.Wrap(err, "catalog: last change")
	}
	var f store.Fingerprint
	f.Changed(row.PMax)
	f.Count(row.PN)
	f.Text(row.IMax)
	f.Count(row.IN)
	f.Changed(row.CMax)
	f.Count(row.CN)
	f.Count(row.CPN)
	f.Changed(row.GMax)
	f.Count(row.GN)
	f.Due(row.NextPub)
	return f.Token(), f.Latest(), nil
}

// VisibleHandles maps the shop's products among ids that shoppers can see
// now (published, and due) to their handles, in one query; hidden and
// missing ids are absent.
func (s *Service) VisibleHandles(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID     string `bun:"id"`
		Handle string `bun:"handle"`
	}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw(`SELECT id, handle FROM catalog_products WHERE tenant_id = ? AND id IN (?) AND status = 'published' AND (publish_at IS NULL OR publish_at <= ?)`,
			tid, bun.List(ids), s.now()).Scan(ctx, &rows)
	})
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "catalog: visible handles")
	}
	for _, r := range rows {
		out[r.ID] = r.Handle
	}
	return out, nil
}

// ProductOfVariantSQL is a scalar subquery giving the product of the
// variant with the given tenant and id (SQL expressions), NULL for a
// variant that no longer exists: core/inventory lists the products whose
// stock moved in the same statement as the movements, with the SQL staying
// the catalog's.
func ProductOfVariantSQL(tenantExpr, variantExpr string) string {
	return "(SELECT v.product_id FROM catalog_variants v WHERE v.tenant_id = " + tenantExpr + " AND v.id = " + variantExpr + ")"
}
