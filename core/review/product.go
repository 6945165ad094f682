package review

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Summary is a product's approved reviews in figures.
type Summary struct {
	Count int64    `json:"count"`
	Sum   int64    `json:"-"`
	Stars [5]int64 `json:"stars"` // Stars[0] is the number of 1-star reviews
}

// Average is the mean rating, 0 without reviews.
func (s Summary) Average() float64 {
	if s.Count == 0 {
		return 0
	}
	return float64(s.Sum) / float64(s.Count)
}

// Sorts of a product's reviews.
const (
	SortNewest  = "newest"
	SortHighest = "highest"
	SortLowest  = "lowest"
	SortPhotos  = "photos" // reviews with photos first, then newest
)

// Sorts lists the sorts a product page offers.
var Sorts = []string{SortNewest, SortHighest, SortLowest, SortPhotos}

// ProductQuery selects a page of a product's approved reviews.
type ProductQuery struct {
	Sort    string // "" is newest
	Stars   int    // 0: any
	Page    int    // from 1
	PerPage int    // 1 to 50 (default 10)
}

// ProductPage is a page of a product's approved reviews with the summary
// over all of them.
type ProductPage struct {
	Summary Summary  `json:"summary"`
	Reviews []Review `json:"reviews"`
	Page    int      `json:"page"`
	Pages   int      `json:"pages"`
	Matched int64    `json:"matched"` // reviews the star filter kept
}

// maxPage bounds the offset a page number asks for.
const maxPage = 1000

// Check validates q and fills its defaults.
func (pq *ProductQuery) Check() error {
	switch pq.Sort {
	case "":
		pq.Sort = SortNewest
	case SortNewest, SortHighest, SortLowest, SortPhotos:
	default:
		return errs.Field("sort", "must be one of %s", strings.Join(Sorts, ", "))
	}
	if pq.Stars < 0 || pq.Stars > 5 {
		return errs.Field("stars", "must be 1 to 5")
	}
	if pq.PerPage == 0 {
		pq.PerPage = 10
	}
	if pq.PerPage < 1 || pq.PerPage > 50 {
		return errs.Field("per_page", "must be 1 to 50")
	}
	if pq.Page == 0 {
		pq.Page = 1
	}
	if pq.Page < 1 || pq.Page > maxPage {
		return errs.Field("page", "must be 1 to %d", maxPage)
	}
	return nil
}

// ForProduct is a page of the product's approved reviews as shoppers see
// them (no e-mail, order or customer ids) with the product's summary.
func (s *Service) ForProduct(ctx context.Context, productID string, pq ProductQuery) (*ProductPage, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := pq.Check(); err != nil {
		return nil, err
	}
	out := &ProductPage{Reviews: []Review{}, Page: pq.Page}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var stars []struct {
			Rating int   `bun:"rating"`
			N      int64 `bun:"n"`
		}
		if err := q.NewSelect().Model((*reviewRow)(nil)).ColumnExpr("rating, COUNT(*) AS n").
			Where("tenant_id = ? AND product_id = ? AND status = ?", tenant, productID, Approved).GroupExpr("rating").Scan(ctx, &stars); err != nil {
			return errs.Wrap(err, "review summary")
		}
		for _, st := range stars {
			out.Summary.Stars[st.Rating-1] = st.N
			out.Summary.Count += st.N
			out.Summary.Sum += int64(st.Rating) * st.N
		}
		out.Matched = out.Summary.Count
		if pq.Stars > 0 {
			out.Matched = out.Summary.Stars[pq.Stars-1]
		}
		out.Pages = int((out.Matched + int64(pq.PerPage) - 1) / int64(pq.PerPage))
		if out.Matched == 0 {
			return nil
		}
		var rows []reviewRow
		sel := q.NewSelect().Model(&rows).Where("tenant_id = ? AND product_id = ? AND status = ?", tenant, productID, Approved)
		if pq.Stars > 0 {
			sel.Where("rating = ?", pq.Stars)
		}
		switch pq.Sort {
		case SortHighest:
			sel.OrderExpr("rating DESC")
		case SortLowest:
			sel.OrderExpr("rating ASC")
		case SortPhotos:
			sel.OrderExpr("CASE WHEN photo_count > 0 THEN 0 ELSE 1 END")
		}
		if err := sel.OrderExpr("created_at DESC, id DESC").Limit(int64(pq.PerPage)).Offset(int64((pq.Page - 1) * pq.PerPage)).Scan(ctx); err != nil {
			return errs.Wrap(err, "review.ForProduct")
		}
		for i := range rows {
			r := rows[i].review()
			r.Email, r.CustomerID, r.OrderID, r.LineID = "", "", "", ""
			out.Reviews = append(out.Reviews, r)
		}
		return withPhotos(ctx, q, tenant, out.Reviews)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PublicPhoto reports whether key is a photo of an approved review of the
// context's shop (the storefront serves only those).
func (s *Service) PublicPhoto(ctx context.Context, key string) (bool, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return false, err
	}
	// Keys are <tenant>/reviews/<review>/<photo>/<file>: the original and
	// its renditions.
	parts := strings.Split(key, "/")
	if len(parts) != 5 || parts[0] != tenant || parts[1] != "reviews" {
		return false, nil
	}
	var n int64
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		n, err = q.NewSelect().Model((*photoRow)(nil)).ModelTableExpr("review_photos AS p").
			Join("JOIN reviews AS r ON r.tenant_id = p.tenant_id AND r.id = p.review_id").
			Where("p.tenant_id = ? AND p.review_id = ? AND p.id = ? AND r.status = ?", tenant, parts[2], parts[3], Approved).Count(ctx)
		return errs.Wrap(err, "review.PublicPhoto")
	})
	return n > 0, err
}

// LastChange identifies the state of the shop's published reviews for the
// storefront's page cache: the latest moderation, reply or photo change
// and the number of approved reviews (a submission waiting for moderation
// changes nothing a page shows).
func LastChange(ctx context.Context, q bun.IDB, tid string) (token string, latest time.Time, err error) {
	var row struct {
		Max bun.NullTime `bun:"m"`
		N   int64        `bun:"n"`
	}
	err = q.NewRaw(`SELECT
		(SELECT MAX(updated_at) FROM reviews WHERE tenant_id = ? AND status <> 'pending') AS m,
		(SELECT COUNT(*) FROM reviews WHERE tenant_id = ? AND status = 'approved') AS n`, tid, tid).Scan(ctx, &row)
	if err != nil {
		return "", time.Time{}, errs.Wrap(err, "review: last change")
	}
	var f store.Fingerprint
	f.Changed(row.Max)
	f.Count(row.N)
	return f.Token(), f.Latest(), nil
}
