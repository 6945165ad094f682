package console

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/view"
)

// The console home's dashboard, for staff who may read analytics: the
// headline KPIs for a chosen period against the period before, today
// against yesterday and this week against the same days of last week,
// each with a 30-day sparkline; the period's top products and traffic
// sources; the visitors of the last five minutes; low stock (for staff who
// may read stock); and the KPIs' definitions. Every figure comes from
// core/analytics (its rollups; live visitors from the raw events) in the
// shop's analytics time zone.

// dashHeadline are the KPIs the dashboard shows, in order.
var dashHeadline = []string{"visitors", "pageviews", "conversion_rate", "orders", "gmv", "net_sales", "aov"}

// dashPeriods are the periods the picker offers (?period=).
var dashPeriods = []struct{ Key, Label string }{
	{"today", "Today"}, {"7d", "Last 7 days"}, {"30d", "Last 30 days"}, {"month", "This month"},
}

// sparkDays is how many days a sparkline shows (today included).
const sparkDays = 30

// dashTop is how many rows the top lists and low stock show.
const dashTop = 5

type dashData struct {
	Period      string
	Periods     []dashPeriod
	Range       string // the period's days, in words
	Previous    string // the comparison period's days
	TimeZone    string
	Today       string
	WeekFrom    string
	Cards       []kpiCard
	Live        int64
	LiveMinutes int
	Products    []dashProduct
	Sources     []dashSource
	CanStock    bool
	LowStock    []dashLow
	LowMore     int
	Definitions []analytics.Definition
}

type dashPeriod struct {
	Key, Label string
	Current    bool
}

// kpiCard is one headline KPI: its figures as text, each change in words,
// and its sparkline.
type kpiCard struct {
	Name, Label, Help       string
	Value, Change           string // the period, and against the previous one
	Today, Yesterday, Day   string // today, yesterday and the change
	Week, LastWeek, WeekChg string // this week so far, the same days last week, the change
	Spark                   template.HTML
}

type dashProduct struct {
	ID, Title, Revenue string
	Units, Orders      int64
}

type dashSource struct {
	Source, Medium, Campaign, Revenue, Conversion string
	Sessions, Orders                              int64
}

type dashLow struct {
	ProductID, VariantID, Title, SKU string
	Available, SafetyStock           int64
}

// dashRange is the period a ?period= value names, ending today.
func dashRange(period string, today time.Time) (analytics.Range, error) {
	switch period {
	case "", "7d":
		return analytics.Range{From: today.AddDate(0, 0, -6), To: today}, nil
	case "today":
		return analytics.Range{From: today, To: today}, nil
	case "30d":
		return analytics.Range{From: today.AddDate(0, 0, -29), To: today}, nil
	case "month":
		return analytics.Range{From: today.AddDate(0, 0, 1-today.Day()), To: today}, nil
	}
	return analytics.Range{}, errs.Field("period", "must be today, 7d, 30d or month")
}

func dashDays(r analytics.Range) string {
	if r.Days() == 1 {
		return r.From.Format("Mon 2 Jan 2006")
	}
	return r.From.Format("2 Jan") + " – " + r.To.Format("2 Jan 2006") + " (" + strconv.Itoa(r.Days()) + " days)"
}

// dashboard gathers the dashboard of the context shop.
func (s *Shop) dashboard(c *fiber.Ctx, currency string) (*dashData, error) {
	ctx := c.UserContext()
	period := c.Query("period")
	today, st, err := s.analytics.Today(ctx)
	if err != nil {
		return nil, err
	}
	r, err := dashRange(period, today)
	if err != nil {
		return nil, err
	}
	if period == "" {
		period = "7d"
	}
	rep, err := s.analytics.KPIs(ctx, r, analytics.Day, analytics.Compare{Previous: true, RollupsOnly: true})
	if err != nil {
		return nil, err
	}
	// The last 30 days by day: the sparklines, and (summed) today,
	// yesterday, this week so far and the same days of last week.
	spark := analytics.Range{From: today.AddDate(0, 0, 1-sparkDays), To: today}
	daily, err := s.analytics.KPIs(ctx, spark, analytics.Day, analytics.Compare{RollupsOnly: true})
	if err != nil {
		return nil, err
	}
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	sum := func(from, to time.Time) *analytics.Counts {
		var c analytics.Counts
		f, t := from.Format(time.DateOnly), to.Format(time.DateOnly)
		for i := range daily.Buckets {
			if b := &daily.Buckets[i]; b.Start >= f && b.Start <= t {
				c.Add(&b.Counts)
			}
		}
		return &c
	}
	yesterday := today.AddDate(0, 0, -1)
	tc, yc := sum(today, today), sum(yesterday, yesterday)
	wc, lwc := sum(monday, today), sum(monday.AddDate(0, 0, -7), today.AddDate(0, 0, -7))

	prev := r.Previous()
	d := &dashData{Period: period, Range: dashDays(r), Previous: dashDays(prev), TimeZone: st.TimeZone,
		Today: today.Format("Mon 2 Jan"), WeekFrom: monday.Format("Mon 2 Jan"), LiveMinutes: int(analytics.LiveWindow / time.Minute)}
	for _, p := range dashPeriods {
		d.Periods = append(d.Periods, dashPeriod{p.Key, p.Label, p.Key == period})
	}
	for _, name := range dashHeadline {
		def, _ := analytics.Lookup(name)
		var k analytics.KPI
		for _, x := range rep.KPIs {
			if x.Name == name {
				k = x
			}
		}
		val := func(cnt *analytics.Counts) *float64 {
			if v, ok := def.Value(cnt); ok {
				return &v
			}
			return nil
		}
		f := func(v *float64) string { return formatFigure(def.Unit, v, currency) }
		card := kpiCard{Name: name, Label: def.Label, Help: def.Help,
			Value: f(k.Value), Change: changeWords(k.Value, k.Previous, "the previous period"),
			Today: f(val(tc)), Yesterday: f(val(yc)), Day: changeWords(val(tc), val(yc), "yesterday"),
			Week: f(val(wc)), LastWeek: f(val(lwc)), WeekChg: changeWords(val(wc), val(lwc), "the same days last week")}
		points := make([]*float64, len(daily.Buckets))
		var lo, hi *float64
		for i := range daily.Buckets {
			points[i] = val(&daily.Buckets[i].Counts)
			if v := points[i]; v != nil {
				if lo == nil || *v < *lo {
					lo = v
				}
				if hi == nil || *v > *hi {
					hi = v
				}
			}
		}
		desc := fmt.Sprintf("%s per day from %s to %s: lowest %s, highest %s, today %s.", def.Label,
			spark.From.Format("2 Jan"), spark.To.Format("2 Jan 2006"), f(lo), f(hi), card.Today)
		card.Spark = sparklineSVG("spark-"+name, def.Label+", last "+strconv.Itoa(sparkDays)+" days", desc, points)
		d.Cards = append(d.Cards, card)
	}
	if d.Live, err = s.analytics.LiveVisitors(ctx); err != nil {
		return nil, err
	}
	top, err := s.analytics.TopProducts(ctx, r, dashTop)
	if err != nil {
		return nil, err
	}
	for _, p := range top {
		d.Products = append(d.Products, dashProduct{ID: p.ProductID, Title: p.Title, Revenue: view.Money(p.Revenue, currency), Units: p.Units, Orders: p.Orders})
	}
	srcs, err := s.analytics.Sources(ctx, r)
	if err != nil {
		return nil, err
	}
	conv, _ := analytics.Lookup("conversion_rate")
	for i := range srcs {
		if i == dashTop {
			break
		}
		x := &srcs[i]
		var cv *float64
		if v, ok := conv.Value(&x.Counts); ok {
			cv = &v
		}
		d.Sources = append(d.Sources, dashSource{Source: x.SourceKey.Source, Medium: x.Medium, Campaign: x.Campaign, Sessions: x.Sessions,
			Orders: x.Orders, Revenue: view.Money(x.GMV, currency), Conversion: formatFigure(analytics.UnitRatio, cv, currency)})
	}
	if d.CanStock = s.Can(c, perm.InventoryRead); d.CanStock {
		low, err := s.admin.LowStock(c)
		if err != nil {
			return nil, err
		}
		for i, x := range low {
			if i == dashTop {
				d.LowMore = len(low) - dashTop
				break
			}
			d.LowStock = append(d.LowStock, dashLow{ProductID: x.ProductID, VariantID: x.VariantID, Title: x.ProductTitle, SKU: x.SKU,
				Available: x.Available, SafetyStock: x.SafetyStock})
		}
	}
	d.Definitions = analytics.Definitions()
	return d, nil
}

// formatFigure writes a KPI value as text: counts whole, ratios as a
// percentage with one decimal, money through core/money in the shop's
// currency (the values are minor units), "—" when undefined.
func formatFigure(u analytics.Unit, v *float64, currency string) string {
	return analytics.FormatFigure(u, v, currency)
}

// changeWords says how cur compares with base, in words with a signed
// percentage: "up +25.0% on yesterday", "down −10.0% on …", "no change
// on …", "new: none on …" (base zero), or "no comparison" when either is
// undefined.
func changeWords(cur, base *float64, against string) string {
	switch {
	case cur == nil || base == nil:
		return "no comparison with " + against
	case *base == 0 && *cur == 0:
		return "no change on " + against
	case *base == 0:
		return "up from none on " + against
	}
	pct := (*cur - *base) / math.Abs(*base) * 100
	s := strconv.FormatFloat(math.Abs(pct), 'f', 1, 64) + "%"
	switch {
	case s == "0.0%":
		return "no change on " + against
	case pct > 0:
		return "up +" + s + " on " + against
	}
	return "down −" + s + " on " + against
}
