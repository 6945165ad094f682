package web_test

import (
	"net/url"
	"testing"

	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web/api"
)

// TestAuditOncePerChangeAPIAndConsole makes the same changes through the
// JSON API and through the console forms: each committed change leaves
// exactly one audit entry (the service writes it; no handler adds another),
// naming the staff member who made it and where from.
func TestAuditOncePerChangeAPIAndConsole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := startServer(t, db)
		sh := srv.signup("auditonce")
		o := sh.Owner

		// Through the API.
		var a api.CategoryJSON
		o.post("/api/categories", api.CategoryBody{Name: "Shirts"}, 201).json(t, &a)
		if r := o.do("PUT", "/api/categories/"+a.ID, `{"name":"Linen shirts"}`, nil); r.Status != 200 {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
		if r := o.do("DELETE", "/api/categories/"+a.ID, "", nil); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}

		// Through the console.
		form := func(path string, v url.Values) {
			t.Helper()
			if r := o.do("POST", path, v.Encode(), nil); r.Status != 303 {
				t.Fatalf("POST %s: %d %s", path, r.Status, r.Body)
			}
		}
		form("/console/categories", url.Values{"name": {"Caps"}})
		var cats []api.CategoryJSON
		o.getJSON("/api/categories", &cats)
		if len(cats) != 1 || cats[0].Name != "Caps" {
			t.Fatalf("categories %+v", cats)
		}
		b := cats[0].ID
		form("/console/categories/"+b, url.Values{"name": {"Hats"}})
		form("/console/categories/"+b+"/delete", nil)

		var ap api.AuditPage
		o.getJSON("/api/audit?action=category.", &ap)
		got := map[string]int{}
		for _, e := range ap.Entries {
			got[e.Action+" "+e.ObjectID]++
			if e.ActorID != sh.OwnerID || e.ActorName != sh.OwnerEmail || e.IP == "" {
				t.Errorf("entry %+v: actor or IP missing", e)
			}
		}
		want := map[string]int{}
		for _, id := range []string{a.ID, b} {
			for _, act := range []string{"category.create", "category.update", "category.delete"} {
				want[act+" "+id] = 1
			}
		}
		if len(got) != len(want) || len(ap.Entries) != len(want) {
			t.Fatalf("entries %v, want each of %v once", got, want)
		}
		for k := range want {
			if got[k] != 1 {
				t.Fatalf("entries %v, want each of %v once", got, want)
			}
		}
	})
}
