package sandbox

import (
	"context"
	"slices"
	"sort"

	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/sdk"
)

// The adapters below implement core/extension's interfaces by calling an
// installation's plugin through a Host. On any failure (already recorded by
// the host, and counted by the breaker) they return what the caller's
// Fallback returns; with no Fallback they return the point's neutral result:
// no adjustments for pricing, no options for logistics, the failure itself
// for recommendations and reporting.

// source names the plugin in adjustments.
func source(inst *Installation) string {
	return "plugin:" + inst.Manifest.ID + "@" + inst.Manifest.Version
}

// PricingAdapter is an extension.Pricing backed by a plugin.
type PricingAdapter struct {
	Host     *Host
	Install  *Installation
	Fallback extension.Pricing // nil: checkout goes on without adjustments
}

// Price implements extension.Pricing.
func (a *PricingAdapter) Price(ctx context.Context, req *extension.PricingRequest) ([]extension.Adjustment, error) {
	in := PricingInputFrom(req)
	if a.Install.Manifest != nil {
		in.Sections = a.Install.Manifest.PricingSections()
	}
	out, err := a.Host.Price(ctx, a.Install, in)
	if err != nil {
		if a.Fallback != nil {
			return a.Fallback.Price(ctx, req)
		}
		return nil, nil
	}
	src := source(a.Install)
	adj := make([]extension.Adjustment, len(out.Adjustments))
	for i, o := range out.Adjustments {
		adj[i] = extension.Adjustment{
			Level: extension.AdjustmentLevel(o.Level), LineID: o.LineID, Amount: o.Amount,
			Label: o.Label, Code: o.Code, Source: src, Class: classNames[o.Class],
		}
	}
	return adj, nil
}

// classNames maps wire classes to core's (ValidatePricing refuses others;
// no class is product).
var classNames = [...]extension.Class{sdk.ClassNone: "", sdk.ClassProduct: extension.ClassProduct,
	sdk.ClassOrder: extension.ClassOrder, sdk.ClassShipping: extension.ClassShipping}

// PricingInputFrom converts a core pricing request to the wire type, with
// every context section filled; the caller sets Sections to those the
// plugin asked for.
func PricingInputFrom(req *extension.PricingRequest) *sdk.PricingInput {
	in := &sdk.PricingInput{
		Currency: req.Currency, NowMs: req.Now.UnixMilli(), CustomerID: req.CustomerID,
		CustomerTags: req.CustomerTags, Lines: make([]sdk.Line, len(req.Lines)),
		Codes: req.Codes, SignedIn: req.SignedIn(),
	}
	if len(req.Promotions) > 0 {
		in.Promotions = make([]sdk.AppliedPromotion, len(req.Promotions))
		for i, p := range req.Promotions {
			ap := sdk.AppliedPromotion{ID: p.ID, Code: p.Code, Label: p.Label, Amount: p.Amount, Class: sdk.Class(slices.Index(classNames[:], p.Class))}
			if ap.Class == sdk.ClassNone { // an implementation without classes: its discounts are product ones
				ap.Class = sdk.ClassProduct
			}
			for _, l := range p.Lines {
				ap.Lines = append(ap.Lines, sdk.LineAmount{LineID: l.LineID, Amount: l.Amount})
			}
			in.Promotions[i] = ap
		}
	}
	for i, l := range req.Lines {
		in.Lines[i] = sdk.Line{
			ID: l.LineID, VariantID: l.VariantID, ProductID: l.ProductID, SKU: l.SKU,
			Quantity: l.Quantity, UnitPrice: l.UnitPrice, Tags: l.Tags, Categories: l.Categories,
		}
	}
	return in
}

// RecommendationsAdapter is an extension.Recommendations backed by a plugin.
type RecommendationsAdapter struct {
	Host     *Host
	Install  *Installation
	Fallback extension.Recommendations // e.g. BestSellers{}
}

// Recommend implements extension.Recommendations.
func (a *RecommendationsAdapter) Recommend(ctx context.Context, req *extension.RecommendationRequest) ([]extension.Recommendation, error) {
	in := &sdk.RecommendInput{
		Placement: string(req.Placement), ProductID: req.ProductID, CartProductIDs: req.CartProductIDs,
		CustomerID: req.CustomerID, CustomerTags: req.CustomerTags, Limit: int64(req.Limit),
		NowMs: req.Now.UnixMilli(), Candidates: make([]sdk.Candidate, len(req.Candidates)),
		CoPurchases: make([]sdk.CoPurchase, len(req.CoPurchases)),
	}
	for i, c := range req.Candidates {
		in.Candidates[i] = sdk.Candidate{ProductID: c.ProductID, Categories: c.Categories, Tags: c.Tags,
			Price: c.Price, SoldUnits: c.SoldUnits, InStock: c.InStock}
	}
	for i, c := range req.CoPurchases {
		in.CoPurchases[i] = sdk.CoPurchase{ProductID: c.ProductID, WithProductID: c.WithProductID, Orders: c.Orders}
	}
	out, err := a.Host.Recommend(ctx, a.Install, in)
	if err != nil {
		if a.Fallback != nil {
			return a.Fallback.Recommend(ctx, req)
		}
		return nil, err
	}
	res := make([]extension.Recommendation, len(out.Items))
	for i, r := range out.Items {
		res[i] = extension.Recommendation{ProductID: r.ProductID, Score: r.Score, Reason: r.Reason}
	}
	return res, nil
}

// BestSellers is the built-in recommendations fallback: in-stock
// candidates by units sold, excluding what is being viewed or in the cart.
type BestSellers struct{}

// Recommend implements extension.Recommendations.
func (BestSellers) Recommend(_ context.Context, req *extension.RecommendationRequest) ([]extension.Recommendation, error) {
	skip := map[string]bool{req.ProductID: true}
	for _, id := range req.CartProductIDs {
		skip[id] = true
	}
	var res []extension.Recommendation
	for _, c := range req.Candidates {
		if c.InStock && !skip[c.ProductID] {
			res = append(res, extension.Recommendation{ProductID: c.ProductID, Score: c.SoldUnits, Reason: "best-seller"})
		}
	}
	sort.SliceStable(res, func(i, j int) bool { return res[i].Score > res[j].Score })
	if req.Limit > 0 && len(res) > req.Limit {
		res = res[:req.Limit]
	}
	return res, nil
}

// LogisticsAdapter is an extension.Logistics backed by a plugin.
type LogisticsAdapter struct {
	Host     *Host
	Install  *Installation
	Fallback extension.Logistics // the shop's built-in shipping methods
}

// Quote implements extension.Logistics.
func (a *LogisticsAdapter) Quote(ctx context.Context, req *extension.LogisticsRequest) ([]extension.DeliveryOption, error) {
	p, d := req.Parcel, req.Destination
	in := &sdk.LogisticsInput{
		Country: d.Country, Region: d.Region, PostalCode: d.PostalCode,
		WeightGrams: p.WeightGrams, LengthMM: p.LengthMM, WidthMM: p.WidthMM, HeightMM: p.HeightMM,
		Value: p.Value, Currency: p.Currency, Items: p.Items, NowMs: req.Now.UnixMilli(),
	}
	out, err := a.Host.Quote(ctx, a.Install, in)
	if err != nil {
		if a.Fallback != nil {
			return a.Fallback.Quote(ctx, req)
		}
		return nil, nil
	}
	res := make([]extension.DeliveryOption, len(out.Options))
	for i, o := range out.Options {
		res[i] = extension.DeliveryOption{Code: o.Code, Label: o.Label, Price: o.Price, Currency: p.Currency,
			MinDays: int32(o.MinDays), MaxDays: int32(o.MaxDays)}
	}
	return res, nil
}

// ReportingAdapter is an extension.Reporting backed by a plugin. With no
// Fallback a failure is returned as the error (a *Failure the report page
// can explain).
type ReportingAdapter struct {
	Host     *Host
	Install  *Installation
	Fallback extension.Reporting
}

// Report implements extension.Reporting.
func (a *ReportingAdapter) Report(ctx context.Context, req *extension.ReportRequest) (*extension.Report, error) {
	in := &sdk.ReportInput{Report: req.Report, Currency: req.Currency, NowMs: req.Now.UnixMilli()}
	keys := make([]string, 0, len(req.Params))
	for k := range req.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic input, so runs replay byte for byte
	for _, k := range keys {
		in.Params = append(in.Params, sdk.Param{Key: k, Value: req.Params[k]})
	}
	for _, ds := range req.Datasets {
		sd := sdk.Dataset{Name: ds.Name, Columns: make([]sdk.Column, len(ds.Columns)), Rows: make([][]sdk.Cell, len(ds.Rows))}
		for i, c := range ds.Columns {
			sd.Columns[i] = sdk.Column{Name: c.Name, Type: byte(c.Type)}
		}
		for i, r := range ds.Rows {
			row := make([]sdk.Cell, len(r))
			for j, c := range r {
				row[j] = sdk.Cell{Int: c.Int, Str: c.Str}
			}
			sd.Rows[i] = row
		}
		in.Datasets = append(in.Datasets, sd)
	}
	out, err := a.Host.Report(ctx, a.Install, in)
	if err != nil {
		if a.Fallback != nil {
			return a.Fallback.Report(ctx, req)
		}
		return nil, err
	}
	rep := &extension.Report{Title: out.Title, Table: extension.Table{Columns: make([]extension.Column, len(out.Columns))}}
	for i, c := range out.Columns {
		rep.Table.Columns[i] = extension.Column{Name: c.Name, Type: extension.ColumnType(c.Type)}
	}
	for _, r := range out.Rows {
		row := make([]extension.Cell, len(r))
		for j, c := range r {
			row[j] = extension.Cell{Int: c.Int, Str: c.Str}
		}
		rep.Table.Rows = append(rep.Table.Rows, row)
	}
	for _, c := range out.Charts {
		ch := extension.Chart{Kind: c.Kind, Title: c.Title, Labels: c.Labels}
		for _, s := range c.Series {
			ch.Series = append(ch.Series, extension.Series{Name: s.Name, Values: s.Values})
		}
		rep.Charts = append(rep.Charts, ch)
	}
	return rep, nil
}
