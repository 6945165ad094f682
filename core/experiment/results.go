package experiment

import (
	"context"
	"fmt"
	"math"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// ArmResult is one arm's figures. Conversions are the visitors exposed to
// the arm who converted by the experiment's goal; Rate is Conversions /
// Exposed; RevenuePerVisitor is the revenue of the product's order lines
// of the arm's exposed visitors over Exposed (minor units). Z, PValue and
// ProbToBeat compare the arm with the control (nil for the control and
// when undefined).
type ArmResult struct {
	ArmID             string   `json:"arm_id"`
	Name              string   `json:"name"`
	Weight            int      `json:"weight"`
	Exposed           int64    `json:"exposed"`
	AddToCart         int64    `json:"add_to_cart"`
	Ordered           int64    `json:"ordered"`
	Orders            int64    `json:"orders"`
	Revenue           int64    `json:"revenue"`
	Conversions       int64    `json:"conversions"`
	Rate              float64  `json:"conversion_rate"`
	RevenuePerVisitor float64  `json:"revenue_per_visitor"`
	Z                 *float64 `json:"z,omitempty"`
	PValue            *float64 `json:"p_value,omitempty"`
	ProbToBeat        *float64 `json:"prob_to_beat_control,omitempty"`
	Significant       bool     `json:"significant"`
}

// Verdicts.
const (
	VerdictCollecting   = "collecting"    // below the minimum sample
	VerdictNoDifference = "no_difference" // no arm differs significantly
	VerdictWinner       = "winner"        // WinnerArmID beats the control
	VerdictControl      = "control"       // every arm is significantly worse than the control
)

// Results are an experiment's figures per arm and the verdict.
type Results struct {
	Experiment *Experiment `json:"experiment"`
	Arms       []ArmResult `json:"arms"`
	Verdict    string      `json:"verdict"`
	// WinnerArmID is the arm the verdict names (the control for
	// VerdictControl).
	WinnerArmID string `json:"winner_arm_id,omitempty"`
	// Reason says the verdict in words.
	Reason string `json:"reason"`
	// Method states the test (stats.go); Alpha is the level each arm is
	// tested at (Bonferroni: Alpha divided by the arms compared).
	Method         string  `json:"method"`
	Alpha          float64 `json:"alpha"`
	MinExposures   int64   `json:"min_exposures"`
	MinConversions int64   `json:"min_conversions"`
}

// Method is the verdict's method in one sentence.
const Method = "two-sided two-proportion z-test (pooled) of each arm against the control, at 5 % divided by the number of arms compared (Bonferroni); no verdict before every arm has 100 exposed visitors and 10 conversions; probability to beat the control from Beta(1,1) priors"

// Results computes an experiment's results (three statements).
func (s *Service) Results(ctx context.Context, id string) (*Results, error) {
	e, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	type row struct {
		ArmID string `bun:"arm_id"`
		Kind  string `bun:"kind"`
		N     int64  `bun:"n"`
		V     int64  `bun:"v"`
		Rev   int64  `bun:"rev"`
	}
	var exposed, convs []row
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := q.NewRaw(`SELECT arm_id, COUNT(*) AS n FROM experiment_exposures WHERE tenant_id = ? AND experiment_id = ? GROUP BY arm_id`,
			e.TenantID, e.ID).Scan(ctx, &exposed); err != nil && !store.NoRows(err) {
			return err
		}
		if err := q.NewRaw(`SELECT arm_id, kind, COUNT(*) AS n, COUNT(DISTINCT visitor) AS v, COALESCE(SUM(revenue), 0) AS rev
			FROM experiment_conversions WHERE tenant_id = ? AND experiment_id = ? GROUP BY arm_id, kind`,
			e.TenantID, e.ID).Scan(ctx, &convs); err != nil && !store.NoRows(err) {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, errs.Wrap(err, "experiment: results")
	}
	idx := map[string]int{}
	r := &Results{Experiment: e, Method: Method, MinExposures: MinExposures, MinConversions: MinConversions}
	for i, a := range e.Arms {
		idx[a.ID] = i
		r.Arms = append(r.Arms, ArmResult{ArmID: a.ID, Name: a.Name, Weight: a.Weight})
	}
	for _, x := range exposed {
		if i, ok := idx[x.ArmID]; ok {
			r.Arms[i].Exposed = x.N
		}
	}
	for _, c := range convs {
		i, ok := idx[c.ArmID]
		if !ok {
			continue
		}
		switch c.Kind {
		case ConvAddToCart:
			r.Arms[i].AddToCart = c.V
		case ConvOrder:
			r.Arms[i].Ordered, r.Arms[i].Orders, r.Arms[i].Revenue = c.V, c.N, c.Rev
		}
	}
	for i := range r.Arms {
		a := &r.Arms[i]
		a.Conversions = a.Ordered
		if e.Goal == GoalAddToCart {
			a.Conversions = a.AddToCart
		}
		if a.Exposed > 0 {
			a.Rate = float64(a.Conversions) / float64(a.Exposed)
			a.RevenuePerVisitor = float64(a.Revenue) / float64(a.Exposed)
		}
	}
	verdict(r)
	return r, nil
}

// Judge fills the comparisons of r.Arms (Exposed and Conversions set;
// the first arm is the control) and the verdict, by stats.go's method:
// for tests whose figures come from elsewhere (a campaign's variants,
// core/mailing).
func Judge(r *Results) {
	for i := range r.Arms {
		if a := &r.Arms[i]; a.Exposed > 0 {
			a.Rate = float64(a.Conversions) / float64(a.Exposed)
		}
	}
	r.Method, r.MinExposures, r.MinConversions = Method, MinExposures, MinConversions
	verdict(r)
}

// verdict fills the comparisons and the verdict (stats.go's method).
func verdict(r *Results) {
	if len(r.Arms) < 2 {
		r.Verdict, r.Reason = VerdictCollecting, "an experiment needs two arms"
		return
	}
	k := len(r.Arms) - 1
	r.Alpha = Alpha / float64(k)
	ctl := r.Arms[0]
	enough := true
	for _, a := range r.Arms {
		if a.Exposed < MinExposures || a.Conversions < MinConversions {
			enough = false
		}
	}
	best, worse := -1, 0
	for i := 1; i < len(r.Arms); i++ {
		a := &r.Arms[i]
		if z, p, ok := ZTest(ctl.Conversions, ctl.Exposed, a.Conversions, a.Exposed); ok {
			a.Z, a.PValue = &z, &p
			a.Significant = p < r.Alpha
			if a.Significant && z > 0 && (best < 0 || a.Rate > r.Arms[best].Rate) {
				best = i
			}
			if a.Significant && z < 0 {
				worse++
			}
		}
		if ctl.Exposed > 0 && a.Exposed > 0 {
			pb := probToBeat(ctl.Conversions, ctl.Exposed, a.Conversions, a.Exposed)
			if !math.IsNaN(pb) {
				a.ProbToBeat = &pb
			}
		}
	}
	switch {
	case !enough:
		r.Verdict = VerdictCollecting
		r.Reason = fmt.Sprintf("collecting data: every arm needs at least %d exposed visitors and %d conversions before a verdict", MinExposures, MinConversions)
	case best >= 0:
		a := r.Arms[best]
		r.Verdict, r.WinnerArmID = VerdictWinner, a.ArmID
		r.Reason = fmt.Sprintf("%s converts at %.2f %% against the control's %.2f %% (p = %.4f < %.4f)", a.Name, 100*a.Rate, 100*ctl.Rate, *a.PValue, r.Alpha)
	case worse == k:
		r.Verdict, r.WinnerArmID = VerdictControl, ctl.ArmID
		r.Reason = fmt.Sprintf("every arm converts significantly worse than the control (%s)", ctl.Name)
	default:
		r.Verdict = VerdictNoDifference
		r.Reason = fmt.Sprintf("no arm differs significantly from the control at %.4f", r.Alpha)
	}
}
