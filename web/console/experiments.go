package console

import (
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/experiment"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// Experiments serves the A/B test pages (experiments.read; starting and
// stopping product-page tests needs experiments.products): the list with
// the new-test form (a control and one challenger arm; the API takes up
// to four arms), and a test's page with its results per arm, the verdict
// and its method, and the stop form (with or without applying a winner).
type Experiments struct {
	base
	experiments *experiment.Service
	catalog     *catalog.Service
}

func (s *Experiments) experimentPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/experiments", perm.ExperimentsRead, "A/B tests and the new-test form", s.list)
	html.Page("POST", "/console/experiments", perm.ExperimentsProducts, "Start an A/B test of a product page", s.create)
	html.Page("GET", "/console/experiments/:experiment", perm.ExperimentsRead, "An A/B test: results per arm and the verdict", s.page)
	html.Page("POST", "/console/experiments/:experiment/stop", perm.ExperimentsProducts, "Stop an A/B test, optionally applying the winner", s.stop)
}

// experimentForm is the new-test form as typed.
type experimentForm struct {
	Name, ProductID, Goal, MaxChange, ControlWeight, ArmName, ArmWeight, Title, Body, Images, PriceChange string
	AllowBelowCost                                                                                        bool
}

func readExperimentForm(c *fiber.Ctx) experimentForm {
	return experimentForm{Name: c.FormValue("name"), ProductID: c.FormValue("product_id"), Goal: c.FormValue("goal"), MaxChange: c.FormValue("max_change"),
		ControlWeight: c.FormValue("control_weight"), ArmName: c.FormValue("arm_name"), ArmWeight: c.FormValue("arm_weight"), Title: c.FormValue("title"),
		Body: c.FormValue("body_html"), Images: c.FormValue("image_ids"), PriceChange: c.FormValue("price_change"), AllowBelowCost: c.FormValue("allow_below_cost") == "on"}
}

// percentBP reads a percentage ("-10", "2.5") as basis points.
func percentBP(field, s string) (int, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > 100 {
		return 0, errs.Field(field, "enter a percentage such as 5 or -10")
	}
	return int(math.Round(f * 100)), nil
}

func weight(field, s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, errs.Field(field, "enter a whole percentage of visitors")
	}
	return n, nil
}

func (f experimentForm) input() (experiment.ProductInput, error) {
	in := experiment.ProductInput{Name: f.Name, ProductID: f.ProductID, Goal: experiment.Goal(f.Goal), AllowBelowCost: f.AllowBelowCost}
	var err error
	if in.MaxChangeBP, err = percentBP("max_change_bp", f.MaxChange); err != nil {
		return in, err
	}
	if in.MaxChangeBP < 0 {
		in.MaxChangeBP = -in.MaxChangeBP
	}
	control := experiment.ArmInput{Name: "Control"}
	if control.Weight, err = weight("arms[0].weight", f.ControlWeight); err != nil {
		return in, err
	}
	arm := experiment.ArmInput{Name: f.ArmName}
	if arm.Weight, err = weight("arms[1].weight", f.ArmWeight); err != nil {
		return in, err
	}
	if strings.TrimSpace(f.Title) != "" {
		t := f.Title
		arm.Title = &t
	}
	if strings.TrimSpace(f.Body) != "" {
		b := f.Body
		arm.BodyHTML = &b
	}
	arm.ImageIDs = strings.FieldsFunc(f.Images, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' })
	if arm.PriceChangeBP, err = percentBP("arms[1].price_change_bp", f.PriceChange); err != nil {
		return in, err
	}
	in.Arms = []experiment.ArmInput{control, arm}
	return in, nil
}

type experimentRow struct {
	E       *experiment.Experiment
	Product string
}

type experimentListData struct {
	Experiments []experimentRow
	Products    []*catalog.Product
	F           experimentForm
	CanWrite    bool
}

func (s *Experiments) listData(c *fiber.Ctx) (experimentListData, error) {
	d := experimentListData{CanWrite: s.Can(c, perm.ExperimentsProducts),
		F: experimentForm{ControlWeight: "50", ArmWeight: "50", ArmName: "B", MaxChange: "10", Goal: string(experiment.GoalOrder)}}
	ctx := c.UserContext()
	list, err := s.experiments.List(ctx)
	if err != nil {
		return d, err
	}
	pg, err := s.catalog.List(ctx, catalog.Filter{Limit: 200})
	if err != nil {
		return d, err
	}
	d.Products = pg.Products
	titles := map[string]string{}
	for _, p := range pg.Products {
		titles[p.ID] = p.Title
	}
	for _, e := range list {
		name := titles[e.SubjectID]
		if name == "" {
			name = e.SubjectID
		}
		d.Experiments = append(d.Experiments, experimentRow{E: e, Product: name})
	}
	return d, nil
}

func (s *Experiments) list(c *fiber.Ctx) error {
	d, err := s.listData(c)
	if err != nil {
		return err
	}
	return s.PageWithError(c, "console/experiments", "A/B tests", "experiments", d)
}

func (s *Experiments) create(c *fiber.Ctx) error {
	f := readExperimentForm(c)
	in, err := f.input()
	var e *experiment.Experiment
	if err == nil {
		e, err = s.experiments.CreateProduct(c.UserContext(), in)
	}
	if err != nil {
		return s.PageError(c, err, func() error {
			d, lerr := s.listData(c)
			if lerr != nil {
				return lerr
			}
			d.F = f
			return s.PageWithError(c, "console/experiments", "A/B tests", "experiments", d)
		})
	}
	return view.Done(c, "/console/experiments/"+e.ID)
}

// armRow is one arm's results as the page shows them.
type armRow struct {
	experiment.ArmResult
	Arm                    *experiment.Arm
	Rate, RPV, P, Beat     string
	Changes                []string
	Winner, VerdictWinning bool
}

type experimentPageData struct {
	R        *experiment.Results
	Product  *catalog.Product
	Arms     []armRow
	CanWrite bool
	Alpha    string
}

func (s *Experiments) pageData(c *fiber.Ctx) (experimentPageData, error) {
	d := experimentPageData{CanWrite: s.Can(c, perm.ExperimentsProducts)}
	r, err := s.experiments.Results(c.UserContext(), c.Params("experiment"))
	if err != nil {
		return d, err
	}
	d.R, d.Alpha = r, strconv.FormatFloat(r.Alpha, 'f', 4, 64)
	currency := ""
	if p, err := s.catalog.Get(c.UserContext(), r.Experiment.SubjectID); err == nil {
		d.Product, currency = p, p.Currency
	} else if !errs.Is(err, errs.NotFound) {
		return d, err
	}
	for i, a := range r.Arms {
		row := armRow{ArmResult: a, Arm: &r.Experiment.Arms[i], Rate: pct(a.Rate, 2), RPV: view.Money(int64(math.Round(a.RevenuePerVisitor)), currency),
			P: "—", Beat: "—", VerdictWinning: a.ArmID == r.WinnerArmID, Winner: a.ArmID == r.Experiment.WinnerArmID}
		if a.PValue != nil {
			row.P = strconv.FormatFloat(*a.PValue, 'f', 4, 64)
		}
		if a.ProbToBeat != nil {
			row.Beat = pct(*a.ProbToBeat, 2)
		}
		arm := row.Arm
		if arm.Title != nil {
			row.Changes = append(row.Changes, "title “"+*arm.Title+"”")
		}
		if arm.BodyHTML != nil {
			row.Changes = append(row.Changes, "description")
		}
		if len(arm.ImageIDs) > 0 {
			row.Changes = append(row.Changes, strconv.Itoa(len(arm.ImageIDs))+" images in a new order")
		}
		if arm.PriceChangeBP != 0 {
			row.Changes = append(row.Changes, "price "+strconv.FormatFloat(float64(arm.PriceChangeBP)/100, 'f', -1, 64)+" %")
		}
		d.Arms = append(d.Arms, row)
	}
	return d, nil
}

func (s *Experiments) page(c *fiber.Ctx) error {
	d, err := s.pageData(c)
	if err != nil {
		return err
	}
	return s.PageWithError(c, "console/experiment", d.R.Experiment.Name, "experiments", d)
}

func (s *Experiments) stop(c *fiber.Ctx) error {
	id := c.Params("experiment")
	in := experiment.StopInput{WinnerArmID: c.FormValue("winner_arm_id"), Apply: c.FormValue("apply") == "on"}
	if v := c.FormValue("version"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return s.PageError(c, errs.Field("version", "reload the page"), func() error { return s.page(c) })
		}
		in.Version = n
	}
	if _, err := s.experiments.Stop(c.UserContext(), id, in); err != nil {
		return s.PageError(c, err, func() error { return s.page(c) })
	}
	return view.Done(c, "/console/experiments/"+id)
}
