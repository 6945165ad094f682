package httpx

import (
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/tenants/perm"
)

// TestTableDeclaresInOrder checks what each builder declares: API routes
// carry their body and answer types, pages are HTML, Browse answers GET
// and HEAD, and declarations keep their order.
func TestTableDeclaresInOrder(t *testing.T) {
	type body struct{ A int }
	type resp struct{ B int }
	h := func(*fiber.Ctx) error { return nil }
	var tab Table
	api := tab.Group(ScopeTenant, "catalog")
	api.API("POST", "/api/things", perm.CatalogWrite, "Create a thing", body{}, resp{}, h)
	html := tab.Group(ScopeTenant, "console")
	html.Page("GET", "/console/things/new", perm.CatalogWrite, "New thing form", h)
	html.Page("GET", "/console/things/:thing", Authenticated, "A thing", h)
	shop := tab.Group(ScopeStorefront, "storefront")
	shop.Browse("/things", "Things", h)
	tab.Add(Route{Method: "GET", Path: "/raw", Perm: Public, Summary: "As declared"})

	got := tab.Routes()
	want := []struct {
		method, path, perm string
		scope              Scope
		tag                string
		html, body         bool
	}{
		{"POST", "/api/things", "catalog.write", ScopeTenant, "catalog", false, true},
		{"GET", "/console/things/new", "catalog.write", ScopeTenant, "console", true, false},
		{"GET", "/console/things/:thing", Authenticated, ScopeTenant, "console", true, false},
		{"GET", "/things", Public, ScopeStorefront, "storefront", true, false},
		{"HEAD", "/things", Public, ScopeStorefront, "storefront", true, false},
		{"GET", "/raw", Public, ScopeNone, "", false, false},
	}
	if len(got) != len(want) {
		t.Fatalf("%d routes, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		r := got[i]
		if r.Method != w.method || r.Path != w.path || r.Perm != w.perm || r.Scope != w.scope || r.Tag != w.tag || r.HTML != w.html || (r.Body != nil) != w.body {
			t.Errorf("route %d = %s %s perm=%s scope=%d tag=%s html=%v body=%v; want %+v", i, r.Method, r.Path, r.Perm, r.Scope, r.Tag, r.HTML, r.Body, w)
		}
	}
	if _, ok := got[0].Resp.(resp); !ok {
		t.Errorf("API route answer type %T", got[0].Resp)
	}
	if got[1].Handler == nil || got[3].Handler == nil {
		t.Error("handler dropped")
	}
	if string(perm.CatalogWrite) != "catalog.write" {
		t.Fatalf("permission name changed: %s", perm.CatalogWrite)
	}
}
