package catalog

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// ReviewEvent records one workflow transition: who, when, from and to, and
// the reviewer's comment.
type ReviewEvent struct {
	ID        string
	ProductID string
	From      Status
	To        Status
	Comment   string
	PublishAt *time.Time
	Actor     tenancy.Actor
	At        time.Time
}

// transitions lists the allowed workflow moves. Publishing straight from
// draft is allowed for callers holding the publish permission (the web
// layer checks it); Submit/Approve/Reject are the review path.
var transitions = map[Status][]Status{
	Draft:     {InReview, Published, Archived},
	InReview:  {Draft, Published, Archived},
	Published: {Draft, Archived},
	Archived:  {Draft},
}

// CanTransition reports whether a product may move from one status to another.
func CanTransition(from, to Status) bool {
	for _, t := range transitions[from] {
		if t == to {
			return true
		}
	}
	return false
}

// TransitionOptions qualify a transition.
type TransitionOptions struct {
	Comment string
	// PublishAt schedules publication (only with To == Published); the
	// product becomes visible at that time without further action.
	PublishAt *time.Time
	// From, when set, makes the move conditional on the current status
	// (e.g. Approve only from in_review).
	From Status
}

// Transition moves a product through the workflow and records the event
// and the audit entry ("product.<step>", see step).
func (s *Service) Transition(ctx context.Context, id string, to Status, o TransitionOptions) (*Product, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if !to.Valid() {
		return nil, errs.Field("status", "unknown status %q", to)
	}
	o.Comment = strings.TrimSpace(o.Comment)
	if len(o.Comment) > 4000 {
		return nil, errs.Field("comment", "is longer than 4000 characters")
	}
	if o.PublishAt != nil && to != Published {
		return nil, errs.Field("publish_at", "only a publication can be scheduled")
	}
	actor := tenancy.ActorFrom(ctx)
	summary := string(to)
	if o.Comment != "" {
		summary += ": " + o.Comment
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := s.transition(ctx, q, tid, id, to, o, actor); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "product." + step(to, o.From), ObjectType: "product", ObjectID: id, After: summary})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// step names a workflow move in the audit log ("product.<step>"): the
// review path is submit, approve and reject; the direct moves are publish,
// unpublish and archive.
func step(to, from Status) string {
	switch {
	case to == InReview:
		return "submit"
	case to == Published && from == InReview:
		return "approve"
	case to == Published:
		return "publish"
	case to == Draft && from == InReview:
		return "reject"
	case to == Draft:
		return "unpublish"
	}
	return "archive"
}

func (s *Service) transition(ctx context.Context, q bun.IDB, tid, id string, to Status, o TransitionOptions, actor tenancy.Actor) error {
	var row productRow
	if err := q.NewSelect().Model(&row).Column("status", "version", "submitted_by").Where("tenant_id = ? AND id = ?", tid, id).Scan(ctx); err != nil {
		if store.NoRows(err) {
			return errs.NotFoundf("product not found")
		}
		return errs.Wrap(err, "catalog: transition")
	}
	from := Status(row.Status)
	if o.From != "" && from != o.From {
		return &errs.Error{Code: errs.Conflict, Field: "status", Message: "the product is " + string(from) + ", not " + string(o.From)}
	}
	if from == to && to != Published {
		return nil
	}
	if from != to && !CanTransition(from, to) {
		return &errs.Error{Code: errs.Unprocessable, Field: "status", Message: "a " + string(from) + " product cannot become " + string(to)}
	}
	if s.approvesOwn(from, to, row.SubmittedBy, actor) {
		return &errs.Error{Code: errs.Forbidden, Field: "status", Message: "another staff member must approve this product"}
	}
	now := s.now()
	upd := q.NewUpdate().Table("catalog_products").Set("status = ?", string(to)).Set("updated_at = ?", now).Set("version = version + 1").
		Where("tenant_id = ? AND id = ? AND version = ?", tid, id, row.Version)
	switch to {
	case InReview:
		upd = upd.Set("submitted_by = ?", actor.Kind+":"+actor.ID)
	case Published:
		upd = upd.Set("publish_at = ?", o.PublishAt)
		at := now
		if o.PublishAt != nil && o.PublishAt.After(now) {
			at = o.PublishAt.UTC()
		}
		upd = upd.Set("published_at = ?", at)
	}
	res, err := upd.Exec(ctx)
	if err != nil {
		return errs.Wrap(err, "catalog: transition")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return &errs.Error{Code: errs.Conflict, Field: "status", Message: "the product was changed by someone else; reload it"}
	}
	_, err = q.NewRaw(`INSERT INTO catalog_review_events (tenant_id, id, product_id, from_status, to_status, comment, publish_at, actor_kind, actor_id, actor_name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, tid, store.NewID(), id, string(from), string(to), o.Comment, o.PublishAt, actor.Kind, actor.ID, actor.Name, now).Exec(ctx)
	return errs.Wrap(err, "catalog: review event")
}

// Submit sends a draft for review.
func (s *Service) Submit(ctx context.Context, id, comment string) (*Product, error) {
	return s.Transition(ctx, id, InReview, TransitionOptions{Comment: comment, From: Draft})
}

// Approve publishes a product that is in review, now or at publishAt.
func (s *Service) Approve(ctx context.Context, id, comment string, publishAt *time.Time) (*Product, error) {
	return s.Transition(ctx, id, Published, TransitionOptions{Comment: comment, PublishAt: publishAt, From: InReview})
}

// Reject sends a product in review back to draft; the comment says why.
func (s *Service) Reject(ctx context.Context, id, comment string) (*Product, error) {
	if strings.TrimSpace(comment) == "" {
		return nil, errs.Field("comment", "say what needs to change")
	}
	return s.Transition(ctx, id, Draft, TransitionOptions{Comment: comment, From: InReview})
}

// Publish publishes directly (callers with the publish permission).
func (s *Service) Publish(ctx context.Context, id string, publishAt *time.Time) (*Product, error) {
	return s.Transition(ctx, id, Published, TransitionOptions{PublishAt: publishAt})
}

// Archive takes a product off sale and out of lists.
func (s *Service) Archive(ctx context.Context, id, comment string) (*Product, error) {
	return s.Transition(ctx, id, Archived, TransitionOptions{Comment: comment})
}

// ReviewHistory returns a product's workflow events, oldest first.
func (s *Service) ReviewHistory(ctx context.Context, id string) ([]ReviewEvent, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	type row struct {
		ID         string     `bun:"id"`
		ProductID  string     `bun:"product_id"`
		FromStatus string     `bun:"from_status"`
		ToStatus   string     `bun:"to_status"`
		Comment    string     `bun:"comment"`
		PublishAt  *time.Time `bun:"publish_at"`
		ActorKind  string     `bun:"actor_kind"`
		ActorID    string     `bun:"actor_id"`
		ActorName  string     `bun:"actor_name"`
		CreatedAt  time.Time  `bun:"created_at"`
	}
	var rows []row
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("SELECT id, product_id, from_status, to_status, comment, publish_at, actor_kind, actor_id, actor_name, created_at FROM catalog_review_events WHERE tenant_id = ? AND product_id = ? ORDER BY id", tid, id).Scan(ctx, &rows)
	})
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "catalog: review history")
	}
	out := make([]ReviewEvent, len(rows))
	for i, r := range rows {
		out[i] = ReviewEvent{ID: r.ID, ProductID: r.ProductID, From: Status(r.FromStatus), To: Status(r.ToStatus), Comment: r.Comment,
			PublishAt: utcp(r.PublishAt), Actor: tenancy.Actor{Kind: r.ActorKind, ID: r.ActorID, Name: r.ActorName}, At: r.CreatedAt.UTC()}
	}
	return out, nil
}

// approvesOwn reports whether actor moving a product from status from to
// status to would publish from review a product they submitted themselves
// (submittedBy, "kind:id"), which Options.FourEyes forbids.
func (s *Service) approvesOwn(from, to Status, submittedBy string, actor tenancy.Actor) bool {
	return s.opts.FourEyes && from == InReview && to == Published && submittedBy != "" && submittedBy == actor.Kind+":"+actor.ID
}
