package review

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
)

// Get returns one review with its photos.
func (s *Service) Get(ctx context.Context, id string) (*Review, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	var r *Review
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		r, err = get(ctx, q, tenant, id)
		return err
	})
	return r, err
}

func get(ctx context.Context, q bun.IDB, tenant, id string) (*Review, error) {
	var row reviewRow
	if err := q.NewSelect().Model(&row).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx); err != nil {
		if store.NoRows(err) {
			return nil, errs.NotFoundf("review not found")
		}
		return nil, errs.Wrap(err, "review.Get")
	}
	rs := []Review{row.review()}
	if err := withPhotos(ctx, q, tenant, rs); err != nil {
		return nil, err
	}
	return &rs[0], nil
}

// withPhotos fills the reviews' photos in one query.
func withPhotos(ctx context.Context, q bun.IDB, tenant string, rs []Review) error {
	if len(rs) == 0 {
		return nil
	}
	at := make(map[string]int, len(rs))
	ids := make([]string, len(rs))
	for i := range rs {
		at[rs[i].ID], ids[i] = i, rs[i].ID
	}
	var rows []photoRow
	if err := q.NewSelect().Model(&rows).Where("tenant_id = ? AND review_id IN (?)", tenant, bun.List(ids)).OrderExpr("review_id, position").Scan(ctx); err != nil {
		return errs.Wrap(err, "review photos")
	}
	for i := range rows {
		r := &rs[at[rows[i].ReviewID]]
		r.Photos = append(r.Photos, rows[i].photo())
	}
	return nil
}

// moves are the moderation transitions: to → the states it may come from.
var moves = map[Status][]Status{Approved: {Pending, Rejected}, Rejected: {Pending, Approved}}

// Approve publishes a review; its first approval announces
// "review.approved".
func (s *Service) Approve(ctx context.Context, id string) (*Review, error) {
	return s.moderate(ctx, id, Approved, "")
}

// Reject refuses a pending review or withdraws an approved one; note is
// kept in the audit log.
func (s *Service) Reject(ctx context.Context, id, note string) (*Review, error) {
	note, err := plain("note", note, MaxReply, false)
	if err != nil {
		return nil, err
	}
	return s.moderate(ctx, id, Rejected, note)
}

func (s *Service) moderate(ctx context.Context, id string, to Status, note string) (*Review, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	var r *Review
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		cur, err := get(ctx, q, tenant, id)
		if err != nil {
			return err
		}
		ok := false
		for _, from := range moves[to] {
			ok = ok || cur.Status == from
		}
		if !ok {
			return errs.E(errs.Conflict, "the review is already %s", cur.Status)
		}
		now := s.now()
		var first time.Time
		upd := q.NewUpdate().Model((*reviewRow)(nil)).Set("status = ?", to).Set("moderated_at = ?", now).Set("updated_at = ?", now).
			Set("version = version + 1").Where("tenant_id = ? AND id = ? AND status = ?", tenant, id, cur.Status)
		if to == Approved {
			var row reviewRow
			if err := q.NewSelect().Model(&row).Column("first_approved_at").Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx); err != nil {
				return errs.Wrap(err, "review: first approval")
			}
			if row.FirstApprovedAt == nil {
				first = now
				upd.Set("first_approved_at = ?", now)
			}
		}
		res, err := upd.Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "review: moderate")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "the review changed meanwhile; reload and try again")
		}
		if !first.IsZero() {
			if _, err := outbox.EnqueueEvent(ctx, q, tenant, TopicApproved, map[string]any{"review_id": id, "product_id": cur.ProductID,
				"customer_id": cur.CustomerID, "order_id": cur.OrderID, "email": cur.Email, "rating": cur.Rating}); err != nil {
				return err
			}
		}
		after := string(to)
		if note != "" {
			after += ": " + note
		}
		if err := audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "review." + verb(to), ObjectType: "review", ObjectID: id,
			Before: string(cur.Status), After: after}); err != nil {
			return err
		}
		r, err = get(ctx, q, tenant, id)
		return err
	})
	return r, err
}

func verb(to Status) string {
	if to == Approved {
		return "approve"
	}
	return "reject"
}

// Reply sets the shop's public reply to a review ("" removes it).
func (s *Service) Reply(ctx context.Context, id, text string) (*Review, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	text, err = plain("reply", text, MaxReply, false)
	if err != nil {
		return nil, err
	}
	var r *Review
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		cur, err := get(ctx, q, tenant, id)
		if err != nil {
			return err
		}
		now := s.now()
		var at *time.Time
		if text != "" {
			at = &now
		}
		if _, err := q.NewUpdate().Model((*reviewRow)(nil)).Set("reply = ?", text).Set("replied_at = ?", at).Set("updated_at = ?", now).
			Set("version = version + 1").Where("tenant_id = ? AND id = ?", tenant, id).Exec(ctx); err != nil {
			return errs.Wrap(err, "review.Reply")
		}
		if err := audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "review.reply", ObjectType: "review", ObjectID: id,
			Before: cur.Reply, After: text}); err != nil {
			return err
		}
		r, err = get(ctx, q, tenant, id)
		return err
	})
	return r, err
}

// DeletePhoto removes one photo of a review and its files.
func (s *Service) DeletePhoto(ctx context.Context, reviewID, photoID string) (*Review, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	var r *Review
	var key string
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var p photoRow
		if err := q.NewSelect().Model(&p).Where("tenant_id = ? AND review_id = ? AND id = ?", tenant, reviewID, photoID).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("photo not found")
			}
			return errs.Wrap(err, "review.DeletePhoto")
		}
		key = p.BlobKey
		if _, err := q.NewDelete().Model((*photoRow)(nil)).Where("tenant_id = ? AND id = ?", tenant, photoID).Exec(ctx); err != nil {
			return errs.Wrap(err, "review.DeletePhoto")
		}
		if _, err := q.NewUpdate().Model((*reviewRow)(nil)).Set("photo_count = photo_count - 1").Set("updated_at = ?", s.now()).
			Set("version = version + 1").Where("tenant_id = ? AND id = ?", tenant, reviewID).Exec(ctx); err != nil {
			return errs.Wrap(err, "review.DeletePhoto")
		}
		if err := audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "review.photo.delete", ObjectType: "review", ObjectID: reviewID, After: photoID}); err != nil {
			return err
		}
		r, err = get(ctx, q, tenant, reviewID)
		return err
	})
	if err == nil && s.blobs != nil {
		s.blobs.DeletePrefix(ctx, key[:strings.LastIndex(key, "/")])
	}
	return r, err
}

// Filter selects reviews for the moderation queue.
type Filter struct {
	Status    Status // "": all, pending first
	ProductID string
	Rating    int // 0: any
	Page      int // from 1
	Limit     int // 1 to 200 (default 50)
}

// Queue is a page of the moderation queue.
type Queue struct {
	Reviews []Review `json:"reviews"`
	Total   int64    `json:"total"`
	Page    int      `json:"page"`
	Pages   int      `json:"pages"`
}

// List is the moderation queue: pending reviews first (oldest first, so
// none waits forever), then the others newest first.
func (s *Service) List(ctx context.Context, f Filter) (*Queue, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if f.Status != "" && !f.Status.Valid() {
		return nil, errs.Field("status", "must be pending, approved or rejected")
	}
	if f.Rating < 0 || f.Rating > 5 {
		return nil, errs.Field("rating", "must be 1 to 5")
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > 200 {
		return nil, errs.Field("limit", "must be 1 to 200")
	}
	if f.Page < 1 {
		f.Page = 1
	}
	out := &Queue{Reviews: []Review{}, Page: f.Page}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var rows []reviewRow
		sel := q.NewSelect().Model(&rows).Where("tenant_id = ?", tenant)
		if f.Status != "" {
			sel.Where("status = ?", f.Status)
		}
		if f.ProductID != "" {
			sel.Where("product_id = ?", f.ProductID)
		}
		if f.Rating > 0 {
			sel.Where("rating = ?", f.Rating)
		}
		n, err := sel.OrderExpr("CASE WHEN status = 'pending' THEN 0 ELSE 1 END").
			OrderExpr("CASE WHEN status = 'pending' THEN created_at END ASC").OrderExpr("created_at DESC, id DESC").
			Limit(int64(f.Limit)).Offset(int64((f.Page - 1) * f.Limit)).ScanAndCount(ctx)
		if err != nil {
			return errs.Wrap(err, "review.List")
		}
		out.Total, out.Pages = n, int((n+int64(f.Limit)-1)/int64(f.Limit))
		for i := range rows {
			out.Reviews = append(out.Reviews, rows[i].review())
		}
		return withPhotos(ctx, q, tenant, out.Reviews)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Pending counts the reviews waiting for moderation.
func (s *Service) Pending(ctx context.Context) (int64, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		n, err = q.NewSelect().Model((*reviewRow)(nil)).Where("tenant_id = ? AND status = ?", tenant, Pending).Count(ctx)
		return errs.Wrap(err, "review.Pending")
	})
	return n, err
}
