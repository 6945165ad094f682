package admin

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/tenants/perm"
)

// GoalOwners are the current shop's staff who may own a goal: those who
// can read goals.
func (a *Admin) GoalOwners(c *fiber.Ctx) ([]tenants.StaffMember, error) {
	return a.tenants.StaffWith(c.UserContext(), a.kit.Current(c).TenantID, perm.GoalsRead)
}

// SaveGoal creates (id "") or updates a goal of the current shop. The
// owner defaults to the staff member asking and must be one of
// GoalOwners (checked before the goal's own rules, in core/analytics).
func (a *Admin) SaveGoal(c *fiber.Ctx, goals *analytics.Service, id string, in analytics.GoalInput) (*analytics.Goal, error) {
	if in.OwnerID == "" {
		in.OwnerID = a.kit.Current(c).UserID
	}
	if in.OwnerID == "" {
		return nil, errs.Field("owner_id", "is required (an API token has no staff member to default to)")
	}
	owners, err := a.GoalOwners(c)
	if err != nil {
		return nil, err
	}
	found := false
	for _, o := range owners {
		found = found || o.UserID == in.OwnerID
	}
	if !found {
		return nil, errs.Field("owner_id", "must be a staff member of this shop who can read goals")
	}
	if id == "" {
		return goals.CreateGoal(c.UserContext(), in)
	}
	return goals.UpdateGoal(c.UserContext(), id, in)
}
