package catalog

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Category is a node of the shop's category tree.
type Category struct {
	ID          string
	ParentID    string
	Name        string
	Slug        string
	Description string
	Position    int
	Children    []*Category // filled by CategoryTree
}

// CategoryInput creates or edits a category.
type CategoryInput struct {
	ParentID    string
	Name        string
	Slug        string // from Name when empty
	Description string
	Position    int
}

type categoryRow struct {
	bun.BaseModel `bun:"table:catalog_categories"`
	TenantID      string    `bun:"tenant_id,pk"`
	ID            string    `bun:"id,pk"`
	ParentID      *string   `bun:"parent_id"`
	Name          string    `bun:"name"`
	Slug          string    `bun:"slug"`
	Description   string    `bun:"description"`
	Position      int       `bun:"position"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

func (r *categoryRow) toCategory() *Category {
	c := &Category{ID: r.ID, Name: r.Name, Slug: r.Slug, Description: r.Description, Position: r.Position}
	if r.ParentID != nil {
		c.ParentID = *r.ParentID
	}
	return c
}

func (in *CategoryInput) normalize() error {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 255 {
		return errs.Field("name", "is required (at most 255 characters)")
	}
	if in.Slug == "" {
		in.Slug = Slugify(in.Name)
	} else {
		in.Slug = Slugify(in.Slug)
	}
	if in.Slug == "" {
		return errs.Field("slug", "must contain letters or digits")
	}
	return nil
}

// CreateCategory adds a category (under ParentID when set).
func (s *Service) CreateCategory(ctx context.Context, in CategoryInput) (*Category, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.normalize(); err != nil {
		return nil, err
	}
	now := s.now()
	row := &categoryRow{TenantID: tid, ID: store.NewID(), ParentID: strp(in.ParentID), Name: in.Name, Slug: in.Slug,
		Description: in.Description, Position: in.Position, CreatedAt: now, UpdatedAt: now}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := s.checkParent(ctx, q, tid, "", in.ParentID); err != nil {
			return err
		}
		if _, err := q.NewInsert().Model(row).Exec(ctx); err != nil {
			return categoryErr(err)
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "category.create", ObjectType: "category", ObjectID: row.ID, After: row.Name})
	})
	if err != nil {
		return nil, err
	}
	return row.toCategory(), nil
}

func categoryErr(err error) error {
	if store.IsUniqueViolation(err) {
		return &errs.Error{Code: errs.Conflict, Field: "slug", Message: "another category uses this slug"}
	}
	return errs.Wrap(err, "catalog: category")
}

// checkParent refuses a missing parent or one inside id's own subtree.
func (s *Service) checkParent(ctx context.Context, q bun.IDB, tid, id, parent string) error {
	for p := parent; p != ""; {
		if p == id {
			return errs.Field("parent_id", "a category cannot be inside itself")
		}
		var next *string
		if err := q.NewRaw("SELECT parent_id FROM catalog_categories WHERE tenant_id = ? AND id = ?", tid, p).Scan(ctx, &next); err != nil {
			if store.NoRows(err) {
				return errs.Field("parent_id", "no such category")
			}
			return errs.Wrap(err, "catalog: category parent")
		}
		if next == nil {
			break
		}
		p = *next
	}
	return nil
}

// UpdateCategory edits a category, possibly moving it in the tree.
func (s *Service) UpdateCategory(ctx context.Context, id string, in CategoryInput) (*Category, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.normalize(); err != nil {
		return nil, err
	}
	row := &categoryRow{TenantID: tid, ID: id, ParentID: strp(in.ParentID), Name: in.Name, Slug: in.Slug,
		Description: in.Description, Position: in.Position, UpdatedAt: s.now()}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := s.checkParent(ctx, q, tid, id, in.ParentID); err != nil {
			return err
		}
		res, err := q.NewUpdate().Model(row).ExcludeColumn("created_at").WherePK().Exec(ctx)
		if err != nil {
			return categoryErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("category not found")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "category.update", ObjectType: "category", ObjectID: id, After: row.Name})
	})
	if err != nil {
		return nil, err
	}
	return row.toCategory(), nil
}

// DeleteCategory removes a category that has no subcategories; its
// products become uncategorised.
func (s *Service) DeleteCategory(ctx context.Context, id string) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		n, err := q.NewSelect().Table("catalog_categories").Where("tenant_id = ? AND parent_id = ?", tid, id).Count(ctx)
		if err != nil {
			return errs.Wrap(err, "catalog: delete category")
		}
		if n > 0 {
			return &errs.Error{Code: errs.Conflict, Field: "id", Message: "move or delete the subcategories first"}
		}
		if _, err := q.NewRaw("UPDATE catalog_products SET category_id = NULL WHERE tenant_id = ? AND category_id = ?", tid, id).Exec(ctx); err != nil {
			return errs.Wrap(err, "catalog: delete category")
		}
		res, err := q.NewDelete().Table("catalog_categories").Where("tenant_id = ? AND id = ?", tid, id).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "catalog: delete category")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("category not found")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "category.delete", ObjectType: "category", ObjectID: id})
	})
}

// Categories returns every category of the shop, flat, ordered by
// position and name.
func (s *Service) Categories(ctx context.Context) ([]*Category, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var rows []categoryRow
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&rows).Where("tenant_id = ?", tid).Order("position", "name").Scan(ctx)
	})
	if err != nil {
		return nil, errs.Wrap(err, "catalog: categories")
	}
	out := make([]*Category, len(rows))
	for i := range rows {
		out[i] = rows[i].toCategory()
	}
	return out, nil
}

// CategoryTree returns the root categories with Children filled.
func (s *Service) CategoryTree(ctx context.Context) ([]*Category, error) {
	all, err := s.Categories(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]*Category{}
	for _, c := range all {
		byID[c.ID] = c
	}
	var roots []*Category
	for _, c := range all {
		if p := byID[c.ParentID]; p != nil {
			p.Children = append(p.Children, c)
		} else {
			roots = append(roots, c)
		}
	}
	return roots, nil
}

// CategoryBySlug finds a category by slug.
func (s *Service) CategoryBySlug(ctx context.Context, slug string) (*Category, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var row categoryRow
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&row).Where("tenant_id = ? AND slug = ?", tid, slug).Scan(ctx)
	})
	if store.NoRows(err) {
		return nil, errs.NotFoundf("category not found")
	}
	if err != nil {
		return nil, errs.Wrap(err, "catalog: category")
	}
	return row.toCategory(), nil
}

// CategoryPath returns the category and its ancestors, root first (for
// breadcrumbs).
func (s *Service) CategoryPath(ctx context.Context, id string) ([]*Category, error) {
	all, err := s.Categories(ctx)
	if err != nil {
		return nil, err
	}
	return pathOf(all, id), nil
}

func pathOf(all []*Category, id string) []*Category {
	byID := map[string]*Category{}
	for _, c := range all {
		byID[c.ID] = c
	}
	var path []*Category
	for c := byID[id]; c != nil && len(path) < 100; c = byID[c.ParentID] {
		path = append([]*Category{c}, path...)
	}
	return path
}

// ensureCategoryPath finds or creates the categories named by a
// "A > B > C" path (Shopify's Product Category) and returns the last id.
func (s *Service) ensureCategoryPath(ctx context.Context, q bun.IDB, tid, path string, cache map[string]string) (string, error) {
	if id, ok := cache[path]; ok {
		return id, nil
	}
	parent := ""
	prefix := ""
	for _, name := range strings.Split(path, ">") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		prefix += " > " + name
		if id, ok := cache[prefix]; ok {
			parent = id
			continue
		}
		var id string
		sel := q.NewSelect().Table("catalog_categories").Column("id").Where("tenant_id = ? AND name = ?", tid, name)
		if parent == "" {
			sel = sel.Where("parent_id IS NULL")
		} else {
			sel = sel.Where("parent_id = ?", parent)
		}
		err := sel.Limit(1).Scan(ctx, &id)
		if store.NoRows(err) {
			id = store.NewID()
			slug := Slugify(name)
			if slug == "" {
				slug = "category"
			}
			for i := 1; ; i++ {
				try := slug
				if i > 1 {
					try = slug + "-" + strconv.Itoa(i)
				}
				n, err := q.NewSelect().Table("catalog_categories").Where("tenant_id = ? AND slug = ?", tid, try).Count(ctx)
				if err != nil {
					return "", errs.Wrap(err, "catalog: category path")
				}
				if n == 0 {
					slug = try
					break
				}
			}
			now := s.now()
			_, err = q.NewInsert().Model(&categoryRow{TenantID: tid, ID: id, ParentID: strp(parent), Name: name, Slug: slug, CreatedAt: now, UpdatedAt: now}).Exec(ctx)
		}
		if err != nil {
			return "", errs.Wrap(err, "catalog: category path")
		}
		cache[prefix] = id
		parent = id
	}
	cache[path] = parent
	return parent, nil
}
