package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/segment"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/api"
)

// victimSegments gives shop A a saved segment and its own RFM thresholds,
// and returns the segment's id (the :segment route parameter) and what
// of it may never show to another shop.
func victimSegments(t *testing.T, owner *client) (string, []string) {
	t.Helper()
	var sg api.SegmentJSON
	owner.send("POST", "/api/segments", api.SegmentRequest{Name: "Alpha secret segment", Rules: []api.SegmentRule{{Field: "order_count", Op: "gte", Value: "0"}}}, 201).json(t, &sg)
	th := segment.DefaultThresholds()
	th.Monetary[3] = 987654
	owner.send("PUT", "/api/segments/rfm/thresholds", th, 200)
	return sg.ID, []string{"Alpha secret segment", sg.ID, "987654"}
}

func errorField(t *testing.T, r response) string {
	t.Helper()
	var e struct {
		Error struct{ Field string } `json:"error"`
	}
	r.json(t, &e)
	return e.Error.Field
}

// TestSegmentsAPI drives the segment routes: create, count, members (pages
// and CSV), preview, the ready-made RFM groups, thresholds, update and
// delete; bad input is a 400 naming the field and saves nothing.
func TestSegmentsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, _ := startCommerceServer(t, db)
		sh := srv.signup("segdesk")
		o := sh.Owner
		ctx := tenancy.WithTenant(context.Background(), sh.ID)
		var ids []string
		for _, name := range []string{"Ann", "Ben", "Cat"} {
			email := strings.ToLower(name) + "@example.com"
			cu, _, err := srv.Services.Customers.SignUp(ctx, customer.SignUpInput{Email: email, Password: "long enough password", FirstName: name}, customer.SessionMeta{})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, cu.ID)
		}
		o.send("PUT", "/api/customers/"+ids[0], api.CustomerBody{Email: "ann@example.com", FirstName: "Ann", Tags: []string{"vip"}, Birthday: &customer.Birthday{Month: 5, Day: 17}}, 200)
		o.send("PUT", "/api/customers/"+ids[2], api.CustomerBody{Email: "cat@example.com", FirstName: "Cat", Tags: []string{"vip"}}, 200)
		o.send("PUT", "/api/customers/"+ids[0]+"/consent", api.ConsentBody{AcceptsMarketing: true, Source: "test"}, 200)
		if r := o.send("PUT", "/api/customers/"+ids[1], api.CustomerBody{Email: "ben@example.com", Birthday: &customer.Birthday{Month: 2, Day: 30}}, 400); errorField(t, r) != "birthday.day" {
			t.Errorf("30 February: %s", r.Body)
		}

		// Bad input.
		bad := []struct {
			body, field string
		}{
			{`{"name":"x","rules":[{"field":"tag","op":"in","values":["a"]},{"field":"shoe_size","op":"eq","value":"9"}]}`, "rules[1].field"},
			{`{"name":"x","rules":[{"field":"order_count","op":"within_days","value":"9"}]}`, "rules[0].op"},
			{`{"name":"x","match":"most","rules":[]}`, "match"},
			{`{"name":"","rules":[]}`, "name"},
		}
		for _, b := range bad {
			if r := o.do("POST", "/api/segments", b.body, nil); r.Status != 400 || errorField(t, r) != b.field {
				t.Errorf("%s: %d %s", b.body, r.Status, r.Body)
			}
		}
		if r := o.do("POST", "/api/segments", `{"name":`, nil); r.Status != 400 {
			t.Errorf("broken JSON: %d %s", r.Status, r.Body)
		}
		var list api.SegmentList
		o.getJSON("/api/segments", &list)
		if len(list.Segments) != len(segment.Groups) {
			t.Fatalf("bad input saved segments: %+v", list.Segments)
		}

		var sg api.SegmentJSON
		o.send("POST", "/api/segments", api.SegmentRequest{Name: "VIPs", Rules: []api.SegmentRule{{Field: "tag", Op: "in", Value: "vip"}}}, 201).json(t, &sg)
		var n api.SegmentCount
		o.getJSON("/api/segments/"+sg.ID+"/count", &n)
		if n.Count != 2 {
			t.Fatalf("count %d", n.Count)
		}
		var page api.SegmentMembers
		o.getJSON("/api/segments/"+sg.ID+"/members?limit=1", &page)
		if len(page.Members) != 1 || page.Next == "" {
			t.Fatalf("first page %+v", page)
		}
		var page2 api.SegmentMembers
		o.getJSON("/api/segments/"+sg.ID+"/members?limit=1&after="+page.Next, &page2)
		if len(page2.Members) != 1 || page2.Next != "" || page2.Members[0].CustomerID == page.Members[0].CustomerID {
			t.Fatalf("second page %+v", page2)
		}
		if r := o.do("GET", "/api/segments/"+sg.ID+"/members?limit=5000", "", nil); r.Status != 400 || errorField(t, r) != "limit" {
			t.Errorf("limit 5000: %d %s", r.Status, r.Body)
		}
		r := o.do("GET", "/api/segments/"+sg.ID+"/members.csv", "", nil)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
			r.Body != "customer_id,email,name,accepts_marketing\n"+ids[0]+",ann@example.com,Ann,true\n"+ids[2]+",cat@example.com,Cat,false\n" {
			t.Errorf("csv: %d %q", r.Status, r.Body)
		}
		if r := o.do("GET", "/api/segments/nope/members.csv", "", nil); r.Status != 404 || !strings.Contains(r.Body, `"error"`) {
			t.Errorf("csv of an unknown segment: %d %s", r.Status, r.Body)
		}

		// Preview without saving; birthday month and consent rules.
		var pv api.SegmentPreview
		o.send("POST", "/api/segments/preview", api.SegmentPreviewRequest{Match: "all", Rules: []api.SegmentRule{
			{Field: "birthday_month", Op: "in", Value: "5"}, {Field: "subscribed", Op: "is", Value: "true"}}}, 200).json(t, &pv)
		if pv.Count != 1 || len(pv.Members) != 1 || pv.Members[0].Email != "ann@example.com" || !pv.Members[0].AcceptsMarketing {
			t.Errorf("preview %+v", pv)
		}
		if r := o.do("POST", "/api/segments/preview", `{"rules":[{"field":"rfm_group","op":"in","values":["sleepy"]}]}`, nil); r.Status != 400 || errorField(t, r) != "rules[0].values[0]" {
			t.Errorf("preview of a bad group: %d %s", r.Status, r.Body)
		}

		// Ready-made segments: everyone here never ordered, so none.
		o.getJSON("/api/segments/rfm:new/count", &n)
		if n.Count != 0 {
			t.Errorf("rfm:new count %d", n.Count)
		}
		if r := o.send("PUT", "/api/segments/rfm:new", api.SegmentRequest{Name: "x"}, 400); errorField(t, r) != "id" {
			t.Errorf("ready-made changed: %s", r.Body)
		}
		o.getJSON("/api/segments", &list)
		if len(list.Segments) != 1+len(segment.Groups) || list.Segments[0].Count == nil || *list.Segments[0].Count != 2 {
			t.Errorf("list %+v", list.Segments)
		}
		var fields api.SegmentFields
		o.getJSON("/api/segments/fields", &fields)
		if len(fields.Fields) < 15 || len(fields.Groups) != len(segment.Groups) {
			t.Errorf("fields %+v", fields)
		}

		// Thresholds.
		th := segment.DefaultThresholds()
		th.Frequency[2] = th.Frequency[1]
		if r := o.send("PUT", "/api/segments/rfm/thresholds", th, 400); errorField(t, r) != "frequency[2]" {
			t.Errorf("bad thresholds: %s", r.Body)
		}
		th = segment.DefaultThresholds()
		th.RecencyDays[0] = 14
		o.send("PUT", "/api/segments/rfm/thresholds", th, 200)
		var got api.RFMThresholds
		o.getJSON("/api/segments/rfm/thresholds", &got)
		if got != th {
			t.Errorf("thresholds %+v", got)
		}

		// Update (stale version refused), delete.
		o.send("PUT", "/api/segments/"+sg.ID, api.SegmentRequest{Name: "VIPs", Version: 1, Rules: []api.SegmentRule{{Field: "tag", Op: "not_in", Values: []string{"vip"}}}}, 200).json(t, &sg)
		o.getJSON("/api/segments/"+sg.ID+"/count", &n)
		if sg.Version != 2 || n.Count != 1 {
			t.Errorf("updated %+v count %d", sg, n.Count)
		}
		o.send("PUT", "/api/segments/"+sg.ID, api.SegmentRequest{Name: "VIPs", Version: 1}, 409)
		o.send("DELETE", "/api/segments/"+sg.ID, nil, 204)
		o.send("GET", "/api/segments/"+sg.ID, nil, 404)
	})
}

// TestSegmentConsole: the owner builds a segment with the form's rows (a
// bad row re-renders naming it), sees its members and CSV, edits the RFM
// thresholds; marketing may use the pages, warehouse gets 403.
func TestSegmentConsole(t *testing.T) {
	srv, _ := startCommerceServer(t, storetest.SQLite(t))
	sh := srv.signup("segconsole")
	if err := srv.Tenants.ChangePlan(context.Background(), tenants.System(), sh.ID, tenants.PlanScale); err != nil {
		t.Fatal(err)
	}
	s := setUpTestShop(t, srv, sh)
	c := s.Owner
	ctx := tenancy.WithTenant(context.Background(), sh.ID)
	cu, _, err := srv.Services.Customers.SignUp(ctx, customer.SignUpInput{Email: "dora@example.com", Password: "long enough password", FirstName: "Dora"}, customer.SessionMeta{})
	if err != nil {
		t.Fatal(err)
	}
	c.send("PUT", "/api/customers/"+cu.ID, api.CustomerBody{Email: "dora@example.com", FirstName: "Dora", Tags: []string{"vip"}}, 200)

	wantConsolePage(t, c.do("GET", "/console/segments", "", nil), 200, `href="/console/segments"`, "RFM: Champions", `name="monetary_3" value="1000.00"`)
	wantConsolePage(t, c.do("GET", "/console/segments/new", "", nil), 200, "Create segment", `name="field"`)
	form := func(spent string) string {
		return consoleForm("name", "Big VIPs", "match", "all", "field", "tag", "op", "in", "value", "vip", "field", "", "op", "eq", "value", "",
			"field", "total_spent", "op", "gte", "value", spent)
	}
	wantConsolePage(t, c.do("POST", "/console/segments", form("lots"), nil), 400, "rules[1].value", `value="Big VIPs"`)
	r := c.do("POST", "/console/segments", form("0.00"), nil)
	wantSeeOther(t, r, "/console/segments/")
	page := strings.SplitN(r.Header.Get("Location"), "?", 2)[0]
	var sg api.SegmentJSON
	c.getJSON("/api"+strings.TrimPrefix(page, "/console"), &sg)
	if len(sg.Rules) != 2 || sg.Rules[0].Values[0] != "vip" || sg.Rules[1].Value != "0" {
		t.Fatalf("created %+v", sg)
	}
	wantConsolePage(t, c.do("GET", page, "", nil), 200, "dora@example.com", `href="`+page+`/members.csv"`, `value="0.00"`)
	if r := c.do("GET", page+"/members.csv", "", nil); r.Status != 200 || !strings.Contains(r.Body, cu.ID+",dora@example.com,Dora,false") {
		t.Fatalf("csv %d %q", r.Status, r.Body)
	}
	wantConsolePage(t, c.do("POST", "/console/segments/rfm", consoleForm("recency_0", "30", "recency_1", "20", "recency_2", "180", "recency_3", "365",
		"frequency_0", "2", "frequency_1", "3", "frequency_2", "5", "frequency_3", "10", "monetary_0", "50.00", "monetary_1", "200.00", "monetary_2", "500.00", "monetary_3", "1000.00"), nil),
		400, "recency_days[1]")
	wantSeeOther(t, c.do("POST", "/console/segments/rfm", consoleForm("recency_0", "30", "recency_1", "90", "recency_2", "180", "recency_3", "365",
		"frequency_0", "2", "frequency_1", "3", "frequency_2", "5", "frequency_3", "10", "monetary_0", "50.00", "monetary_1", "200.00", "monetary_2", "500.00", "monetary_3", "2000.00"), nil), "/console/segments")
	var th api.RFMThresholds
	c.getJSON("/api/segments/rfm/thresholds", &th)
	if th.Monetary[3] != 200000 {
		t.Errorf("thresholds %+v", th)
	}

	mk := srv.staff(s.shop, "mk@example.com", "marketing")
	wantConsolePage(t, mk.do("GET", "/console", "", nil), 200, `href="/console/segments"`)
	wantConsolePage(t, mk.do("GET", page, "", nil), 200, "dora@example.com")
	wantSeeOther(t, mk.do("POST", page, consoleForm("name", "VIPs", "version", "1", "field", "tag", "op", "in", "value", "vip"), nil), page)
	wh := srv.staff(s.shop, "wh@example.com", "warehouse")
	if r := wh.do("GET", "/console", "", nil); r.Status != 200 || strings.Contains(r.Body, `href="/console/segments"`) {
		t.Fatalf("warehouse console home: %d, segments link shown", r.Status)
	}
	for _, x := range []struct{ method, path, body string }{
		{"GET", "/console/segments", ""}, {"GET", "/console/segments/new", ""}, {"GET", page, ""}, {"GET", page + "/members.csv", ""},
		{"POST", "/console/segments", form("0")}, {"POST", page + "/delete", ""}, {"POST", "/console/segments/rfm", ""},
	} {
		if r := wh.do(x.method, x.path, x.body, nil); r.Status != 403 {
			t.Errorf("warehouse %s %s: %d, want 403", x.method, x.path, r.Status)
		}
	}
	wantSeeOther(t, c.do("POST", page+"/delete", "", nil), "/console/segments")
	c.send("GET", "/api"+strings.TrimPrefix(page, "/console"), nil, 404)
}
