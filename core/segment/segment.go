// Package segment is a shop's customer segments: saved rule-based
// segments and RFM (recency, frequency, monetary) scoring against
// absolute, shop-set thresholds, for targeting promotions and campaign
// audiences (SEEDS §2, §8: value tiers, special care for the best,
// win-back for the dormant).
//
// # Segments
//
// A segment is a named rule tree (Rule: all/any groups of conditions on
// tier, total spent, order count, last order, RFM scores and group, tags,
// country, marketing consent, birthday month, bought product or category,
// points balance), validated when saved (an unknown field or operator is
// an errs.Field naming it, "rules[2].field") and compiled to one SQL
// statement over the shop's enabled customers when counted, listed or
// exported: no per-customer queries. The tables of other packages are
// reached only through the SQL fragments they export (customer.HasTagSQL,
// order.BoughtSQL, loyalty.TierSQL, ...). The standard RFM groups are
// ready-made segments with the ids "rfm:<group>" (Groups), read-only.
//
// Promotions: a promotion whose Conditions.Segments holds "segment:<id>"
// or "rfm:<group>" is for that segment's members; core/checkout asks
// MembershipsIn for a signed-in shopper only when a live promotion has
// such a condition (two statements: the segments' rules, then one
// evaluating all of them for the customer). Campaigns (core/mailing) take
// their audience from Members.
//
// # RFM
//
// Scores are stored per customer (segment_customer_rfm: counted orders,
// money spent less refunds, last order, R, F, M 1-5 and the group) and
// computed in SQL (INSERT ... SELECT over order.CustomerTotalsSQL, then
// UPDATEs) against the shop's Thresholds. Refresh, run every minute by
// core/jobs, recomputes only the customers with orders changed since the
// shop's watermark, and re-scores every row once a day (recency decays);
// saving thresholds recomputes every customer in the same transaction.
// Rule fields on order figures read these stored figures, so they are as
// fresh as the last round.
//
// Tables: the package owns segments, segment_rfm_settings and
// segment_customer_rfm.
package segment

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "segment", Order: 60, FS: sub})
}

// Prefixes of the promotion segments this package answers for.
const (
	PromotionPrefix = "segment:" // "segment:<id>": a saved segment
	RFMPrefix       = "rfm:"     // "rfm:<group>": an RFM group, also a ready-made segment's id
)

// Segment is a saved (or, with Builtin, ready-made) segment.
type Segment struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Match       string    `json:"match"`
	Rules       []Rule    `json:"rules"`
	Builtin     bool      `json:"builtin,omitempty"`
	Version     int64     `json:"version,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitempty"`
	UpdatedAt   time.Time `json:"updated_at,omitempty"`
}

// Member is a customer in a segment.
type Member struct {
	CustomerID       string `json:"customer_id"`
	Email            string `json:"email"`
	Name             string `json:"name"`
	AcceptsMarketing bool   `json:"accepts_marketing"`
}

// Service manages the segments of every shop; calls act on the context's
// tenant.
type Service struct {
	db  *store.DB
	now func() time.Time

	mu        sync.Mutex
	refreshed time.Time // start of the last Refresh round, less the overlap
}

// New returns a Service; now is the clock (nil: store.Now).
func New(db *store.DB, now func() time.Time) *Service {
	if now == nil {
		now = store.Now
	}
	return &Service{db: db, now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }}
}

type segmentRow struct {
	bun.BaseModel `bun:"table:segments"`
	TenantID      string    `bun:"tenant_id,pk"`
	ID            string    `bun:"id,pk"`
	Name          string    `bun:"name"`
	Description   string    `bun:"description"`
	Rules         string    `bun:"rules"`
	Version       int64     `bun:"version"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

// stored is the JSON of a segment's rules.
type stored struct {
	Match string `json:"match"`
	Rules []Rule `json:"rules"`
}

func (r *segmentRow) out() (*Segment, error) {
	var st stored
	if err := json.Unmarshal([]byte(r.Rules), &st); err != nil {
		return nil, errs.Wrap(err, "segment: rules of "+r.ID)
	}
	return &Segment{ID: r.ID, Name: r.Name, Description: r.Description, Match: st.Match, Rules: st.Rules,
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}, nil
}

// Builtins are the ready-made segments, one per RFM group.
func Builtins() []Segment {
	out := make([]Segment, len(Groups))
	for i, g := range Groups {
		out[i] = Segment{ID: RFMPrefix + g.Code, Name: "RFM: " + g.Name, Description: g.Description, Match: MatchAll,
			Rules: []Rule{{Field: "rfm_group", Op: "in", Values: []string{g.Code}}}, Builtin: true}
	}
	return out
}

func builtin(id string) *Segment {
	for _, b := range Builtins() {
		if b.ID == id {
			return &b
		}
	}
	return nil
}

// validate checks and normalises a segment's name, description and rules.
func validate(in *Segment) error {
	in.Name = strings.Join(strings.Fields(in.Name), " ")
	in.Description = strings.TrimSpace(in.Description)
	switch {
	case in.Name == "":
		return errs.Field("name", "is required")
	case len(in.Name) > 200 || !printable(in.Name):
		return errs.Field("name", "is longer than 200 bytes or has control characters")
	case strings.HasPrefix(strings.ToLower(in.Name), "rfm:"):
		return errs.Field("name", "names starting rfm: are the ready-made segments'")
	case len(in.Description) > 2000 || !printable(strings.NewReplacer("\n", "", "\r", "", "\t", "").Replace(in.Description)):
		return errs.Field("description", "is longer than 2000 bytes or has control characters")
	}
	return normalise(&in.Match, in.Rules)
}

// Validate checks a rule set without saving it (the preview).
func Validate(match string, rules []Rule) (string, []Rule, error) {
	rules = cloneRules(rules)
	err := normalise(&match, rules)
	return match, rules, err
}

func cloneRules(rs []Rule) []Rule {
	if rs == nil {
		return nil
	}
	out := make([]Rule, len(rs))
	for i, r := range rs {
		r.Values = append([]string(nil), r.Values...)
		r.Rules = cloneRules(r.Rules)
		out[i] = r
	}
	return out
}

// List returns the shop's saved segments by name, then the ready-made
// ones.
func (s *Service) List(ctx context.Context) ([]Segment, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var rows []segmentRow
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		err := q.NewSelect().Model(&rows).Where("tenant_id = ?", tenant).Order("name").Limit(1000).Scan(ctx)
		if store.NoRows(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, errs.Wrap(err, "segment: list")
	}
	out := make([]Segment, 0, len(rows)+len(Groups))
	for i := range rows {
		sg, err := rows[i].out()
		if err != nil {
			return nil, err
		}
		out = append(out, *sg)
	}
	return append(out, Builtins()...), nil
}

// Get returns a saved or ready-made segment.
func (s *Service) Get(ctx context.Context, id string) (*Segment, error) {
	if b := builtin(id); b != nil {
		return b, nil
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var sg *Segment
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		sg, err = getIn(ctx, q, tenant, id)
		return err
	})
	return sg, err
}

func getIn(ctx context.Context, q bun.IDB, tenant, id string) (*Segment, error) {
	if b := builtin(id); b != nil {
		return b, nil
	}
	var row segmentRow
	if err := q.NewSelect().Model(&row).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx); err != nil {
		if store.NoRows(err) {
			return nil, errs.NotFoundf("no segment %q", id)
		}
		return nil, errs.Wrap(err, "segment: get")
	}
	return row.out()
}

func nameTaken(err error) error {
	if store.IsUniqueViolation(err) {
		return errs.Field("name", "another segment has this name")
	}
	return errs.Wrap(err, "segment: save")
}

// Create saves a new segment, audited.
func (s *Service) Create(ctx context.Context, in Segment) (*Segment, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	in.Rules = cloneRules(in.Rules)
	if err := validate(&in); err != nil {
		return nil, err
	}
	b, _ := json.Marshal(stored{Match: in.Match, Rules: in.Rules})
	now := s.now()
	row := segmentRow{TenantID: tenant, ID: store.NewID(), Name: in.Name, Description: in.Description, Rules: string(b), Version: 1, CreatedAt: now, UpdatedAt: now}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if _, err := q.NewInsert().Model(&row).Exec(ctx); err != nil {
			return nameTaken(err)
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "segment.create", ObjectType: "segment", ObjectID: row.ID, After: row.Name + ": " + row.Rules})
	})
	if err != nil {
		return nil, err
	}
	return row.out()
}

// Update replaces a saved segment's name, description and rules, audited;
// version, when not 0, must be the stored one (errs.Conflict otherwise).
func (s *Service) Update(ctx context.Context, id string, in Segment) (*Segment, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if builtin(id) != nil {
		return nil, errs.Field("id", "the ready-made RFM segments cannot be changed")
	}
	in.Rules = cloneRules(in.Rules)
	if err := validate(&in); err != nil {
		return nil, err
	}
	b, _ := json.Marshal(stored{Match: in.Match, Rules: in.Rules})
	var row segmentRow
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := q.NewSelect().Model(&row).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("no segment %q", id)
			}
			return errs.Wrap(err, "segment: update")
		}
		if in.Version != 0 && in.Version != row.Version {
			return errs.E(errs.Conflict, "the segment was changed meanwhile (version %d, not %d)", row.Version, in.Version)
		}
		before := row.Name + ": " + row.Rules
		row.Name, row.Description, row.Rules, row.UpdatedAt = in.Name, in.Description, string(b), s.now()
		res, err := q.NewUpdate().Model(&row).Set("name = ?, description = ?, rules = ?, updated_at = ?, version = version + 1", row.Name, row.Description, row.Rules, row.UpdatedAt).
			Where("tenant_id = ? AND id = ? AND version = ?", tenant, id, row.Version).Exec(ctx)
		if err != nil {
			return nameTaken(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "the segment was changed meanwhile")
		}
		row.Version++
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "segment.update", ObjectType: "segment", ObjectID: id, Before: before, After: row.Name + ": " + row.Rules})
	})
	if err != nil {
		return nil, err
	}
	return row.out()
}

// Delete removes a saved segment, audited. Promotions naming it stop
// matching anyone.
func (s *Service) Delete(ctx context.Context, id string) error {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	if builtin(id) != nil {
		return errs.Field("id", "the ready-made RFM segments cannot be deleted")
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewDelete().Model((*segmentRow)(nil)).Where("tenant_id = ? AND id = ?", tenant, id).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "segment: delete")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("no segment %q", id)
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "segment.delete", ObjectType: "segment", ObjectID: id})
	})
}

func sortBy[T any](xs []T, key func(T) string) {
	sort.Slice(xs, func(i, j int) bool { return key(xs[i]) < key(xs[j]) })
}
