package catalog

import (
	"errors"
	"fmt"
	"testing"

	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestBatch covers the bulk API the CSV import uses: one transaction that
// rolls back on error, look-ups, multi-row creates, updates in savepoints
// that leave the batch usable after a refusal, the four-eyes check, and the
// page walk and category paths the export uses.
func TestBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("b1")
		s := New(db, Options{Currency: "EUR", FourEyes: true})
		norm := func(title string, price int64) ProductInput {
			in, err := s.Normalize(tee(ctx, title, price))
			if err != nil {
				t.Fatal(err)
			}
			in.Handle = Slugify(title)
			return in
		}
		// Created products, in pages; an error rolls the batch back.
		var ps []NewProduct
		for i := 0; i < 205; i++ {
			ps = append(ps, NewProduct{Input: norm(fmt.Sprintf("Tee %d", i), 1000), CategoryPath: "Apparel > Tops",
				Images: []ExternalImage{{Src: "https://cdn.example/t.jpg", Alt: "front"}}})
		}
		if err := s.InBatch(ctx, true, func(b *Batch) error { return b.Create(ps) }); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		err := s.InBatch(ctx, true, func(b *Batch) error {
			if err := b.Create([]NewProduct{{Input: norm("Rolled Back", 500)}}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("batch error: %v", err)
		}
		if _, err := s.GetByHandle(ctx, "rolled-back"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("a failed batch kept its writes: %v", err)
		}
		var pages, seen int
		if err := s.EachPage(ctx, "", func(page []*Product) error {
			pages++
			seen += len(page)
			return nil
		}); err != nil || pages != 2 || seen != 205 {
			t.Fatalf("pages %d, products %d, %v", pages, seen, err)
		}
		paths := ok(s.CategoryPaths(ctx))(t)
		p := ok(s.GetByHandle(ctx, "tee-7"))(t)
		if paths[p.CategoryID] != "Apparel > Tops" || len(p.Images) != 1 || p.Images[0].Alt != "front" || len(p.Variants) != 4 {
			t.Fatalf("created %+v, paths %v", p, paths)
		}

		// A read-only batch looks up and cannot write.
		err = s.InBatch(ctx, false, func(b *Batch) error {
			if n := ok(b.Count())(t); n != 205 {
				t.Errorf("count %d", n)
			}
			ids := ok(b.ProductIDs([]string{"tee-7", "nope"}))(t)
			whole := ok(b.Products([]string{"tee-7"}))(t)
			owners := ok(b.SKUOwners([]string{"TEE-7-S-Red", "NOPE"}))(t)
			if len(ids) != 1 || ids["tee-7"] != p.ID || whole["tee-7"].ID != p.ID || len(owners) != 1 || owners["TEE-7-S-Red"] != p.ID {
				t.Errorf("look-ups: %v %v %v", ids, whole, owners)
			}
			if path := ok(b.CategoryPath(p.CategoryID))(t); path != "Apparel > Tops" {
				t.Errorf("category path %q", path)
			}
			return b.Create([]NewProduct{{Input: norm("Not Written", 500)}})
		})
		if !errs.Is(err, errs.Internal) {
			t.Fatalf("create in a read-only batch: %v", err)
		}

		// A refused update (stale version) rolls back its savepoint, with
		// the category it made, and the batch goes on.
		err = s.InBatch(ctx, true, func(b *Batch) error {
			in := norm("Tee 7", 2000)
			if err := b.Update(ProductUpdate{ID: p.ID, Version: p.Version + 1, Input: in, SetCategory: true, CategoryPath: "Sale > Summer"}); !errs.Is(err, errs.Conflict) {
				t.Errorf("stale update: %v", err)
			}
			if err := b.Create([]NewProduct{{Input: norm("After Refusal", 500), CategoryPath: "Sale > Summer"}}); err != nil {
				return err
			}
			return b.Update(ProductUpdate{ID: p.ID, Version: p.Version, Input: in, Images: []ExternalImage{{Src: "https://cdn.example/b.jpg"}},
				ImageAlts: map[string]string{p.Images[0].ID: "new alt"}})
		})
		if err != nil {
			t.Fatal(err)
		}
		p = ok(s.GetByHandle(ctx, "tee-7"))(t)
		if p.PriceMin != 2001 || len(p.Images) != 2 || p.Images[0].Alt != "new alt" || p.Images[1].Position != 2 {
			t.Fatalf("updated %+v", p)
		}
		after := ok(s.GetByHandle(ctx, "after-refusal"))(t)
		if paths := ok(s.CategoryPaths(ctx))(t); paths[after.CategoryID] != "Sale > Summer" {
			t.Fatalf("category after a refused update: %q", paths[after.CategoryID])
		}

		// Four eyes: who submitted a product may not publish it.
		ok(s.Submit(ctx, p.ID, ""))(t)
		for who, want := range map[string]bool{"u-b1": true, "someone-else": false} {
			if err := s.InBatch(as(ctx, who), false, func(b *Batch) error {
				if got := b.SelfApproval(ok(b.Products([]string{"tee-7"}))(t)["tee-7"], Published); got != want {
					t.Errorf("%s: self approval %v", who, got)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
	})
}
