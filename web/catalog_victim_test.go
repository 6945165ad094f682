package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/web/api"
)

// victimCatalog gives shop A a product with variants and an image, a
// category, a collection, a location with stock, a customer and an import
// job, and returns their ids (keyed by route parameter name) and the
// distinctive values that must never show in another shop's answers.
func victimCatalog(t *testing.T, srv *testServer, shopID string, owner *client) (map[string]string, []string) {
	t.Helper()
	ctx := tenancy.WithTenant(context.Background(), shopID)
	var cat api.CategoryJSON
	owner.post("/api/categories", api.CategoryBody{Name: "Alpha Hidden Category"}, 201).json(t, &cat)
	body := api.ProductBody{Title: "Alpha Confidential Jacket", Options: []string{"Size"}, CategoryID: cat.ID, Tags: []string{"alphatag"},
		Variants: []api.VariantBody{{SKU: "ALPHA-SKU-1", Options: []string{"S"}, Price: 9900, SafetyStock: 3}, {SKU: "ALPHA-SKU-2", Options: []string{"M"}, Price: 9900}}}
	var p api.ProductJSON
	owner.post("/api/products", body, 201).json(t, &p)
	im, err := srv.Services.Catalog.AddImageURL(ctx, p.ID, "https://img.alpha-example.com/jacket.png", "Alpha image alt")
	if err != nil {
		t.Fatal(err)
	}
	var col api.CollectionJSON
	owner.post("/api/collections", api.CollectionBody{Title: "Alpha Private Collection", Kind: "manual"}, 201).json(t, &col)
	owner.send("PUT", "/api/collections/"+col.ID+"/products", api.CollectionProducts{ProductIDs: []string{p.ID}}, 204)
	var loc api.LocationJSON
	owner.post("/api/locations", api.LocationBody{Name: "Alpha Depot", Code: "ALPHA-LOC"}, 201).json(t, &loc)
	owner.post("/api/variants/"+p.Variants[0].ID+"/receive", api.StockChange{LocationID: loc.ID, Quantity: 7, Ref: "ALPHA-PO-9"}, 200)
	cu, _, err := srv.Services.Customers.SignUp(ctx, customer.SignUpInput{Email: "alpha.customer@alpha-mail.example",
		Password: testPassword, FirstName: "Alphonse", LastName: "Victimson"}, customer.SessionMeta{})
	if err != nil {
		t.Fatal(err)
	}
	csv := "Handle,Title,Variant SKU,Variant Price\nalpha-import,Alpha Imported Thing,ALPHA-IMP-1,5.00\n"
	r := owner.upload("/api/imports?mode=dry_run", "file", "alpha-secret.csv", []byte(csv), nil)
	if r.Status != 202 {
		t.Fatalf("victim import: %d %s", r.Status, r.Body)
	}
	var job api.ImportJobJSON
	r.json(t, &job)
	for deadline := time.Now().Add(10 * time.Second); job.State == "running" && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		owner.getJSON("/api/imports/"+job.ID, &job)
	}
	if job.State != "done" {
		t.Fatalf("victim import job %+v", job)
	}
	ids := map[string]string{"product": p.ID, "variant": p.Variants[0].ID, "image": im.ID, "category": cat.ID, "collection": col.ID,
		"location": loc.ID, "customer": cu.ID, "job": job.ID}
	markers := []string{p.ID, "Alpha Confidential Jacket", "ALPHA-SKU-1", "Alpha Hidden Category", cat.ID, col.ID, "Alpha Private Collection",
		"Alpha Depot", loc.ID, "ALPHA-PO-9", cu.ID, "alpha.customer@alpha-mail.example", "Victimson", im.ID, "jacket.png", job.ID, "alpha-secret.csv"}
	return ids, markers
}
