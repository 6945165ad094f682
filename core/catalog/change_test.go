package catalog

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestLastChange: the catalog's cache token moves with every kind of
// change a storefront page shows (products, collections and their
// members, categories, images are covered by their ids), with a scheduled
// publication falling due, and not with another shop's changes; the
// storefront's link lookup (visible handles) sees only the shop's own,
// visible products.
func TestLastChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var mu sync.Mutex
		clock := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		tick := func() time.Time { // every read of the clock is a second later
			mu.Lock()
			defer mu.Unlock()
			clock = clock.Add(time.Second)
			return clock
		}
		s := New(db, Options{Now: tick})
		a, b := shop("ta"), shop("tb")
		token := func() (tok string, latest time.Time) {
			t.Helper()
			err := db.Read(a, func(ctx context.Context, q bun.IDB) (err error) {
				tok, latest, err = LastChange(ctx, q, "ta", s.now())
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return tok, latest
		}
		empty, latest := token()
		if !latest.IsZero() {
			t.Fatalf("empty catalog's latest change %v", latest)
		}
		if again, _ := token(); again != empty {
			t.Fatalf("token moved without a change: %q then %q", empty, again)
		}
		changed := func(what, before string) string {
			t.Helper()
			after, _ := token()
			if after == before {
				t.Fatalf("%s: token did not move (%q)", what, after)
			}
			return after
		}

		p := ok(s.Create(a, tee(a, "Shirt", 1000)))(t)
		tok := changed("product created", empty)
		if _, latest = token(); !latest.Equal(p.UpdatedAt.UTC()) {
			t.Fatalf("latest %v, product updated %v", latest, p.UpdatedAt)
		}
		in := tee(a, "Shirt", 1200)
		for i := range in.Variants {
			in.Variants[i].ID = p.Variants[i].ID
		}
		p = ok(s.Update(a, p.ID, p.Version, in))(t)
		tok = changed("price changed", tok)
		col := ok(s.CreateCollection(a, CollectionInput{Title: "Summer", Kind: Manual, Published: true}))(t)
		tok = changed("collection created", tok)
		if err := s.SetCollectionProducts(a, col.ID, []string{p.ID}); err != nil {
			t.Fatal(err)
		}
		tok = changed("collection member added", tok)
		ok(s.CreateCategory(a, CategoryInput{Name: "Tops"}))(t)
		tok = changed("category created", tok)

		// Another shop's changes leave this shop's token alone.
		other := ok(s.Create(b, tee(b, "Hat", 500)))(t)
		if now, _ := token(); now != tok {
			t.Fatalf("another shop's product moved the token")
		}

		// A publication scheduled for later: the token moves when it is
		// set and again once it is due.
		soon := clock.Add(time.Hour)
		q := ok(s.Create(a, tee(a, "Later", 700)))(t)
		tok = changed("product created", tok)
		q = ok(s.Publish(a, q.ID, &soon))(t)
		tok = changed("publication scheduled", tok)
		mu.Lock()
		clock = soon.Add(time.Minute)
		mu.Unlock()
		tok = changed("scheduled publication due", tok)

		if err := s.Delete(a, q.ID); err != nil {
			t.Fatal(err)
		}
		changed("product deleted", tok)

		// Visible handles: published and due only, own shop only.
		p = ok(s.Publish(a, p.ID, nil))(t)
		draft := ok(s.Create(a, tee(a, "Draft", 100)))(t)
		handles := ok(s.VisibleHandles(a, []string{p.ID, draft.ID, other.ID, "missing"}))(t)
		if len(handles) != 1 || handles[p.ID] != p.Handle {
			t.Fatalf("visible handles %v", handles)
		}
		if h := ok(s.VisibleHandles(a, nil))(t); len(h) != 0 {
			t.Fatalf("no ids: %v", h)
		}

	})
}
