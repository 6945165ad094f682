package plugins

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/plugins/sandbox"
	"github.com/wasmart/wasmart/sdk"
)

// Dry runs and replays call plugins under WithoutRecording and under
// installation ids of their own ("<id>~dry-<n>", "<id>~replay"), so they
// neither add run records nor move the real installation's breaker, and
// they get instances of their own.

// DryRunRequest asks how an installation would change the last recorded
// inputs of its extension point if it were enabled (or upgraded).
type DryRunRequest struct {
	InstallationID string
	Version        string // "" = the installed version
	Config         []byte // nil = the installed config
	Limit          int    // recorded inputs to use; default ServiceOptions.DryRunInputs
}

// DryRunRow is one recorded input, before and after.
type DryRunRow struct {
	RunID   string
	At      time.Time
	Before  int64
	After   int64
	Failure string // the candidate's failure kind and message, if it failed
}

// FromOrder reports whether the input was rebuilt from an order (no run
// was recorded for it).
func (r DryRunRow) FromOrder() bool { return strings.HasPrefix(r.RunID, "order:") }

// Changed reports whether the row's metric moved.
func (r DryRunRow) Changed() bool { return r.Before != r.After }

// DryRunResult summarises a dry run.
type DryRunResult struct {
	Point       extension.Point
	PluginID    string
	FromVersion string // installed version ("" when it was disabled)
	ToVersion   string
	Metric      string // what Before and After measure
	Currency    string
	Inputs      int
	Failed      int
	Changed     int
	SumBefore   int64
	SumAfter    int64
	Failures    map[sandbox.Kind]int
	Rows        []DryRunRow // changed and failed rows first, at most 50
	Duration    time.Duration
}

var dryRunSeq atomic.Int64

func nextDryID() int64 { return dryRunSeq.Add(1) }

// DryRun runs an installation (at the requested version and config) on
// the tenant's last recorded inputs of its first extension point, next to
// the currently enabled plugins of that point, and reports the difference:
// for pricing the order totals, for logistics the cheapest delivery price,
// for recommendations the number of results.
func (s *Service) DryRun(ctx context.Context, req DryRunRequest) (*DryRunResult, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	limit := req.Limit
	if limit <= 0 {
		limit = s.opts.DryRunInputs
	}
	if limit > 5000 {
		limit = 5000
	}
	var cand *sandbox.Installation
	var before, after []*sandbox.Installation
	var inputs []RunRecord
	res := &DryRunResult{Failures: map[sandbox.Kind]int{}}
	start := time.Now()
	suffix := fmt.Sprintf("~dry-%d", nextDryID())
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var in Installed
		if err := q.NewSelect().Model(&in).Where("tenant_id = ? AND id = ?", tenant, req.InstallationID).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("no plugin installation %q", req.InstallationID)
			}
			return err
		}
		version, config := in.Version, in.Config
		if req.Version != "" {
			version = req.Version
		}
		if req.Config != nil {
			c, err := configJSON(req.Config)
			if err != nil {
				return err
			}
			config = c
		}
		var err error
		cand, err = s.callable(ctx, q, &in, version, config)
		if err != nil {
			return err
		}
		if err := cand.Manifest.ValidateConfig([]byte(config)); err != nil {
			return invalidInput("config", err)
		}
		res.PluginID, res.ToVersion = in.PluginID, version
		if in.Enabled {
			res.FromVersion = in.Version
		}
		res.Point = cand.Manifest.Points[0]
		var enabled []Installed
		if err := q.NewSelect().Model(&enabled).Where("tenant_id = ? AND (enabled OR id = ?)", tenant, in.ID).OrderExpr("position, id").Scan(ctx); err != nil {
			return err
		}
		for i := range enabled {
			e := &enabled[i]
			if e.ID == in.ID {
				if e.Enabled {
					cur, err := s.callable(ctx, q, e, e.Version, e.Config)
					if err != nil {
						return err
					}
					before = append(before, cur)
				}
				after = append(after, cand)
				continue
			}
			x, err := s.callable(ctx, q, e, e.Version, e.Config)
			if err != nil {
				return err
			}
			if x.Manifest.Declares(res.Point) {
				before = append(before, x)
				after = append(after, x)
			}
		}
		res.Currency, err = shopCurrency(ctx, q)
		if err != nil {
			return err
		}
		// The newest distinct inputs of the point.
		var recs []RunRecord
		if err := q.NewSelect().Model(&recs).Column("id", "input_hash", "input", "started_at").
			Where("tenant_id = ? AND point = ? AND input IS NOT NULL", tenant, string(res.Point)).
			OrderExpr("id DESC").Limit(int64(limit * 4)).Scan(ctx); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, r := range recs {
			if seen[r.InputHash] || len(inputs) >= limit {
				continue
			}
			seen[r.InputHash] = true
			inputs = append(inputs, r)
		}
		// A shop's first pricing plugin has no recorded pricing inputs:
		// the carts of its last orders stand in for them.
		if res.Point == extension.PointPricing && len(inputs) < limit {
			more, err := orderCarts(ctx, q, tenant, limit-len(inputs))
			if err != nil {
				return err
			}
			inputs = append(inputs, more...)
		}
		return nil
	})
	if err != nil {
		return nil, errs.Wrap(err, "plugins.DryRun")
	}
	rename := func(list []*sandbox.Installation) []*sandbox.Installation {
		out := make([]*sandbox.Installation, len(list))
		for i, x := range list {
			c := *x
			c.ID += suffix
			if x == cand {
				c.ID += "c"
			}
			out[i] = &c
		}
		return out
	}
	before, after = rename(before), rename(after)
	var candID string
	for _, x := range after {
		if x.ID == cand.ID+suffix+"c" {
			candID = x.ID
		}
	}
	ctx = WithoutRecording(ctx)
	switch res.Point {
	case extension.PointPricing:
		res.Metric = "order total after plugin adjustments"
	case extension.PointLogistics:
		res.Metric = "cheapest delivery price (-1: none)"
	case extension.PointRecommendations:
		res.Metric = "products recommended"
	default:
		res.Metric = "successful runs"
	}
	for _, r := range inputs {
		row := DryRunRow{RunID: r.ID, At: r.StartedAt}
		b, _, err := s.measure(ctx, res.Point, r.Input, before, "")
		if err != nil {
			continue // an input that no longer decodes
		}
		a, fail, _ := s.measure(ctx, res.Point, r.Input, after, candID)
		row.Before, row.After = b, a
		if fail != nil {
			row.Failure = fmt.Sprintf("%s: %s", fail.Kind, fail.Msg)
			res.Failed++
			res.Failures[fail.Kind]++
		}
		res.Inputs++
		res.SumBefore += b
		res.SumAfter += a
		if row.Changed() {
			res.Changed++
		}
		res.Rows = append(res.Rows, row)
	}
	sort.SliceStable(res.Rows, func(i, j int) bool {
		ri, rj := res.Rows[i], res.Rows[j]
		ki := ri.Failure != "" || ri.Changed()
		kj := rj.Failure != "" || rj.Changed()
		return ki && !kj
	})
	if len(res.Rows) > 50 {
		res.Rows = res.Rows[:50]
	}
	res.Duration = time.Since(start)
	return res, nil
}

// measure runs list on one recorded input and returns the point's metric;
// fail is the failure of the installation with id failOf, if it failed.
func (s *Service) measure(ctx context.Context, p extension.Point, input []byte, list []*sandbox.Installation, failOf string) (int64, *sandbox.Failure, error) {
	var failure *sandbox.Failure
	note := func(inst *sandbox.Installation, err error) {
		if err != nil && inst.ID == failOf {
			if f, ok := err.(*sandbox.Failure); ok {
				failure = f
			} else {
				failure = &sandbox.Failure{Kind: sandbox.KindOf(err), Msg: err.Error()}
			}
		}
	}
	d := sdk.NewDecoder(input, false)
	switch p {
	case extension.PointPricing:
		var in sdk.PricingInput
		if err := d.DecodePricingInput(&in); err != nil {
			return 0, nil, err
		}
		var total int64
		for _, l := range in.Lines {
			total += l.Quantity * l.UnitPrice
		}
		for _, inst := range list {
			out, err := s.host.Price(ctx, inst, &in)
			note(inst, err)
			if err != nil {
				continue
			}
			for _, a := range out.Adjustments {
				total += a.Amount
			}
		}
		return max(total, 0), failure, nil
	case extension.PointLogistics:
		var in sdk.LogisticsInput
		if err := d.DecodeLogisticsInput(&in); err != nil {
			return 0, nil, err
		}
		cheapest := int64(-1)
		for _, inst := range list {
			out, err := s.host.Quote(ctx, inst, &in)
			note(inst, err)
			if err != nil {
				continue
			}
			for _, o := range out.Options {
				if cheapest < 0 || o.Price < cheapest {
					cheapest = o.Price
				}
			}
		}
		return cheapest, failure, nil
	case extension.PointRecommendations:
		var in sdk.RecommendInput
		if err := d.DecodeRecommendInput(&in); err != nil {
			return 0, nil, err
		}
		// Only the first recommendations plugin is used by the storefront.
		if len(list) == 0 {
			return 0, nil, nil
		}
		out, err := s.host.Recommend(ctx, list[0], &in)
		note(list[0], err)
		if err != nil {
			return 0, failure, nil
		}
		return int64(len(out.Items)), failure, nil
	case extension.PointReporting:
		var in sdk.ReportInput
		if err := d.DecodeReportInput(&in); err != nil {
			return 0, nil, err
		}
		var ok int64
		for _, inst := range list {
			_, err := s.host.Report(ctx, inst, &in)
			note(inst, err)
			if err == nil {
				ok++
			}
		}
		return ok, failure, nil
	}
	return 0, nil, fmt.Errorf("plugins: unknown point %q", p)
}

// ReplayResult is a recorded run run again.
type ReplayResult struct {
	Run      *RunRecord
	Version  string
	Outcome  sandbox.Kind // "" success
	Error    string       // failure message
	Output   string       // the decoded output as indented JSON
	Duration time.Duration
	// Same reports whether the outcome kind matches the recorded one.
	Same bool
}

// Replay runs a recorded input again with the module version the run used
// (if it is still published) and the installation's current config.
func (s *Service) Replay(ctx context.Context, runID string) (*ReplayResult, error) {
	run, err := s.Run(ctx, runID)
	if err != nil {
		return nil, err
	}
	if run.Input == nil {
		if run.InputHash == "" {
			return nil, errs.E(errs.Conflict, "this run has no recorded input (nothing ran: %s)", run.Outcome)
		}
		return nil, errs.E(errs.Conflict, "the input of this run was purged after the retention period")
	}
	var inst *sandbox.Installation
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var in Installed
		if err := q.NewSelect().Model(&in).Where("tenant_id = ? AND id = ?", run.TenantID, run.InstallationID).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("the installation of this run was removed")
			}
			return err
		}
		var err error
		inst, err = s.callable(ctx, q, &in, run.Version, in.Config)
		return err
	})
	if err != nil {
		return nil, errs.Wrap(err, "plugins.Replay")
	}
	inst.ID += "~replay"
	ctx = WithoutRecording(ctx)
	res := &ReplayResult{Run: run, Version: run.Version}
	start := time.Now()
	var out any
	d := sdk.NewDecoder(run.Input, false)
	switch extension.Point(run.Point) {
	case extension.PointPricing:
		var in sdk.PricingInput
		if err = d.DecodePricingInput(&in); err == nil {
			out, err = s.host.Price(ctx, inst, &in)
		}
	case extension.PointLogistics:
		var in sdk.LogisticsInput
		if err = d.DecodeLogisticsInput(&in); err == nil {
			out, err = s.host.Quote(ctx, inst, &in)
		}
	case extension.PointRecommendations:
		var in sdk.RecommendInput
		if err = d.DecodeRecommendInput(&in); err == nil {
			out, err = s.host.Recommend(ctx, inst, &in)
		}
	case extension.PointReporting:
		var in sdk.ReportInput
		if err = d.DecodeReportInput(&in); err == nil {
			out, err = s.host.Report(ctx, inst, &in)
		}
	default:
		return nil, errs.E(errs.Invalid, "unknown point %q", run.Point)
	}
	res.Duration = time.Since(start)
	if err != nil {
		res.Outcome = sandbox.KindOf(err)
		if res.Outcome == "" {
			return nil, errs.Wrap(err, "plugins.Replay")
		}
		res.Error = err.Error()
	} else {
		b, _ := json.MarshalIndent(out, "", "  ")
		res.Output = string(b)
	}
	res.Same = string(res.Outcome) == run.Outcome
	return res, nil
}

// orderCarts rebuilds the pricing inputs of the tenant's last n orders
// (list prices and quantities of their lines) as run records with ids
// "order:<number>".
func orderCarts(ctx context.Context, q bun.IDB, tenant string, n int) ([]RunRecord, error) {
	orders, err := order.Latest(ctx, q, tenant, n)
	if err != nil {
		return nil, err
	}
	var out []RunRecord
	var enc sdk.Encoder
	for _, o := range orders {
		if len(o.Lines) == 0 {
			continue
		}
		lines := make([]sdk.Line, len(o.Lines))
		for i, l := range o.Lines {
			lines[i] = sdk.Line{ID: l.ID, VariantID: l.VariantID, ProductID: l.ProductID, SKU: l.SKU, Quantity: l.Quantity, UnitPrice: l.UnitPrice}
		}
		enc.B = enc.B[:0]
		enc.EncodePricingInput(&sdk.PricingInput{Currency: o.Currency, NowMs: o.PlacedAt.UnixMilli(), CustomerID: o.CustomerID, Lines: lines})
		out = append(out, RunRecord{ID: fmt.Sprintf("order:%d", o.Number), Input: append([]byte(nil), enc.B...), StartedAt: o.PlacedAt})
	}
	return out, nil
}

// Fixture is a recorded run as a test case for `wasmart plugin test`:
// the installation's config, the decoded input, and the output the
// recorded version gives for it now (omitted when it fails).
type Fixture struct {
	Config   json.RawMessage `json:"config,omitempty"`
	Input    any             `json:"input"`
	Want     any             `json:"want,omitempty"`
	WantFail string          `json:"want_failure,omitempty"`
}

// Fixture turns a recorded run into a fixture.
func (s *Service) Fixture(ctx context.Context, runID string) (*Fixture, error) {
	rep, err := s.Replay(ctx, runID)
	if err != nil {
		return nil, err
	}
	inst, err := s.Installation(ctx, rep.Run.InstallationID)
	if err != nil {
		return nil, err
	}
	fx := &Fixture{Config: json.RawMessage(inst.Config)}
	d := sdk.NewDecoder(rep.Run.Input, false)
	switch extension.Point(rep.Run.Point) {
	case extension.PointPricing:
		in, out := &sdk.PricingInput{}, &sdk.PricingOutput{}
		err, fx.Input, fx.Want = d.DecodePricingInput(in), in, out
	case extension.PointLogistics:
		in, out := &sdk.LogisticsInput{}, &sdk.LogisticsOutput{}
		err, fx.Input, fx.Want = d.DecodeLogisticsInput(in), in, out
	case extension.PointRecommendations:
		in, out := &sdk.RecommendInput{}, &sdk.RecommendOutput{}
		err, fx.Input, fx.Want = d.DecodeRecommendInput(in), in, out
	case extension.PointReporting:
		in, out := &sdk.ReportInput{}, &sdk.ReportOutput{}
		err, fx.Input, fx.Want = d.DecodeReportInput(in), in, out
	}
	if err != nil {
		return nil, errs.Wrap(err, "plugins.Fixture")
	}
	if rep.Outcome != "" {
		fx.Want, fx.WantFail = nil, string(rep.Outcome)
	} else if err := json.Unmarshal([]byte(rep.Output), fx.Want); err != nil {
		return nil, errs.Wrap(err, "plugins.Fixture")
	}
	return fx, nil
}
