package experiment

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// VisitorCookie is the first-party cookie holding a visitor's experiment
// id (see the package doc for why not core/analytics' visitor id).
const VisitorCookie = "wm_ab"

// NewVisitor returns a new visitor id: 128 random bits in hex.
func NewVisitor() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ValidVisitor reports whether v looks like an id NewVisitor made (a
// cookie is input from outside).
func ValidVisitor(v string) bool {
	if len(v) != 32 {
		return false
	}
	_, err := hex.DecodeString(v)
	return err == nil
}

type visitorKey struct{}

// WithVisitor returns ctx carrying the shopper's visitor id, for the
// carts' prices (Prices) further down the request.
func WithVisitor(ctx context.Context, visitor string) context.Context {
	return context.WithValue(ctx, visitorKey{}, visitor)
}

// VisitorFrom returns the visitor id WithVisitor put in ctx, or "".
func VisitorFrom(ctx context.Context) string {
	v, _ := ctx.Value(visitorKey{}).(string)
	return v
}

// Bucket is the place of key (a visitor, a recipient's address) in
// [0, 10000) for experiment id: the first eight bytes of SHA-256 over
// both. Arms take consecutive ranges of it by weight.
func Bucket(experimentID, key string) int {
	h := sha256.New()
	h.Write([]byte(experimentID))
	h.Write([]byte{0})
	h.Write([]byte(key))
	var sum [sha256.Size]byte
	return int(binary.BigEndian.Uint64(h.Sum(sum[:0])[:8]) % 10000)
}

// Assign is the arm visitor sees: the same for the same (experiment,
// visitor), split over visitors by the arms' weights. A visitor without an
// id sees the control.
func (e *Experiment) Assign(visitor string) *Arm {
	if len(e.Arms) == 0 {
		return nil
	}
	if visitor == "" {
		return &e.Arms[0]
	}
	b, acc := Bucket(e.ID, visitor), 0
	for i := range e.Arms {
		acc += e.Arms[i].Weight * 100
		if b < acc {
			return &e.Arms[i]
		}
	}
	return &e.Arms[len(e.Arms)-1]
}

// ApplyTo shows the arm on p (a copy the caller owns): its title,
// description, images (the listed ones, in their order) and prices.
func (a *Arm) ApplyTo(p *catalog.Product) {
	if a.Title != nil {
		p.Title = *a.Title
	}
	if a.BodyHTML != nil {
		p.BodyHTML = *a.BodyHTML
	}
	if len(a.ImageIDs) > 0 {
		byID := make(map[string]catalog.Image, len(p.Images))
		for _, im := range p.Images {
			byID[im.ID] = im
		}
		imgs := make([]catalog.Image, 0, len(a.ImageIDs))
		for _, id := range a.ImageIDs {
			if im, ok := byID[id]; ok {
				imgs = append(imgs, im)
			}
		}
		if len(imgs) > 0 {
			p.Images = imgs
		}
	}
	if a.PriceChangeBP != 0 {
		for i := range p.Variants {
			p.Variants[i].Price = ArmPrice(p.Variants[i].Price, a.PriceChangeBP)
		}
		p.PriceMin, p.PriceMax = ArmPrice(p.PriceMin, a.PriceChangeBP), ArmPrice(p.PriceMax, a.PriceChangeBP)
	}
}

// snapshot is a shop's running product experiments by product handle.
type snapshot struct {
	at       time.Time
	byHandle map[string]*Experiment
}

// forget drops a shop's snapshot (after a change through this Service).
func (s *Service) forget(tenantID string) {
	s.mu.Lock()
	delete(s.snaps, tenantID)
	s.mu.Unlock()
}

// ForHandle returns the running experiment on the product with handle in
// the context's shop, or nil. It reads a per-shop snapshot, refreshed at
// most every SnapshotTTL (two statements and a handle look-up).
func (s *Service) ForHandle(ctx context.Context, handle string) (*Experiment, error) {
	if s == nil {
		return nil, nil
	}
	tid, ok := tenancy.TenantID(ctx)
	if !ok {
		return nil, errs.E(errs.Internal, "experiment: no shop in context")
	}
	now := time.Now()
	s.mu.Lock()
	sn := s.snaps[tid]
	s.mu.Unlock()
	if sn == nil || now.Sub(sn.at) >= s.o.SnapshotTTL {
		var running []*Experiment
		err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			var err error
			running, err = load(ctx, q, tid, "", Running)
			return err
		})
		if err != nil {
			return nil, err
		}
		ids := make([]string, 0, len(running))
		for _, e := range running {
			if e.Kind == KindProduct {
				ids = append(ids, e.SubjectID)
			}
		}
		handles, err := s.catalog.VisibleHandles(ctx, ids)
		if err != nil {
			return nil, err
		}
		sn = &snapshot{at: now, byHandle: map[string]*Experiment{}}
		for _, e := range running {
			if h, ok := handles[e.SubjectID]; ok && e.Kind == KindProduct {
				sn.byHandle[h] = e
			}
		}
		s.mu.Lock()
		s.snaps[tid] = sn
		s.mu.Unlock()
	}
	return sn.byHandle[handle], nil
}

// Prices is the carts' Catalog (core/cart) with the experiments' prices:
// for a visitor in the context (WithVisitor), a variant of a product under
// a running price test costs the visitor's arm price, read in the pricing
// transaction (one statement, only when there is a visitor).
type Prices struct {
	cart.ShopCatalog
}

// Variants implements cart.Catalog.
func (p Prices) Variants(ctx context.Context, q bun.IDB, tenantID string, ids []string, now time.Time) (map[string]cart.Variant, error) {
	vs, err := p.ShopCatalog.Variants(ctx, q, tenantID, ids, now)
	if err != nil || len(vs) == 0 {
		return vs, err
	}
	visitor := VisitorFrom(ctx)
	if visitor == "" {
		return vs, nil
	}
	seen := map[string]bool{}
	var products []string
	for _, v := range vs {
		if !seen[v.ProductID] {
			seen[v.ProductID] = true
			products = append(products, v.ProductID)
		}
	}
	changes, err := armPrices(ctx, q, tenantID, visitor, products)
	if err != nil || len(changes) == 0 {
		return vs, err
	}
	for id, v := range vs {
		if bp := changes[v.ProductID]; bp != 0 {
			v.Price = ArmPrice(v.Price, bp)
			vs[id] = v
		}
	}
	return vs, nil
}

// armPrices is the price change (basis points) of visitor's arm for each
// of products under a running price test.
func armPrices(ctx context.Context, q bun.IDB, tid, visitor string, products []string) (map[string]int, error) {
	var rows []struct {
		ExperimentID  string `bun:"experiment_id"`
		SubjectID     string `bun:"subject_id"`
		ID            string `bun:"id"`
		Weight        int    `bun:"weight"`
		PriceChangeBP int    `bun:"price_change_bp"`
	}
	err := q.NewRaw(`SELECT a.experiment_id, e.subject_id, a.id, a.weight, a.price_change_bp
		FROM experiments e JOIN experiment_arms a ON a.tenant_id = e.tenant_id AND a.experiment_id = e.id
		WHERE e.tenant_id = ? AND e.kind = ? AND e.status = ? AND e.subject_id IN (?)
		ORDER BY a.experiment_id, a.position`, tid, KindProduct, Running, bun.List(products)).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "experiment: arm prices")
	}
	exps := map[string]*Experiment{}
	var order []*Experiment
	for _, r := range rows {
		e := exps[r.ExperimentID]
		if e == nil {
			e = &Experiment{ID: r.ExperimentID, SubjectID: r.SubjectID}
			exps[r.ExperimentID] = e
			order = append(order, e)
		}
		e.Arms = append(e.Arms, Arm{ID: r.ID, Weight: r.Weight, PriceChangeBP: r.PriceChangeBP})
	}
	out := map[string]int{}
	for _, e := range order {
		if a := e.Assign(visitor); a != nil && a.PriceChangeBP != 0 {
			out[e.SubjectID] = a.PriceChangeBP
		}
	}
	return out, nil
}
