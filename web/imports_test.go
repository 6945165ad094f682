package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/web/api"
)

// apiImport posts a CSV to /api/imports with the query and waits for the job.
func apiImport(t *testing.T, c *client, query, csv string) api.ImportJobJSON {
	t.Helper()
	r := c.do("POST", "/api/imports?"+query, csv, map[string]string{"Content-Type": "text/csv"})
	if r.Status != 202 {
		t.Fatalf("POST /api/imports?%s: %d %s", query, r.Status, r.Body)
	}
	var j api.ImportJobJSON
	r.json(t, &j)
	return waitJob(t, c, j)
}

func runJob(t *testing.T, c *client, id string, body api.ImportRun) api.ImportJobJSON {
	t.Helper()
	var j api.ImportJobJSON
	c.post("/api/imports/"+id+"/run", body, 202).json(t, &j)
	return waitJob(t, c, j)
}

func problemAt(rep *api.ReportJSON, line int) string {
	var s []string
	for _, p := range rep.Problems {
		if p.Line == line {
			s = append(s, p.Column+": "+p.Message)
		}
	}
	return strings.Join(s, "; ")
}

// TestImportAPINonUTF8FirstRowDoesNotPanic sends issue #9's three-line
// file to the API as a dry run and as an import: the server answers with
// a report naming the line and keeps serving (the panic in the background
// import used to end the process).
func TestImportAPINonUTF8FirstRowDoesNotPanic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := startServer(t, db)
		sh := srv.scaleShop("crash")
		file := "Handle,Title,Body (HTML),Option1 Name,Option1 Value,Variant Price\nh1,Cr\xe8me,ok,Size,S,1.00\nh1,,,,M,2.00\n"
		for _, mode := range []string{"dry_run", "valid", "all"} {
			j := apiImport(t, sh.Owner, "mode="+mode, file)
			if got := problemAt(j.Report, 2); !strings.Contains(got, "Title: is not UTF-8") || j.Report.Skipped != 1 || j.Report.Imported != 0 {
				t.Fatalf("%s: %+v", mode, j.Report)
			}
		}
		if r := sh.Owner.do("GET", "/healthz", "", nil); r.Status != 200 {
			t.Fatalf("server after the import: %d", r.Status)
		}
	})
}

// TestImportDryRunPredictsQuota: on the Free plan (100 products) a dry run
// of a 101-product file reports the product past the limit, the import of
// all rows then refuses the same way, and valid-only imports the 100.
func TestImportDryRunPredictsQuota(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := startServer(t, db)
		sh := srv.signup("quota")
		var b strings.Builder
		b.WriteString("Handle,Title,Variant Price\n")
		for i := 1; i <= 101; i++ {
			fmt.Fprintf(&b, "p-%d,Product %d,1.00\n", i, i)
		}
		dry := apiImport(t, sh.Owner, "mode=dry_run", b.String())
		if dry.Report.Errors != 1 || dry.Report.Ready != 100 || !strings.Contains(problemAt(dry.Report, 102), "the Free plan allows 100 products") {
			t.Fatalf("dry run: %+v", dry.Report)
		}
		all := runJob(t, sh.Owner, dry.ID, api.ImportRun{Mode: "all"})
		if all.State != "done" || all.Report.Imported != 0 || fmt.Sprint(all.Report.Problems) != fmt.Sprint(dry.Report.Problems) {
			t.Fatalf("all: %+v", all)
		}
		valid := runJob(t, sh.Owner, dry.ID, api.ImportRun{Mode: "valid"})
		if valid.Report.Imported != dry.Report.Ready || fmt.Sprint(valid.Report.Problems) != fmt.Sprint(dry.Report.Problems) {
			t.Fatalf("valid: %+v", valid.Report)
		}
		var pg api.ProductPage
		sh.Owner.getJSON("/api/products?limit=250", &pg)
		if len(pg.Products) != 100 {
			t.Fatalf("%d products", len(pg.Products))
		}
	})
}

func TestImportUpdateExisting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := startServerWithBlobs(t, db)
		sh := srv.scaleShop("upd")
		o := sh.Owner
		head := "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Inventory Qty\n"
		first := head + "tee,Tee,Size,S,TEE-S,10.00,4\ntee,,,M,TEE-M,10.00,4\n"
		if j := apiImport(t, o, "mode=all", first); j.Report.Imported != 1 {
			t.Fatalf("first import: %+v", j.Report)
		}
		second := head + "tee,Tee Shirt,Size,S,TEE-S,11.00,4\ntee,,,L,TEE-L,10.00,1\n"
		// Without update mode the handle is refused.
		if j := apiImport(t, o, "mode=dry_run", second); !strings.Contains(problemAt(j.Report, 2), "Handle: a product with this handle already exists") {
			t.Fatalf("without update: %+v", j.Report)
		}
		if r := o.do("POST", "/api/imports?update_existing=maybe", second, map[string]string{"Content-Type": "text/csv"}); r.Status != 400 || !strings.Contains(r.Body, "update_existing") {
			t.Fatalf("bad switch: %d %s", r.Status, r.Body)
		}
		// The switch is in the OpenAPI document.
		var doc struct {
			Paths map[string]map[string]struct {
				Parameters []struct {
					Name, In string
					Schema   struct{ Type string }
				}
			}
		}
		o.getJSON("/api/openapi.json", &doc)
		if ps := fmt.Sprint(doc.Paths["/api/imports"]["post"].Parameters); !strings.Contains(ps, "{update_existing query {boolean}}") || !strings.Contains(ps, "{mode query {string}}") {
			t.Fatalf("OpenAPI parameters of POST /api/imports: %s", ps)
		}
		dry := apiImport(t, o, "mode=dry_run&update_existing=true", second)
		ch := dry.Report.Changes
		if !dry.UpdateExisting || dry.Report.Errors != 0 || dry.Report.Updated != 1 || len(ch) != 1 || ch[0].Handle != "tee" ||
			fmt.Sprint(ch[0].Fields, ch[0].VariantsAdded, ch[0].VariantsRemoved, ch[0].VariantsUpdated) != "[Title] [L] [M] [S]" {
			t.Fatalf("dry run: %+v", dry.Report)
		}
		var pg api.ProductPage
		o.getJSON("/api/products", &pg)
		if pg.Products[0].Title != "Tee" {
			t.Fatal("the dry run wrote")
		}
		// The run inherits update mode from the checked job.
		j := runJob(t, o, dry.ID, api.ImportRun{Mode: "all"})
		if !j.UpdateExisting || j.Report.Imported != 1 || fmt.Sprint(j.Report.Changes) != fmt.Sprint(dry.Report.Changes) {
			t.Fatalf("update: %+v", j.Report)
		}
		o.getJSON("/api/products", &pg)
		p := pg.Products[0]
		if len(pg.Products) != 1 || p.Title != "Tee Shirt" || len(p.Variants) != 2 || p.Variants[0].Price != 1100 || p.Variants[1].SKU != "TEE-L" ||
			p.Variants[1].Stock.Available != 1 || p.PriceMax != 1100 {
			t.Fatalf("after update: %+v", p)
		}
		// Overriding it on the run: without update mode the file is refused.
		no := false
		if j := runJob(t, o, dry.ID, api.ImportRun{Mode: "all", UpdateExisting: &no}); j.UpdateExisting || j.Report.Imported != 0 || j.Report.Errors != 1 {
			t.Fatalf("override: %+v", j)
		}
		// The console's form carries the switch and the check lists the changes.
		third := head + "tee,Tee Shirt,Size,S,TEE-S,12.00,4\ntee,,,L,TEE-L,10.00,1\n"
		r := o.upload("/console/import", "file", "third.csv", []byte(third), map[string]string{"update_existing": "true"})
		if r.Status != 303 {
			t.Fatalf("upload: %d %s", r.Status, cut(r.Body))
		}
		page := r.Header.Get("Location")
		var cj api.ImportJobJSON
		o.getJSON("/api/imports/"+page[strings.LastIndex(page, "/")+1:], &cj)
		cj = waitJob(t, o, cj)
		body := o.do("GET", page, "", nil).Body
		for _, want := range []string{`id="changes"`, "<td>tee</td>", "<td>S</td>", "Existing products with the same handle are updated", `id="import-all"`} {
			if !strings.Contains(body, want) {
				t.Errorf("console check page lacks %q", want)
			}
		}
		if !strings.Contains(o.do("GET", "/console/import", "", nil).Body, `name="update_existing"`) {
			t.Error("the import form has no update switch")
		}
	})
}

// TestImportBlankInventoryTrackerIsUntracked: a variant imported with a
// blank Variant Inventory Tracker and no stock is shown in stock and can
// be put in the cart; a tracked one without stock cannot.
func TestImportBlankInventoryTrackerIsUntracked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startShop(t, db, "untracked", nil)
		file := "Handle,Title,Status,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Tracker,Variant Inventory Qty,Variant Price\n" +
			"mug,Mug,active,Size,Small,MUG-S,,0,5.00\n" +
			"mug,,,,Large,MUG-L,shopify,0,6.00\n"
		if j := apiImport(t, e.shop.Owner, "mode=all", file); j.Report.Imported != 1 {
			t.Fatalf("import: %+v", j.Report)
		}
		p, err := e.cat.GetByHandle(e.ctx, "mug")
		if err != nil {
			t.Fatal(err)
		}
		e.srv.Server.InvalidateShop(e.shop.ID)
		b := e.client()
		r := b.get("/products/mug")
		wantPage(t, r, 200, "In stock")
		wantSeeOther(t, b.addToCart(p.Variants[0].ID, "3"), "/cart")
		wantPage(t, b.addToCart(p.Variants[1].ID, "1"), 422, "stock")
		var pg api.ProductPage
		e.shop.Owner.getJSON("/api/products", &pg)
		if v := pg.Products[0].Variants; v[0].InventoryTracked || !v[1].InventoryTracked {
			t.Fatalf("API variants %+v", v)
		}
		out := e.shop.Owner.do("GET", "/console/export/products.csv", "", nil).Body
		if !strings.Contains(out, "MUG-S,0,,0,") || !strings.Contains(out, "MUG-L,0,shopify,0,") {
			t.Fatalf("export:\n%s", out)
		}
	})
}
