package segment_test

import (
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/segment"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestSegmentsOf: one customer's RFM group and the saved segments they are
// in now, on both engines: every saved segment is evaluated in one
// statement; a customer with no counted order has no group; another
// shop's customer, or an unknown id, is NotFound.
func TestSegmentsOf(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := segment.New(db, func() time.Time { return t0 })
		seed, _ := seedShop(t, db)
		a := shop("ta")
		if err := svc.Recompute(a, true); err != nil {
			t.Fatal(err)
		}
		vips, err := svc.Create(a, segment.Segment{Name: "VIPs", Rules: []segment.Rule{rule("tag", "in", "vip")}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Create(a, segment.Segment{Name: "Germans", Rules: []segment.Rule{rule("country", "in", "DE")}}); err != nil {
			t.Fatal(err)
		}
		many, err := svc.Create(a, segment.Segment{Name: "Ten orders or more", Rules: []segment.Rule{rule("order_count", "gte", "10")}})
		if err != nil {
			t.Fatal(err)
		}
		names := func(sg *segment.CustomerSegments) string {
			out := ""
			for _, s := range sg.Segments {
				out += s.Name + ";"
			}
			return out
		}
		carol, err := svc.Of(a, seed.ids["carol"])
		if err != nil {
			t.Fatal(err)
		}
		if carol.Group == nil || carol.Group.Code != "cant_lose" || carol.F != 5 || names(carol) != "Ten orders or more;VIPs;" {
			t.Fatalf("carol: %+v group %+v", carol, carol.Group)
		}
		if carol.Segments[0].ID != many.ID || carol.Segments[1].ID != vips.ID {
			t.Fatalf("carol's segments %+v", carol.Segments)
		}
		alice, err := svc.Of(a, seed.ids["alice"])
		if err != nil || names(alice) != "Germans;VIPs;" || alice.Group == nil {
			t.Fatalf("alice: %+v %v", alice, err)
		}
		dave, err := svc.Of(a, seed.ids["dave"])
		if err != nil || dave.Group != nil || dave.R != 0 || names(dave) != "" {
			t.Fatalf("dave (no order): %+v %v", dave, err)
		}
		for _, id := range []string{seed.ids["zed"], "nobody"} {
			if _, err := svc.Of(a, id); !errs.Is(err, errs.NotFound) {
				t.Fatalf("Of(%s) in shop A: %v", id, err)
			}
		}
	})
}
