package analytics

import (
	"bytes"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestTopicReport: metrics by week, source, country and product over a
// seeded shop, each figure the KPI's own; another shop's orders never
// appear; bad metrics and dimensions name their field.
func TestTopicReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := &clock{time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)}
		s := newTestService(db, c)
		d := func(day int) time.Time { return time.Date(2026, 11, day, 12, 0, 0, 0, time.UTC) }
		placeOrder(t, db, "ta", "a@x", 10000, 2, d(23), 0, "google.com")    // Mon, week 1
		placeOrder(t, db, "ta", "b@x", 4000, 1, d(24), 1000, "")            // week 1
		placeOrder(t, db, "ta", "a@x", 6000, 3, d(30), 0, "newsletter.com") // Mon, week 2
		placeOrder(t, db, "tb", "z@x", 99000, 9, d(24), 0, "google.com")    // another shop
		exec(t, db, "ta",
			[]any{"UPDATE orders SET shipping_address = '{\"country\":\"fr\"}' WHERE tenant_id = 'ta' AND email = 'a@x'"},
			[]any{"UPDATE orders SET shipping_address = '{\"country\":\"DE\"}' WHERE tenant_id = 'ta' AND email = 'b@x'"},
			[]any{"UPDATE order_lines SET product_id = 'p-' || (SELECT email FROM orders o WHERE o.tenant_id = order_lines.tenant_id AND o.id = order_lines.order_id) WHERE tenant_id = 'ta'"})
		exec(t, db, "tb", []any{"UPDATE orders SET shipping_address = '{\"country\":\"FR\"}' WHERE tenant_id = 'tb'"},
			[]any{"UPDATE order_lines SET product_id = 'p-a@x' WHERE tenant_id = 'tb'"})
		flushAndRoll(t, s)
		r, _, err := s.ParseRange(shop("ta"), "2026-11-23", "2026-12-01")
		if err != nil {
			t.Fatal(err)
		}
		report := func(metrics string, x Dimension) *TopicReport {
			t.Helper()
			ms, err := ParseMetrics(metrics, x)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := s.Topic(shop("ta"), ms, x, r)
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}
		csvOf := func(rep *TopicReport) string {
			var b bytes.Buffer
			if err := rep.WriteCSV(&b); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}
		if got, want := csvOf(report("orders,gmv,net_sales,aov", DimWeek)),
			"week,label,orders,gmv,net_sales,aov\n2026-11-23,2026-11-23 – 2026-11-29,2,14000,13000,7000\n2026-11-30,2026-11-30 – 2026-12-01,1,6000,6000,6000\ntotal,,3,20000,19000,6667\n"; got != want {
			t.Errorf("by week:\n%s\nwant\n%s", got, want)
		}
		if got, want := csvOf(report("gmv,units_per_order,new_customers", DimCountry)),
			"country,label,gmv,units_per_order,new_customers\nFR,FR,16000,2.5,1\nDE,DE,4000,1,1\ntotal,,20000,2,2\n"; got != want {
			t.Errorf("by country:\n%s\nwant\n%s", got, want)
		}
		if got, want := csvOf(report("units,orders,gmv", DimProduct)),
			"product,label,units,orders,gmv\np-a@x,Coat,5,2,16000\np-b@x,Coat,1,1,4000\ntotal,,6,3,20000\n"; got != want {
			t.Errorf("by product:\n%s\nwant\n%s", got, want)
		}
		if got, want := csvOf(report("orders", DimSource)),
			"source,label,orders\n(unknown),(unknown),1\ngoogle.com,google.com,1\nnewsletter.com,newsletter.com,1\ntotal,,3\n"; got != want {
			t.Errorf("by source:\n%s\nwant\n%s", got, want)
		}
		for _, tc := range []struct {
			metrics string
			x       string
			field   string
		}{
			{"orders", "planet", "dimension"},
			{"nope", "day", "metrics"},
			{" , ", "day", "metrics"},
			{"visitors", "country", "metrics"},
			{"conversion_rate", "product", "metrics"},
			{"complaint_rate", "source", "metrics"},
			{"retention_cohorts", "month", "metrics"},
			{"orders,orders", "day", "metrics"},
		} {
			x, err := ParseDimension(tc.x)
			if err == nil {
				_, err = ParseMetrics(tc.metrics, x)
			}
			if fieldOf(err) != tc.field {
				t.Errorf("metrics %q by %q: %v, want an error on %s", tc.metrics, tc.x, err, tc.field)
			}
		}
	})
}
