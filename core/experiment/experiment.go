package experiment

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/jobs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/richtext"
	"github.com/wasmart/wasmart/core/store"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		panic(err)
	}
	store.RegisterMigrations(store.Migrations{Module: "experiment", Order: 65, FS: sub})
}

// Kind is what an experiment tests.
type Kind string

// Kinds.
const (
	KindProduct Kind = "product"
)

// Status of an experiment.
type Status string

// Statuses.
const (
	Running Status = "running"
	Stopped Status = "stopped"
)

// Goal is what counts as a conversion for the verdict.
type Goal string

// Goals.
const (
	GoalOrder     Goal = "order"
	GoalAddToCart Goal = "add_to_cart"
)

// Limits.
const (
	MaxArms = 4
	// MaxChangeLimitBP is the largest price limit a merchant may set (±50 %).
	MaxChangeLimitBP = 5000
	maxName          = 200
	maxTitle         = 255
	maxBody          = 100_000
)

// Arm is one variant of the page. The first arm of an experiment is the
// control: the product as it is.
type Arm struct {
	bun.BaseModel `bun:"table:experiment_arms"`

	TenantID     string `bun:"tenant_id,pk" json:"-"`
	ExperimentID string `bun:"experiment_id,pk" json:"-"`
	ID           string `bun:"id,pk" json:"id"`
	Position     int    `bun:"position" json:"position"`
	Name         string `bun:"name" json:"name"`
	Weight       int    `bun:"weight" json:"weight"`
	// Title and BodyHTML replace the product's when set; ImageIDs (when
	// not empty) are the product images shown, in this order.
	Title         *string  `bun:"title" json:"title,omitempty"`
	BodyHTML      *string  `bun:"body_html" json:"body_html,omitempty"`
	ImageIDs      []string `bun:"image_ids,type:text" json:"image_ids,omitempty"`
	PriceChangeBP int      `bun:"price_change_bp" json:"price_change_bp"`
}

// Experiment is an A/B test with its arms.
type Experiment struct {
	bun.BaseModel `bun:"table:experiments"`

	TenantID    string     `bun:"tenant_id,pk" json:"-"`
	ID          string     `bun:"id,pk" json:"id"`
	Kind        Kind       `bun:"kind" json:"kind"`
	Name        string     `bun:"name" json:"name"`
	SubjectID   string     `bun:"subject_id" json:"product_id"`
	Status      Status     `bun:"status" json:"status"`
	Goal        Goal       `bun:"goal" json:"goal"`
	MaxChangeBP int        `bun:"max_change_bp" json:"max_change_bp"`
	FloorAtCost bool       `bun:"floor_at_cost" json:"floor_at_cost"`
	WinnerArmID string     `bun:"winner_arm_id" json:"winner_arm_id,omitempty"`
	Applied     bool       `bun:"applied" json:"applied"`
	CreatedAt   time.Time  `bun:"created_at" json:"created_at"`
	StoppedAt   *time.Time `bun:"stopped_at" json:"stopped_at,omitempty"`
	Version     int64      `bun:"version" json:"version"`
	Arms        []Arm      `bun:"-" json:"arms"`
}

// ArmByID returns the experiment's arm with id, or nil.
func (e *Experiment) ArmByID(id string) *Arm {
	for i := range e.Arms {
		if e.Arms[i].ID == id {
			return &e.Arms[i]
		}
	}
	return nil
}

// Options tune a Service.
type Options struct {
	Log *slog.Logger
	// SnapshotTTL is how long a shop's running tests are served from
	// memory before they are read again (0: 2 s).
	SnapshotTTL time.Duration
	// Buffer and Batch size the exposure queue and its writes (0: 65,536
	// and 500); Interval is how often it is flushed (0: 1 s).
	Buffer, Batch int
	Interval      time.Duration
}

// Service runs a shop's experiments.
type Service struct {
	db      *store.DB
	catalog *catalog.Service
	o       Options
	log     *slog.Logger

	mu    sync.Mutex
	snaps map[string]*snapshot

	queue   *jobs.Batcher[record]
	wmu     sync.Mutex // one batch written at a time
	dropped atomic.Int64
}

// New returns a Service; Start runs its exposure flusher (Close ends it).
func New(db *store.DB, cat *catalog.Service, o Options) *Service {
	if o.SnapshotTTL == 0 {
		o.SnapshotTTL = 2 * time.Second
	}
	if o.Buffer <= 0 {
		o.Buffer = 1 << 16
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	s := &Service{db: db, catalog: cat, o: o, log: log, snaps: map[string]*snapshot{}}
	s.queue = jobs.NewBatcher(jobs.BatcherOptions[record]{Name: "experiment", Log: log, Buffer: o.Buffer, Batch: o.Batch, Interval: o.Interval,
		Write: s.write, Dropped: func(n int64) { s.dropped.Add(n) }})
	return s
}

// ArmInput is one arm of a new experiment.
type ArmInput struct {
	Name          string   `json:"name"`
	Weight        int      `json:"weight"`
	Title         *string  `json:"title,omitempty"`
	BodyHTML      *string  `json:"body_html,omitempty"`
	ImageIDs      []string `json:"image_ids,omitempty"`
	PriceChangeBP int      `json:"price_change_bp,omitempty"`
}

// ProductInput is a new product-page experiment. The first arm is the
// control and changes nothing.
type ProductInput struct {
	Name      string `json:"name"`
	ProductID string `json:"product_id"`
	Goal      Goal   `json:"goal,omitempty"` // default order
	// MaxChangeBP is how far (basis points, either way) an arm's price may
	// move from the product's; AllowBelowCost lets it go under the cost.
	MaxChangeBP    int        `json:"max_change_bp"`
	AllowBelowCost bool       `json:"allow_below_cost,omitempty"`
	Arms           []ArmInput `json:"arms"`
}

// ArmPrice is a variant's price under a change of bp basis points,
// rounded half away from zero to the minor unit.
func ArmPrice(price int64, bp int) int64 {
	if bp == 0 {
		return price
	}
	n := price * int64(10000+bp) // |price| ≤ money.MaxUnitPrice: no overflow
	if n >= 0 {
		return (n + 5000) / 10000
	}
	return (n - 5000) / 10000
}

func textField(field, s string, max int) error {
	if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00") {
		return errs.Field(field, "is not text")
	}
	if len(s) > max {
		return errs.Field(field, "is longer than %d bytes", max)
	}
	return nil
}

// validate checks in against the product p and returns the arms to store.
func validate(in *ProductInput, p *catalog.Product) ([]Arm, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return nil, errs.Field("name", "give the experiment a name")
	}
	if err := textField("name", in.Name, maxName); err != nil {
		return nil, err
	}
	switch in.Goal {
	case "":
		in.Goal = GoalOrder
	case GoalOrder, GoalAddToCart:
	default:
		return nil, errs.Field("goal", "must be order or add_to_cart")
	}
	if in.MaxChangeBP < 0 || in.MaxChangeBP > MaxChangeLimitBP {
		return nil, errs.Field("max_change_bp", "must be from 0 to %d basis points (±%d %%)", MaxChangeLimitBP, MaxChangeLimitBP/100)
	}
	if len(in.Arms) < 2 || len(in.Arms) > MaxArms {
		return nil, errs.Field("arms", "give from 2 to %d arms, the first being the control", MaxArms)
	}
	images := map[string]bool{}
	for _, im := range p.Images {
		images[im.ID] = true
	}
	sum := 0
	seen := map[string]int{}
	arms := make([]Arm, len(in.Arms))
	for i, a := range in.Arms {
		f := func(name string) string { return fmt.Sprintf("arms[%d].%s", i, name) }
		a.Name = strings.TrimSpace(a.Name)
		if a.Name == "" {
			a.Name = string(rune('A' + i))
		}
		if err := textField(f("name"), a.Name, maxName); err != nil {
			return nil, err
		}
		if a.Weight < 1 || a.Weight > 99 {
			return nil, errs.Field(f("weight"), "must be from 1 to 99 (percent of visitors)")
		}
		sum += a.Weight
		arm := Arm{ID: store.NewID(), Position: i, Name: a.Name, Weight: a.Weight, PriceChangeBP: a.PriceChangeBP}
		if a.Title != nil {
			t := strings.TrimSpace(*a.Title)
			if t == "" {
				return nil, errs.Field(f("title"), "must not be empty (leave it out to keep the product's)")
			}
			if err := textField(f("title"), t, maxTitle); err != nil {
				return nil, err
			}
			arm.Title = &t
		}
		if a.BodyHTML != nil {
			if err := textField(f("body_html"), *a.BodyHTML, maxBody); err != nil {
				return nil, err
			}
			b := richtext.Sanitize(*a.BodyHTML)
			arm.BodyHTML = &b
		}
		if len(a.ImageIDs) > 0 {
			dup := map[string]bool{}
			for _, id := range a.ImageIDs {
				if !images[id] {
					return nil, errs.Field(f("image_ids"), "%q is not an image of this product", id)
				}
				if dup[id] {
					return nil, errs.Field(f("image_ids"), "lists image %q twice", id)
				}
				dup[id] = true
			}
			arm.ImageIDs = append([]string(nil), a.ImageIDs...)
		}
		if a.PriceChangeBP != 0 {
			if a.PriceChangeBP > in.MaxChangeBP || a.PriceChangeBP < -in.MaxChangeBP {
				return nil, errs.Field(f("price_change_bp"), "is outside the price limit of ±%d basis points", in.MaxChangeBP)
			}
			for _, v := range p.Variants {
				np := ArmPrice(v.Price, a.PriceChangeBP)
				if np <= 0 || money.CheckUnitPrice(f("price_change_bp"), np, p.Currency) != nil {
					return nil, errs.Field(f("price_change_bp"), "gives variant %s an impossible price", v.ID)
				}
				if !in.AllowBelowCost && v.Cost != nil && np < *v.Cost {
					return nil, errs.Field(f("price_change_bp"), "puts variant %s below its cost (%s < %s)", v.ID,
						money.Format(np, p.Currency), money.Format(*v.Cost, p.Currency))
				}
			}
		}
		if i == 0 && arm.changes() != "" {
			return nil, errs.Field("arms[0]", "the first arm is the control: it shows the product as it is")
		}
		key := arm.changes()
		if j, ok := seen[key]; ok {
			return nil, errs.Field(f("title"), "arm %d is identical to arm %d: change the title, description, images or price", i, j)
		}
		seen[key] = i
		arms[i] = arm
	}
	if sum != 100 {
		return nil, errs.Field("arms.weight", "the arms' weights add up to %d; they must add up to 100", sum)
	}
	return arms, nil
}

// changes is a canonical text of what the arm changes ("" for none).
func (a *Arm) changes() string {
	if a.Title == nil && a.BodyHTML == nil && len(a.ImageIDs) == 0 && a.PriceChangeBP == 0 {
		return ""
	}
	b, _ := json.Marshal([]any{a.Title, a.BodyHTML, a.ImageIDs, a.PriceChangeBP})
	return string(b)
}

// CreateProduct starts a product-page experiment. A product with a
// running experiment cannot have a second one (errs.Conflict on
// product_id).
func (s *Service) CreateProduct(ctx context.Context, in ProductInput) (*Experiment, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.ProductID) == "" {
		return nil, errs.Field("product_id", "choose the product to test")
	}
	p, err := s.catalog.Get(ctx, in.ProductID)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, errs.Field("product_id", "no such product")
		}
		return nil, err
	}
	arms, err := validate(&in, p)
	if err != nil {
		return nil, err
	}
	e := &Experiment{TenantID: tid, ID: store.NewID(), Kind: KindProduct, Name: in.Name, SubjectID: p.ID, Status: Running, Goal: in.Goal,
		MaxChangeBP: in.MaxChangeBP, FloorAtCost: !in.AllowBelowCost, CreatedAt: store.Now(), Version: 1}
	for i := range arms {
		arms[i].TenantID, arms[i].ExperimentID = tid, e.ID
	}
	e.Arms = arms
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		n, err := q.NewSelect().Model((*Experiment)(nil)).Where("tenant_id = ? AND kind = ? AND subject_id = ? AND status = ?", tid, KindProduct, p.ID, Running).Count(ctx)
		if err != nil {
			return errs.Wrap(err, "experiment: create")
		}
		if n > 0 {
			return &errs.Error{Code: errs.Conflict, Field: "product_id", Message: "this product already has a running experiment; stop it first"}
		}
		if _, err := q.NewInsert().Model(e).Exec(ctx); err != nil {
			if store.IsUniqueViolation(err) {
				return &errs.Error{Code: errs.Conflict, Field: "product_id", Message: "this product already has a running experiment; stop it first"}
			}
			return errs.Wrap(err, "experiment: create")
		}
		if _, err := q.NewInsert().Model(&arms).Exec(ctx); err != nil {
			return errs.Wrap(err, "experiment: create arms")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "experiment.create", ObjectType: "experiment", ObjectID: e.ID,
			After: fmt.Sprintf("%s on product %s, %d arms, goal %s", e.Name, p.Title, len(arms), e.Goal)})
	})
	if err != nil {
		return nil, err
	}
	s.forget(tid)
	return e, nil
}

// List returns the shop's experiments, newest first, with their arms.
func (s *Service) List(ctx context.Context) ([]*Experiment, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Experiment
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		out, err = load(ctx, q, tid, "", "")
		return err
	})
	return out, err
}

// Get returns one experiment with its arms.
func (s *Service) Get(ctx context.Context, id string) (*Experiment, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Experiment
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		out, err = load(ctx, q, tid, id, "")
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errs.NotFoundf("experiment not found")
	}
	return out[0], nil
}

// load reads experiments (one by id, or all with status, or all) with
// their arms in two statements.
func load(ctx context.Context, q bun.IDB, tid, id string, status Status) ([]*Experiment, error) {
	var es []*Experiment
	sel := q.NewSelect().Model(&es).Where("tenant_id = ?", tid).OrderExpr("id DESC")
	if id != "" {
		if len(id) > 64 {
			return nil, nil
		}
		sel.Where("id = ?", id)
	}
	if status != "" {
		sel.Where("status = ?", status)
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, errs.Wrap(err, "experiment: load")
	}
	if len(es) == 0 {
		return es, nil
	}
	ids := make([]string, len(es))
	byID := map[string]*Experiment{}
	for i, e := range es {
		ids[i] = e.ID
		byID[e.ID] = e
	}
	var arms []Arm
	if err := q.NewSelect().Model(&arms).Where("tenant_id = ? AND experiment_id IN (?)", tid, bun.List(ids)).
		OrderExpr("experiment_id, position").Scan(ctx); err != nil {
		return nil, errs.Wrap(err, "experiment: load arms")
	}
	for _, a := range arms {
		e := byID[a.ExperimentID]
		e.Arms = append(e.Arms, a)
	}
	return es, nil
}

// StopInput says how to stop an experiment: with a winner (an arm id) or
// none, and whether the winner is written to the product.
type StopInput struct {
	WinnerArmID string `json:"winner_arm_id,omitempty"`
	Apply       bool   `json:"apply,omitempty"`
	Version     int64  `json:"version,omitempty"`
}

// Stop ends a running experiment. With Apply, the winner's title,
// description, image order and price are written to the product (prices
// of every variant changed by the arm's basis points) in the same
// transaction, audited; a product edited meanwhile is refused by its
// version (errs.Conflict).
func (s *Service) Stop(ctx context.Context, id string, in StopInput) (*Experiment, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	e, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if e.Status != Running {
		return nil, &errs.Error{Code: errs.Conflict, Field: "status", Message: "the experiment has already stopped"}
	}
	if in.Version != 0 && in.Version != e.Version {
		return nil, &errs.Error{Code: errs.Conflict, Field: "version", Message: "the experiment was changed by someone else; reload it"}
	}
	var win *Arm
	if in.WinnerArmID != "" {
		if win = e.ArmByID(in.WinnerArmID); win == nil {
			return nil, errs.Field("winner_arm_id", "is not an arm of this experiment")
		}
	}
	if in.Apply && win == nil {
		return nil, errs.Field("winner_arm_id", "choose the arm to apply")
	}
	apply := in.Apply && win.changes() != "" // the control changes nothing
	now := store.Now()
	stop := func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewUpdate().Model((*Experiment)(nil)).
			Set("status = ?, winner_arm_id = ?, applied = ?, stopped_at = ?, version = version + 1", Stopped, in.WinnerArmID, apply, now).
			Where("tenant_id = ? AND id = ? AND status = ? AND version = ?", tid, id, Running, e.Version).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "experiment: stop")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return &errs.Error{Code: errs.Conflict, Field: "status", Message: "the experiment was stopped or changed meanwhile; reload it"}
		}
		what := "stopped without a winner"
		if win != nil {
			what = "winner " + win.Name
		}
		if apply {
			what += ", applied to the product"
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "experiment.stop", ObjectType: "experiment", ObjectID: id,
			Before: string(Running), After: what})
	}
	if !apply {
		err = s.db.Write(ctx, stop)
	} else {
		err = s.applyWinner(ctx, e, win, stop)
	}
	if err != nil {
		return nil, err
	}
	s.forget(tid)
	return s.Get(ctx, id)
}

// applyWinner writes the arm to the product and runs stop, in one
// catalog batch (one transaction).
func (s *Service) applyWinner(ctx context.Context, e *Experiment, win *Arm, stop func(ctx context.Context, q bun.IDB) error) error {
	p, err := s.catalog.Get(ctx, e.SubjectID)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return errs.Field("winner_arm_id", "the product has been deleted: stop without applying")
		}
		return err
	}
	in := catalog.InputOf(p)
	before := fmt.Sprintf("title %q, price %s", p.Title, money.Format(p.PriceMin, p.Currency))
	if win.Title != nil {
		in.Title = *win.Title
	}
	if win.BodyHTML != nil {
		in.BodyHTML = *win.BodyHTML
	}
	for i := range in.Variants {
		np := ArmPrice(in.Variants[i].Price, win.PriceChangeBP)
		if e.FloorAtCost && in.Variants[i].Cost != nil && np < *in.Variants[i].Cost {
			return errs.Field("winner_arm_id", "the arm's price is now below variant %s's cost; stop without applying or change the cost", in.Variants[i].ID)
		}
		in.Variants[i].Price = np
	}
	if in, err = s.catalog.Normalize(in); err != nil {
		return err
	}
	return s.catalog.InBatch(ctx, true, func(b *catalog.Batch) error {
		if err := b.Update(catalog.ProductUpdate{ID: p.ID, Version: p.Version, Input: in}); err != nil {
			return err
		}
		if len(win.ImageIDs) > 0 {
			if err := b.PutImagesFirst(p.ID, win.ImageIDs); err != nil {
				return err
			}
		}
		if err := b.Audit(audit.Entry{Action: "product.update", ObjectType: "product", ObjectID: p.ID, Before: before,
			After: fmt.Sprintf("experiment %s winner %s: title %q, price change %+d bp", e.Name, win.Name, in.Title, win.PriceChangeBP)}); err != nil {
			return err
		}
		return b.Within(stop)
	})
}
