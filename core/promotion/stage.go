package promotion

import (
	"context"
	"sync"
	"time"

	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/pricing"
)

// ProductFacts are what promotions know of a product beyond what a
// pricing line carries (its tags and categories).
type ProductFacts struct {
	Collections []string
	PublishedAt time.Time
}

// Stage is the pricing pipeline's promotions stage (pricing.Promotions
// and pricing.ExplainedPromotions) over a snapshot of a shop's promotions:
// set it as pricing.Pipeline.Promotions. Build one per priced cart
// (Snapshot.Stage); it is safe for concurrent use. It prepares its
// Promotions (Prepare) when it first prices a cart, so they must not
// change afterwards.
type Stage struct {
	Promotions []Promotion
	Codes      map[string]Code // by normalised code
	Customer   Customer
	Products   map[string]ProductFacts // by product id
	Location   *time.Location          // the shop's time zone (nil: UTC)

	once     sync.Once
	prepared *Prepared
}

var _ pricing.ExplainedPromotions = (*Stage)(nil)

// Promote returns the promotions' adjustments.
func (s *Stage) Promote(ctx context.Context, req *pricing.PromotionRequest) ([]extension.Adjustment, error) {
	o, err := s.Explain(ctx, req)
	if err != nil {
		return nil, err
	}
	return o.Adjustments, nil
}

// lineBufs keeps Explain's cart lines from one cart to the next.
var lineBufs = sync.Pool{New: func() any { return new([]Line) }}

// Source is the Source of every adjustment the stage makes.
const Source = "promotions"

// Explain evaluates the promotions on the request.
func (s *Stage) Explain(_ context.Context, req *pricing.PromotionRequest) (*pricing.PromotionOutcome, error) {
	cart := &Cart{Currency: req.Currency, Customer: s.Customer, Country: req.Destination.Country, Now: req.Now, Location: s.Location}
	if cart.Customer.ID == "" {
		cart.Customer.ID = req.CustomerID
	}
	if len(cart.Customer.Tags) == 0 {
		cart.Customer.Tags = req.CustomerTags
	}
	buf := lineBufs.Get().(*[]Line)
	cart.Lines = resize(*buf, len(req.Lines))
	defer func() { // after the evaluator's release: it reads the lines
		clear(cart.Lines)
		*buf = cart.Lines
		lineBufs.Put(buf)
	}()
	for i := range req.Lines {
		l := &req.Lines[i]
		f := s.Products[l.ProductID]
		cart.Lines[i] = Line{ID: l.LineID, VariantID: l.VariantID, ProductID: l.ProductID, Quantity: l.Quantity, UnitPrice: l.UnitPrice,
			Tags: l.Tags, Categories: l.Categories, Collections: f.Collections, PublishedAt: f.PublishedAt}
	}
	for _, text := range req.Codes {
		c, ok := s.Codes[NormaliseCode(text)]
		if !ok {
			c = Code{}
		}
		c.Text = text
		cart.Codes = append(cart.Codes, c)
	}
	s.once.Do(func() { s.prepared = Prepare(s.Promotions) })
	e := s.prepared.run(cart)
	defer e.release()
	o := e.out
	out := &pricing.PromotionOutcome{Applied: o.Applied, Shipping: o.Shipping, Notes: o.Notes, Gifts: o.Gifts}
	if len(e.adjs) > 0 {
		out.Adjustments = make([]extension.Adjustment, len(e.adjs))
		for i, a := range e.adjs {
			p := &s.Promotions[a.promo]
			adj := extension.Adjustment{Level: extension.LevelOrder, Amount: a.amount, Label: p.Label, Code: p.ID, Source: Source}
			if a.line >= 0 {
				adj.LineID = cart.Lines[a.line].ID
			}
			if adj.LineID != "" {
				adj.Level = extension.LevelLine
			}
			out.Adjustments[i] = adj
		}
	}
	return out, nil
}
