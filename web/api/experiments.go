package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/experiment"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// A/B tests of product pages on the console host (core/experiment;
// experiments.read: owner, administrator, operations, marketing and the
// read-only analyst; experiments.products: owner, administrator and
// operations). A test starts when it is created; its first arm is the
// control. Prices move by basis points within the test's max_change_bp
// and never below a variant's cost unless allow_below_cost. Bad input —
// identical arms, weights not adding up to 100, a price outside the
// limits, a second running test on the product — is a 4xx naming the
// field ("arms[1].price_change_bp", "arms.weight", "product_id"). Results
// give each arm's exposed visitors, conversions, rate and revenue per
// visitor (minor units) with the z-test against the control, and the
// verdict with its method.

type (
	// ExperimentJSON is an A/B test with its arms.
	ExperimentJSON = experiment.Experiment
	// ExperimentRequest starts a product-page test.
	ExperimentRequest = experiment.ProductInput
	// ExperimentResults are a test's figures per arm and its verdict.
	ExperimentResults = experiment.Results
	// ExperimentStop stops a test, optionally applying its winner.
	ExperimentStop = experiment.StopInput
)

// ExperimentList is the shop's tests, newest first.
type ExperimentList struct {
	Experiments []*ExperimentJSON `json:"experiments"`
}

// Experiments handles the A/B test routes.
type Experiments struct {
	experiments *experiment.Service
}

// Routes are the A/B test API.
func (s *Experiments) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeTenant, "experiments")
	api.API("GET", "/api/experiments", perm.ExperimentsRead, "The shop's A/B tests, newest first", nil, ExperimentList{}, s.apiList)
	api.API("POST", "/api/experiments", perm.ExperimentsProducts, "Start an A/B test of a product page (the first arm is the control)", ExperimentRequest{}, ExperimentJSON{}, s.apiCreate)
	api.API("GET", "/api/experiments/:experiment", perm.ExperimentsRead, "An A/B test with its arms", nil, ExperimentJSON{}, s.apiGet)
	api.API("GET", "/api/experiments/:experiment/results", perm.ExperimentsRead, "A test's results per arm, the z-test against the control and the verdict", nil, ExperimentResults{}, s.apiResults)
	api.API("POST", "/api/experiments/:experiment/stop", perm.ExperimentsProducts, "Stop a test, optionally writing the winning arm to the product (audited)", ExperimentStop{}, ExperimentJSON{}, s.apiStop)
	return t.Routes()
}

func (s *Experiments) apiList(c *fiber.Ctx) error {
	list, err := s.experiments.List(c.UserContext())
	if err != nil {
		return err
	}
	if list == nil {
		list = []*experiment.Experiment{}
	}
	return c.JSON(ExperimentList{Experiments: list})
}

func (s *Experiments) apiCreate(c *fiber.Ctx) error {
	var in ExperimentRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	e, err := s.experiments.CreateProduct(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(e)
}

func (s *Experiments) apiGet(c *fiber.Ctx) error {
	e, err := s.experiments.Get(c.UserContext(), c.Params("experiment"))
	if err != nil {
		return err
	}
	return c.JSON(e)
}

func (s *Experiments) apiResults(c *fiber.Ctx) error {
	r, err := s.experiments.Results(c.UserContext(), c.Params("experiment"))
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Experiments) apiStop(c *fiber.Ctx) error {
	var in ExperimentStop
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	e, err := s.experiments.Stop(c.UserContext(), c.Params("experiment"), in)
	if err != nil {
		return err
	}
	return c.JSON(e)
}
