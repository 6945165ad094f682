package web_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web"
)

// TestEveryRouteHasPermission walks the route table and the router: every
// route the router serves is declared with a permission.
func TestEveryRouteHasPermission(t *testing.T) {
	srv := startServer(t, storetest.SQLite(t))
	declared := map[string]bool{}
	for _, r := range srv.Server.Routes() {
		if r.Perm == "" {
			t.Errorf("%s %s declares no permission", r.Method, r.Path)
		}
		if r.Summary == "" {
			t.Errorf("%s %s has no summary", r.Method, r.Path)
		}
		declared[r.Method+" "+r.Path] = true
	}
	for _, fr := range srv.Server.App().GetRoutes(true) {
		if fr.Method == "HEAD" || fr.Path == "/" && fr.Method == "USE" {
			continue
		}
		if fr.Method == "USE" {
			continue
		}
		if !declared[fr.Method+" "+fr.Path] {
			t.Errorf("router serves %s %s, which the route table does not declare", fr.Method, fr.Path)
		}
	}
	if len(declared) < 40 {
		t.Fatalf("only %d routes declared; the walker is not seeing the table", len(declared))
	}
}

// TestOpenAPIDescribesEveryAPIRoute fails when a JSON API route is missing
// from /api/openapi.json.
func TestOpenAPIDescribesEveryAPIRoute(t *testing.T) {
	srv := startServer(t, storetest.SQLite(t))
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	srv.client().getJSON("/api/openapi.json", &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	param := regexp.MustCompile(`:([A-Za-z_]+)`)
	n := 0
	for _, r := range srv.Server.Routes() {
		if !r.IsAPI() || r.HTML {
			continue
		}
		n++
		p := param.ReplaceAllString(r.Path, "{$1}")
		op, ok := doc.Paths[p][strings.ToLower(r.Method)]
		if !ok {
			t.Errorf("%s %s is not in the OpenAPI document", r.Method, p)
			continue
		}
		var o struct {
			Perm string `json:"x-permission"`
		}
		json.Unmarshal(op, &o)
		if o.Perm != r.Perm {
			t.Errorf("%s %s: x-permission %q, route says %q", r.Method, p, o.Perm, r.Perm)
		}
	}
	if n < 20 {
		t.Fatalf("only %d API routes", n)
	}
	_ = web.Public
}
