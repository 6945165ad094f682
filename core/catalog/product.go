package catalog

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/richtext"
	"github.com/wasmart/wasmart/core/store"
)

// Limits on input sizes.
const (
	MaxOptions      = 3
	MaxVariants     = 250
	MaxTags         = 250
	MaxTitleLen     = 255
	MaxBodyLen      = 512 << 10
	MaxSEOTitle     = 255
	MaxSEODesc      = 1024
	MaxOptionValues = 100
)

// Option is a product option and its values in display order.
type Option struct {
	Name   string
	Values []string
}

// Product is a catalog product with its variants, images and tags.
type Product struct {
	ID             string
	Handle         string
	Title          string
	BodyHTML       string // sanitised
	Vendor         string
	ProductType    string
	CategoryID     string
	Role           Role
	SEOTitle       string
	SEODescription string
	Status         Status
	PublishAt      *time.Time // scheduled publication; nil = when published
	PublishedAt    *time.Time
	Currency       string
	PriceMin       int64
	PriceMax       int64
	Options        []Option
	Tags           []string
	Variants       []Variant
	Images         []Image
	Google         GoogleShopping
	Version        int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Visible reports whether shoppers can see the product at now.
func (p *Product) Visible(now time.Time) bool {
	return p.Status == Published && (p.PublishAt == nil || !p.PublishAt.After(now))
}

// Variant is one purchasable combination of option values.
type Variant struct {
	ID               string
	ProductID        string
	Position         int
	SKU              string
	Barcode          string
	Options          [3]string // values for option 1..3 ("" when unused)
	Price            int64
	CompareAtPrice   *int64
	Cost             *int64
	WeightGrams      int64
	LengthMM         int64
	WidthMM          int64
	HeightMM         int64
	AllowBackorder   bool
	SafetyStock      int64
	RequiresShipping bool
	Taxable          bool
	ImageSrc         string
	TaxCode          string
	// WeightUnit is the unit the weight is shown in (g, kg, lb or oz);
	// WeightGrams stays the weight.
	WeightUnit string
	// InventoryTracked is false for a variant whose stock is not counted
	// (Shopify's blank "Variant Inventory Tracker"): it is never refused
	// for stock.
	InventoryTracked bool
	// Stock is filled on read paths when the Service has a StockSource.
	Stock *Stock
}

// Weight units a variant's weight may be shown in.
var WeightUnits = []string{"g", "kg", "lb", "oz"}

// GoogleShopping holds what Shopify's "Google Shopping / …" columns carry
// for a product feed.
type GoogleShopping struct {
	ProductCategory string
	Gender          string // "", female, male or unisex
	AgeGroup        string // "", newborn, infant, toddler, kids or adult
	MPN             string
	AdWordsGrouping string
	AdWordsLabels   string
	Condition       string // "", new, refurbished or used
	CustomProduct   *bool  // nil when not said
	CustomLabels    [5]string
}

var (
	googleGenders    = []string{"female", "male", "unisex"}
	googleAgeGroups  = []string{"newborn", "infant", "toddler", "kids", "adult"}
	googleConditions = []string{"new", "refurbished", "used"}
)

// MaxGoogleText caps each Google Shopping text field and a variant's tax code.
const MaxGoogleText = 255

// Title is the variant's option values joined by " / " ("Default" when none).
func (v *Variant) Title() string {
	var parts []string
	for _, o := range v.Options {
		if o != "" {
			parts = append(parts, o)
		}
	}
	if len(parts) == 0 {
		return "Default"
	}
	return strings.Join(parts, " / ")
}

// ProductInput is what a merchant edits. Update replaces the whole product
// with it: variants with an ID are updated, new ones inserted, missing ones
// deleted.
type ProductInput struct {
	Handle         string // generated from Title when empty
	Title          string
	BodyHTML       string // sanitised on save
	Vendor         string
	ProductType    string
	CategoryID     string
	Role           Role
	SEOTitle       string
	SEODescription string
	Currency       string // shop currency when empty
	Options        []string
	Tags           []string
	Variants       []VariantInput
	// Status is used only by Create (draft when empty); later changes go
	// through the workflow methods.
	Status Status
	// Google, when set, replaces the product's Google Shopping fields; nil
	// keeps them on Update (and leaves them empty on Create).
	Google *GoogleShopping
}

// VariantInput is one variant in a ProductInput.
type VariantInput struct {
	ID               string
	SKU              string
	Barcode          string
	Options          [3]string
	Price            int64
	CompareAtPrice   *int64
	Cost             *int64
	WeightGrams      int64
	LengthMM         int64
	WidthMM          int64
	HeightMM         int64
	AllowBackorder   bool
	SafetyStock      int64
	RequiresShipping *bool // default true
	Taxable          *bool // default true
	ImageSrc         string
	// The fields below keep an existing variant's value when nil or "" (and
	// take the default for a new variant): tax code "", weight unit "g",
	// inventory tracked.
	TaxCode          *string
	WeightUnit       string
	InventoryTracked *bool
}

type productRow struct {
	bun.BaseModel  `bun:"table:catalog_products"`
	TenantID       string     `bun:"tenant_id,pk"`
	ID             string     `bun:"id,pk"`
	Handle         string     `bun:"handle"`
	Title          string     `bun:"title"`
	BodyHTML       string     `bun:"body_html"`
	Vendor         string     `bun:"vendor"`
	ProductType    string     `bun:"product_type"`
	CategoryID     *string    `bun:"category_id"`
	Role           string     `bun:"role"`
	SEOTitle       string     `bun:"seo_title"`
	SEODescription string     `bun:"seo_description"`
	Status         string     `bun:"status"`
	PublishAt      *time.Time `bun:"publish_at"`
	PublishedAt    *time.Time `bun:"published_at"`
	SubmittedBy    string     `bun:"submitted_by"`
	Currency       string     `bun:"currency"`
	PriceMin       int64      `bun:"price_min"`
	PriceMax       int64      `bun:"price_max"`
	Option1Name    string     `bun:"option1_name"`
	Option2Name    string     `bun:"option2_name"`
	Option3Name    string     `bun:"option3_name"`
	GoogleCategory string     `bun:"google_product_category"`
	GoogleGender   string     `bun:"google_gender"`
	GoogleAgeGroup string     `bun:"google_age_group"`
	GoogleMPN      string     `bun:"google_mpn"`
	GoogleGrouping string     `bun:"google_adwords_grouping"`
	GoogleLabels   string     `bun:"google_adwords_labels"`
	GoogleCond     string     `bun:"google_condition"`
	GoogleCustom   *bool      `bun:"google_custom_product"`
	GoogleLabel0   string     `bun:"google_custom_label_0"`
	GoogleLabel1   string     `bun:"google_custom_label_1"`
	GoogleLabel2   string     `bun:"google_custom_label_2"`
	GoogleLabel3   string     `bun:"google_custom_label_3"`
	GoogleLabel4   string     `bun:"google_custom_label_4"`
	Version        int        `bun:"version"`
	CreatedAt      time.Time  `bun:"created_at"`
	UpdatedAt      time.Time  `bun:"updated_at"`
}

type variantRow struct {
	bun.BaseModel    `bun:"table:catalog_variants"`
	TenantID         string    `bun:"tenant_id,pk"`
	ID               string    `bun:"id,pk"`
	ProductID        string    `bun:"product_id"`
	Position         int       `bun:"position"`
	SKU              *string   `bun:"sku"`
	Barcode          string    `bun:"barcode"`
	Option1          string    `bun:"option1"`
	Option2          string    `bun:"option2"`
	Option3          string    `bun:"option3"`
	Price            int64     `bun:"price"`
	CompareAtPrice   *int64    `bun:"compare_at_price"`
	Cost             *int64    `bun:"cost"`
	WeightGrams      int64     `bun:"weight_grams"`
	LengthMM         int64     `bun:"length_mm"`
	WidthMM          int64     `bun:"width_mm"`
	HeightMM         int64     `bun:"height_mm"`
	AllowBackorder   bool      `bun:"allow_backorder"`
	SafetyStock      int64     `bun:"safety_stock"`
	RequiresShipping bool      `bun:"requires_shipping"`
	Taxable          bool      `bun:"taxable"`
	ImageSrc         string    `bun:"image_src"`
	TaxCode          string    `bun:"tax_code"`
	WeightUnit       string    `bun:"weight_unit"`
	InventoryTracked bool      `bun:"inventory_tracked"`
	CreatedAt        time.Time `bun:"created_at"`
	UpdatedAt        time.Time `bun:"updated_at"`
}

// googleColumns are productRow's Google Shopping columns.
var googleColumns = []string{"google_product_category", "google_gender", "google_age_group", "google_mpn", "google_adwords_grouping",
	"google_adwords_labels", "google_condition", "google_custom_product", "google_custom_label_0", "google_custom_label_1",
	"google_custom_label_2", "google_custom_label_3", "google_custom_label_4"}

func (r *productRow) google() GoogleShopping {
	return GoogleShopping{ProductCategory: r.GoogleCategory, Gender: r.GoogleGender, AgeGroup: r.GoogleAgeGroup, MPN: r.GoogleMPN,
		AdWordsGrouping: r.GoogleGrouping, AdWordsLabels: r.GoogleLabels, Condition: r.GoogleCond, CustomProduct: r.GoogleCustom,
		CustomLabels: [5]string{r.GoogleLabel0, r.GoogleLabel1, r.GoogleLabel2, r.GoogleLabel3, r.GoogleLabel4}}
}

func (r *productRow) setGoogle(g GoogleShopping) {
	r.GoogleCategory, r.GoogleGender, r.GoogleAgeGroup, r.GoogleMPN = g.ProductCategory, g.Gender, g.AgeGroup, g.MPN
	r.GoogleGrouping, r.GoogleLabels, r.GoogleCond, r.GoogleCustom = g.AdWordsGrouping, g.AdWordsLabels, g.Condition, g.CustomProduct
	r.GoogleLabel0, r.GoogleLabel1, r.GoogleLabel2, r.GoogleLabel3, r.GoogleLabel4 = g.CustomLabels[0], g.CustomLabels[1], g.CustomLabels[2], g.CustomLabels[3], g.CustomLabels[4]
}

type tagRow struct {
	bun.BaseModel `bun:"table:catalog_product_tags"`
	TenantID      string `bun:"tenant_id,pk"`
	ProductID     string `bun:"product_id,pk"`
	Tag           string `bun:"tag,pk"`
}

type tokenRow struct {
	bun.BaseModel `bun:"table:catalog_search_tokens"`
	TenantID      string `bun:"tenant_id,pk"`
	Token         string `bun:"token,pk"`
	ProductID     string `bun:"product_id,pk"`
}

func (r *productRow) toProduct() *Product {
	p := &Product{
		ID: r.ID, Handle: r.Handle, Title: r.Title, BodyHTML: r.BodyHTML, Vendor: r.Vendor,
		ProductType: r.ProductType, Role: Role(r.Role), SEOTitle: r.SEOTitle, SEODescription: r.SEODescription,
		Status: Status(r.Status), PublishAt: utcp(r.PublishAt), PublishedAt: utcp(r.PublishedAt), Currency: r.Currency,
		PriceMin: r.PriceMin, PriceMax: r.PriceMax, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		Google: r.google(),
	}
	if r.CategoryID != nil {
		p.CategoryID = *r.CategoryID
	}
	for _, n := range []string{r.Option1Name, r.Option2Name, r.Option3Name} {
		if n != "" {
			p.Options = append(p.Options, Option{Name: n})
		}
	}
	return p
}

func (r *variantRow) toVariant() Variant {
	v := Variant{
		ID: r.ID, ProductID: r.ProductID, Position: r.Position, Barcode: r.Barcode,
		Options: [3]string{r.Option1, r.Option2, r.Option3}, Price: r.Price, CompareAtPrice: r.CompareAtPrice, Cost: r.Cost,
		WeightGrams: r.WeightGrams, LengthMM: r.LengthMM, WidthMM: r.WidthMM, HeightMM: r.HeightMM,
		AllowBackorder: r.AllowBackorder, SafetyStock: r.SafetyStock, RequiresShipping: r.RequiresShipping, Taxable: r.Taxable, ImageSrc: r.ImageSrc,
		TaxCode: r.TaxCode, WeightUnit: r.WeightUnit, InventoryTracked: r.InventoryTracked,
	}
	if r.SKU != nil {
		v.SKU = *r.SKU
	}
	return v
}

func utcp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func strp(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// fillOptionValues derives each option's values from the variants, in
// order of first appearance.
func (p *Product) fillOptionValues() {
	for i := range p.Options {
		seen := map[string]bool{}
		p.Options[i].Values = nil
		for _, v := range p.Variants {
			if val := v.Options[i]; val != "" && !seen[val] {
				seen[val] = true
				p.Options[i].Values = append(p.Options[i].Values, val)
			}
		}
	}
}

// Normalize validates in as Create and Update do and returns a cleaned copy
// (trimmed, body sanitised, defaults filled in). It checks everything that
// needs no database; a problem is an errs.Field error naming the input's
// field (variants[i].sku, google.gender, ...).
func (s *Service) Normalize(in ProductInput) (ProductInput, error) {
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" {
		return in, errs.Field("title", "is required")
	}
	if len(in.Title) > MaxTitleLen {
		return in, errs.Field("title", "is longer than %d characters", MaxTitleLen)
	}
	in.Handle = strings.TrimSpace(in.Handle)
	if in.Handle != "" {
		h := Slugify(in.Handle)
		if h == "" {
			return in, errs.Field("handle", "must contain letters or digits")
		}
		in.Handle = h
	}
	if len(in.BodyHTML) > MaxBodyLen {
		return in, errs.Field("body_html", "is larger than %d bytes", MaxBodyLen)
	}
	in.BodyHTML = richtext.Sanitize(in.BodyHTML)
	in.Vendor = strings.TrimSpace(in.Vendor)
	in.ProductType = strings.TrimSpace(in.ProductType)
	if !in.Role.Valid() {
		return in, errs.Field("role", "must be traffic, profit, image or campaign")
	}
	in.SEOTitle = strings.TrimSpace(in.SEOTitle)
	if len(in.SEOTitle) > MaxSEOTitle {
		return in, errs.Field("seo_title", "is longer than %d characters", MaxSEOTitle)
	}
	in.SEODescription = strings.TrimSpace(in.SEODescription)
	if len(in.SEODescription) > MaxSEODesc {
		return in, errs.Field("seo_description", "is longer than %d characters", MaxSEODesc)
	}
	if in.Currency == "" {
		in.Currency = s.opts.Currency
	}
	in.Currency = strings.ToUpper(in.Currency)
	if !money.Known(in.Currency) {
		return in, errs.Field("currency", "must be an ISO 4217 code")
	}
	if in.Status == "" {
		in.Status = Draft
	}
	if !in.Status.Valid() {
		return in, errs.Field("status", "must be draft, in_review, published or archived")
	}
	if in.Google != nil {
		g, err := normGoogle(*in.Google)
		if err != nil {
			return in, err
		}
		in.Google = &g
	}
	in.Tags = normTags(in.Tags)
	if len(in.Tags) > MaxTags {
		return in, errs.Field("tags", "at most %d tags", MaxTags)
	}
	var opts []string
	for _, o := range in.Options {
		if o = strings.TrimSpace(o); o != "" {
			opts = append(opts, o)
		}
	}
	if len(opts) > MaxOptions {
		return in, errs.Field("options", "at most %d options", MaxOptions)
	}
	for i := range opts {
		for j := 0; j < i; j++ {
			if strings.EqualFold(opts[i], opts[j]) {
				return in, errs.Field("options", "option %q appears twice", opts[i])
			}
		}
	}
	in.Options = opts
	if len(in.Variants) == 0 {
		return in, errs.Field("variants", "a product needs at least one variant")
	}
	if len(in.Variants) > MaxVariants {
		return in, errs.Field("variants", "at most %d variants", MaxVariants)
	}
	combos := map[[3]string]int{}
	skus := map[string]int{}
	for i := range in.Variants {
		v := &in.Variants[i]
		f := func(name string) string { return fmt.Sprintf("variants[%d].%s", i, name) }
		for k := range v.Options {
			v.Options[k] = strings.TrimSpace(v.Options[k])
			switch {
			case k < len(opts) && v.Options[k] == "":
				return in, errs.Field(f(fmt.Sprintf("option%d", k+1)), "needs a value for %q", opts[k])
			case k >= len(opts) && v.Options[k] != "":
				return in, errs.Field(f(fmt.Sprintf("option%d", k+1)), "has a value but the product has no option %d", k+1)
			}
		}
		if j, dup := combos[v.Options]; dup {
			return in, errs.Field(f("options"), "same option values as variant %d", j+1)
		}
		combos[v.Options] = i
		v.SKU = strings.TrimSpace(v.SKU)
		if len(v.SKU) > 255 {
			return in, errs.Field(f("sku"), "is longer than 255 characters")
		}
		if v.SKU != "" {
			if j, dup := skus[v.SKU]; dup {
				return in, errs.Field(f("sku"), "SKU %q is also used by variant %d", v.SKU, j+1)
			}
			skus[v.SKU] = i
		}
		v.Barcode = strings.TrimSpace(v.Barcode)
		// Checkout's own limit, so every product can be bought.
		if err := money.CheckUnitPrice(f("price"), v.Price, in.Currency); err != nil {
			return in, err
		}
		if v.CompareAtPrice != nil {
			if err := money.CheckUnitPrice(f("compare_at_price"), *v.CompareAtPrice, in.Currency); err != nil {
				return in, err
			}
		}
		if v.Cost != nil {
			if err := money.CheckUnitPrice(f("cost"), *v.Cost, in.Currency); err != nil {
				return in, err
			}
		}
		if v.WeightUnit = strings.ToLower(strings.TrimSpace(v.WeightUnit)); v.WeightUnit != "" && !oneOf(v.WeightUnit, WeightUnits) {
			return in, errs.Field(f("weight_unit"), "must be g, kg, lb or oz")
		}
		if v.TaxCode != nil {
			tc := strings.TrimSpace(*v.TaxCode)
			if len(tc) > MaxGoogleText {
				return in, errs.Field(f("tax_code"), "is longer than %d characters", MaxGoogleText)
			}
			v.TaxCode = &tc
		}
		for name, n := range map[string]int64{"weight_grams": v.WeightGrams, "length_mm": v.LengthMM, "width_mm": v.WidthMM, "height_mm": v.HeightMM, "safety_stock": v.SafetyStock} {
			if n < 0 || n > 1<<31-1 {
				return in, errs.Field(f(name), "must be between 0 and 2147483647")
			}
		}
	}
	if len(opts) == 0 && len(in.Variants) > 1 {
		return in, errs.Field("options", "several variants need at least one option")
	}
	return in, nil
}

// normGoogle trims the Google Shopping fields and checks the ones with a
// fixed set of values (compared case-insensitively, kept in lower case).
func normGoogle(g GoogleShopping) (GoogleShopping, error) {
	texts := []*string{&g.ProductCategory, &g.MPN, &g.AdWordsGrouping, &g.AdWordsLabels,
		&g.CustomLabels[0], &g.CustomLabels[1], &g.CustomLabels[2], &g.CustomLabels[3], &g.CustomLabels[4]}
	names := []string{"product_category", "mpn", "adwords_grouping", "adwords_labels", "custom_label_0", "custom_label_1", "custom_label_2", "custom_label_3", "custom_label_4"}
	for i, t := range texts {
		if *t = strings.TrimSpace(*t); len(*t) > MaxGoogleText {
			return g, errs.Field("google."+names[i], "is longer than %d characters", MaxGoogleText)
		}
	}
	for _, c := range []struct {
		v     *string
		name  string
		allow []string
	}{{&g.Gender, "gender", googleGenders}, {&g.AgeGroup, "age_group", googleAgeGroups}, {&g.Condition, "condition", googleConditions}} {
		if *c.v = strings.ToLower(strings.TrimSpace(*c.v)); *c.v != "" && !oneOf(*c.v, c.allow) {
			return g, errs.Field("google."+c.name, "must be one of %s", strings.Join(c.allow, ", "))
		}
	}
	return g, nil
}

func oneOf(v string, set []string) bool {
	for _, x := range set {
		if v == x {
			return true
		}
	}
	return false
}

func (in *ProductInput) priceRange() (lo, hi int64) {
	for i, v := range in.Variants {
		if i == 0 || v.Price < lo {
			lo = v.Price
		}
		if v.Price > hi {
			hi = v.Price
		}
	}
	return
}

func (in *ProductInput) searchTexts(sku bool) []string {
	t := []string{in.Title, in.Vendor, in.ProductType, in.Handle}
	t = append(t, in.Tags...)
	if sku {
		for _, v := range in.Variants {
			t = append(t, v.SKU, v.Barcode)
		}
	}
	return t
}

// Create adds a product.
func (s *Service) Create(ctx context.Context, in ProductInput) (*Product, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	in, err = s.Normalize(in)
	if err != nil {
		return nil, err
	}
	var id string
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		id, err = s.insertProduct(ctx, q, tid, in)
		if err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "product.create", ObjectType: "product", ObjectID: id, After: in.Title + " (" + string(in.Status) + ")"})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// insertProduct writes a normalised product in the caller's transaction.
func (s *Service) insertProduct(ctx context.Context, q bun.IDB, tid string, in ProductInput) (string, error) {
	now := s.now()
	if err := s.checkCategory(ctx, q, tid, in.CategoryID); err != nil {
		return "", err
	}
	handle, err := s.freeHandle(ctx, q, tid, in.Handle, in.Title, "")
	if err != nil {
		return "", err
	}
	in.Handle = handle
	lo, hi := in.priceRange()
	row := &productRow{
		TenantID: tid, ID: store.NewID(), Handle: handle, Title: in.Title, BodyHTML: in.BodyHTML, Vendor: in.Vendor,
		ProductType: in.ProductType, CategoryID: strp(in.CategoryID), Role: string(in.Role), SEOTitle: in.SEOTitle,
		SEODescription: in.SEODescription, Status: string(in.Status), Currency: in.Currency, PriceMin: lo, PriceMax: hi,
		Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	if in.Status == Published {
		row.PublishedAt = &now
	}
	if in.Google != nil {
		row.setGoogle(*in.Google)
	}
	setOptionNames(row, in.Options)
	if _, err := q.NewInsert().Model(row).Exec(ctx); err != nil {
		if store.IsUniqueViolation(err) {
			return "", &errs.Error{Code: errs.Conflict, Field: "handle", Message: "another product uses this handle"}
		}
		return "", errs.Wrap(err, "catalog: insert product")
	}
	if err := s.writeVariants(ctx, q, tid, row.ID, nil, in.Variants, now); err != nil {
		return "", err
	}
	if err := writeTags(ctx, q, tid, row.ID, in.Tags, false); err != nil {
		return "", err
	}
	return row.ID, writeTokens(ctx, q, tid, row.ID, in.searchTexts(true), false)
}

func setOptionNames(row *productRow, opts []string) {
	names := [3]string{}
	copy(names[:], opts)
	row.Option1Name, row.Option2Name, row.Option3Name = names[0], names[1], names[2]
}

// freeHandle returns want if free, or a handle derived from title with a
// numeric suffix when want is empty. A handle a product used before is
// free for itself; another product's old handle is taken over (its 301 is
// dropped).
func (s *Service) freeHandle(ctx context.Context, q bun.IDB, tid, want, title, self string) (string, error) {
	explicit := want != ""
	if !explicit {
		want = Slugify(title)
		if want == "" {
			want = "product"
		}
	}
	for i := 1; i < 1000; i++ {
		h := want
		if i > 1 {
			h = fmt.Sprintf("%s-%d", want, i)
		}
		var owner string
		err := q.NewRaw("SELECT id FROM catalog_products WHERE tenant_id = ? AND handle = ?", tid, h).Scan(ctx, &owner)
		if store.NoRows(err) || (err == nil && owner == self) {
			return h, nil
		}
		if err != nil {
			return "", errs.Wrap(err, "catalog: handle")
		}
		if explicit {
			return "", &errs.Error{Code: errs.Conflict, Field: "handle", Message: fmt.Sprintf("handle %q is used by another product", h)}
		}
	}
	return "", &errs.Error{Code: errs.Conflict, Field: "handle", Message: "no free handle"}
}

func (s *Service) checkCategory(ctx context.Context, q bun.IDB, tid, id string) error {
	if id == "" {
		return nil
	}
	n, err := q.NewSelect().Table("catalog_categories").Where("tenant_id = ? AND id = ?", tid, id).Count(ctx)
	if err != nil {
		return errs.Wrap(err, "catalog: category")
	}
	if n == 0 {
		return errs.Field("category_id", "no such category")
	}
	return nil
}

// writeVariants inserts, updates and deletes variants so the product ends
// up with exactly ins, in order.
func (s *Service) writeVariants(ctx context.Context, q bun.IDB, tid, pid string, existing []variantRow, ins []VariantInput, now time.Time) error {
	byID := map[string]*variantRow{}
	for i := range existing {
		byID[existing[i].ID] = &existing[i]
	}
	keep := map[string]bool{}
	for _, v := range ins {
		if v.ID != "" {
			if byID[v.ID] == nil {
				return errs.Field("variants", "variant %s does not belong to this product", v.ID)
			}
			keep[v.ID] = true
		}
	}
	var del []string
	for _, e := range existing {
		if !keep[e.ID] {
			del = append(del, e.ID)
		}
	}
	if len(del) > 0 && s.opts.Stock != nil {
		st, err := s.opts.Stock.StockFor(ctx, q, tid, del)
		if err != nil {
			return err
		}
		for id, x := range st {
			if x.Reserved > 0 {
				return &errs.Error{Code: errs.Conflict, Field: "variants", Message: fmt.Sprintf("variant %s has %d units reserved by checkouts; archive the product instead of deleting the variant", id, x.Reserved)}
			}
		}
	}
	if len(del) > 0 {
		if _, err := q.NewDelete().Table("catalog_variants").Where("tenant_id = ? AND id IN (?)", tid, bun.List(del)).Exec(ctx); err != nil {
			return errs.Wrap(err, "catalog: delete variants")
		}
	}
	// Updated rows first move their unique keys out of the way, so that
	// swapping SKUs or option values between variants works.
	if len(keep) > 0 {
		ids := make([]string, 0, len(keep))
		for id := range keep {
			ids = append(ids, id)
		}
		if _, err := q.NewRaw("UPDATE catalog_variants SET sku = NULL, option1 = id WHERE tenant_id = ? AND id IN (?)", tid, bun.List(ids)).Exec(ctx); err != nil {
			return errs.Wrap(err, "catalog: variants")
		}
	}
	var inserts []variantRow
	for i, v := range ins {
		row := variantRow{
			TenantID: tid, ID: v.ID, ProductID: pid, Position: i + 1, SKU: strp(v.SKU), Barcode: v.Barcode,
			Option1: v.Options[0], Option2: v.Options[1], Option3: v.Options[2], Price: v.Price,
			CompareAtPrice: v.CompareAtPrice, Cost: v.Cost, WeightGrams: v.WeightGrams, LengthMM: v.LengthMM,
			WidthMM: v.WidthMM, HeightMM: v.HeightMM, AllowBackorder: v.AllowBackorder, SafetyStock: v.SafetyStock,
			RequiresShipping: v.RequiresShipping == nil || *v.RequiresShipping, Taxable: v.Taxable == nil || *v.Taxable,
			ImageSrc: v.ImageSrc, CreatedAt: now, UpdatedAt: now,
		}
		var old *variantRow
		if v.ID != "" {
			old = byID[v.ID]
		}
		v.fill(&row, old)
		if old == nil {
			row.ID = store.NewID()
			inserts = append(inserts, row)
			continue
		}
		row.CreatedAt = old.CreatedAt
		if _, err := q.NewUpdate().Model(&row).ExcludeColumn("created_at").WherePK().Exec(ctx); err != nil {
			return variantErr(err, i)
		}
	}
	if len(inserts) > 0 {
		if _, err := q.NewInsert().Model(&inserts).Exec(ctx); err != nil {
			return variantErr(err, -1)
		}
	}
	return nil
}

// Effective returns the tax code, weight unit and inventory tracking that
// writing v over cur (nil for a new variant) leaves: v's value where it
// gives one, else cur's, else the defaults ("", "g", tracked).
func (v *VariantInput) Effective(cur *Variant) (taxCode, weightUnit string, tracked bool) {
	var row variantRow
	if cur == nil {
		v.fill(&row, nil)
	} else {
		v.fill(&row, &variantRow{TaxCode: cur.TaxCode, WeightUnit: cur.WeightUnit, InventoryTracked: cur.InventoryTracked})
	}
	return row.TaxCode, row.WeightUnit, row.InventoryTracked
}

// fill sets the row's fields that an input may leave unsaid: from old (the
// variant's current row) when the input keeps them, else the defaults.
func (v *VariantInput) fill(row *variantRow, old *variantRow) {
	row.TaxCode, row.WeightUnit, row.InventoryTracked = "", "g", true
	if old != nil {
		row.TaxCode, row.WeightUnit, row.InventoryTracked = old.TaxCode, old.WeightUnit, old.InventoryTracked
	}
	if v.TaxCode != nil {
		row.TaxCode = *v.TaxCode
	}
	if v.WeightUnit != "" {
		row.WeightUnit = v.WeightUnit
	}
	if v.InventoryTracked != nil {
		row.InventoryTracked = *v.InventoryTracked
	}
}

func variantErr(err error, i int) error {
	if store.IsUniqueViolation(err) {
		f := "variants"
		if i >= 0 {
			f = fmt.Sprintf("variants[%d].sku", i)
		}
		if strings.Contains(err.Error(), "sku") || strings.Contains(err.Error(), "_sku_") || strings.Contains(err.Error(), "catalog_variants_tenant_id_sku") {
			return &errs.Error{Code: errs.Conflict, Field: f, Message: "this SKU is used by another product"}
		}
		return &errs.Error{Code: errs.Conflict, Field: f, Message: "another variant has these option values or SKU"}
	}
	return errs.Wrap(err, "catalog: write variant")
}

func writeTags(ctx context.Context, q bun.IDB, tid, pid string, tags []string, replace bool) error {
	if replace {
		if _, err := q.NewDelete().Table("catalog_product_tags").Where("tenant_id = ? AND product_id = ?", tid, pid).Exec(ctx); err != nil {
			return errs.Wrap(err, "catalog: tags")
		}
	}
	if len(tags) == 0 {
		return nil
	}
	rows := make([]tagRow, len(tags))
	for i, t := range tags {
		rows[i] = tagRow{TenantID: tid, ProductID: pid, Tag: t}
	}
	_, err := q.NewInsert().Model(&rows).Exec(ctx)
	return errs.Wrap(err, "catalog: tags")
}

func writeTokens(ctx context.Context, q bun.IDB, tid, pid string, texts []string, replace bool) error {
	if replace {
		if _, err := q.NewDelete().Table("catalog_search_tokens").Where("tenant_id = ? AND product_id = ?", tid, pid).Exec(ctx); err != nil {
			return errs.Wrap(err, "catalog: tokens")
		}
	}
	toks := indexTokens(texts...)
	if len(toks) == 0 {
		return nil
	}
	rows := make([]tokenRow, len(toks))
	for i, t := range toks {
		rows[i] = tokenRow{TenantID: tid, Token: t, ProductID: pid}
	}
	_, err := q.NewInsert().Model(&rows).Exec(ctx)
	return errs.Wrap(err, "catalog: tokens")
}

// reindex rebuilds a product's search tokens from the database.
func reindex(ctx context.Context, q bun.IDB, tid string, pids []string) error {
	if len(pids) == 0 {
		return nil
	}
	var prods []productRow
	if err := q.NewSelect().Model(&prods).Where("tenant_id = ? AND id IN (?)", tid, bun.List(pids)).Scan(ctx); err != nil {
		return errs.Wrap(err, "catalog: reindex")
	}
	texts := map[string][]string{}
	for _, p := range prods {
		texts[p.ID] = []string{p.Title, p.Vendor, p.ProductType, p.Handle}
	}
	var tags []tagRow
	if err := q.NewSelect().Model(&tags).Where("tenant_id = ? AND product_id IN (?)", tid, bun.List(pids)).Scan(ctx); err != nil {
		return errs.Wrap(err, "catalog: reindex")
	}
	for _, t := range tags {
		texts[t.ProductID] = append(texts[t.ProductID], t.Tag)
	}
	var vars []variantRow
	if err := q.NewSelect().Model(&vars).Column("product_id", "sku", "barcode").Where("tenant_id = ? AND product_id IN (?)", tid, bun.List(pids)).Scan(ctx); err != nil {
		return errs.Wrap(err, "catalog: reindex")
	}
	for _, v := range vars {
		if v.SKU != nil {
			texts[v.ProductID] = append(texts[v.ProductID], *v.SKU)
		}
		texts[v.ProductID] = append(texts[v.ProductID], v.Barcode)
	}
	if _, err := q.NewDelete().Table("catalog_search_tokens").Where("tenant_id = ? AND product_id IN (?)", tid, bun.List(pids)).Exec(ctx); err != nil {
		return errs.Wrap(err, "catalog: reindex")
	}
	var rows []tokenRow
	for pid, t := range texts {
		for _, tok := range indexTokens(t...) {
			rows = append(rows, tokenRow{TenantID: tid, Token: tok, ProductID: pid})
		}
	}
	for len(rows) > 0 {
		n := min(len(rows), 500)
		chunk := rows[:n]
		if _, err := q.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return errs.Wrap(err, "catalog: reindex")
		}
		rows = rows[n:]
	}
	return nil
}

// Update replaces a product's editable fields, options, tags and variants.
// version must be the Version the editor loaded (optimistic concurrency);
// a stale version gives errs.Conflict. Changing the handle keeps the old one
// as a redirect. Status is not changed here (see Transition).
func (s *Service) Update(ctx context.Context, id string, version int, in ProductInput) (*Product, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	in.Status = ""
	in, err = s.Normalize(in)
	if err != nil {
		return nil, err
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := s.updateIn(ctx, q, tid, id, version, in); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "product.update", ObjectType: "product", ObjectID: id, After: in.Title})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// updateIn is Update's work in the caller's transaction; in is normalised.
func (s *Service) updateIn(ctx context.Context, q bun.IDB, tid, id string, version int, in ProductInput) error {
	var row productRow
	if err := q.NewSelect().Model(&row).Where("tenant_id = ? AND id = ?", tid, id).Scan(ctx); err != nil {
		if store.NoRows(err) {
			return errs.NotFoundf("product not found")
		}
		return errs.Wrap(err, "catalog: load product")
	}
	if version != 0 && row.Version != version {
		return &errs.Error{Code: errs.Conflict, Field: "version", Message: "the product was changed by someone else; reload it"}
	}
	if err := s.checkCategory(ctx, q, tid, in.CategoryID); err != nil {
		return err
	}
	handle := in.Handle
	if handle == "" {
		handle = row.Handle
	}
	handle, err := s.freeHandle(ctx, q, tid, handle, in.Title, id)
	if err != nil {
		return err
	}
	now := s.now()
	if handle != row.Handle {
		// Remember the old handle for a 301; the new one stops being
		// anyone's redirect.
		if _, err := q.NewRaw("DELETE FROM catalog_slug_history WHERE tenant_id = ? AND handle IN (?, ?)", tid, handle, row.Handle).Exec(ctx); err != nil {
			return errs.Wrap(err, "catalog: slug history")
		}
		if _, err := q.NewRaw("INSERT INTO catalog_slug_history (tenant_id, handle, product_id, created_at) VALUES (?, ?, ?, ?)", tid, row.Handle, id, now).Exec(ctx); err != nil {
			return errs.Wrap(err, "catalog: slug history")
		}
	}
	in.Handle = handle
	lo, hi := in.priceRange()
	row.Handle, row.Title, row.BodyHTML, row.Vendor, row.ProductType = handle, in.Title, in.BodyHTML, in.Vendor, in.ProductType
	row.CategoryID, row.Role, row.SEOTitle, row.SEODescription = strp(in.CategoryID), string(in.Role), in.SEOTitle, in.SEODescription
	row.Currency, row.PriceMin, row.PriceMax, row.UpdatedAt = in.Currency, lo, hi, now
	setOptionNames(&row, in.Options)
	cols := []string{"handle", "title", "body_html", "vendor", "product_type", "category_id", "role", "seo_title", "seo_description",
		"currency", "price_min", "price_max", "option1_name", "option2_name", "option3_name", "updated_at"}
	if in.Google != nil {
		row.setGoogle(*in.Google)
		cols = append(cols, googleColumns...)
	}
	res, err := q.NewUpdate().Model(&row).Set("version = version + 1").Column(cols...).
		Where("tenant_id = ? AND id = ? AND version = ?", tid, id, row.Version).Exec(ctx)
	if err != nil {
		if store.IsUniqueViolation(err) {
			return &errs.Error{Code: errs.Conflict, Field: "handle", Message: "another product uses this handle"}
		}
		return errs.Wrap(err, "catalog: update product")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return &errs.Error{Code: errs.Conflict, Field: "version", Message: "the product was changed by someone else; reload it"}
	}
	var existing []variantRow
	if err := q.NewSelect().Model(&existing).Where("tenant_id = ? AND product_id = ?", tid, id).Scan(ctx); err != nil {
		return errs.Wrap(err, "catalog: load variants")
	}
	if err := s.writeVariants(ctx, q, tid, id, existing, in.Variants, now); err != nil {
		return err
	}
	if err := writeTags(ctx, q, tid, id, in.Tags, true); err != nil {
		return err
	}
	return writeTokens(ctx, q, tid, id, in.searchTexts(true), true)
}

// Delete removes a product with its variants, images and history.
func (s *Service) Delete(ctx context.Context, id string) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	var keys []string
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := q.NewRaw("SELECT blob_key FROM catalog_images WHERE tenant_id = ? AND product_id = ? AND blob_key <> ''", tid, id).Scan(ctx, &keys); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "catalog: delete")
		}
		res, err := q.NewDelete().Table("catalog_products").Where("tenant_id = ? AND id = ?", tid, id).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "catalog: delete")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("product not found")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "product.delete", ObjectType: "product", ObjectID: id})
	})
	if err == nil && s.opts.Blobs != nil {
		for _, k := range keys {
			s.opts.Blobs.DeletePrefix(ctx, imageDir(k))
		}
	}
	return err
}

// Get returns any product of the shop by id, whatever its status.
func (s *Service) Get(ctx context.Context, id string) (*Product, error) {
	return s.getOne(ctx, "p.id = ?", id, false)
}

// GetByHandle returns any product of the shop by its current handle.
func (s *Service) GetByHandle(ctx context.Context, handle string) (*Product, error) {
	return s.getOne(ctx, "p.handle = ?", handle, false)
}

func (s *Service) getOne(ctx context.Context, where string, arg any, published bool) (*Product, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Product
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sel := q.NewSelect().Model((*productRow)(nil)).ModelTableExpr("catalog_products AS p").Column("p.*").
			Where("p.tenant_id = ?", tid).Where(where, arg).Limit(1)
		if published {
			sel = sel.Where("p.status = 'published' AND (p.publish_at IS NULL OR p.publish_at <= ?)", s.now())
		}
		var rows []productRow
		if err := sel.Scan(ctx, &rows); err != nil {
			return errs.Wrap(err, "catalog: get")
		}
		var err error
		out, err = s.hydrate(ctx, q, tid, rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errs.NotFoundf("product not found")
	}
	return out[0], nil
}

// ProductByHandle is the storefront's product page lookup: a visible
// product by handle. When handle is an old handle of a visible product,
// it returns that product and moved = true so the caller answers 301 to
// p.Handle.
func (s *Service) ProductByHandle(ctx context.Context, handle string) (p *Product, moved bool, err error) {
	p, err = s.getOne(ctx, "p.handle = ?", handle, true)
	if err == nil || !errs.Is(err, errs.NotFound) {
		return p, false, err
	}
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, false, err
	}
	var pid string
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("SELECT product_id FROM catalog_slug_history WHERE tenant_id = ? AND handle = ?", tid, handle).Scan(ctx, &pid)
	})
	if store.NoRows(err) {
		return nil, false, errs.NotFoundf("product not found")
	}
	if err != nil {
		return nil, false, errs.Wrap(err, "catalog: slug history")
	}
	p, err = s.getOne(ctx, "p.id = ?", pid, true)
	return p, err == nil, err
}

// hydrate loads variants, images, tags and stock for rows with one query
// each, keeping the rows' order.
func (s *Service) hydrate(ctx context.Context, q bun.IDB, tid string, rows []productRow) ([]*Product, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]string, len(rows))
	out := make([]*Product, len(rows))
	byID := make(map[string]*Product, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
		out[i] = rows[i].toProduct()
		byID[ids[i]] = out[i]
	}
	var vars []variantRow
	if err := q.NewSelect().Model(&vars).Where("tenant_id = ? AND product_id IN (?)", tid, bun.List(ids)).Order("product_id", "position").Scan(ctx); err != nil {
		return nil, errs.Wrap(err, "catalog: variants")
	}
	vids := make([]string, 0, len(vars))
	for i := range vars {
		p := byID[vars[i].ProductID]
		p.Variants = append(p.Variants, vars[i].toVariant())
		vids = append(vids, vars[i].ID)
	}
	var imgs []imageRow
	if err := q.NewSelect().Model(&imgs).Where("tenant_id = ? AND product_id IN (?)", tid, bun.List(ids)).Order("product_id", "position").Scan(ctx); err != nil {
		return nil, errs.Wrap(err, "catalog: images")
	}
	for i := range imgs {
		p := byID[imgs[i].ProductID]
		p.Images = append(p.Images, imgs[i].toImage())
	}
	var tags []tagRow
	if err := q.NewSelect().Model(&tags).Where("tenant_id = ? AND product_id IN (?)", tid, bun.List(ids)).Order("product_id", "tag").Scan(ctx); err != nil {
		return nil, errs.Wrap(err, "catalog: tags")
	}
	for _, t := range tags {
		p := byID[t.ProductID]
		p.Tags = append(p.Tags, t.Tag)
	}
	if s.opts.Stock != nil && len(vids) > 0 {
		st, err := s.opts.Stock.StockFor(ctx, q, tid, vids)
		if err != nil {
			return nil, err
		}
		for _, p := range out {
			for i := range p.Variants {
				v := &p.Variants[i]
				x := st[v.ID]
				x.Backorder = v.AllowBackorder || !v.InventoryTracked
				v.Stock = &x
			}
		}
	}
	for _, p := range out {
		p.fillOptionValues()
	}
	return out, nil
}
