package experiment

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// Conversion kinds.
const (
	ConvAddToCart = "add_to_cart"
	ConvOrder     = "order"
)

// record is one queued exposure (Arm set) or conversion (Kind set).
type record struct {
	tenant, visitor string
	at              time.Time
	// exposure
	experiment, arm string
	// conversion: products converted with the revenue of each
	kind, ref string
	revenue   map[string]int64
}

// Dropped is how many exposures and conversions were dropped (queue full
// or a failed write).
func (s *Service) Dropped() int64 { return s.dropped.Load() }

func (s *Service) put(r record) {
	if s != nil {
		s.queue.Put(r)
	}
}

// Expose queues visitor's exposure to arm of experiment e (the first one
// counts). It never waits for the database.
func (s *Service) Expose(tenantID string, e *Experiment, arm *Arm, visitor string) {
	if visitor == "" || e == nil || arm == nil {
		return
	}
	s.put(record{tenant: tenantID, visitor: visitor, at: store.Now(), experiment: e.ID, arm: arm.ID})
}

// Convert queues a conversion of kind (ConvAddToCart, ConvOrder with the
// order id as ref) of visitor on products (with the revenue each brought).
// It counts for the running experiments on those products the visitor was
// exposed to; it never waits for the database.
func (s *Service) Convert(tenantID, visitor, kind, ref string, revenue map[string]int64) {
	if visitor == "" || len(revenue) == 0 {
		return
	}
	s.put(record{tenant: tenantID, visitor: visitor, at: store.Now(), kind: kind, ref: ref, revenue: revenue})
}

// Start runs the flusher (under core/jobs) until Close.
func (s *Service) Start() { s.queue.Start() }

// Close ends the flusher after writing what is queued.
func (s *Service) Close() { s.queue.Stop() }

// Flush writes everything queued now (tests; results read after it see it).
func (s *Service) Flush(ctx context.Context) error { return s.queue.Flush(ctx) }

type exposureRow struct {
	bun.BaseModel `bun:"table:experiment_exposures"`
	TenantID      string    `bun:"tenant_id,pk"`
	ExperimentID  string    `bun:"experiment_id,pk"`
	Visitor       string    `bun:"visitor,pk"`
	ArmID         string    `bun:"arm_id"`
	FirstAt       time.Time `bun:"first_at"`
}

// write stores one batch in one transaction (platform scope: a batch
// holds several shops' records, each row carrying its tenant): exposures
// first (the first per visitor stays), then conversions, each attributed
// to the arm the visitor was exposed to of the running tests of its
// products.
func (s *Service) write(ctx context.Context, rs []record) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var exps []exposureRow
	seen := map[[3]string]bool{}
	for _, r := range rs {
		k := [3]string{r.tenant, r.experiment, r.visitor}
		if r.arm != "" && !seen[k] {
			seen[k] = true
			exps = append(exps, exposureRow{TenantID: r.tenant, ExperimentID: r.experiment, Visitor: r.visitor, ArmID: r.arm, FirstAt: r.at})
		}
	}
	return s.db.Write(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		if len(exps) > 0 {
			if _, err := q.NewInsert().Model(&exps).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
				return errs.Wrap(err, "experiment: exposures")
			}
		}
		for _, r := range rs {
			if r.kind == "" {
				continue
			}
			for product, revenue := range r.revenue {
				if _, err := q.NewRaw(`INSERT INTO experiment_conversions (tenant_id, experiment_id, visitor, kind, ref, arm_id, revenue, at)
					SELECT x.tenant_id, x.experiment_id, x.visitor, ?, ?, x.arm_id, ?, ?
					FROM experiment_exposures x JOIN experiments e ON e.tenant_id = x.tenant_id AND e.id = x.experiment_id
					WHERE x.tenant_id = ? AND x.visitor = ? AND e.kind = ? AND e.subject_id = ? AND e.status = ?
					ON CONFLICT DO NOTHING`, r.kind, r.ref, revenue, r.at, r.tenant, r.visitor, KindProduct, product, Running).Exec(ctx); err != nil {
					return errs.Wrap(err, "experiment: conversions")
				}
			}
		}
		return nil
	})
}
