package console

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// Scheduled reports in the console: the shop's daily, weekly and monthly
// schedules (for report managers, a form per frequency with the KPIs and
// the staff who receive it), and every report sent, each readable.

func (s *Shop) scheduledReportPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/reports/scheduled", perm.AnalyticsRead, "Scheduled reports and the reports sent", s.scheduledPage)
	html.Page("POST", "/console/reports/schedules", perm.ReportsManage, "Save a report schedule", s.scheduleSave)
	html.Page("POST", "/console/reports/schedules/:schedule/delete", perm.ReportsManage, "Delete a report schedule", s.scheduleDelete)
	html.Page("GET", "/console/reports/scheduled/:report", perm.AnalyticsRead, "One report sent", s.storedReportPage)
}

type scheduleForm struct {
	Frequency string
	ID        string // "" when the frequency has no schedule
	Metrics   []reportMetric
	Staff     []staffChoice
	Summary   string
}

type staffChoice struct {
	Email, Name string
	Checked     bool
}

type scheduledData struct {
	CanManage bool
	Forms     []scheduleForm
	Reports   []analytics.StoredReport
}

func (s *Shop) scheduledPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	d := scheduledData{CanManage: s.Can(c, perm.ReportsManage)}
	scs, err := s.analytics.Schedules(ctx)
	if err != nil {
		return err
	}
	by := map[analytics.Frequency]*analytics.Schedule{}
	for _, sc := range scs {
		by[sc.Frequency] = sc
	}
	var staff []staffChoice
	if d.CanManage {
		members, err := s.admin.ReportStaff(c)
		if err != nil {
			return err
		}
		for _, m := range members {
			staff = append(staff, staffChoice{Email: m.Email, Name: m.Name})
		}
	}
	for _, f := range analytics.Frequencies {
		sc := by[f]
		form := scheduleForm{Frequency: string(f)}
		on := map[string]bool{}
		if sc != nil {
			form.ID, form.Summary = sc.ID, sc.Frequency.String()+": "+join(sc.Metrics)+" → "+join(sc.Recipients)
			for _, m := range sc.Metrics {
				on[m] = true
			}
			for _, r := range sc.Recipients {
				on["to:"+r] = true
			}
		} else {
			for _, m := range analytics.DefaultReportMetrics {
				on[m] = true
			}
		}
		for _, def := range analytics.Definitions() {
			if def.Scalar() {
				form.Metrics = append(form.Metrics, reportMetric{Name: def.Name, Label: def.Label, Checked: on[def.Name]})
			}
		}
		for _, m := range staff {
			m.Checked = on["to:"+m.Email]
			form.Staff = append(form.Staff, m)
		}
		d.Forms = append(d.Forms, form)
	}
	if d.Reports, err = s.analytics.Reports(ctx, 100); err != nil {
		return err
	}
	return s.PageWithError(c, "console/reports_scheduled", "Scheduled reports", "reports", d)
}

func join(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

func (s *Shop) scheduleSave(c *fiber.Ctx) error {
	in := analytics.ScheduleInput{Frequency: analytics.Frequency(c.FormValue("frequency"))}
	form, err := c.MultipartForm()
	if err == nil && form != nil {
		in.Metrics, in.Recipients = form.Value["metric"], form.Value["recipient"]
	} else {
		args := c.Request().PostArgs()
		for _, v := range args.PeekMulti("metric") {
			in.Metrics = append(in.Metrics, string(v))
		}
		for _, v := range args.PeekMulti("recipient") {
			in.Recipients = append(in.Recipients, string(v))
		}
	}
	if _, err := s.admin.SaveReportSchedule(c, s.analytics, in); err != nil {
		return s.PageError(c, err, func() error { return s.scheduledPage(c) })
	}
	return view.Done(c, "/console/reports/scheduled")
}

func (s *Shop) scheduleDelete(c *fiber.Ctx) error {
	if err := s.analytics.DeleteSchedule(c.UserContext(), c.Params("schedule")); err != nil {
		return err
	}
	return view.Done(c, "/console/reports/scheduled")
}

type storedReportData struct {
	Report *analytics.StoredReport
	Rows   []storedFigure
}

type storedFigure struct {
	Label, Value, Previous, Change, Name string
}

func (s *Shop) storedReportPage(c *fiber.Ctx) error {
	r, err := s.analytics.Report(c.UserContext(), c.Params("report"))
	if err != nil {
		return err
	}
	currency := s.admin.ShopCurrency(c)
	d := storedReportData{Report: r}
	for i := range r.Figures {
		k := &r.Figures[i]
		d.Rows = append(d.Rows, storedFigure{Name: k.Name, Label: k.Label, Value: formatFigure(k.Unit, k.Value, currency),
			Previous: formatFigure(k.Unit, k.Previous, currency), Change: analytics.ChangeText(k)})
	}
	return s.Page(c, "console/report_stored", r.Title, "reports", d)
}
