package review

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
)

// Line is one line of an order as the review form sees it.
type Line struct {
	LineID    string
	ProductID string
	Title     string
	Variant   string
	// Eligible: the line may be reviewed now (the order is paid and not
	// cancelled, the line not wholly returned, not reviewed yet).
	Eligible bool
	// Review is the line's review, when written.
	Review *Review
}

// Lines are an order's product lines with their review state. The caller
// has checked that the shopper may act for the order.
func (s *Service) Lines(ctx context.Context, orderID string) ([]Line, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	var out []Line
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		o, err := order.Load(ctx, q, orderID)
		if err != nil {
			return err
		}
		var rows []reviewRow
		if err := q.NewSelect().Model(&rows).Where("tenant_id = ? AND order_id = ?", tenant, orderID).Scan(ctx); err != nil {
			return errs.Wrap(err, "review.Lines")
		}
		byLine := map[string]*Review{}
		for i := range rows {
			r := rows[i].review()
			byLine[r.LineID] = &r
		}
		for _, l := range o.Lines {
			if l.ProductID == "" {
				continue
			}
			ln := Line{LineID: l.ID, ProductID: l.ProductID, Title: l.Title, Variant: l.VariantTitle, Review: byLine[l.ID]}
			ln.Eligible = ln.Review == nil && lineReviewable(o, &l) == nil
			out = append(out, ln)
		}
		return nil
	})
	return out, err
}

// lineReviewable says why a line of o may not be reviewed (nil: it may).
func lineReviewable(o *order.Order, l *order.Line) error {
	if !reviewable[o.Status] {
		return errs.E(errs.Forbidden, "only purchases that were paid for can be reviewed (this order is %s)", strings.ReplaceAll(string(o.Status), "_", " "))
	}
	if l.ProductID == "" {
		return errs.Field("order_line_id", "is not a product of this order")
	}
	if l.ReturnedQuantity >= l.Quantity {
		return errs.E(errs.Forbidden, "this item was returned, so it cannot be reviewed")
	}
	return nil
}

// Submission is a shopper's review of one order line.
type Submission struct {
	OrderID string
	LineID  string
	Rating  int
	Title   string
	Body    string
	// Author is the name shown; empty: the first name and last initial of
	// the order's shipping or billing name.
	Author string
}

// Upload is one photo sent with a review.
type Upload struct {
	Name string
	R    io.Reader
}

// authorOf is "Ada L." from "Ada Lovelace".
func authorOf(o *order.Order) string {
	name := o.ShippingAddress.Name
	if strings.TrimSpace(name) == "" {
		name = o.BillingAddress.Name
	}
	f := strings.Fields(name)
	switch len(f) {
	case 0:
		return "Verified buyer"
	case 1:
		return f[0]
	}
	last := []rune(f[len(f)-1])
	return f[0] + " " + string(last[0]) + "."
}

func (sub *Submission) clean() error {
	if sub.Rating < 1 || sub.Rating > 5 {
		return errs.Field("rating", "must be 1 to 5 stars")
	}
	var err error
	if sub.Title, err = plain("title", sub.Title, MaxTitle, false); err != nil {
		return err
	}
	if sub.Body, err = plain("body", sub.Body, MaxBody, true); err != nil {
		return err
	}
	if sub.Author, err = plain("author", sub.Author, MaxAuthor, false); err != nil {
		return err
	}
	if strings.TrimSpace(sub.OrderID) == "" || len(sub.OrderID) > 64 {
		return errs.Field("order_id", "is required")
	}
	if strings.TrimSpace(sub.LineID) == "" || len(sub.LineID) > 64 {
		return errs.Field("order_line_id", "is required")
	}
	return nil
}

// check loads the order and the line and says whether it may be reviewed.
func check(ctx context.Context, q bun.IDB, sub *Submission) (*order.Order, *order.Line, error) {
	o, err := order.Load(ctx, q, sub.OrderID)
	if err != nil {
		return nil, nil, err
	}
	for i := range o.Lines {
		if l := &o.Lines[i]; l.ID == sub.LineID {
			return o, l, lineReviewable(o, l)
		}
	}
	return nil, nil, errs.Field("order_line_id", "is not a line of this order")
}

// Submit stores a verified buyer's review (pending moderation) with its
// photos. The caller has checked that the shopper may act for the order.
// Bad input is an errs.Invalid naming the field, a purchase that may not
// be reviewed errs.Forbidden, a line already reviewed errs.Conflict; in
// every case nothing is stored.
func (s *Service) Submit(ctx context.Context, sub Submission, photos []Upload) (*Review, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sub.clean(); err != nil {
		return nil, err
	}
	if len(photos) > MaxPhotos {
		return nil, errs.Field("photos", "at most %d photos per review", MaxPhotos)
	}
	if len(photos) > 0 && s.blobs == nil {
		return nil, errs.E(errs.Unavailable, "photo uploads are not configured")
	}
	// Refuse early, before any photo is decoded or stored.
	if err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		if _, _, err := check(ctx, q, &sub); err != nil {
			return err
		}
		return alreadyReviewed(ctx, q, tenant, sub.LineID)
	}); err != nil {
		return nil, err
	}
	id := store.NewID()
	var stored []photoRow
	cleanup := func() {
		if len(stored) > 0 {
			s.blobs.DeletePrefix(ctx, fmt.Sprintf("%s/reviews/%s", tenant, id))
		}
	}
	for i, up := range photos {
		im, err := blob.DecodeImage(up.R, blob.ImageLimits{MaxBytes: MaxPhotoBytes, MaxPixels: maxPixels, MaxSide: 12000})
		if err != nil {
			cleanup()
			return nil, errs.Field(fmt.Sprintf("photos[%d]", i), "%s", errMessage(err))
		}
		pid := store.NewID()
		key, made, err := im.Store(ctx, s.blobs, fmt.Sprintf("%s/reviews/%s/%s", tenant, id, pid), photoWidths)
		if err != nil {
			cleanup()
			return nil, err
		}
		var widths []string
		for _, w := range made {
			widths = append(widths, strconv.Itoa(w))
		}
		stored = append(stored, photoRow{TenantID: tenant, ID: pid, ReviewID: id, Position: i + 1, BlobKey: key, ContentType: im.ContentType,
			Width: im.Width, Height: im.Height, SizeBytes: int64(len(im.Data)), Renditions: strings.Join(widths, ",")})
	}
	now := s.now()
	row := &reviewRow{TenantID: tenant, ID: id, LineID: sub.LineID, OrderID: sub.OrderID, Rating: sub.Rating, Title: sub.Title, Body: sub.Body,
		Status: string(Pending), PhotoCount: len(stored), Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		o, l, err := check(ctx, q, &sub)
		if err != nil {
			return err
		}
		row.ProductID, row.CustomerID, row.Email = l.ProductID, o.CustomerID, o.Email
		row.Author = sub.Author
		if row.Author == "" {
			row.Author = authorOf(o)
		}
		res, err := q.NewInsert().Model(row).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "review.Submit")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errAlready()
		}
		if len(stored) > 0 {
			if _, err := q.NewInsert().Model(&stored).Exec(ctx); err != nil {
				return errs.Wrap(err, "review.Submit photos")
			}
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "review.submit", ObjectType: "review", ObjectID: id,
			After: fmt.Sprintf("%d stars for %s (order %s)", sub.Rating, l.Title, o.Name())})
	})
	if err != nil {
		cleanup()
		return nil, err
	}
	r := row.review()
	for i := range stored {
		r.Photos = append(r.Photos, stored[i].photo())
	}
	return &r, nil
}

func errAlready() error { return errs.E(errs.Conflict, "you have already reviewed this purchase") }

func alreadyReviewed(ctx context.Context, q bun.IDB, tenant, lineID string) error {
	n, err := q.NewSelect().Model((*reviewRow)(nil)).Where("tenant_id = ? AND order_line_id = ?", tenant, lineID).Count(ctx)
	if err != nil {
		return errs.Wrap(err, "review: already reviewed")
	}
	if n > 0 {
		return errAlready()
	}
	return nil
}

// errMessage is an error's message for the shopper.
func errMessage(err error) string {
	if e, ok := err.(*errs.Error); ok {
		return e.Message
	}
	return err.Error()
}
