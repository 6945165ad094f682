// Package cart keeps server-side carts for guests and signed-in customers.
//
// A guest is identified by a random token kept in a cookie (only its
// SHA-256 is stored); a customer by id. At sign-in, Merge folds the guest's
// cart into the customer's. A cart holds at most MaxLines lines. Carts store
// only variant ids and quantities: prices are never stored, they are
// recomputed by the pricing pipeline every time a cart is read (View), so a
// shopper always sees current prices, stock problems and the adjustments
// that apply, and checkout re-prices the same way inside its transaction.
//
// Abandoned carts (contact.go): the checkout records the e-mail a shopper
// gives on their cart (SetEmail); updated_at is the cart's last activity.
// core/mailing's abandoned-cart automation lists carts left alone
// (AbandonedIn), mails a link that copies a cart's lines into whatever
// browser opens it (Restore: never a session, never someone's account)
// and attributes the order placed from a restored cart (RestoredFromIn).
//
// Tables: the package owns carts and cart_lines. Variants and their stock
// come from core/catalog and core/inventory (ShopCatalog), never from their
// tables.
package cart

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"sort"
	"strconv"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/store"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "cart", Order: 43, FS: sub})
}

// MaxLines is how many lines a cart holds.
const MaxLines = pricing.MaxLines

// Cart statuses.
const (
	StatusActive    = "active"
	StatusMerged    = "merged"
	StatusConverted = "converted"
)

// Owner says whose cart: a customer (CustomerID) or a guest (Token).
type Owner struct {
	CustomerID string
	Token      string
}

// NewToken returns a fresh guest token (256 bits, URL-safe) for the cookie.
func NewToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

// Cart is a stored cart.
type Cart struct {
	bun.BaseModel `bun:"table:carts"`

	TenantID   string `bun:"tenant_id,pk" json:"-"`
	ID         string `bun:"id,pk" json:"id"`
	TokenHash  string `bun:"token_hash" json:"-"`
	CustomerID string `bun:"customer_id" json:"customer_id,omitempty"`
	Status     string `bun:"status" json:"status"`
	OrderID    string `bun:"order_id" json:"order_id,omitempty"`
	// Email is the address the shopper gave at checkout ("" until then;
	// a customer's cart may have none: their account's address counts).
	Email string `bun:"email" json:"-"`
	// RestoredFrom is the abandoned-cart mail (a mailing recipient id)
	// whose link last restored this cart, "" if none.
	RestoredFrom string    `bun:"restored_from" json:"-"`
	CreatedAt    time.Time `bun:"created_at" json:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at" json:"updated_at"`

	Lines []Line `bun:"-" json:"lines"`
}

// Line is a variant and a quantity.
type Line struct {
	bun.BaseModel `bun:"table:cart_lines"`

	TenantID  string    `bun:"tenant_id,pk" json:"-"`
	ID        string    `bun:"id,pk" json:"id"`
	CartID    string    `bun:"cart_id" json:"-"`
	VariantID string    `bun:"variant_id" json:"variant_id"`
	Quantity  int64     `bun:"quantity" json:"quantity"`
	CreatedAt time.Time `bun:"created_at" json:"-"`
	UpdatedAt time.Time `bun:"updated_at" json:"-"`
}

// Config is a shop's pricing set-up.
type Config struct {
	Currency string
	Tax      pricing.TaxConfig
	Shipping pricing.ShippingConfig
	// Pipeline carries the tenant's extensions; nil: none.
	Pipeline *pricing.Pipeline
	// OffersLive says the shop has a live promotion: without one, a cart
	// with no code entered is priced without asking the Offers.
	OffersLive bool
	// OffersState identifies the state of the shop's offers when they are
	// live (opaque; "": unknown), handed to Offers.Stage so it can reuse
	// what it read for the same state.
	OffersState string
}

// ConfigFunc returns the context tenant's Config, read in q (package
// checkout stores it).
type ConfigFunc func(ctx context.Context, q bun.IDB) (*Config, error)

// Offers builds the promotions stage (pricing.Pipeline.Promotions) of one
// priced cart, reading what it needs in q: the shop's live offers and the
// codes in.Codes names, the shopper's facts (in.CustomerID, the e-mail
// given) and the facts of in.Lines' products, which it may add to the
// lines (tags, categories) so later stages see them too. It returns nil
// when nothing can apply (no live offer, no code entered). state is
// Config.OffersState.
// core/checkout's Promotions is the shop's implementation.
type Offers interface {
	Stage(ctx context.Context, q bun.IDB, in *pricing.Input, email, state string) (pricing.Promotions, error)
}

// Service manages carts of the context's tenant.
type Service struct {
	db      *store.DB
	catalog Catalog
	config  ConfigFunc
	// Now is the clock (tests).
	Now func() time.Time
	// Offers prices every cart with the shop's promotions; nil: none. Set
	// it when wiring, before the first cart is priced.
	Offers Offers
}

// New returns a Service. cat nil means ShopCatalog.
func New(db *store.DB, cat Catalog, cfg ConfigFunc) *Service {
	if cat == nil {
		cat = ShopCatalog{}
	}
	return &Service{db: db, catalog: cat, config: cfg, Now: store.Now}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Catalog returns the variant lookup the service uses.
func (s *Service) Catalog() Catalog { return s.catalog }

// Config returns the tenant's pricing config (read in q).
func (s *Service) Config(ctx context.Context, q bun.IDB) (*Config, error) {
	if s.config == nil {
		return &Config{Currency: "USD"}, nil
	}
	return s.config(ctx, q)
}

func ownerWhere(sel *bun.SelectQuery, tenant string, o Owner) *bun.SelectQuery {
	sel.Where("tenant_id = ? AND status = ?", tenant, StatusActive)
	if o.CustomerID != "" {
		return sel.Where("customer_id = ?", o.CustomerID)
	}
	return sel.Where("token_hash = ?", hashToken(o.Token))
}

// LoadActive returns the owner's active cart with its lines in q, or nil.
func LoadActive(ctx context.Context, q bun.IDB, o Owner) (*Cart, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if o.CustomerID == "" && o.Token == "" {
		return nil, nil
	}
	c := new(Cart)
	if err := ownerWhere(q.NewSelect().Model(c), tenant, o).Limit(1).Scan(ctx); err != nil {
		if store.NoRows(err) {
			return nil, nil
		}
		return nil, errs.Wrap(err, "cart load")
	}
	if err := q.NewSelect().Model(&c.Lines).Where("tenant_id = ? AND cart_id = ?", tenant, c.ID).OrderExpr("id").Scan(ctx); err != nil {
		return nil, errs.Wrap(err, "cart lines")
	}
	return c, nil
}

// LoadActiveLines is LoadActive in one statement, for checkout;
// a cart without lines comes back as nil.
func LoadActiveLines(ctx context.Context, q bun.IDB, o Owner) (*Cart, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if o.CustomerID == "" && o.Token == "" {
		return nil, nil
	}
	var lines []Line
	owner, arg := "token_hash", hashToken(o.Token)
	if o.CustomerID != "" {
		owner, arg = "customer_id", o.CustomerID
	}
	// A subquery, so both engines start from the cart's index rather than
	// scanning lines.
	sel := q.NewSelect().Model(&lines).Where("line.tenant_id = ?", tenant).
		Where("line.cart_id = (SELECT c.id FROM carts AS c WHERE c.tenant_id = ? AND c."+owner+" = ? AND c.status = ? LIMIT 1)", tenant, arg, StatusActive)
	if err := sel.OrderExpr("line.id").Scan(ctx); err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "cart load")
	}
	if len(lines) == 0 {
		return nil, nil
	}
	return &Cart{TenantID: tenant, ID: lines[0].CartID, CustomerID: o.CustomerID, Status: StatusActive, Lines: lines}, nil
}

// MarkConverted closes a cart that became an order (checkout, in its
// transaction). It fails with Conflict if the cart is no longer active.
func MarkConverted(ctx context.Context, q bun.IDB, cartID, orderID string) error {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	res, err := q.NewUpdate().Model((*Cart)(nil)).Set("status = ?", StatusConverted).Set("order_id = ?", orderID).Set("updated_at = ?", store.Now()).
		Where("tenant_id = ? AND id = ? AND status = ?", tenant, cartID, StatusActive).Exec(ctx)
	if err != nil {
		return errs.Wrap(err, "cart convert")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "this cart was already checked out")
	}
	return nil
}

// ViewLine is a cart line as shown to the shopper.
type ViewLine struct {
	ID           string `json:"id"`
	VariantID    string `json:"variant_id"`
	ProductID    string `json:"product_id,omitempty"`
	SKU          string `json:"sku,omitempty"`
	Title        string `json:"title"`
	VariantTitle string `json:"variant_title,omitempty"`
	Quantity     int64  `json:"quantity"`
	UnitPrice    int64  `json:"unit_price"`
	Total        int64  `json:"total"`
	Available    int64  `json:"available"`
	// Problem is "" or why the line cannot be bought as is:
	// "unavailable" (unpublished, deleted, other currency) or
	// "insufficient_stock".
	Problem string `json:"problem,omitempty"`
	// Gift is the promotion whose gift this line is: added by pricing while
	// the promotion's conditions hold, at zero, never stored with the cart
	// (so it goes when they stop holding); checkout orders and reserves it
	// like any line. "" for the shopper's own lines.
	Gift string `json:"gift,omitempty"`
}

// GiftLinePrefix starts the id of a gift line (then the promotion's id).
const GiftLinePrefix = "gift:"

// Line problems.
const (
	ProblemUnavailable  = "unavailable"
	ProblemInsufficient = "insufficient_stock"
)

// View is a priced cart.
type View struct {
	CartID   string          `json:"cart_id,omitempty"`
	Currency string          `json:"currency"`
	Lines    []ViewLine      `json:"lines"`
	Price    *pricing.Result `json:"price"`
	// Variants are the catalog rows the view was priced from (checkout
	// snapshots them).
	Variants map[string]Variant `json:"-"`
}

// Problems reports whether any line cannot be bought as is.
func (v *View) Problems() bool {
	for _, l := range v.Lines {
		if l.Problem != "" {
			return true
		}
	}
	return false
}

// PriceOptions are what pricing needs beyond the lines.
type PriceOptions struct {
	Destination  pricing.Address
	ShippingCode string
	Codes        []string
	// CustomerID is the signed-in customer; pricing reads their tags from
	// their account (core/customer), never from the request.
	CustomerID string
	// Email is the shopper's e-mail when known (checkout), for offers
	// limited per customer or to a first order.
	Email     string
	TaxExempt bool
}

// PriceIn prices cart c (may be nil: an empty view) in q: variants are read
// and the pipeline run. Lines with a problem are shown but not priced.
func (s *Service) PriceIn(ctx context.Context, q bun.IDB, c *Cart, opts PriceOptions) (*View, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	cfg, err := s.Config(ctx, q)
	if err != nil {
		return nil, err
	}
	v := &View{Currency: cfg.Currency, Lines: []ViewLine{}}
	in := &pricing.Input{Currency: cfg.Currency, CustomerID: opts.CustomerID, Codes: opts.Codes,
		Destination: opts.Destination, ShippingCode: opts.ShippingCode, Shipping: cfg.Shipping, Tax: cfg.Tax, TaxExempt: opts.TaxExempt, Now: s.now()}
	if c != nil {
		v.CartID = c.ID
		if in.CustomerID == "" { // a customer's cart is priced for them
			in.CustomerID = c.CustomerID
		}
		ids := make([]string, len(c.Lines))
		for i, l := range c.Lines {
			ids[i] = l.VariantID
		}
		if v.Variants, err = s.catalog.Variants(ctx, q, tenant, ids, s.now()); err != nil {
			return nil, err
		}
		in.Lines = make([]pricing.Line, 0, len(c.Lines))
		for _, l := range c.Lines {
			vr, ok := v.Variants[l.VariantID]
			vl := ViewLine{ID: l.ID, VariantID: l.VariantID, Quantity: l.Quantity}
			switch {
			case !ok || !vr.Sellable || vr.Currency != cfg.Currency:
				vl.Problem = ProblemUnavailable
				if ok {
					vl.Title, vl.ProductID = vr.Title, vr.ProductID
				}
			default:
				vl.ProductID, vl.SKU, vl.Title, vl.VariantTitle, vl.UnitPrice, vl.Available = vr.ProductID, vr.SKU, vr.Title, vr.VariantTitle(), vr.Price, vr.Available
				if !vr.CanBuy(l.Quantity) {
					vl.Problem = ProblemInsufficient
				}
				in.Lines = append(in.Lines, pricing.Line{ID: l.ID, VariantID: vr.ID, ProductID: vr.ProductID, SKU: vr.SKU, Title: vr.Title,
					Quantity: l.Quantity, UnitPrice: vr.Price, WeightGrams: vr.WeightGrams, Taxable: vr.Taxable, RequiresShipping: vr.RequiresShipping})
			}
			v.Lines = append(v.Lines, vl)
		}
		if cfg.Pipeline != nil && cfg.Pipeline.Pricing != nil { // the promotions stage reads what its offers need
			if err := s.lineFacts(ctx, q, tenant, in); err != nil {
				return nil, err
			}
		}
	}
	pipe := cfg.Pipeline
	if s.Offers != nil && len(in.Lines) > 0 && (cfg.OffersLive || len(in.Codes) > 0) {
		stage, err := s.Offers.Stage(ctx, q, in, opts.Email, cfg.OffersState)
		if err != nil {
			return nil, err
		}
		if stage != nil {
			p := pricing.Pipeline{}
			if pipe != nil {
				p = *pipe
			}
			p.Promotions = stage
			pipe = &p
		}
	}
	if v.Price, err = pipe.Price(ctx, in); err != nil {
		return nil, err
	}
	if err := s.addGifts(ctx, q, tenant, cfg, pipe, in, v); err != nil {
		return nil, err
	}
	k := 0
	for i := range v.Lines {
		if k < len(v.Price.Lines) && v.Price.Lines[k].ID == v.Lines[i].ID {
			v.Lines[i].Total = v.Price.Lines[k].Total
			k++
		}
	}
	return v, nil
}

// lineFacts fills what the pricing plugin knows of the shopper and the
// products beyond the variants: the signed-in customer's tags, from their
// account (one statement), and each line's product tags and categories
// from the catalog (one statement for the products and categories, one
// for tags, whatever the number of lines). Promotions see them too; when
// the shop has no pricing plugin, the promotions stage (Offers) reads
// only what its live offers look at.
func (s *Service) lineFacts(ctx context.Context, q bun.IDB, tenant string, in *pricing.Input) error {
	if len(in.Lines) == 0 {
		return nil
	}
	if in.CustomerID != "" {
		f, err := customer.FactsIn(ctx, q, tenant, in.CustomerID)
		if err != nil {
			return err
		}
		if f != nil {
			in.CustomerTags = f.Tags
		}
	}
	pf, ok := s.catalog.(ProductFacter)
	if !ok {
		return nil
	}
	ids := make([]string, 0, len(in.Lines))
	seen := make(map[string]bool, len(in.Lines))
	for i := range in.Lines {
		if id := in.Lines[i].ProductID; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	facts, err := pf.ProductFacts(ctx, q, tenant, ids)
	if err != nil {
		return err
	}
	for i := range in.Lines {
		if f := facts[in.Lines[i].ProductID]; f != nil {
			in.Lines[i].Tags, in.Lines[i].Categories = f.Tags, f.Categories
		}
	}
	return nil
}

// addGifts adds the gift lines the priced view's promotions hold out
// (v.Price.Gifts not yet in the cart) and prices the cart again with them.
// A gift that cannot be bought (unpublished, out of stock) gets a note
// instead; if pricing with the gifts would not give them free (the offers
// chosen changed), the cart stays as first priced.
func (s *Service) addGifts(ctx context.Context, q bun.IDB, tenant string, cfg *Config, pipe *pricing.Pipeline, in *pricing.Input, v *View) error {
	var due []pricing.PromotionGift
	for _, g := range v.Price.Gifts {
		if !g.InCart && g.Quantity > 0 {
			due = append(due, g)
		}
	}
	if len(due) == 0 {
		return nil
	}
	ids := make([]string, len(due))
	for i, g := range due {
		ids[i] = g.VariantID
	}
	vs, err := s.catalog.Variants(ctx, q, tenant, ids, s.now())
	if err != nil {
		return err
	}
	with := *in
	with.Lines = append(make([]pricing.Line, 0, len(in.Lines)+len(due)), in.Lines...)
	var lines []ViewLine
	var notes []pricing.PromotionNote
	for _, g := range due {
		vr, ok := vs[g.VariantID]
		if !ok || !vr.Sellable || vr.Currency != cfg.Currency || !vr.CanBuy(g.Quantity) || len(with.Lines) >= MaxLines {
			notes = append(notes, pricing.PromotionNote{PromotionID: g.PromotionID, Label: g.Label, Reason: "the gift is out of stock"})
			continue
		}
		id := GiftLinePrefix + g.PromotionID
		with.Lines = append(with.Lines, pricing.Line{ID: id, VariantID: vr.ID, ProductID: vr.ProductID, SKU: vr.SKU, Title: vr.Title,
			Quantity: g.Quantity, UnitPrice: vr.Price, WeightGrams: vr.WeightGrams, Taxable: vr.Taxable, RequiresShipping: vr.RequiresShipping})
		lines = append(lines, ViewLine{ID: id, VariantID: vr.ID, ProductID: vr.ProductID, SKU: vr.SKU, Title: vr.Title, VariantTitle: vr.VariantTitle(),
			Quantity: g.Quantity, UnitPrice: vr.Price, Available: vr.Available, Gift: g.PromotionID})
		v.Variants[vr.ID] = vr
	}
	if len(lines) > 0 {
		res, err := pipe.Price(ctx, &with)
		if err != nil {
			return err
		}
		free := true
		for _, l := range res.Lines[len(in.Lines):] {
			free = free && l.Total == 0
		}
		if free {
			v.Price = res
			v.Lines = append(v.Lines, lines...)
		}
	}
	v.Price.PromotionNotes = append(v.Price.PromotionNotes, notes...)
	return nil
}

// View returns the owner's cart, priced now.
func (s *Service) View(ctx context.Context, o Owner, opts PriceOptions) (*View, error) {
	var v *View
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		c, err := LoadActive(ctx, q, o)
		if err != nil {
			return err
		}
		v, err = s.PriceIn(ctx, q, c, opts)
		return err
	})
	return v, err
}

// write runs fn on the owner's active cart (created when missing), retrying
// once if a concurrent request created it first.
func (s *Service) write(ctx context.Context, o Owner, fn func(ctx context.Context, q bun.IDB, c *Cart) error) error {
	if o.CustomerID == "" && len(o.Token) < 16 {
		return errs.Field("cart", "a guest cart needs a token of at least 16 characters")
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			c, err := LoadActive(ctx, q, o)
			if err != nil {
				return err
			}
			if c == nil {
				now := s.now()
				c = &Cart{TenantID: tenant, ID: store.NewID(), CustomerID: o.CustomerID, Status: StatusActive, CreatedAt: now, UpdatedAt: now}
				if o.CustomerID == "" {
					c.TokenHash = hashToken(o.Token)
				}
				if _, err := q.NewInsert().Model(c).Exec(ctx); err != nil {
					return err
				}
			}
			return fn(ctx, q, c)
		})
		if attempt == 0 && store.IsUniqueViolation(err) {
			continue
		}
		if err != nil && !isDomain(err) {
			return errs.Wrap(err, "cart write")
		}
		return err
	}
}

func isDomain(err error) bool { return errs.CodeOf(err) != errs.Internal }

func (s *Service) checkQty(ctx context.Context, q bun.IDB, variantID string, qty int64) error {
	if qty <= 0 || qty > pricing.MaxQuantity {
		return errs.Field("quantity", "must be between 1 and %d", pricing.MaxQuantity)
	}
	tenant, _ := store.TenantID(ctx)
	vs, err := s.catalog.Variants(ctx, q, tenant, []string{variantID}, s.now())
	if err != nil {
		return err
	}
	v, ok := vs[variantID]
	if !ok || !v.Sellable {
		return errs.NotFoundf("this product is not available")
	}
	if !v.AllowBackorder && v.Available < qty {
		if v.Available <= 0 {
			return &errs.Error{Code: errs.Unprocessable, Field: "quantity", Message: "this product is out of stock"}
		}
		return &errs.Error{Code: errs.Unprocessable, Field: "quantity", Message: "only " + strconv.FormatInt(v.Available, 10) + " left in stock"}
	}
	return nil
}

func find(c *Cart, variantID string) *Line {
	for i := range c.Lines {
		if c.Lines[i].VariantID == variantID {
			return &c.Lines[i]
		}
	}
	return nil
}

func (s *Service) setLine(ctx context.Context, q bun.IDB, c *Cart, variantID string, qty int64) error {
	now := s.now()
	l := find(c, variantID)
	switch {
	case l == nil && qty == 0:
		return nil
	case l == nil:
		if len(c.Lines) >= MaxLines {
			return &errs.Error{Code: errs.Unprocessable, Field: "lines", Message: "a cart holds at most " + strconv.Itoa(MaxLines) + " different items; remove some before adding more"}
		}
		nl := Line{TenantID: c.TenantID, ID: store.NewID(), CartID: c.ID, VariantID: variantID, Quantity: qty, CreatedAt: now, UpdatedAt: now}
		if _, err := q.NewInsert().Model(&nl).Exec(ctx); err != nil {
			return err
		}
		c.Lines = append(c.Lines, nl)
	case qty == 0:
		if _, err := q.NewDelete().Model((*Line)(nil)).Where("tenant_id = ? AND id = ?", c.TenantID, l.ID).Exec(ctx); err != nil {
			return err
		}
		l.Quantity = 0
	default:
		if _, err := q.NewUpdate().Model((*Line)(nil)).Set("quantity = ?", qty).Set("updated_at = ?", now).
			Where("tenant_id = ? AND id = ?", c.TenantID, l.ID).Exec(ctx); err != nil {
			return err
		}
		l.Quantity = qty
	}
	_, err := q.NewUpdate().Model((*Cart)(nil)).Set("updated_at = ?", now).Where("tenant_id = ? AND id = ?", c.TenantID, c.ID).Exec(ctx)
	return err
}

// Add puts qty more units of a variant in the owner's cart (creating the
// cart), checking that it is for sale and in stock, and returns the cart
// re-priced.
func (s *Service) Add(ctx context.Context, o Owner, variantID string, qty int64, opts PriceOptions) (*View, error) {
	err := s.write(ctx, o, func(ctx context.Context, q bun.IDB, c *Cart) error {
		total := qty
		if l := find(c, variantID); l != nil {
			total += l.Quantity
		}
		if qty <= 0 {
			return errs.Field("quantity", "must be between 1 and %d", pricing.MaxQuantity)
		}
		if err := s.checkQty(ctx, q, variantID, total); err != nil {
			return err
		}
		return s.setLine(ctx, q, c, variantID, total)
	})
	if err != nil {
		return nil, err
	}
	return s.View(ctx, o, opts)
}

// SetQuantity sets a variant's quantity; 0 removes the line.
func (s *Service) SetQuantity(ctx context.Context, o Owner, variantID string, qty int64, opts PriceOptions) (*View, error) {
	err := s.write(ctx, o, func(ctx context.Context, q bun.IDB, c *Cart) error {
		if qty < 0 {
			return errs.Field("quantity", "must not be negative")
		}
		if qty != 0 {
			if err := s.checkQty(ctx, q, variantID, qty); err != nil {
				return err
			}
		}
		return s.setLine(ctx, q, c, variantID, qty)
	})
	if err != nil {
		return nil, err
	}
	return s.View(ctx, o, opts)
}

// Remove removes a variant from the cart.
func (s *Service) Remove(ctx context.Context, o Owner, variantID string, opts PriceOptions) (*View, error) {
	return s.SetQuantity(ctx, o, variantID, 0, opts)
}

// Merge folds a guest's cart into the customer's at sign-in: quantities of
// the same variant add up (capped), other lines are appended up to MaxLines
// (extra lines are dropped rather than failing the sign-in). Without a
// customer cart, the guest cart simply becomes the customer's.
func (s *Service) Merge(ctx context.Context, token, customerID string) error {
	if token == "" || customerID == "" {
		return nil
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		guest, err := LoadActive(ctx, q, Owner{Token: token})
		if err != nil || guest == nil {
			return err
		}
		mine, err := LoadActive(ctx, q, Owner{CustomerID: customerID})
		if err != nil {
			return err
		}
		now := s.now()
		if mine == nil {
			_, err := q.NewUpdate().Model((*Cart)(nil)).Set("customer_id = ?", customerID).Set("token_hash = ''").Set("updated_at = ?", now).
				Where("tenant_id = ? AND id = ?", tenant, guest.ID).Exec(ctx)
			return errs.Wrap(err, "cart merge")
		}
		sort.Slice(guest.Lines, func(i, j int) bool { return guest.Lines[i].ID < guest.Lines[j].ID })
		for _, gl := range guest.Lines {
			qty := gl.Quantity
			if l := find(mine, gl.VariantID); l != nil {
				qty += l.Quantity
			} else if len(mine.Lines) >= MaxLines {
				continue
			}
			if qty > pricing.MaxQuantity {
				qty = pricing.MaxQuantity
			}
			if err := s.setLine(ctx, q, mine, gl.VariantID, qty); err != nil {
				return errs.Wrap(err, "cart merge")
			}
		}
		_, err = q.NewUpdate().Model((*Cart)(nil)).Set("status = ?", StatusMerged).Set("updated_at = ?", now).
			Where("tenant_id = ? AND id = ?", tenant, guest.ID).Exec(ctx)
		return errs.Wrap(err, "cart merge")
	})
}

// CustomerPrice is what one unit of a variant costs a signed-in customer
// under the shop's pricing plugin, and the plugin's label for it.
type CustomerPrice struct {
	Price int64
	Label string
}

// CustomerPrices prices one unit of each of the variants (at most
// MaxLines) for the signed-in customer with the shop's pricing plugin
// alone, reading the customer's tags from their account: what a product
// page shows a member. It returns the variants whose unit price the
// plugin's line adjustments lower, and nil when the customer has no tags
// or the shop no pricing plugin (the page is then the same for everyone
// and may be cached). Promotions are left to the sale display, and the
// plugin's order-level adjustments to the cart, since they depend on it.
func (s *Service) CustomerPrices(ctx context.Context, customerID string, variantIDs []string) (map[string]CustomerPrice, error) {
	if customerID == "" || len(variantIDs) == 0 || len(variantIDs) > MaxLines {
		return nil, nil
	}
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var out map[string]CustomerPrice
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		cfg, err := s.Config(ctx, q)
		if err != nil || cfg.Pipeline == nil || cfg.Pipeline.Pricing == nil {
			return err
		}
		vs, err := s.catalog.Variants(ctx, q, tenant, variantIDs, s.now())
		if err != nil {
			return err
		}
		in := &pricing.Input{Currency: cfg.Currency, CustomerID: customerID, Now: s.now()}
		for _, id := range variantIDs {
			if vr, ok := vs[id]; ok && vr.Sellable && vr.Currency == cfg.Currency {
				in.Lines = append(in.Lines, pricing.Line{ID: vr.ID, VariantID: vr.ID, ProductID: vr.ProductID, SKU: vr.SKU, Title: vr.Title,
					Quantity: 1, UnitPrice: vr.Price, WeightGrams: vr.WeightGrams, Taxable: vr.Taxable, RequiresShipping: vr.RequiresShipping})
			}
		}
		if err := s.lineFacts(ctx, q, tenant, in); err != nil || len(in.CustomerTags) == 0 {
			return err
		}
		p := pricing.Pipeline{Pricing: cfg.Pipeline.Pricing, OnWarning: cfg.Pipeline.OnWarning}
		res, err := p.Price(ctx, in)
		if err != nil {
			return err
		}
		for _, a := range res.Adjustments {
			if a.Stage != pricing.StageExtension || a.Level != pricing.LevelLine {
				continue
			}
			if out == nil {
				out = map[string]CustomerPrice{}
			}
			cp, ok := out[a.LineID]
			if !ok {
				cp.Price = vs[a.LineID].Price
			}
			cp.Price += a.Amount
			if cp.Label == "" {
				cp.Label = a.Label
			}
			out[a.LineID] = cp
		}
		for id, cp := range out {
			if cp.Price >= vs[id].Price {
				delete(out, id)
			}
		}
		return nil
	})
	return out, err
}
