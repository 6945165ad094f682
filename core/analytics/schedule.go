package analytics

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// Scheduled reports: a shop has at most one schedule per frequency
// (daily, weekly, monthly), each with the KPIs it reports and the staff
// addresses it goes to. SendDue (the "analytics reports" job, every few
// minutes) builds, for every schedule, the report of the last complete
// period in the shop's time zone (yesterday; last Monday to Sunday; last
// month) with the change against the period before, stores it
// (analytics_reports, one per shop, frequency and period: a unique key,
// so two nodes or two runs never send it twice) and, in the same
// transaction, puts one e-mail per recipient in the outbox. Stored
// reports stay readable in the console. A period before the shop's
// retention is not reported; a schedule made today reports the last
// complete period at the next run.

// Frequency is how often a scheduled report goes out.
type Frequency string

// Frequencies.
const (
	Daily   Frequency = "daily"
	Weekly  Frequency = "weekly"
	Monthly Frequency = "monthly"
)

// Frequencies lists them in order.
var Frequencies = []Frequency{Daily, Weekly, Monthly}

// DefaultReportMetrics are what a schedule reports when none are chosen.
var DefaultReportMetrics = []string{"visitors", "sessions", "conversion_rate", "orders", "gmv", "net_sales", "aov", "repurchase_rate"}

// MaxRecipients bounds a schedule's recipients.
const MaxRecipients = 20

// Schedule is one of a shop's report schedules.
type Schedule struct {
	bun.BaseModel `bun:"table:analytics_report_schedules"`

	TenantID   string    `bun:"tenant_id,pk" json:"-"`
	ID         string    `bun:"id,pk" json:"id"`
	Frequency  Frequency `bun:"frequency" json:"frequency"`
	MetricList string    `bun:"metrics" json:"-"`
	CreatedAt  time.Time `bun:"created_at" json:"created_at"`
	UpdatedAt  time.Time `bun:"updated_at" json:"updated_at"`

	Metrics    []string `bun:"-" json:"metrics"`
	Recipients []string `bun:"-" json:"recipients"`
}

type recipientRow struct {
	bun.BaseModel `bun:"table:analytics_report_recipients"`

	TenantID   string `bun:"tenant_id,pk"`
	ScheduleID string `bun:"schedule_id,pk"`
	Email      string `bun:"email,pk"`
}

// ScheduleInput creates or replaces the schedule of a frequency.
type ScheduleInput struct {
	Frequency  Frequency
	Metrics    []string // KPI names; empty: DefaultReportMetrics
	Recipients []string // staff e-mail addresses (the caller checks they are staff)
}

func (in *ScheduleInput) clean() error {
	switch in.Frequency {
	case Daily, Weekly, Monthly:
	default:
		return errs.Field("frequency", "must be daily, weekly or monthly")
	}
	if len(in.Metrics) == 0 {
		in.Metrics = DefaultReportMetrics
	}
	ms, err := ParseMetrics(strings.Join(in.Metrics, ","), DimDay)
	if err != nil {
		return err
	}
	in.Metrics = in.Metrics[:0:0]
	for _, d := range ms {
		in.Metrics = append(in.Metrics, d.Name)
	}
	seen := map[string]bool{}
	var rs []string
	for _, r := range in.Recipients {
		r = strings.ToLower(strings.TrimSpace(r))
		if r == "" || seen[r] {
			continue
		}
		if len(r) > 254 || strings.Count(r, "@") != 1 || strings.ContainsAny(r, " \t\r\n<>,;\"") || strings.HasPrefix(r, "@") || strings.HasSuffix(r, "@") {
			return errs.Field("recipients", "%q is not an e-mail address", r)
		}
		seen[r] = true
		rs = append(rs, r)
	}
	if len(rs) == 0 || len(rs) > MaxRecipients {
		return errs.Field("recipients", "choose 1 to %d staff members", MaxRecipients)
	}
	sort.Strings(rs)
	in.Recipients = rs
	return nil
}

// SaveSchedule creates or replaces the context shop's schedule of in's
// frequency (audited).
func (s *Service) SaveSchedule(ctx context.Context, in ScheduleInput) (*Schedule, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.clean(); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	sc := &Schedule{TenantID: tenant, ID: store.NewID(), Frequency: in.Frequency, MetricList: strings.Join(in.Metrics, ","),
		CreatedAt: now, UpdatedAt: now, Metrics: in.Metrics, Recipients: in.Recipients}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var before Schedule
		err := q.NewSelect().Model(&before).Where("tenant_id = ? AND frequency = ?", tenant, in.Frequency).Scan(ctx)
		switch {
		case err == nil:
			sc.ID, sc.CreatedAt = before.ID, before.CreatedAt
			if _, err := q.NewUpdate().Model(sc).Column("metrics", "updated_at").WherePK().Exec(ctx); err != nil {
				return err
			}
			if err := loadRecipients(ctx, q, tenant, []*Schedule{&before}); err != nil {
				return err
			}
			if _, err := q.NewDelete().Model((*recipientRow)(nil)).Where("tenant_id = ? AND schedule_id = ?", tenant, sc.ID).Exec(ctx); err != nil {
				return err
			}
		case store.NoRows(err):
			if _, err := q.NewInsert().Model(sc).Exec(ctx); err != nil {
				return err
			}
		default:
			return err
		}
		rows := make([]recipientRow, len(sc.Recipients))
		for i, r := range sc.Recipients {
			rows[i] = recipientRow{TenantID: tenant, ScheduleID: sc.ID, Email: r}
		}
		if _, err := q.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return err
		}
		b := ""
		if before.ID != "" {
			b = before.summary()
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "analytics.schedule.save", ObjectType: "analytics_report_schedule",
			ObjectID: sc.ID, Before: b, After: sc.summary()})
	})
	if err != nil {
		return nil, errs.Wrap(err, "analytics: save schedule")
	}
	return sc, nil
}

func (sc *Schedule) summary() string {
	return fmt.Sprintf("%s report of %s to %s", sc.Frequency, strings.Join(sc.Metrics, ", "), strings.Join(sc.Recipients, ", "))
}

// DeleteSchedule removes one of the context shop's schedules (audited);
// the reports it sent stay.
func (s *Service) DeleteSchedule(ctx context.Context, id string) error {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var sc Schedule
		if err := q.NewSelect().Model(&sc).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("no report schedule %q", id)
			}
			return err
		}
		if err := loadRecipients(ctx, q, tenant, []*Schedule{&sc}); err != nil {
			return err
		}
		if _, err := q.NewDelete().Model((*recipientRow)(nil)).Where("tenant_id = ? AND schedule_id = ?", tenant, id).Exec(ctx); err != nil {
			return err
		}
		if _, err := q.NewDelete().Model((*Schedule)(nil)).Where("tenant_id = ? AND id = ?", tenant, id).Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "analytics.schedule.delete", ObjectType: "analytics_report_schedule",
			ObjectID: id, Before: sc.summary()})
	})
	return errs.Wrap(err, "analytics: delete schedule")
}

func loadRecipients(ctx context.Context, q bun.IDB, tenant string, scs []*Schedule) error {
	if len(scs) == 0 {
		return nil
	}
	by := map[string]*Schedule{}
	ids := make([]string, len(scs))
	for i, sc := range scs {
		by[sc.ID], ids[i] = sc, sc.ID
		sc.Metrics = strings.Split(sc.MetricList, ",")
		sc.Recipients = nil
	}
	var rows []recipientRow
	if err := q.NewSelect().Model(&rows).Where("tenant_id = ? AND schedule_id IN (?)", tenant, bun.List(ids)).OrderExpr("email").Scan(ctx); err != nil && !store.NoRows(err) {
		return err
	}
	for _, r := range rows {
		by[r.ScheduleID].Recipients = append(by[r.ScheduleID].Recipients, r.Email)
	}
	return nil
}

// Schedules lists the context shop's report schedules, daily first.
func (s *Service) Schedules(ctx context.Context) ([]*Schedule, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Schedule
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := q.NewSelect().Model(&out).Where("tenant_id = ?", tenant).Scan(ctx); err != nil && !store.NoRows(err) {
			return err
		}
		return loadRecipients(ctx, q, tenant, out)
	})
	sort.Slice(out, func(i, j int) bool { return freqOrder(out[i].Frequency) < freqOrder(out[j].Frequency) })
	return out, errs.Wrap(err, "analytics: schedules")
}

func freqOrder(f Frequency) int {
	for i, x := range Frequencies {
		if x == f {
			return i
		}
	}
	return len(Frequencies)
}

// StoredReport is a report a schedule sent.
type StoredReport struct {
	bun.BaseModel `bun:"table:analytics_reports"`

	TenantID   string    `bun:"tenant_id,pk" json:"-"`
	ID         string    `bun:"id,pk" json:"id"`
	Frequency  Frequency `bun:"frequency" json:"frequency"`
	From       string    `bun:"period_from" json:"from"`
	To         string    `bun:"period_to" json:"to"`
	Title      string    `bun:"title" json:"title"`
	Recipients string    `bun:"recipients" json:"recipients"` // comma-separated
	Body       string    `bun:"body" json:"-"`                // the figures, JSON
	CreatedAt  time.Time `bun:"created_at" json:"created_at"`

	// Figures are the report's KPIs with the change on the period
	// before (from Body).
	Figures []KPI `bun:"-" json:"figures,omitempty"`
}

// Reports lists the context shop's stored reports, newest first, at most
// limit (1 to 500).
func (s *Service) Reports(ctx context.Context, limit int) ([]StoredReport, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if limit < 1 || limit > 500 {
		return nil, errs.Field("limit", "must be 1 to 500")
	}
	var out []StoredReport
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&out).ExcludeColumn("body").Where("tenant_id = ?", tenant).
			OrderExpr("created_at DESC, id DESC").Limit(int64(limit)).Scan(ctx)
	})
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "analytics: reports")
	}
	return out, nil
}

// Report reads one of the context shop's stored reports with its figures.
func (s *Service) Report(ctx context.Context, id string) (*StoredReport, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var r StoredReport
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&r).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx)
	})
	if store.NoRows(err) {
		return nil, errs.NotFoundf("no report %q", id)
	}
	if err != nil {
		return nil, errs.Wrap(err, "analytics: report")
	}
	if err := json.Unmarshal([]byte(r.Body), &r.Figures); err != nil {
		return nil, errs.Wrap(err, "analytics: report body")
	}
	return &r, nil
}

// LastPeriod is the last complete period of a frequency before the local
// day today (a local midnight).
func LastPeriod(f Frequency, today time.Time) Range {
	switch f {
	case Weekly:
		monday := bucketStart(today, Week)
		return Range{From: monday.AddDate(0, 0, -7), To: monday.AddDate(0, 0, -1)}
	case Monthly:
		first := bucketStart(today, Month)
		return Range{From: first.AddDate(0, -1, 0), To: first.AddDate(0, 0, -1)}
	}
	y := today.AddDate(0, 0, -1)
	return Range{From: y, To: y}
}

// SendDue sends every schedule's report of its last complete period that
// was not sent yet (see the top of this file); it returns how many
// reports it stored. A shop's failure is logged and the others go on.
func (s *Service) SendDue(ctx context.Context) (int, error) {
	var all []*Schedule
	platform := tenancy.WithPlatform(ctx)
	err := s.db.Read(platform, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&all).OrderExpr("tenant_id, frequency").Scan(ctx)
	})
	if err != nil && !store.NoRows(err) {
		return 0, errs.Wrap(err, "analytics: due schedules")
	}
	sent := 0
	for _, sc := range all {
		ok, err := s.sendOne(tenancy.WithTenant(ctx, sc.TenantID), sc)
		if err != nil {
			if ctx.Err() != nil {
				return sent, ctx.Err()
			}
			s.log.Warn("analytics: scheduled report", "tenant", sc.TenantID, "frequency", sc.Frequency, "err", err)
			continue
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

func (s *Service) sendOne(ctx context.Context, sc *Schedule) (bool, error) {
	today, st, err := s.Today(ctx)
	if err != nil {
		return false, err
	}
	r := LastPeriod(sc.Frequency, today)
	if r.From.Before(today.AddDate(0, 0, -st.RetentionDays)) {
		return false, nil
	}
	var exists bool
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := loadRecipients(ctx, q, sc.TenantID, []*Schedule{sc}); err != nil {
			return err
		}
		exists, err = q.NewSelect().Model((*StoredReport)(nil)).
			Where("tenant_id = ? AND frequency = ? AND period_from = ?", sc.TenantID, sc.Frequency, r.fromDay()).Exists(ctx)
		return err
	})
	if err != nil || exists || len(sc.Recipients) == 0 {
		return false, err
	}
	rep, err := s.KPIs(ctx, r, Day, Compare{Previous: true})
	if err != nil {
		return false, err
	}
	var figs []KPI
	for _, name := range sc.Metrics {
		for _, k := range rep.KPIs {
			if k.Name == name {
				figs = append(figs, k)
			}
		}
	}
	body, err := json.Marshal(figs)
	if err != nil {
		return false, err
	}
	currency := ""
	if s.o.Currency != nil {
		if currency, err = s.o.Currency(ctx, sc.TenantID); err != nil {
			return false, err
		}
	}
	title := reportTitle(sc.Frequency, r)
	text, htm, err := reportMail(title, figs, currency, st.TimeZone)
	if err != nil {
		return false, err
	}
	stored := &StoredReport{TenantID: sc.TenantID, ID: store.NewID(), Frequency: sc.Frequency, From: r.fromDay(), To: r.toDay(), Title: title,
		Recipients: strings.Join(sc.Recipients, ","), Body: string(body), CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	inserted := false
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewInsert().Model(stored).On("CONFLICT (tenant_id, frequency, period_from) DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil // another run stored it first
		}
		inserted = true
		for _, to := range sc.Recipients {
			if _, err := outbox.EnqueueMail(ctx, q, outbox.Mail{TenantID: sc.TenantID, Topic: "analytics.report", To: to, Subject: title, Text: text, HTML: htm}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, errs.Wrap(err, "analytics: store report")
	}
	return inserted, nil
}

func reportTitle(f Frequency, r Range) string {
	switch f {
	case Weekly:
		return "Weekly report: " + r.From.Format("Mon 2 Jan") + " – " + r.To.Format("Sun 2 Jan 2006")
	case Monthly:
		return "Monthly report: " + r.From.Format("January 2006")
	}
	return "Daily report: " + r.From.Format("Monday 2 January 2006")
}

// FormatFigure writes a KPI value for people: counts whole, ratios as a
// percentage with one decimal, money through core/money in the currency
// (minor units as a number without one), "—" when undefined.
func FormatFigure(u Unit, v Figure, currency string) string {
	if v == nil {
		return "—"
	}
	switch u {
	case UnitCount:
		return strconv.FormatFloat(*v, 'f', 0, 64)
	case UnitRatio:
		return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
	case UnitMoney:
		if currency == "" {
			return strconv.FormatFloat(math.Round(*v), 'f', 0, 64)
		}
		return money.Formatter{}.Display(int64(math.Round(*v)), currency)
	}
	return strconv.FormatFloat(*v, 'f', 2, 64)
}

// ChangeText says a relative change in words ("+25.0% on the period
// before", "no comparison").
func ChangeText(k *KPI) string {
	switch {
	case k.ChangePrevious != nil:
		return fmt.Sprintf("%+.1f%% on the period before", *k.ChangePrevious*100)
	case k.Value != nil && k.Previous != nil && *k.Previous == 0 && *k.Value == 0:
		return "no change on the period before"
	case k.Value != nil && k.Previous != nil && *k.Previous == 0:
		return "up from none in the period before"
	}
	return "no comparison with the period before"
}

var reportHTML = template.Must(template.New("report").Parse(`<!doctype html><html><body>
<h1>{{.Title}}</h1>
<table><thead><tr><th align="left">Figure</th><th align="right">Value</th><th align="left">Change</th></tr></thead><tbody>
{{range .Rows}}<tr><th align="left">{{.Label}}</th><td align="right">{{.Value}}</td><td>{{.Change}}</td></tr>
{{end}}</tbody></table>
<p>Days are the shop's local days ({{.Zone}}). Each figure is defined on the console's KPI definitions page.</p>
</body></html>`))

func reportMail(title string, figs []KPI, currency, zone string) (string, string, error) {
	type row struct{ Label, Value, Change string }
	var rows []row
	var text strings.Builder
	text.WriteString(title + "\n\n")
	for i := range figs {
		k := &figs[i]
		r := row{k.Label, FormatFigure(k.Unit, k.Value, currency), ChangeText(k)}
		rows = append(rows, r)
		fmt.Fprintf(&text, "%s: %s (%s)\n", r.Label, r.Value, r.Change)
	}
	fmt.Fprintf(&text, "\nDays are the shop's local days (%s). Each figure is defined on the console's KPI definitions page.\n", zone)
	var b bytes.Buffer
	if err := reportHTML.Execute(&b, map[string]any{"Title": title, "Rows": rows, "Zone": zone}); err != nil {
		return "", "", err
	}
	return text.String(), b.String(), nil
}

// String is the frequency's name.
func (f Frequency) String() string { return string(f) }
