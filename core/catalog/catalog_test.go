package catalog

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

func shop(id string) context.Context {
	return tenancy.WithActor(tenancy.WithTenant(context.Background(), id), tenancy.Actor{Kind: "staff", ID: "u-" + id, Name: "Ann"})
}

func as(ctx context.Context, who string) context.Context {
	return tenancy.WithActor(ctx, tenancy.Actor{Kind: "staff", ID: who, Name: who})
}

func ok[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func tee(ctx context.Context, title string, price int64, tags ...string) ProductInput {
	in := ProductInput{Title: title, Vendor: "Acme", ProductType: "Shirt", Tags: tags, Options: []string{"Size", "Color"}, BodyHTML: "<p>Soft</p><script>x()</script>"}
	i := 0
	for _, sz := range []string{"S", "M"} {
		for _, c := range []string{"Red", "Blue"} {
			i++
			in.Variants = append(in.Variants, VariantInput{SKU: fmt.Sprintf("%s-%s-%s", strings.ToUpper(Slugify(title)), sz, c), Options: [3]string{sz, c}, Price: price + int64(i), WeightGrams: 200})
		}
	}
	return in
}

func TestProductLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("t1")
		s := New(db, Options{Currency: "EUR", FourEyes: true})
		p := ok(s.Create(ctx, tee(ctx, "Linen Shirt", 1000, "summer", "linen")))(t)
		if p.Handle != "linen-shirt" || p.Status != Draft || len(p.Variants) != 4 || p.PriceMin != 1001 || p.PriceMax != 1004 || p.Currency != "EUR" {
			t.Fatalf("created %+v", p)
		}
		if strings.Contains(p.BodyHTML, "script") || p.BodyHTML != "<p>Soft</p>" {
			t.Fatalf("body not sanitised: %q", p.BodyHTML)
		}
		if len(p.Options) != 2 || strings.Join(p.Options[0].Values, ",") != "S,M" || strings.Join(p.Options[1].Values, ",") != "Red,Blue" {
			t.Fatalf("options %+v", p.Options)
		}
		// Same title again: handle gets a suffix; same SKU: conflict.
		in2 := tee(ctx, "Linen Shirt", 500)
		for i := range in2.Variants {
			in2.Variants[i].SKU += "-X"
		}
		p2 := ok(s.Create(ctx, in2))(t)
		if p2.Handle != "linen-shirt-2" {
			t.Fatalf("handle %q", p2.Handle)
		}
		_, err := s.Create(ctx, tee(ctx, "Linen Shirt", 1))
		if !errs.Is(err, errs.Conflict) {
			t.Fatalf("duplicate SKU: %v", err)
		}
		// Another shop may reuse the SKU and handle.
		ok(s.Create(shop("t2"), tee(ctx, "Linen Shirt", 1)))(t)
		// Bad input names the field.
		bad := tee(ctx, "X", 1)
		bad.Variants[1].Options = bad.Variants[0].Options
		if _, err := s.Create(ctx, bad); errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.(*errs.Error).Field, "variants[1]") {
			t.Fatalf("duplicate combo: %v", err)
		}
		bad = tee(ctx, "X", 1)
		bad.Variants[0].Price = -1
		if e, ok := err.(*errs.Error); !ok || e.Field == "" {
			t.Fatal("want field")
		}
		if _, err := s.Create(ctx, bad); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("negative price: %v", err)
		}

		// Update: rename handle, drop one variant, swap SKUs, change price.
		in := tee(ctx, "Linen Shirt", 1000, "summer")
		in.Handle = "linen-shirt-classic"
		in.Variants = in.Variants[:3]
		for i := range in.Variants {
			in.Variants[i].ID = p.Variants[i].ID
		}
		in.Variants[0].SKU, in.Variants[1].SKU = in.Variants[1].SKU, in.Variants[0].SKU
		in.Variants[2].Price = 50
		u := ok(s.Update(ctx, p.ID, p.Version, in))(t)
		if u.Handle != "linen-shirt-classic" || len(u.Variants) != 3 || u.PriceMin != 50 || u.Version != p.Version+1 || len(u.Tags) != 1 {
			t.Fatalf("updated %+v", u)
		}
		if _, err := s.Update(ctx, p.ID, p.Version, in); !errs.Is(err, errs.Conflict) {
			t.Fatalf("stale version: %v", err)
		}

		// Workflow: submit, reject with comment, resubmit, self-approve
		// refused (four eyes), approve by another with a schedule.
		ok(s.Submit(ctx, p.ID, "ready"))(t)
		if _, err := s.Reject(as(ctx, "rev"), p.ID, ""); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("reject without comment: %v", err)
		}
		ok(s.Reject(as(ctx, "rev"), p.ID, "fix the photos"))(t)
		if _, err := s.Approve(as(ctx, "rev"), p.ID, "", nil); !errs.Is(err, errs.Conflict) {
			t.Fatalf("approve a draft: %v", err)
		}
		ok(s.Submit(ctx, p.ID, ""))(t)
		if _, err := s.Approve(ctx, p.ID, "", nil); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("self-approve: %v", err)
		}
		later := time.Now().Add(time.Hour).UTC()
		a := ok(s.Approve(as(ctx, "rev"), p.ID, "lgtm", &later))(t)
		if a.Status != Published || a.PublishAt == nil || a.Visible(time.Now()) {
			t.Fatalf("scheduled %+v", a)
		}
		if _, _, err := s.ProductByHandle(ctx, "linen-shirt-classic"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("scheduled product visible: %v", err)
		}
		hist := ok(s.ReviewHistory(ctx, p.ID))(t)
		if len(hist) != 4 || hist[1].Comment != "fix the photos" || hist[1].Actor.ID != "rev" || hist[3].To != Published || hist[3].PublishAt == nil {
			t.Fatalf("history %+v", hist)
		}
		// Time passes.
		s.opts.Now = func() time.Time { return later.Add(time.Second) }
		got, moved := must2(t)(s.ProductByHandle(ctx, "linen-shirt-classic"))
		if moved || got.ID != p.ID {
			t.Fatal("not visible after schedule")
		}
		got, moved = must2(t)(s.ProductByHandle(ctx, "linen-shirt"))
		if !moved || got.Handle != "linen-shirt-classic" {
			t.Fatalf("old handle: moved=%v %+v", moved, got)
		}
		if _, _, err := s.ProductByHandle(shop("t2"), "linen-shirt-classic"); !errs.Is(err, errs.NotFound) {
			t.Fatal("other tenant sees product")
		}
		if _, err := s.Transition(ctx, p.ID, InReview, TransitionOptions{}); !errs.Is(err, errs.Unprocessable) {
			t.Fatalf("published → in_review: %v", err)
		}
		ok(s.Archive(ctx, p.ID, ""))(t)
		if err := s.Delete(ctx, p2.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, p2.ID); !errs.Is(err, errs.NotFound) {
			t.Fatal(err)
		}
		if _, err := s.Get(shop("t2"), p.ID); !errs.Is(err, errs.NotFound) {
			t.Fatal("cross-tenant get")
		}
	})
}

func must2(t *testing.T) func(*Product, bool, error) (*Product, bool) {
	return func(p *Product, b bool, err error) (*Product, bool) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p, b
	}
}

func TestListSearchCollections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("t1")
		s := New(db, Options{})
		root := ok(s.CreateCategory(ctx, CategoryInput{Name: "Clothing"}))(t)
		tops := ok(s.CreateCategory(ctx, CategoryInput{Name: "Tops", ParentID: root.ID}))(t)
		if _, err := s.UpdateCategory(ctx, root.ID, CategoryInput{Name: "Clothing", ParentID: tops.ID}); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("cycle: %v", err)
		}
		titles := []string{"Alpha Tee", "Beta Tee", "Gamma Hoodie", "Delta Cap", "纯棉T恤 白色", "Epsilon Tee"}
		var ids []string
		for i, ti := range titles {
			in := tee(ctx, ti, int64(100*(i+1)), "t"+fmt.Sprint(i%2))
			if i < 3 {
				in.CategoryID = tops.ID
			}
			p := ok(s.Create(ctx, in))(t)
			ids = append(ids, p.ID)
			if i != 5 {
				ok(s.Publish(ctx, p.ID, nil))(t)
			}
		}
		names := func(pg *Page) string {
			var out []string
			for _, p := range pg.Products {
				out = append(out, p.Title)
			}
			return strings.Join(out, ",")
		}
		cases := []struct {
			f    Filter
			want string
		}{
			{Filter{Query: "tee"}, "Alpha Tee,Beta Tee"},
			{Filter{Query: "TE"}, "Alpha Tee,Beta Tee"},
			{Filter{Query: "ALPHA-TEE-M"}, "Alpha Tee"},
			{Filter{Query: "恤"}, "纯棉T恤 白色"},
			{Filter{Query: "纯棉"}, "纯棉T恤 白色"},
			{Filter{Query: "棉白"}, ""},
			{Filter{Query: "t1"}, "Beta Tee,Delta Cap"},
			{Filter{Tag: "t0", Sort: SortPriceDesc}, "纯棉T恤 白色,Gamma Hoodie,Alpha Tee"},
			{Filter{CategoryID: root.ID, Sort: SortTitle}, "Alpha Tee,Beta Tee,Gamma Hoodie"},
			{Filter{PriceMin: ptr(int64(201)), PriceMax: ptr(int64(401)), Sort: SortPriceAsc}, "Beta Tee,Gamma Hoodie,Delta Cap"},
		}
		for _, c := range cases {
			pg := ok(s.ListPublished(ctx, c.f))(t)
			if got := names(pg); got != c.want {
				t.Errorf("%+v: got %q want %q", c.f, got, c.want)
			}
		}
		sm, next, err := s.SitemapEntries(ctx, "", 3)
		if err != nil || len(sm) != 3 || next == "" {
			t.Fatalf("sitemap %v %q %v", sm, next, err)
		}
		if sm2, next2, _ := s.SitemapEntries(ctx, next, 3); len(sm2) != 2 || next2 != "" {
			t.Fatalf("sitemap page 2: %v %q", sm2, next2)
		}
		all := ok(s.List(ctx, Filter{Query: "tee"}))(t)
		if names(all) != "Alpha Tee,Beta Tee,Epsilon Tee" {
			t.Errorf("admin search %q", names(all))
		}
		// Cursor pagination walks every sort without gaps or repeats.
		for _, so := range []Sort{SortNewest, SortTitle, SortPriceAsc, SortPriceDesc} {
			var seen []string
			f := Filter{Sort: so, Limit: 2}
			for {
				pg := ok(s.List(ctx, f))(t)
				for _, p := range pg.Products {
					seen = append(seen, p.ID)
				}
				if pg.Next == "" {
					break
				}
				f.Cursor = pg.Next
			}
			got := append([]string(nil), seen...)
			sort.Strings(got)
			want := append([]string(nil), ids...)
			sort.Strings(want)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("sort %s: paged %d products", so, len(seen))
			}
		}
		if _, err := s.List(ctx, Filter{Sort: SortTitle, Cursor: "garbage"}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("bad cursor: %v", err)
		}
		// Collections.
		man := ok(s.CreateCollection(ctx, CollectionInput{Title: "Staff picks", Kind: Manual, Published: true}))(t)
		if err := s.SetCollectionProducts(ctx, man.ID, []string{ids[3], ids[0], ids[5]}); err != nil {
			t.Fatal(err)
		}
		if got := names(ok(s.ListPublished(ctx, Filter{CollectionID: man.ID, Sort: SortManual}))(t)); got != "Delta Cap,Alpha Tee" {
			t.Errorf("manual collection %q", got)
		}
		pg := ok(s.ListPublished(ctx, Filter{CollectionID: man.ID, Sort: SortManual, Limit: 1}))(t)
		pg = ok(s.ListPublished(ctx, Filter{CollectionID: man.ID, Sort: SortManual, Limit: 1, Cursor: pg.Next}))(t)
		if names(pg) != "Alpha Tee" {
			t.Errorf("manual page 2 %q", names(pg))
		}
		auto := ok(s.CreateCollection(ctx, CollectionInput{Title: "Cheap tops", Kind: Automatic, MatchAll: true, Published: true, Sort: SortTitle,
			Rules: []Rule{{Field: "category", Relation: "equals", Value: root.ID}, {Field: "price", Relation: "at_most", Value: "250"}}}))(t)
		if got := names(ok(s.ListPublished(ctx, Filter{CollectionID: auto.ID}))(t)); got != "Alpha Tee,Beta Tee" {
			t.Errorf("automatic %q", got)
		}
		any := ok(s.CreateCollection(ctx, CollectionInput{Title: "Any", Kind: Automatic, Published: true, Sort: SortTitle,
			Rules: []Rule{{Field: "tag", Relation: "equals", Value: "t1"}, {Field: "vendor", Relation: "equals", Value: "Nobody"}, {Field: "price", Relation: "at_least", Value: "500"}}}))(t)
		if got := names(ok(s.ListPublished(ctx, Filter{CollectionID: any.ID}))(t)); got != "Beta Tee,Delta Cap,纯棉T恤 白色" {
			t.Errorf("automatic any %q", got)
		}
		if _, err := s.CreateCollection(ctx, CollectionInput{Title: "Bad", Kind: Automatic, Rules: []Rule{{Field: "price", Relation: "at_most", Value: "x"}}}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("bad rule: %v", err)
		}

		// Bulk: +10 % on two products, tags, archive.
		n := ok(s.Bulk(ctx, BulkEdit{ProductIDs: ids[:2], Price: &PriceChange{PercentBP: 1000}, AddTags: []string{"sale"}, RemoveTags: []string{"t0"}}))(t)
		if n != 2 {
			t.Fatal(n)
		}
		p0 := ok(s.Get(ctx, ids[0]))(t)
		if p0.Variants[0].Price != 111 || p0.PriceMin != 111 || strings.Join(p0.Tags, ",") != "sale" {
			t.Errorf("after bulk %+v %v", p0.Variants[0], p0.Tags)
		}
		if got := names(ok(s.ListPublished(ctx, Filter{Query: "sale"}))(t)); got != "Alpha Tee,Beta Tee" {
			t.Errorf("reindexed tags: %q", got)
		}
		if _, err := s.Bulk(ctx, BulkEdit{ProductIDs: ids[:2], Price: &PriceChange{Amount: -200}}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("negative bulk: %v", err)
		}
		if got := ok(s.Get(ctx, ids[0]))(t).Variants[0].Price; got != 111 {
			t.Errorf("failed bulk changed price to %d", got)
		}
		ok(s.Bulk(ctx, BulkEdit{ProductIDs: ids[:2], Status: Archived}))(t)
		if got := names(ok(s.ListPublished(ctx, Filter{Query: "tee"}))(t)); got != "" {
			t.Errorf("archived still listed: %q", got)
		}
		if _, err := s.Bulk(shop("t2"), BulkEdit{ProductIDs: ids[:1], AddTags: []string{"x"}}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("cross-tenant bulk: %v", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// countHook counts SQL statements.
type countHook struct{ n atomic.Int64 }

func (h *countHook) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	h.n.Add(1)
	return ctx
}
func (h *countHook) AfterQuery(context.Context, *bun.QueryEvent) {}

type fakeStock struct{}

func (fakeStock) StockFor(ctx context.Context, q bun.IDB, tid string, ids []string) (map[string]Stock, error) {
	var n int
	if err := q.NewRaw("SELECT 1").Scan(ctx, &n); err != nil {
		return nil, err
	}
	out := map[string]Stock{}
	for _, id := range ids {
		out[id] = Stock{OnHand: 3, Available: 3}
	}
	return out, nil
}

func TestListQueryCountIsConstant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("t1")
		s := New(db, Options{Stock: fakeStock{}})
		h := &countHook{}
		db.AddQueryHook(h)
		counts := map[int]int64{}
		for i := 0; i < 40; i++ {
			p := ok(s.Create(ctx, tee(ctx, fmt.Sprintf("P%02d", i), 100)))(t)
			ok(s.AddImageURL(ctx, p.ID, "https://cdn.example/p.jpg", ""))(t)
			ok(s.Publish(ctx, p.ID, nil))(t)
			if i == 4 || i == 39 {
				h.n.Store(0)
				pg := ok(s.ListPublished(ctx, Filter{Limit: 100}))(t)
				counts[len(pg.Products)] = h.n.Load()
				if v := pg.Products[0].Variants[0]; v.Stock == nil || v.Stock.Available != 3 || len(pg.Products[0].Images) != 1 {
					t.Fatalf("not hydrated: %+v", v)
				}
			}
		}
		if counts[5] != counts[40] || counts[5] > 8 { // PostgreSQL adds BEGIN, set_config and COMMIT
			t.Fatalf("queries by page size: %v", counts)
		}
	})
}

func pngOf(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 100, 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func TestImages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("t1")
		bs := ok(blob.NewFS(t.TempDir()))(t)
		s := New(db, Options{Blobs: bs, MaxImageBytes: 1 << 20})
		p := ok(s.Create(ctx, tee(ctx, "Pic", 1)))(t)
		im := ok(s.AddImage(ctx, p.ID, bytes.NewReader(pngOf(1000, 500)), "", "front"))(t)
		if im.Width != 1000 || im.Height != 500 || len(im.Renditions) != 2 || im.ContentType != "image/png" {
			t.Fatalf("image %+v", im)
		}
		rc, _, err := bs.Open(ctx, im.RenditionKey(300))
		if err != nil {
			t.Fatal(err)
		}
		cfg, _, err := image.DecodeConfig(rc)
		rc.Close()
		if err != nil || cfg.Width != 320 || cfg.Height != 160 {
			t.Fatalf("rendition %+v %v", cfg, err)
		}
		small := ok(s.AddImage(ctx, p.ID, bytes.NewReader(pngOf(100, 100)), "", ""))(t)
		if len(small.Renditions) != 0 || small.RenditionKey(320) != small.Key {
			t.Fatalf("small image %+v", small)
		}
		if _, err := s.AddImage(ctx, p.ID, strings.NewReader("<svg onload=alert(1)>"), "", ""); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("not an image: %v", err)
		}
		if _, err := s.AddImage(ctx, p.ID, io.LimitReader(zero{}, 2<<20), "", ""); !errs.Is(err, errs.TooLarge) {
			t.Fatalf("too large: %v", err)
		}
		if _, err := s.AddImageURL(ctx, p.ID, "javascript:alert(1)", ""); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("bad url: %v", err)
		}
		got := ok(s.Get(ctx, p.ID))(t)
		if len(got.Images) != 2 || got.Images[0].ID != im.ID {
			t.Fatalf("images %+v", got.Images)
		}
		if err := s.ReorderImages(ctx, p.ID, []string{small.ID, im.ID}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteImage(ctx, p.ID, im.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := bs.Open(ctx, im.Key); !errs.Is(err, errs.NotFound) {
			t.Fatal("blob left behind")
		}
		if got := ok(s.Get(ctx, p.ID))(t); len(got.Images) != 1 || got.Images[0].ID != small.ID {
			t.Fatalf("after delete %+v", got.Images)
		}
	})
}

type zero struct{}

func (zero) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0
	}
	return len(p), nil
}
