package web_test

import (
	"testing"

	"github.com/wasmart/wasmart/core/experiment"
	"github.com/wasmart/wasmart/web/api"
)

// victimExperiments gives shop A a running A/B test of its product and
// returns its id and what of it may never show to another shop.
func victimExperiments(t *testing.T, owner *client, productID string) (string, []string) {
	t.Helper()
	title := "Alpha secret arm title"
	var e api.ExperimentJSON
	owner.send("POST", "/api/experiments", api.ExperimentRequest{Name: "Alpha secret experiment", ProductID: productID,
		Arms: []experiment.ArmInput{{Name: "Control", Weight: 50}, {Name: "Alpha arm", Weight: 50, Title: &title}}}, 201).json(t, &e)
	return e.ID, []string{"Alpha secret experiment", title, e.ID, e.Arms[1].ID}
}
