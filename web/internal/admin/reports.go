package admin

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/tenants/perm"
)

// ReportStaff lists the current shop's staff who may receive its
// scheduled reports: those whose role reads analytics.
func (a *Admin) ReportStaff(c *fiber.Ctx) ([]tenants.StaffMember, error) {
	return a.tenants.StaffWith(c.UserContext(), a.kit.Current(c).TenantID, perm.AnalyticsRead)
}

// SaveReportSchedule saves a schedule of the current shop after checking
// that every recipient is one of its staff who may read analytics (a 400
// naming recipients otherwise).
func (a *Admin) SaveReportSchedule(c *fiber.Ctx, an *analytics.Service, in analytics.ScheduleInput) (*analytics.Schedule, error) {
	staff, err := a.ReportStaff(c)
	if err != nil {
		return nil, err
	}
	ok := map[string]bool{}
	for _, m := range staff {
		ok[strings.ToLower(m.Email)] = true
	}
	for _, r := range in.Recipients {
		if r = strings.ToLower(strings.TrimSpace(r)); r != "" && !ok[r] {
			return nil, errs.Field("recipients", "%q is not a staff member of this shop who may read analytics", r)
		}
	}
	return an.SaveSchedule(c.UserContext(), in)
}
