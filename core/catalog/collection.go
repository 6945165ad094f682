package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/richtext"
	"github.com/wasmart/wasmart/core/store"
)

// CollectionKind says how a collection's products are chosen.
type CollectionKind string

// Kinds.
const (
	Manual    CollectionKind = "manual"    // the merchant picks and orders products
	Automatic CollectionKind = "automatic" // products matching the rules
)

// Rule is one condition of an automatic collection.
//
//	Field     Relation                 Value
//	tag       equals, not_equals       a tag
//	category  equals                   a category id (subcategories included)
//	vendor    equals                   a vendor
//	type      equals                   a product type
//	price     at_least, at_most        minor units of the lowest variant price
type Rule struct {
	Field    string `json:"field"`
	Relation string `json:"relation"`
	Value    string `json:"value"`
}

// Collection is a named group of products.
type Collection struct {
	ID             string
	Handle         string
	Title          string
	BodyHTML       string
	Kind           CollectionKind
	Rules          []Rule
	MatchAll       bool // all rules must match (else any)
	Sort           Sort
	SEOTitle       string
	SEODescription string
	ImageSrc       string
	Published      bool
	Featured       bool // shown on the storefront home page
	Position       int
	UpdatedAt      time.Time
}

// CollectionInput creates or edits a collection.
type CollectionInput struct {
	Handle         string
	Title          string
	BodyHTML       string
	Kind           CollectionKind
	Rules          []Rule
	MatchAll       bool
	Sort           Sort
	SEOTitle       string
	SEODescription string
	ImageSrc       string
	Published      bool
	Featured       bool
	Position       int
}

type collectionRow struct {
	bun.BaseModel  `bun:"table:catalog_collections"`
	TenantID       string    `bun:"tenant_id,pk"`
	ID             string    `bun:"id,pk"`
	Handle         string    `bun:"handle"`
	Title          string    `bun:"title"`
	BodyHTML       string    `bun:"body_html"`
	Kind           string    `bun:"kind"`
	MatchAll       bool      `bun:"match_all"`
	Rules          string    `bun:"rules"`
	Sort           string    `bun:"sort"`
	SEOTitle       string    `bun:"seo_title"`
	SEODescription string    `bun:"seo_description"`
	ImageSrc       string    `bun:"image_src"`
	Published      bool      `bun:"published"`
	Featured       bool      `bun:"featured"`
	Position       int       `bun:"position"`
	CreatedAt      time.Time `bun:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at"`
}

func (r *collectionRow) toCollection() *Collection {
	c := &Collection{ID: r.ID, Handle: r.Handle, Title: r.Title, BodyHTML: r.BodyHTML, Kind: CollectionKind(r.Kind), MatchAll: r.MatchAll,
		Sort: Sort(r.Sort), SEOTitle: r.SEOTitle, SEODescription: r.SEODescription, ImageSrc: r.ImageSrc, Published: r.Published,
		Featured: r.Featured, Position: r.Position, UpdatedAt: r.UpdatedAt.UTC()}
	json.Unmarshal([]byte(r.Rules), &c.Rules)
	return c
}

func (in *CollectionInput) normalize() error {
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" || len(in.Title) > 255 {
		return errs.Field("title", "is required (at most 255 characters)")
	}
	if in.Handle == "" {
		in.Handle = in.Title
	}
	if in.Handle = Slugify(in.Handle); in.Handle == "" {
		return errs.Field("handle", "must contain letters or digits")
	}
	in.BodyHTML = richtext.Sanitize(in.BodyHTML)
	switch in.Kind {
	case Manual:
		in.Rules = nil
		if in.Sort == "" {
			in.Sort = SortManual
		}
	case Automatic:
		if len(in.Rules) == 0 {
			return errs.Field("rules", "an automatic collection needs at least one rule")
		}
		if in.Sort == "" || in.Sort == SortManual {
			in.Sort = SortNewest
		}
	default:
		return errs.Field("kind", "must be manual or automatic")
	}
	switch in.Sort {
	case SortManual, SortNewest, SortTitle, SortPriceAsc, SortPriceDesc:
	default:
		return errs.Field("sort", "unknown sort")
	}
	if len(in.Rules) > 60 {
		return errs.Field("rules", "at most 60 rules")
	}
	for i, r := range in.Rules {
		f := fmt.Sprintf("rules[%d]", i)
		ok := false
		switch r.Field {
		case "tag":
			ok = r.Relation == "equals" || r.Relation == "not_equals"
		case "category", "vendor", "type":
			ok = r.Relation == "equals"
		case "price":
			_, err := strconv.ParseInt(r.Value, 10, 64)
			ok = (r.Relation == "at_least" || r.Relation == "at_most") && err == nil
		}
		if !ok || r.Value == "" {
			return errs.Field(f, "unsupported rule %s %s %q", r.Field, r.Relation, r.Value)
		}
	}
	if in.ImageSrc != "" {
		if err := checkImageURL(in.ImageSrc, "image_src"); err != nil {
			return err
		}
	}
	return nil
}

func (in *CollectionInput) row(tid, id string, now time.Time) *collectionRow {
	rules, _ := json.Marshal(in.Rules)
	if in.Rules == nil {
		rules = []byte("[]")
	}
	return &collectionRow{TenantID: tid, ID: id, Handle: in.Handle, Title: in.Title, BodyHTML: in.BodyHTML, Kind: string(in.Kind),
		MatchAll: in.MatchAll, Rules: string(rules), Sort: string(in.Sort), SEOTitle: in.SEOTitle, SEODescription: in.SEODescription,
		ImageSrc: in.ImageSrc, Published: in.Published, Featured: in.Featured, Position: in.Position, CreatedAt: now, UpdatedAt: now}
}

func collectionErr(err error) error {
	if store.IsUniqueViolation(err) {
		return &errs.Error{Code: errs.Conflict, Field: "handle", Message: "another collection uses this handle"}
	}
	return errs.Wrap(err, "catalog: collection")
}

// CreateCollection adds a collection.
func (s *Service) CreateCollection(ctx context.Context, in CollectionInput) (*Collection, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.normalize(); err != nil {
		return nil, err
	}
	row := in.row(tid, store.NewID(), s.now())
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if _, err := q.NewInsert().Model(row).Exec(ctx); err != nil {
			return collectionErr(err)
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "collection.create", ObjectType: "collection", ObjectID: row.ID, After: row.Title})
	})
	if err != nil {
		return nil, err
	}
	return row.toCollection(), nil
}

// UpdateCollection edits a collection. Changing a manual collection to
// automatic drops its picked products.
func (s *Service) UpdateCollection(ctx context.Context, id string, in CollectionInput) (*Collection, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.normalize(); err != nil {
		return nil, err
	}
	row := in.row(tid, id, s.now())
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewUpdate().Model(row).ExcludeColumn("created_at").WherePK().Exec(ctx)
		if err != nil {
			return collectionErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("collection not found")
		}
		if in.Kind == Automatic {
			if _, err := q.NewDelete().Table("catalog_collection_products").Where("tenant_id = ? AND collection_id = ?", tid, id).Exec(ctx); err != nil {
				return errs.Wrap(err, "catalog: collection")
			}
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "collection.update", ObjectType: "collection", ObjectID: id, After: row.Title})
	})
	if err != nil {
		return nil, err
	}
	return row.toCollection(), nil
}

// DeleteCollection removes a collection (not its products).
func (s *Service) DeleteCollection(ctx context.Context, id string) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewDelete().Table("catalog_collections").Where("tenant_id = ? AND id = ?", tid, id).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "catalog: collection")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("collection not found")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "collection.delete", ObjectType: "collection", ObjectID: id})
	})
}

func loadCollection(ctx context.Context, q bun.IDB, tid, col, val string) (*Collection, error) {
	var row collectionRow
	err := q.NewSelect().Model(&row).Where("tenant_id = ?", tid).Where("? = ?", bun.Ident(col), val).Scan(ctx)
	if store.NoRows(err) {
		return nil, errs.NotFoundf("collection not found")
	}
	if err != nil {
		return nil, errs.Wrap(err, "catalog: collection")
	}
	return row.toCollection(), nil
}

// Collection returns a collection by id.
func (s *Service) Collection(ctx context.Context, id string) (c *Collection, err error) {
	return s.collectionBy(ctx, "id", id)
}

// CollectionByHandle returns a collection by handle (the storefront checks
// Published).
func (s *Service) CollectionByHandle(ctx context.Context, handle string) (*Collection, error) {
	return s.collectionBy(ctx, "handle", handle)
}

func (s *Service) collectionBy(ctx context.Context, col, val string) (c *Collection, err error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		c, err = loadCollection(ctx, q, tid, col, val)
		return err
	})
	return c, err
}

// Collections lists the shop's collections by position and title;
// publishedOnly for the storefront.
func (s *Service) Collections(ctx context.Context, publishedOnly bool) ([]*Collection, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var rows []collectionRow
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sel := q.NewSelect().Model(&rows).Where("tenant_id = ?", tid)
		if publishedOnly {
			sel = sel.Where("published = ?", true)
		}
		return sel.Order("position", "title").Scan(ctx)
	})
	if err != nil {
		return nil, errs.Wrap(err, "catalog: collections")
	}
	out := make([]*Collection, len(rows))
	for i := range rows {
		out[i] = rows[i].toCollection()
	}
	return out, nil
}

// SetCollectionProducts sets a manual collection's products, in order.
func (s *Service) SetCollectionProducts(ctx context.Context, collectionID string, productIDs []string) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		c, err := loadCollection(ctx, q, tid, "id", collectionID)
		if err != nil {
			return err
		}
		if c.Kind != Manual {
			return errs.Field("collection_id", "products of an automatic collection come from its rules")
		}
		if _, err := q.NewDelete().Table("catalog_collection_products").Where("tenant_id = ? AND collection_id = ?", tid, collectionID).Exec(ctx); err != nil {
			return errs.Wrap(err, "catalog: collection products")
		}
		seen := map[string]bool{}
		type cp struct {
			bun.BaseModel `bun:"table:catalog_collection_products"`
			TenantID      string `bun:"tenant_id"`
			CollectionID  string `bun:"collection_id"`
			ProductID     string `bun:"product_id"`
			Position      int    `bun:"position"`
		}
		var rows []cp
		for _, pid := range productIDs {
			if !seen[pid] {
				seen[pid] = true
				rows = append(rows, cp{TenantID: tid, CollectionID: collectionID, ProductID: pid, Position: len(rows) + 1})
			}
		}
		if len(rows) > 0 {
			n, err := q.NewSelect().Table("catalog_products").Where("tenant_id = ? AND id IN (?)", tid, bun.List(productIDs)).Count(ctx)
			if err != nil {
				return errs.Wrap(err, "catalog: collection products")
			}
			if int(n) != len(rows) {
				return errs.Field("product_ids", "unknown product")
			}
			if _, err := q.NewInsert().Model(&rows).Exec(ctx); err != nil {
				return errs.Wrap(err, "catalog: collection products")
			}
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "collection.products", ObjectType: "collection", ObjectID: collectionID,
			After: strconv.Itoa(len(productIDs)) + " products"})
	})
}

// applyRules adds an automatic collection's conditions to a product query.
func applyRules(sel *bun.SelectQuery, tid string, c *Collection) *bun.SelectQuery {
	return sel.WhereGroup(" AND ", func(g *bun.SelectQuery) *bun.SelectQuery {
		for _, r := range c.Rules {
			var cond string
			var args []any
			switch r.Field {
			case "tag":
				cond = "EXISTS (SELECT 1 FROM catalog_product_tags t WHERE t.tenant_id = p.tenant_id AND t.product_id = p.id AND t.tag = ?)"
				if r.Relation == "not_equals" {
					cond = "NOT " + cond
				}
				args = []any{r.Value}
			case "category":
				cond, args = "p.category_id IN ("+subtreeSQL+")", []any{tid, r.Value, tid}
			case "vendor":
				cond, args = "p.vendor = ?", []any{r.Value}
			case "type":
				cond, args = "p.product_type = ?", []any{r.Value}
			case "price":
				n, _ := strconv.ParseInt(r.Value, 10, 64)
				cond, args = "p.price_min >= ?", []any{n}
				if r.Relation == "at_most" {
					cond = "p.price_min <= ?"
				}
			default:
				cond = "1 = 0"
			}
			if c.MatchAll {
				g = g.Where(cond, args...)
			} else {
				g = g.WhereOr(cond, args...)
			}
		}
		return g
	})
}
