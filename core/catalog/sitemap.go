package catalog

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// SitemapEntry is a visible product's handle and last change, for
// sitemap.xml.
type SitemapEntry struct {
	ID        string
	Handle    string
	UpdatedAt time.Time
}

// SitemapEntries returns up to limit (default and max 50,000, the sitemap
// protocol's cap) visible products after product id after, in id order, in
// one light query; next is "" at the end.
func (s *Service) SitemapEntries(ctx context.Context, after string, limit int) (entries []SitemapEntry, next string, err error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > 50000 {
		limit = 50000
	}
	var rows []struct {
		ID        string    `bun:"id"`
		Handle    string    `bun:"handle"`
		UpdatedAt time.Time `bun:"updated_at"`
	}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw(`SELECT id, handle, updated_at FROM catalog_products
			WHERE tenant_id = ? AND status = 'published' AND (publish_at IS NULL OR publish_at <= ?) AND id > ?
			ORDER BY id LIMIT ?`, tid, s.now(), after, limit+1).Scan(ctx, &rows)
	})
	if err != nil && !store.NoRows(err) {
		return nil, "", errs.Wrap(err, "catalog: sitemap")
	}
	if len(rows) > limit {
		rows = rows[:limit]
		next = rows[limit-1].ID
	}
	entries = make([]SitemapEntry, len(rows))
	for i, r := range rows {
		entries[i] = SitemapEntry{ID: r.ID, Handle: r.Handle, UpdatedAt: r.UpdatedAt.UTC()}
	}
	return entries, next, nil
}
