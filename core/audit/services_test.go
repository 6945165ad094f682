package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"sort"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/catalog/shopifycsv"
	"github.com/wasmart/wasmart/core/content"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/design"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

// change is one audited service call: do makes the change (and remembers
// what later steps need only when it succeeds); action and object are the
// entry it must leave. noData marks an action that changes nothing but
// the log (an export).
type change struct {
	action, object string
	noData         bool
	do             func() error
}

// TestServicesAuditInTheChangesTransaction walks every audited change the
// core services make. With the audit table gone each call must fail and
// leave the database exactly as it was (the entry is written in the
// change's own transaction, so the change cannot commit without it); with
// the table back the same call must succeed and leave exactly one entry,
// with the expected action, object and actor.
func TestServicesAuditInTheChangesTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := tenancy.WithActor(tenancy.WithTenant(context.Background(), "ta"), tenancy.Actor{Kind: "staff", ID: "u1", Name: "Ann", IP: "10.0.0.9"})
		blobs, err := blob.NewFS(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		inv := inventory.New(db, inventory.Options{})
		cat := catalog.New(db, catalog.Options{Currency: "EUR", Blobs: blobs, Stock: inv, StockSink: inv})
		cus := customer.New(db, customer.Options{})
		des := design.New(db, design.Options{Blobs: blobs})
		con := content.New(db, nil)

		var (
			p        *catalog.Product
			img      *catalog.Image
			loc      *inventory.Location
			cg, col  string
			cu       *customer.Customer
			pub      *design.Published
			page     *content.Page
			art      *content.Article
			pngBytes = pngOf(t)
		)
		steps := []change{
			{action: "product.create", do: func() error {
				x, err := cat.Create(ctx, catalog.ProductInput{Title: "Linen Shirt", Variants: []catalog.VariantInput{{SKU: "LS-1", Price: 1000}}})
				if err == nil {
					p = x
				}
				return err
			}},
			{action: "product.update", do: func() error {
				x, err := cat.Update(ctx, p.ID, p.Version, catalog.ProductInput{Title: "Linen Shirt II", Variants: []catalog.VariantInput{{SKU: "LS-1", Price: 1100}}})
				if err == nil {
					p = x
				}
				return err
			}},
			{action: "product.submit", do: func() error { _, err := cat.Submit(ctx, p.ID, "ready"); return err }},
			{action: "product.reject", do: func() error { _, err := cat.Reject(ctx, p.ID, "fix the title"); return err }},
			{action: "product.submit", do: func() error { _, err := cat.Submit(ctx, p.ID, ""); return err }},
			{action: "product.approve", do: func() error { _, err := cat.Approve(ctx, p.ID, "", nil); return err }},
			{action: "product.unpublish", do: func() error {
				_, err := cat.Transition(ctx, p.ID, catalog.Draft, catalog.TransitionOptions{})
				return err
			}},
			{action: "product.publish", do: func() error { _, err := cat.Publish(ctx, p.ID, nil); return err }},
			{action: "product.image.add", do: func() error {
				x, err := cat.AddImage(ctx, p.ID, bytes.NewReader(pngBytes), "shirt.png", "front")
				if err == nil {
					img = x
				}
				return err
			}},
			{action: "product.image.delete", do: func() error { return cat.DeleteImage(ctx, p.ID, img.ID) }},
			{action: "product.bulk", do: func() error {
				_, err := cat.Bulk(ctx, catalog.BulkEdit{ProductIDs: []string{p.ID}, AddTags: []string{"sale"}, Price: &catalog.PriceChange{PercentBP: -1050}})
				return err
			}},
			{action: "category.create", do: func() error {
				x, err := cat.CreateCategory(ctx, catalog.CategoryInput{Name: "Shirts"})
				if err == nil {
					cg = x.ID
				}
				return err
			}},
			{action: "category.update", do: func() error {
				_, err := cat.UpdateCategory(ctx, cg, catalog.CategoryInput{Name: "Linen shirts"})
				return err
			}},
			{action: "category.delete", do: func() error { return cat.DeleteCategory(ctx, cg) }},
			{action: "collection.create", do: func() error {
				x, err := cat.CreateCollection(ctx, catalog.CollectionInput{Title: "Picks", Kind: catalog.Manual})
				if err == nil {
					col = x.ID
				}
				return err
			}},
			{action: "collection.update", do: func() error {
				_, err := cat.UpdateCollection(ctx, col, catalog.CollectionInput{Title: "Staff picks", Kind: catalog.Manual})
				return err
			}},
			{action: "collection.products", do: func() error { return cat.SetCollectionProducts(ctx, col, []string{p.ID}) }},
			{action: "collection.delete", do: func() error { return cat.DeleteCollection(ctx, col) }},
			{action: "product.import", object: "job-1", do: func() error {
				rep, err := shopifycsv.Import(ctx, cat, strings.NewReader("Handle,Title,Variant Price\ncap,Cap,9.00\n"),
					shopifycsv.ImportOptions{Mode: shopifycsv.ImportAll, Name: "caps.csv", JobID: "job-1"})
				if err == nil && rep.Imported != 1 {
					t.Fatalf("import report %+v", rep)
				}
				return err
			}},
			{action: "product.export", noData: true, do: func() error {
				var out bytes.Buffer
				return shopifycsv.Export(ctx, cat, &out, shopifycsv.ExportOptions{})
			}},
			{action: "location.create", do: func() error {
				x, err := inv.CreateLocation(ctx, "Warehouse", "WH")
				if err == nil {
					loc = x
				}
				return err
			}},
			{action: "stock.receive", do: func() error { return inv.Receive(ctx, p.Variants[0].ID, loc.ID, 5, "po-1") }},
			{action: "stock.adjust", do: func() error { return inv.Adjust(ctx, p.Variants[0].ID, loc.ID, -2, "damaged") }},
			{action: "customer.update", do: func() error {
				_, err := cus.Update(ctx, cu.ID, customer.UpdateInput{Email: "eva@example.com", FirstName: "Eva", Tags: []string{"vip"}})
				return err
			}},
			{action: "customer.consent", do: func() error { _, err := cus.SetMarketingConsent(ctx, cu.ID, true, "phone call"); return err }},
			{action: "customer.export", noData: true, do: func() error { _, err := cus.ExportJSON(ctx, cu.ID); return err }},
			{action: "customer.delete", do: func() error { return cus.Delete(ctx, cu.ID) }},
			{action: "design.draft.save", object: "draft", do: func() error {
				d, err := des.Draft(ctx)
				if err != nil {
					t.Fatal(err)
				}
				_, err = des.Edit(ctx, d.Version, "draft.save", func(doc *design.Document) error {
					doc.Settings[design.SetFooterText] = "Hello"
					return nil
				})
				return err
			}},
			{action: "design.publish", do: func() error {
				d, err := des.Draft(ctx)
				if err != nil {
					t.Fatal(err)
				}
				x, err := des.Publish(ctx, d.Version)
				if err == nil {
					pub = x
				}
				return err
			}},
			{action: "design.restore", do: func() error {
				d, err := des.Draft(ctx)
				if err != nil {
					t.Fatal(err)
				}
				_, err = des.Restore(ctx, pub.Number, d.Version)
				return err
			}},
			{action: "design.preview_link", object: "draft", do: func() error { _, _, err := des.CreatePreviewToken(ctx); return err }},
			{action: "design.asset.upload", do: func() error { _, err := des.UploadImage(ctx, bytes.NewReader(pngBytes), "hero.png"); return err }},
			{action: "page.create", do: func() error {
				x, err := con.CreatePage(ctx, content.PageInput{Kind: content.KindAbout, Title: "About us", BodyHTML: "<p>Hi</p>", Published: true})
				if err == nil {
					page = x
				}
				return err
			}},
			{action: "page.update", do: func() error {
				x, err := con.UpdatePage(ctx, page.ID, page.Version, content.PageInput{Kind: content.KindAbout, Title: "About", BodyHTML: "<p>Hi</p>"})
				if err == nil {
					page = x
				}
				return err
			}},
			{action: "page.delete", do: func() error { return con.DeletePage(ctx, page.ID) }},
			{action: "article.create", do: func() error {
				x, err := con.CreateArticle(ctx, content.ArticleInput{Title: "News", BodyHTML: "<p>New</p>"})
				if err == nil {
					art = x
				}
				return err
			}},
			{action: "article.update", do: func() error {
				x, err := con.UpdateArticle(ctx, art.ID, art.Version, content.ArticleInput{Title: "Big news", BodyHTML: "<p>New</p>"})
				if err == nil {
					art = x
				}
				return err
			}},
			{action: "article.delete", do: func() error { return con.DeleteArticle(ctx, art.ID) }},
		}

		// A guest customer, as checkout creates one (not audited).
		cu, err = cus.Guest(ctx, customer.GuestInput{Email: "eva@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		owner := ownerOf(t, db)
		for _, c := range steps {
			before := snapshot(t, ctx, db)
			breakAudit(t, owner, true)
			err := c.do()
			breakAudit(t, owner, false)
			if err == nil {
				t.Fatalf("%s: committed without its audit entry", c.action)
			}
			if after := snapshot(t, ctx, db); after != before {
				t.Fatalf("%s: the failed audit left part of the change behind:\n%s", c.action, diff(before, after))
			}

			seen := map[string]bool{}
			for _, e := range entries(t, ctx, db) {
				seen[e.ID] = true
			}
			if err := c.do(); err != nil {
				t.Fatalf("%s: %v", c.action, err)
			}
			var added []audit.Entry
			for _, e := range entries(t, ctx, db) {
				if !seen[e.ID] {
					added = append(added, e)
				}
			}
			if len(added) != 1 {
				t.Fatalf("%s: %d entries written, want exactly 1: %+v", c.action, len(added), added)
			}
			e := added[0]
			if e.Action != c.action || e.TenantID != "ta" || e.ActorID != "u1" || e.ActorName != "Ann" || e.IP != "10.0.0.9" ||
				(c.object != "" && e.ObjectID != c.object) {
				t.Fatalf("%s: entry %+v", c.action, e)
			}
			if !c.noData && withoutLog(snapshot(t, ctx, db)) == withoutLog(before) {
				t.Fatalf("%s: changed nothing but the log (the rollback check above proves nothing)", c.action)
			}
		}
	})
}

// ownerOf is db itself on SQLite and, on PostgreSQL, a connection to the
// same database as the tables' owner (the application role may not alter
// them).
func ownerOf(t *testing.T, db *store.DB) *store.DB {
	t.Helper()
	if db.Dialect() != store.Postgres {
		return db
	}
	owner, err := store.Open(context.Background(), store.Config{URL: db.URL(), AppRole: "-", MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Close() })
	return owner
}

// breakAudit takes the audit table away (off) or brings it back, so every
// audit.Record fails in between.
func breakAudit(t *testing.T, db *store.DB, off bool) {
	t.Helper()
	q := "ALTER TABLE audit_log RENAME TO audit_log_off"
	if !off {
		q = "ALTER TABLE audit_log_off RENAME TO audit_log"
	}
	if _, err := db.Raw().ExecContext(context.Background(), q); err != nil {
		t.Fatal(err)
	}
}

// entries is the shop's whole audit log.
func entries(t *testing.T, ctx context.Context, db *store.DB) []audit.Entry {
	t.Helper()
	var all []audit.Entry
	for cur := ""; ; {
		p, err := audit.List(ctx, db, audit.Filter{TenantID: "ta", Limit: 200, Cursor: cur})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Entries...)
		if cur = p.Next; cur == "" {
			return all
		}
	}
}

// snapshot is every row of every table, one line per row, sorted: two
// snapshots are equal exactly when the database holds the same data.
func snapshot(t *testing.T, ctx context.Context, db *store.DB) string {
	t.Helper()
	var lines []string
	err := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var tables []string
		list := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
		if db.Dialect() == store.Postgres {
			list = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
		}
		if err := q.NewRaw(list).Scan(ctx, &tables); err != nil {
			return err
		}
		for _, tb := range tables {
			var rows []map[string]any
			if err := q.NewRaw("SELECT * FROM ?", bun.Ident(tb)).Scan(ctx, &rows); err != nil && !store.NoRows(err) {
				return err
			}
			for _, r := range rows {
				b, err := json.Marshal(r)
				if err != nil {
					return err
				}
				lines = append(lines, tb+" "+string(b))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// withoutLog drops the audit table's rows from a snapshot.
func withoutLog(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "audit_log ") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// diff lists the lines only one of two snapshots has.
func diff(a, b string) string {
	var out []string
	for _, x := range [][3]string{{a, b, "- "}, {b, a, "+ "}} {
		in := map[string]bool{}
		for _, l := range strings.Split(x[1], "\n") {
			in[l] = true
		}
		for _, l := range strings.Split(x[0], "\n") {
			if !in[l] {
				out = append(out, x[2]+l)
			}
		}
	}
	return strings.Join(out, "\n")
}

func pngOf(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 64, 48))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
