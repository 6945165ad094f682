package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmart/wasmart/cmd/wasmart/wire"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/web/api"
)

// startServerWithBlobs is startServer with an image store in a temp dir.
func startServerWithBlobs(t testing.TB, db *store.DB) *testServer {
	t.Helper()
	blobs, err := blob.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := launch(t, db, serverSetup{wire: func(o *wire.Options) { o.Blobs = blobs }})
	return srv
}

// upload posts a multipart form with one file.
func (c *client) upload(path, field, filename string, data []byte, fields map[string]string) response {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile(field, filename)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", c.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	} else {
		req.Header.Set("X-CSRF-Token", c.csrf())
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("upload %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Body: string(b), Header: resp.Header}
}

func (c *client) send(method, path string, v any, want int) response {
	c.t.Helper()
	b, _ := json.Marshal(v)
	r := c.do(method, path, string(b), nil)
	if want != 0 && r.Status != want {
		c.t.Fatalf("%s %s: got %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

func testPNG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

// scaleShop signs a shop up and moves it to the Scale plan (seats and
// products to spare).
func (s *testServer) scaleShop(slug string) shop {
	s.t.Helper()
	sh := s.signup(slug)
	if err := s.Tenants.ChangePlan(context.Background(), tenants.System(), sh.ID, tenants.PlanScale); err != nil {
		s.t.Fatal(err)
	}
	return sh
}

// staff invites a staff member with a role and returns their signed-in client.
func (s *testServer) staff(sh shop, email, role string) *client {
	s.t.Helper()
	sh.Owner.post("/api/staff/invitations", api.InviteRequest{Email: email, Role: role}, 201)
	link := mailLink(s.t.(*testing.T), s, email)
	tok := link[strings.Index(link, "token=")+6:]
	if _, _, err := s.Tenants.AcceptInvitation(context.Background(), tenants.AcceptInput{Token: tok, Name: role + " person", Password: testPassword}); err != nil {
		s.t.Fatal(err)
	}
	c := s.client()
	c.login(email, testPassword)
	return c
}

func sampleProduct(title, skuPrefix string) api.ProductBody {
	b := api.ProductBody{Title: title, BodyHTML: `<p>Soft <b>cotton</b></p><script>alert(1)</script><img src=x onerror="alert(2)">`,
		Vendor: "Acme", ProductType: "Shirt", Tags: []string{"summer", "cotton"}, Options: []string{"Size", "Colour"}, Role: "traffic",
		SEOTitle: title + " | Acme", SEODescription: "A soft shirt"}
	for i, o := range [][2]string{{"S", "Red"}, {"S", "Blue"}, {"M", "Red"}, {"M", "Blue"}} {
		b.Variants = append(b.Variants, api.VariantBody{SKU: skuPrefix + "-" + strconv.Itoa(i), Options: []string{o[0], o[1]}, Price: 1990 + int64(i)*100, SafetyStock: 2, WeightGrams: 180})
	}
	return b
}

func TestCatalogAPIAndReviewFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := startServerWithBlobs(t, db)
		sh := srv.scaleShop("cat")
		ops := srv.staff(sh, "ops@cat.example.com", "operations")
		analyst := srv.staff(sh, "analyst@cat.example.com", "analyst")

		// Operations creates a draft with 2 options × 2 values; HTML is sanitised.
		var p api.ProductJSON
		ops.post("/api/products", sampleProduct("Linen Shirt", "LS"), 201).json(t, &p)
		if p.Status != "draft" || len(p.Variants) != 4 || len(p.Options) != 2 || p.Currency != "EUR" {
			t.Fatalf("created %+v", p)
		}
		if strings.Contains(p.BodyHTML, "script") || strings.Contains(p.BodyHTML, "onerror") || !strings.Contains(p.BodyHTML, "<b>cotton</b>") {
			t.Fatalf("body not sanitised: %q", p.BodyHTML)
		}
		// It may not publish directly.
		if r := ops.post("/api/products/"+p.ID+"/publish", api.ReviewBody{}, 0); r.Status != 403 {
			t.Fatalf("ops publish: %d %s", r.Status, r.Body)
		}
		body := sampleProduct("Published Directly", "PD")
		body.Status = "published"
		if r := ops.post("/api/products", body, 0); r.Status != 403 {
			t.Fatalf("ops create published: %d %s", r.Status, r.Body)
		}
		// Analyst may read, not write.
		if r := analyst.post("/api/products", sampleProduct("Nope", "NO"), 0); r.Status != 403 {
			t.Fatalf("analyst create: %d", r.Status)
		}
		var got api.ProductJSON
		analyst.getJSON("/api/products/"+p.ID, &got)

		// Image upload: a real PNG gets renditions; a text file and an
		// oversized body are refused.
		r := ops.upload("/api/products/"+p.ID+"/images", "image", "shirt.png", testPNG(900, 600), map[string]string{"alt": "front"})
		if r.Status != 201 {
			t.Fatalf("upload: %d %s", r.Status, r.Body)
		}
		var im api.ImageJSON
		r.json(t, &im)
		if im.Width != 900 || len(im.Renditions) != 2 {
			t.Fatalf("image %+v", im)
		}
		if r := ops.do("GET", im.URL+"?w=320", "", nil); r.Status != 200 || r.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("rendition: %d %s", r.Status, r.Header.Get("Content-Type"))
		}
		if r := ops.upload("/api/products/"+p.ID+"/images", "image", "x.png", []byte("<?php echo 1; ?>"), nil); r.Status != 400 || !strings.Contains(r.Body, "image") {
			t.Fatalf("non-image upload: %d %s", r.Status, r.Body)
		}

		// Update with the version read; a stale version conflicts.
		upd := sampleProduct("Linen Shirt", "LS")
		upd.Version = p.Version
		for i := range upd.Variants {
			upd.Variants[i].ID = p.Variants[i].ID
		}
		upd.Variants[0].Price = 2500
		var p2 api.ProductJSON
		ops.send("PUT", "/api/products/"+p.ID, upd, 200).json(t, &p2)
		if p2.PriceMax != 2500 || p2.Variants[0].ID != p.Variants[0].ID {
			t.Fatalf("updated %+v", p2)
		}
		if r := ops.send("PUT", "/api/products/"+p.ID, upd, 0); r.Status != 409 {
			t.Fatalf("stale update: %d %s", r.Status, r.Body)
		}

		// Review: submit, ops cannot approve, owner sends back, resubmit, approve.
		ops.post("/api/products/"+p.ID+"/submit", api.ReviewBody{Comment: "ready"}, 200)
		if r := ops.post("/api/products/"+p.ID+"/approve", api.ReviewBody{}, 0); r.Status != 403 {
			t.Fatalf("ops approve: %d", r.Status)
		}
		if r := sh.Owner.post("/api/products/"+p.ID+"/reject", api.ReviewBody{}, 0); r.Status != 400 {
			t.Fatalf("reject without comment: %d %s", r.Status, r.Body)
		}
		sh.Owner.post("/api/products/"+p.ID+"/reject", api.ReviewBody{Comment: "add a size chart"}, 200)
		ops.post("/api/products/"+p.ID+"/submit", api.ReviewBody{Comment: "chart added"}, 200)
		var pub api.ProductJSON
		sh.Owner.post("/api/products/"+p.ID+"/approve", api.ReviewBody{Comment: "lovely"}, 200).json(t, &pub)
		if pub.Status != "published" || pub.PublishedAt == nil {
			t.Fatalf("approved %+v", pub)
		}
		var revs []api.ReviewJSON
		ops.getJSON("/api/products/"+p.ID+"/reviews", &revs)
		if len(revs) != 4 || revs[1].Comment != "add a size chart" || revs[3].To != "published" {
			t.Fatalf("reviews %+v", revs)
		}
		// Scheduled publication.
		var q api.ProductJSON
		sh.Owner.post("/api/products", sampleProduct("Later Shirt", "LT"), 201).json(t, &q)
		at := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
		sh.Owner.post("/api/products/"+q.ID+"/publish", api.ReviewBody{PublishAt: &at}, 200).json(t, &q)
		if q.PublishAt == nil || !q.PublishAt.Equal(at) {
			t.Fatalf("scheduled %+v", q.PublishAt)
		}

		// Search by title word, SKU prefix and tag; filters; cursor paging.
		for _, c := range []struct {
			query string
			want  int
		}{{"q=linen", 1}, {"q=LS-1", 1}, {"q=shirt", 2}, {"q=summer&status=published", 2}, {"status=draft", 0}, {"tag=cotton", 2}, {"q=nothing", 0}} {
			var pg api.ProductPage
			ops.getJSON("/api/products?"+c.query, &pg)
			if len(pg.Products) != c.want {
				t.Errorf("%s: %d products, want %d", c.query, len(pg.Products), c.want)
			}
		}
		var pg api.ProductPage
		ops.getJSON("/api/products?limit=1", &pg)
		if len(pg.Products) != 1 || pg.Next == "" {
			t.Fatalf("page 1: %+v", pg)
		}
		var pg2 api.ProductPage
		ops.getJSON("/api/products?limit=1&cursor="+pg.Next, &pg2)
		if len(pg2.Products) != 1 || pg2.Products[0].ID == pg.Products[0].ID {
			t.Fatalf("page 2: %+v", pg2)
		}

		// Bulk: +10 % on both, a tag; ops may not archive.
		var br api.BulkResult
		ops.post("/api/products/bulk", api.BulkBody{ProductIDs: []string{p.ID, q.ID}, PricePercent: 10, AddTags: []string{"sale"}}, 200).json(t, &br)
		if br.Changed != 2 {
			t.Fatalf("bulk %+v", br)
		}
		ops.getJSON("/api/products/"+p.ID, &got)
		if got.Variants[0].Price != 2750 || !contains(got.Tags, "sale") {
			t.Fatalf("after bulk: %d %v", got.Variants[0].Price, got.Tags)
		}
		if r := ops.post("/api/products/bulk", api.BulkBody{ProductIDs: []string{p.ID}, Status: "archived"}, 0); r.Status != 403 {
			t.Fatalf("ops bulk archive: %d", r.Status)
		}
		if r := ops.post("/api/products/bulk", api.BulkBody{ProductIDs: []string{p.ID}, PriceAmount: -100000}, 0); r.Status != 400 {
			t.Fatalf("negative bulk price: %d %s", r.Status, r.Body)
		}

		// Categories (tree) and collections (manual and automatic).
		var root, child api.CategoryJSON
		ops.post("/api/categories", api.CategoryBody{Name: "Clothing"}, 201).json(t, &root)
		ops.post("/api/categories", api.CategoryBody{Name: "Shirts", ParentID: root.ID}, 201).json(t, &child)
		var cats []api.CategoryJSON
		ops.getJSON("/api/categories", &cats)
		if len(cats) != 2 || cats[1].Depth != 1 {
			t.Fatalf("categories %+v", cats)
		}
		var man, auto api.CollectionJSON
		ops.post("/api/collections", api.CollectionBody{Title: "Staff picks", Kind: "manual", Published: true}, 201).json(t, &man)
		ops.send("PUT", "/api/collections/"+man.ID+"/products", api.CollectionProducts{ProductIDs: []string{q.ID, p.ID}}, 204)
		ops.post("/api/collections", api.CollectionBody{Title: "On sale", Kind: "automatic", Rules: []api.RuleJSON{{Field: "tag", Relation: "equals", Value: "sale"}}, Published: true}, 201).json(t, &auto)
		for _, id := range []string{man.ID, auto.ID} {
			ops.getJSON("/api/products?collection="+id, &pg)
			if len(pg.Products) != 2 {
				t.Errorf("collection %s: %d products", id, len(pg.Products))
			}
		}

		// Every change is in the audit log.
		var ap api.AuditPage
		sh.Owner.getJSON("/api/audit?action=product.", &ap)
		acts := map[string]bool{}
		for _, e := range ap.Entries {
			acts[e.Action] = true
		}
		for _, a := range []string{"product.create", "product.update", "product.submit", "product.approve", "product.reject", "product.image.add", "product.bulk", "product.publish"} {
			if !acts[a] {
				t.Errorf("no %s in the audit log (%v)", a, acts)
			}
		}
	})
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestInventoryAndCustomersAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := startServerWithBlobs(t, db)
		sh := srv.scaleShop("inv")
		o := sh.Owner
		var p api.ProductJSON
		o.post("/api/products", sampleProduct("Wool Hat", "WH"), 201).json(t, &p)
		v := p.Variants[0].ID
		var second api.LocationJSON
		o.post("/api/locations", api.LocationBody{Name: "Main store"}, 201)
		o.post("/api/locations", api.LocationBody{Name: "Warehouse B", Code: "B"}, 201).json(t, &second)
		var st api.VariantStockJSON
		o.post("/api/variants/"+v+"/receive", api.StockChange{Quantity: 5, Ref: "PO-1"}, 200)
		o.post("/api/variants/"+v+"/receive", api.StockChange{LocationID: second.ID, Quantity: 3}, 200)
		o.post("/api/variants/"+v+"/adjust", api.StockChange{Quantity: -4, Reason: "damaged"}, 200).json(t, &st)
		if len(st.Levels) != 2 || len(st.Movements) != 3 || st.Movements[0].Reason != "damaged" {
			t.Fatalf("stock %+v", st)
		}
		if r := o.post("/api/variants/"+v+"/adjust", api.StockChange{Quantity: -2, Reason: "lost"}, 0); r.Status != 409 {
			t.Fatalf("adjust below zero: %d %s", r.Status, r.Body)
		}
		if r := o.post("/api/variants/"+v+"/adjust", api.StockChange{Quantity: -1}, 0); r.Status != 400 {
			t.Fatalf("adjust without reason: %d %s", r.Status, r.Body)
		}
		var low []api.LowStockJSON
		o.getJSON("/api/inventory/low-stock", &low)
		var locs []api.LocationJSON
		o.getJSON("/api/locations", &locs)
		var sp api.StockPage
		o.getJSON("/api/locations/"+locs[0].ID+"/stock", &sp)
		if len(sp.Rows) != 1 || sp.Rows[0].Available != 1 || sp.Rows[0].Variant != "S / Red" {
			t.Fatalf("stock page %+v", sp)
		}
		lowIDs := map[string]bool{}
		for _, x := range low {
			lowIDs[x.VariantID] = true
		}
		if lowIDs[v] || !lowIDs[p.Variants[1].ID] {
			t.Fatalf("low stock %+v", low)
		}

		// Customers: made by the storefront; staff edit, export, delete.
		cs := srv.Services.Customers
		ctx := tenancy.WithTenant(context.Background(), sh.ID)
		cu, _, err := cs.SignUp(ctx, customer.SignUpInput{Email: "jane@shopper.example", Password: testPassword, FirstName: "Jane", LastName: "Doe"}, customer.SessionMeta{})
		if err != nil {
			t.Fatal(err)
		}
		var page api.CustomerPage
		o.getJSON("/api/customers?q=jane", &page)
		if len(page.Customers) != 1 {
			t.Fatalf("customers %+v", page)
		}
		var cj api.CustomerJSON
		o.send("PUT", "/api/customers/"+cu.ID, api.CustomerBody{Email: "jane@shopper.example", FirstName: "Jane", LastName: "Doe", Note: "VIP", Tags: []string{"vip", "wholesale"}}, 200).json(t, &cj)
		if len(cj.Tags) != 2 || cj.Note != "VIP" {
			t.Fatalf("customer %+v", cj)
		}
		o.send("PUT", "/api/customers/"+cu.ID+"/consent", api.ConsentBody{AcceptsMarketing: true, Source: "phone"}, 200).json(t, &cj)
		if !cj.AcceptsMarketing || cj.MarketingConsentAt == nil || cj.MarketingConsentSource != "phone" {
			t.Fatalf("consent %+v", cj)
		}
		r := o.do("GET", "/api/customers/"+cu.ID+"/export", "", nil)
		if r.Status != 200 || !strings.Contains(r.Body, "jane@shopper.example") || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %s", r.Status, r.Body)
		}
		o.do("GET", "/console/customers/"+cu.ID, "", nil)
		if r := o.do("DELETE", "/api/customers/"+cu.ID, "", nil); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		o.getJSON("/api/customers?q=jane", &page)
		if len(page.Customers) != 0 {
			t.Fatalf("deleted customer still listed")
		}
		if r := o.do("GET", "/api/customers/"+cu.ID+"/export", "", nil); strings.Contains(r.Body, "jane@") {
			t.Fatalf("deleted customer's e-mail still exported: %s", r.Body)
		}
	})
}

// TestConsolePagesRender opens every catalog, inventory, customer and
// import page as the owner and as the read-only analyst.
func TestConsolePagesRender(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := startServerWithBlobs(t, db)
		sh := srv.scaleShop("pages")
		o := sh.Owner
		var p api.ProductJSON
		o.post("/api/products", sampleProduct("Page Shirt", "PG"), 201).json(t, &p)
		o.upload("/api/products/"+p.ID+"/images", "image", "a.png", testPNG(400, 400), nil)
		var cat api.CategoryJSON
		o.post("/api/categories", api.CategoryBody{Name: "Tops"}, 201).json(t, &cat)
		var col api.CollectionJSON
		o.post("/api/collections", api.CollectionBody{Title: "Auto", Kind: "automatic", Rules: []api.RuleJSON{{Field: "price", Relation: "at_least", Value: "100"}}}, 201).json(t, &col)
		o.post("/api/variants/"+p.Variants[0].ID+"/receive", api.StockChange{Quantity: 7}, 200)
		cs := srv.Services.Customers
		cu, err := cs.Guest(tenancy.WithTenant(context.Background(), sh.ID), customer.GuestInput{Email: "guest@shopper.example"})
		if err != nil {
			t.Fatal(err)
		}
		analyst := srv.staff(sh, "an@pages.example.com", "analyst")
		pages := []string{"/console/products", "/console/products?q=page&status=draft", "/console/products/new", "/console/products/" + p.ID,
			"/console/categories", "/console/collections", "/console/collections/" + col.ID, "/console/inventory", "/console/inventory/low-stock",
			"/console/inventory/variants/" + p.Variants[0].ID, "/console/customers", "/console/customers/" + cu.ID, "/console/import", "/console/export"}
		for _, path := range pages {
			r := o.do("GET", path, "", nil)
			if r.Status != 200 || !strings.Contains(r.Body, "</html>") {
				t.Errorf("owner GET %s: %d %s", path, r.Status, cut(r.Body))
			}
			want := 200
			if path == "/console/products/new" || path == "/console/import" {
				want = 403
			}
			if r := analyst.do("GET", path, "", nil); r.Status != want {
				t.Errorf("analyst GET %s: %d, want %d", path, r.Status, want)
			}
		}
		// Forms: save the product with a new variant row and a bad price.
		form := "title=Page+Shirt&version=" + strconv.Itoa(p.Version) + "&option1=Size&option2=Colour&option3=&tags=a%2Cb"
		for i, v := range p.Variants {
			form += "&v_id=" + v.ID + "&v_opt1=" + v.Options[0] + "&v_opt2=" + v.Options[1] + "&v_opt3=&v_sku=" + v.SKU + "&v_barcode=&v_price=19.90&v_compare=&v_cost=&v_weight=&v_length=&v_width=&v_height=&v_safety=&v_backorder=no"
			_ = i
		}
		bad := form + "&v_id=&v_opt1=L&v_opt2=Red&v_opt3=&v_sku=PG-L&v_barcode=&v_price=-3&v_compare=&v_cost=&v_weight=&v_length=&v_width=&v_height=&v_safety=&v_backorder=no"
		if r := o.do("POST", "/console/products/"+p.ID, bad, nil); r.Status != 400 || !strings.Contains(r.Body, "variants[4].price") || !strings.Contains(r.Body, `value="PG-L"`) {
			t.Fatalf("bad price form: %d %s", r.Status, cut(r.Body))
		}
		// A decimal comma is refused, not guessed (money.Parse), with an example.
		comma := form + "&v_id=&v_opt1=L&v_opt2=Red&v_opt3=&v_sku=PG-L&v_barcode=&v_price=12%2C50&v_compare=&v_cost=&v_weight=&v_length=&v_width=&v_height=&v_safety=&v_backorder=no"
		if r := o.do("POST", "/console/products/"+p.ID, comma, nil); r.Status != 400 || !strings.Contains(r.Body, "variants[4].price") || !strings.Contains(r.Body, "1250.00") {
			t.Fatalf("decimal comma: %d %s", r.Status, cut(r.Body))
		}
		good := form + "&v_id=&v_opt1=L&v_opt2=Red&v_opt3=&v_sku=PG-L&v_barcode=&v_price=12.50&v_compare=&v_cost=&v_weight=&v_length=&v_width=&v_height=&v_safety=&v_backorder=yes"
		if r := o.do("POST", "/console/products/"+p.ID, good, nil); r.Status != 303 {
			t.Fatalf("save form: %d %s", r.Status, cut(r.Body))
		}
		var got api.ProductJSON
		o.getJSON("/api/products/"+p.ID, &got)
		if len(got.Variants) != 5 || got.Variants[4].Price != 1250 || !got.Variants[4].AllowBackorder {
			t.Fatalf("after form save: %+v", got.Variants)
		}
	})
}

// TestImportConsoleFlow uploads a CSV with every kind of bad input the
// issue lists, reads the dry-run report in the console, imports only the
// valid products, and exports them back.
func TestImportConsoleFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := startServerWithBlobs(t, db)
		sh := srv.scaleShop("imp")
		o := sh.Owner
		csv := "\ufeffHandle,Title,Body (HTML),Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Compare At Price,Frobnicate\n" +
			"good,Good Tee,<p>fine</p><script>steal()</script>,Size,S,G-S,12.50,,x\n" + // line 2: ok (script stripped: warning)
			"good,,,,M,G-M,13.00,,\n" + // line 3
			"neg,Negative,,,,N-1,-5.00,,\n" + // line 4: negative price
			"dec,Decimals,,,,D-1,1.999,,\n" + // line 5: too many decimals
			"dup,Duplicate SKU,,,,G-S,3.00,,\n" + // line 6: SKU of line 2
			"conf,Conflict A,,,,C-1,1.00,,\n" + // line 7
			"conf,Conflict B,,,,C-2,1.00,,\n" + // line 8: same handle, other title
			"latin,Caf\xe9,,,,L-1,1.00,,\n" // line 9: not UTF-8
		r := o.upload("/console/import", "file", "shopify.csv", []byte(csv), nil)
		if r.Status != 303 {
			t.Fatalf("upload: %d %s", r.Status, cut(r.Body))
		}
		jobPage := r.Header.Get("Location")
		var body string
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			r = o.do("GET", jobPage, "", nil)
			if r.Status != 200 {
				t.Fatalf("job page: %d %s", r.Status, cut(r.Body))
			}
			if body = r.Body; !strings.Contains(body, "<progress") {
				break
			}
		}
		for _, want := range []string{"Frobnicate", "<td>4</td>", "<td>5</td>", "<td>6</td>", "<td>8</td>", "<td>9</td>", "not UTF-8", "import-valid", "not allowed was removed: &lt;script&gt;"} {
			if !strings.Contains(body, want) {
				t.Errorf("dry-run page lacks %q", want)
			}
		}
		var pg api.ProductPage
		o.getJSON("/api/products", &pg)
		if len(pg.Products) != 0 {
			t.Fatalf("a dry run wrote %d products", len(pg.Products))
		}
		jobID := jobPage[strings.LastIndex(jobPage, "/")+1:]
		// Import all refuses (nothing half-imported); valid-only imports one.
		var all api.ImportJobJSON
		o.post("/api/imports/"+jobID+"/run", api.ImportRun{Mode: "all"}, 202).json(t, &all)
		all = waitJob(t, o, all)
		if all.Report == nil || all.Report.Imported != 0 {
			t.Fatalf("import all with errors: %+v", all.Report)
		}
		r = o.do("POST", jobPage+"/run", "mode=valid", nil)
		if r.Status != 303 {
			t.Fatalf("run valid: %d %s", r.Status, cut(r.Body))
		}
		var valid api.ImportJobJSON
		o.getJSON("/api/imports/"+r.Header.Get("Location")[strings.LastIndex(r.Header.Get("Location"), "/")+1:], &valid)
		valid = waitJob(t, o, valid)
		if valid.Report == nil || valid.Report.Imported != 1 {
			t.Fatalf("valid-only: %+v", valid.Report)
		}
		o.getJSON("/api/products", &pg)
		if len(pg.Products) != 1 || len(pg.Products[0].Variants) != 2 || pg.Products[0].Variants[0].Price != 1250 || strings.Contains(pg.Products[0].BodyHTML, "script") {
			t.Fatalf("imported %+v", pg.Products)
		}
		r = o.do("GET", "/console/export/products.csv", "", nil)
		if r.Status != 200 || !strings.HasPrefix(r.Body, "Handle,Title") || !strings.Contains(r.Body, "G-M") || !strings.Contains(r.Header.Get("Content-Disposition"), "imp-products") {
			t.Fatalf("export: %d %s", r.Status, cut(r.Body))
		}
		// A file that is not CSV at all, and the API's raw-body upload.
		r = o.do("POST", "/api/imports?mode=dry_run", "", nil)
		if r.Status != 400 {
			t.Fatalf("empty upload: %d %s", r.Status, r.Body)
		}
	})
}

func waitJob(t *testing.T, c *client, j api.ImportJobJSON) api.ImportJobJSON {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); j.State == "running" && time.Now().Before(deadline); {
		time.Sleep(30 * time.Millisecond)
		c.getJSON("/api/imports/"+j.ID, &j)
	}
	if j.State != "done" {
		t.Fatalf("job %+v", j)
	}
	return j
}
