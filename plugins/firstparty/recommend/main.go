// Command recommend is Wasmart's first-party recommendations plugin:
// "frequently bought together" from the co-purchase counts the host puts in
// the input, and "similar items" by shared categories and tags, with
// popularity as the tie-breaker.
package main

import (
	"errors"
	"sort"

	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/recommend"
)

// Config weights the signals (see manifest.json).
type Config struct {
	CoPurchaseWeight  int64 `json:"co_purchase_weight"` // per co-purchase order
	CategoryWeight    int64 `json:"category_weight"`    // per shared category
	TagWeight         int64 `json:"tag_weight"`         // per shared tag
	MinCoPurchases    int64 `json:"min_co_purchases"`   // ignore weaker pairs
	IncludeOutOfStock bool  `json:"include_out_of_stock"`
}

var cfg = sdk.ConfigCache[Config]{Defaults: func(c *Config) {
	c.CoPurchaseWeight, c.CategoryWeight, c.TagWeight, c.MinCoPurchases = 100, 30, 10, 1
}}

func init() { recommend.Handle(Recommend) }

func main() {}

type scored struct {
	id     string
	score  int64
	co     int64
	sold   int64
	reason string
}

// Recommend ranks the candidates for the slot.
func Recommend(in *sdk.RecommendInput) (*sdk.RecommendOutput, error) {
	c, err := cfg.Get()
	if err != nil {
		return nil, errors.New("invalid config: " + err.Error())
	}
	anchors := map[string]bool{}
	if in.ProductID != "" {
		anchors[in.ProductID] = true
	}
	for _, id := range in.CartProductIDs {
		anchors[id] = true
	}
	// Categories and tags of the anchors (the host includes anchors among
	// the candidates; ABI.md).
	cats, tags := map[string]bool{}, map[string]bool{}
	for i := range in.Candidates {
		cd := &in.Candidates[i]
		if anchors[cd.ProductID] {
			for _, x := range cd.Categories {
				cats[x] = true
			}
			for _, x := range cd.Tags {
				tags[x] = true
			}
		}
	}
	co := map[string]int64{}
	for _, p := range in.CoPurchases {
		if p.Orders < c.MinCoPurchases {
			continue
		}
		switch {
		case anchors[p.ProductID] && !anchors[p.WithProductID]:
			co[p.WithProductID] += p.Orders
		case anchors[p.WithProductID] && !anchors[p.ProductID]:
			co[p.ProductID] += p.Orders
		}
	}
	var res []scored
	for i := range in.Candidates {
		cd := &in.Candidates[i]
		if anchors[cd.ProductID] || (!cd.InStock && !c.IncludeOutOfStock) {
			continue
		}
		s := scored{id: cd.ProductID, co: co[cd.ProductID], sold: cd.SoldUnits}
		var shared int64
		for _, x := range cd.Categories {
			if cats[x] {
				s.score += c.CategoryWeight
				shared++
			}
		}
		for _, x := range cd.Tags {
			if tags[x] {
				s.score += c.TagWeight
				shared++
			}
		}
		s.score += s.co * c.CoPurchaseWeight
		switch {
		case s.co > 0:
			s.reason = "frequently-bought-together"
		case shared > 0:
			s.reason = "similar"
		case len(anchors) == 0:
			s.reason = "popular"
		default:
			continue // unrelated to what the shopper is looking at
		}
		res = append(res, s)
	}
	sort.Slice(res, func(i, j int) bool {
		a, b := res[i], res[j]
		if a.score != b.score {
			return a.score > b.score
		}
		if a.sold != b.sold {
			return a.sold > b.sold
		}
		return a.id < b.id
	})
	limit := int(in.Limit)
	if limit <= 0 {
		limit = 10
	}
	if len(res) > limit {
		res = res[:limit]
	}
	out := &sdk.RecommendOutput{Items: make([]sdk.Recommendation, len(res))}
	for i, r := range res {
		out.Items[i] = sdk.Recommendation{ProductID: r.id, Score: r.score + r.sold, Reason: r.reason}
	}
	return out, nil
}
