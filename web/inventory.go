package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// Inventory: locations, stock per location, a variant's levels and
// movements ledger with receive and adjust, the low-stock list and
// turnover. Reservations, sales and returns come from checkout and orders,
// not from these screens.

// inventoryAPI is locations, stock and its ledger over JSON.
func (s *Server) inventoryAPI(t *httpx.Table) {
	api := t.Group(httpx.ScopeTenant, "inventory")
	api.API("GET", "/api/locations", perm.InventoryRead, "Stock locations, default first", nil, []LocationJSON{}, s.apiLocations)
	api.API("POST", "/api/locations", perm.InventoryWrite, "Add a stock location (the first becomes the default)", LocationBody{}, LocationJSON{}, s.apiLocationCreate)
	api.API("GET", "/api/locations/:location/stock", perm.InventoryRead, "Stock at a location, by variant id (cursor: after)", nil, StockPage{}, s.apiLocationStock)
	api.API("GET", "/api/variants/:variant/stock", perm.InventoryRead, "A variant's stock per location and its newest movements (before: cursor)", nil, VariantStockJSON{}, s.apiVariantStock)
	api.API("POST", "/api/variants/:variant/receive", perm.InventoryWrite, "Receive units at a location (default location when none)", StockChange{}, VariantStockJSON{}, s.apiVariantReceive)
	api.API("POST", "/api/variants/:variant/adjust", perm.InventoryWrite, "Adjust stock by a signed quantity, with a reason", StockChange{}, VariantStockJSON{}, s.apiVariantAdjust)
	api.API("GET", "/api/inventory/low-stock", perm.InventoryRead, "Variants at or below their safety stock", nil, []LowStockJSON{}, s.apiLowStock)
	api.API("GET", "/api/inventory/turnover", perm.InventoryRead, "Turnover per variant over [from, to) (RFC 3339; default the last 30 days)", nil, []TurnoverJSON{}, s.apiTurnover)
}

// inventoryPages are the console's inventory pages.
func (s *Server) inventoryPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/inventory", perm.InventoryRead, "Inventory by location", s.inventoryPage)
	html.Page("POST", "/console/inventory/locations", perm.InventoryWrite, "Add a location", s.locationCreate)
	html.Page("GET", "/console/inventory/low-stock", perm.InventoryRead, "Low stock", s.lowStockPage)
	html.Page("GET", "/console/inventory/variants/:variant", perm.InventoryRead, "A variant's stock and ledger", s.variantStockPage)
	html.Page("POST", "/console/inventory/variants/:variant/receive", perm.InventoryWrite, "Receive stock", s.variantReceive)
	html.Page("POST", "/console/inventory/variants/:variant/adjust", perm.InventoryWrite, "Adjust stock", s.variantAdjust)
}

// LocationJSON is a stock location.
type LocationJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Code      string `json:"code"`
	IsDefault bool   `json:"is_default"`
}

// LocationBody creates a location.
type LocationBody struct {
	Name string `json:"name"`
	Code string `json:"code"`
}

// StockRowJSON is a variant's stock at one location.
type StockRowJSON struct {
	VariantID    string `json:"variant_id"`
	ProductID    string `json:"product_id"`
	ProductTitle string `json:"product_title"`
	SKU          string `json:"sku"`
	Variant      string `json:"variant"`
	OnHand       int64  `json:"on_hand"`
	Available    int64  `json:"available"`
	Reserved     int64  `json:"reserved"`
	SafetyStock  int64  `json:"safety_stock"`
}

// StockPage is a page of stock rows; pass Next as after.
type StockPage struct {
	Rows []StockRowJSON `json:"rows"`
	Next string         `json:"next,omitempty"`
}

// LevelJSON is a variant's stock at a location.
type LevelJSON struct {
	LocationID string    `json:"location_id"`
	OnHand     int64     `json:"on_hand"`
	Available  int64     `json:"available"`
	Reserved   int64     `json:"reserved"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// MovementJSON is a ledger entry: what changed, why, and who did it.
type MovementJSON struct {
	ID             string    `json:"id"`
	LocationID     string    `json:"location_id"`
	Kind           string    `json:"kind"`
	OnHandDelta    int64     `json:"on_hand_delta"`
	AvailableDelta int64     `json:"available_delta"`
	ReservedDelta  int64     `json:"reserved_delta"`
	Reason         string    `json:"reason,omitempty"`
	Ref            string    `json:"ref,omitempty"`
	ActorKind      string    `json:"actor_kind,omitempty"`
	ActorID        string    `json:"actor_id,omitempty"`
	At             time.Time `json:"at"`
}

// VariantStockJSON is a variant's levels and newest movements.
type VariantStockJSON struct {
	VariantID   string         `json:"variant_id"`
	ProductID   string         `json:"product_id"`
	SKU         string         `json:"sku"`
	SafetyStock int64          `json:"safety_stock"`
	Levels      []LevelJSON    `json:"levels"`
	Movements   []MovementJSON `json:"movements"`
	Next        string         `json:"next,omitempty"`
}

// StockChange receives (positive quantity) or adjusts (signed quantity,
// reason required) stock at a location ("" = the default location).
type StockChange struct {
	LocationID string `json:"location_id"`
	Quantity   int64  `json:"quantity"`
	Reason     string `json:"reason"`
	Ref        string `json:"ref"`
}

// LowStockJSON is a variant at or below its safety stock.
type LowStockJSON struct {
	VariantID    string `json:"variant_id"`
	ProductID    string `json:"product_id"`
	ProductTitle string `json:"product_title"`
	SKU          string `json:"sku"`
	Available    int64  `json:"available"`
	SafetyStock  int64  `json:"safety_stock"`
}

// TurnoverJSON is a variant's turnover over the period.
type TurnoverJSON struct {
	VariantID     string  `json:"variant_id"`
	UnitsSold     int64   `json:"units_sold"`
	OpeningOnHand int64   `json:"opening_on_hand"`
	ClosingOnHand int64   `json:"closing_on_hand"`
	Rate          float64 `json:"rate"`
}

func (s *Server) locations(c *fiber.Ctx) ([]LocationJSON, error) {
	ls, err := s.inventory.Locations(c.UserContext())
	if err != nil {
		return nil, err
	}
	out := []LocationJSON{}
	for _, l := range ls {
		out = append(out, LocationJSON{ID: l.ID, Name: l.Name, Code: l.Code, IsDefault: l.IsDefault})
	}
	return out, nil
}

func (s *Server) apiLocations(c *fiber.Ctx) error {
	out, err := s.locations(c)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) createLocation(c *fiber.Ctx, name, code string) (*inventory.Location, error) {
	l, err := s.inventory.CreateLocation(c.UserContext(), strings.TrimSpace(name), strings.TrimSpace(code))
	if err != nil {
		return nil, err
	}
	return l, nil
}

func (s *Server) apiLocationCreate(c *fiber.Ctx) error {
	var b LocationBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	l, err := s.createLocation(c, b.Name, b.Code)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(LocationJSON{ID: l.ID, Name: l.Name, Code: l.Code, IsDefault: l.IsDefault})
}

// checkLocation refuses a location id of another shop (or none).
func (s *Server) checkLocation(c *fiber.Ctx, id string) error {
	ls, err := s.locations(c)
	if err != nil {
		return err
	}
	for _, l := range ls {
		if l.ID == id {
			return nil
		}
	}
	return errs.NotFoundf("location not found")
}

const stockPageSize = 100

func (s *Server) stockPage(c *fiber.Ctx, location, after string) (StockPage, error) {
	out := StockPage{Rows: []StockRowJSON{}}
	if err := s.checkLocation(c, location); err != nil {
		return out, err
	}
	rows, err := s.inventory.ByLocation(c.UserContext(), location, after, stockPageSize+1)
	if err != nil {
		return out, err
	}
	if len(rows) > stockPageSize {
		rows = rows[:stockPageSize]
		out.Next = rows[len(rows)-1].VariantID
	}
	for _, r := range rows {
		v := catalog.Variant{Options: r.Options}
		out.Rows = append(out.Rows, StockRowJSON{VariantID: r.VariantID, ProductID: r.ProductID, ProductTitle: r.ProductTitle, SKU: r.SKU,
			Variant: v.Title(), OnHand: r.OnHand, Available: r.Available, Reserved: r.Reserved, SafetyStock: r.SafetyStock})
	}
	return out, nil
}

func (s *Server) apiLocationStock(c *fiber.Ctx) error {
	pg, err := s.stockPage(c, c.Params("location"), c.Query("after"))
	if err != nil {
		return err
	}
	return c.JSON(pg)
}

func (s *Server) variantStock(c *fiber.Ctx, before string) (VariantStockJSON, *catalog.Product, error) {
	ctx, id := c.UserContext(), c.Params("variant")
	out := VariantStockJSON{VariantID: id, Levels: []LevelJSON{}, Movements: []MovementJSON{}}
	p, err := s.catalog.ProductOfVariant(ctx, id)
	if err != nil {
		return out, nil, err
	}
	out.ProductID = p.ID
	for _, v := range p.Variants {
		if v.ID == id {
			out.SKU, out.SafetyStock = v.SKU, v.SafetyStock
		}
	}
	lv, err := s.inventory.Levels(ctx, id)
	if err != nil {
		return out, nil, err
	}
	for _, l := range lv {
		out.Levels = append(out.Levels, LevelJSON{LocationID: l.LocationID, OnHand: l.OnHand, Available: l.Available, Reserved: l.Reserved, UpdatedAt: l.UpdatedAt})
	}
	const n = 100
	ms, err := s.inventory.Movements(ctx, id, before, n+1)
	if err != nil {
		return out, nil, err
	}
	if len(ms) > n {
		ms = ms[:n]
		out.Next = ms[n-1].ID
	}
	for _, m := range ms {
		out.Movements = append(out.Movements, MovementJSON{ID: m.ID, LocationID: m.LocationID, Kind: string(m.Kind), OnHandDelta: m.OnHandDelta,
			AvailableDelta: m.AvailableDelta, ReservedDelta: m.ReservedDelta, Reason: m.Reason, Ref: m.Ref, ActorKind: m.ActorKind, ActorID: m.ActorID, At: m.At})
	}
	return out, p, nil
}

func (s *Server) apiVariantStock(c *fiber.Ctx) error {
	out, _, err := s.variantStock(c, c.Query("before"))
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// changeStock receives or adjusts after checking the variant and the
// location belong to the shop.
func (s *Server) changeStock(c *fiber.Ctx, adjust bool, b StockChange) error {
	ctx, id := c.UserContext(), c.Params("variant")
	if _, err := s.catalog.ProductOfVariant(ctx, id); err != nil {
		return err
	}
	if b.LocationID != "" {
		if err := s.checkLocation(c, b.LocationID); err != nil {
			return err
		}
	}
	reason := strings.TrimSpace(b.Reason)
	if adjust {
		return s.inventory.Adjust(ctx, id, b.LocationID, b.Quantity, reason)
	}
	ref := strings.TrimSpace(b.Ref)
	if ref == "" {
		ref = reason
	}
	return s.inventory.Receive(ctx, id, b.LocationID, b.Quantity, ref)
}

func (s *Server) apiStockChange(c *fiber.Ctx, adjust bool) error {
	var b StockChange
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	if err := s.changeStock(c, adjust, b); err != nil {
		return err
	}
	out, _, err := s.variantStock(c, "")
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) apiVariantReceive(c *fiber.Ctx) error { return s.apiStockChange(c, false) }
func (s *Server) apiVariantAdjust(c *fiber.Ctx) error  { return s.apiStockChange(c, true) }

func (s *Server) lowStock(c *fiber.Ctx) ([]LowStockJSON, error) {
	items, err := s.inventory.LowStock(c.UserContext(), 500)
	if err != nil {
		return nil, err
	}
	out := []LowStockJSON{}
	for _, x := range items {
		out = append(out, LowStockJSON{VariantID: x.VariantID, ProductID: x.ProductID, ProductTitle: x.ProductTitle, SKU: x.SKU, Available: x.Available, SafetyStock: x.SafetyStock})
	}
	return out, nil
}

func (s *Server) apiLowStock(c *fiber.Ctx) error {
	out, err := s.lowStock(c)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) apiTurnover(c *fiber.Ctx) error {
	to := time.Now().UTC()
	from := to.Add(-30 * 24 * time.Hour)
	var err error
	if v := c.Query("from"); v != "" {
		if from, err = time.Parse(time.RFC3339, v); err != nil {
			return errs.Field("from", "must be an RFC 3339 time")
		}
	}
	if v := c.Query("to"); v != "" {
		if to, err = time.Parse(time.RFC3339, v); err != nil {
			return errs.Field("to", "must be an RFC 3339 time")
		}
	}
	ts, err := s.inventory.TurnoverFor(c.UserContext(), from, to)
	if err != nil {
		return err
	}
	out := []TurnoverJSON{}
	for _, t := range ts {
		out = append(out, TurnoverJSON{VariantID: t.VariantID, UnitsSold: t.UnitsSold, OpeningOnHand: t.OpeningOnHand, ClosingOnHand: t.ClosingOnHand, Rate: t.Rate})
	}
	return c.JSON(out)
}

type inventoryData struct {
	Locations []LocationJSON
	Current   LocationJSON
	Page      StockPage
	Next      string
	CanWrite  bool
	LowCount  int
}

func (s *Server) inventoryPage(c *fiber.Ctx) error {
	ls, err := s.locations(c)
	if err != nil {
		return err
	}
	d := inventoryData{Locations: ls, CanWrite: s.Can(c, perm.InventoryWrite)}
	if low, err := s.lowStock(c); err == nil {
		d.LowCount = len(low)
	}
	if len(ls) > 0 {
		d.Current = ls[0]
		for _, l := range ls {
			if l.ID == c.Query("location") {
				d.Current = l
			}
		}
		d.Page, err = s.stockPage(c, d.Current.ID, c.Query("after"))
		if err != nil {
			return err
		}
		if d.Page.Next != "" {
			d.Next = "/console/inventory?location=" + d.Current.ID + "&after=" + d.Page.Next
		}
	}
	return s.PageWithError(c, "console/inventory", "Inventory", "inventory", d)
}

func (s *Server) locationCreate(c *fiber.Ctx) error {
	if _, err := s.createLocation(c, c.FormValue("name"), c.FormValue("code")); err != nil {
		return s.PageError(c, err, func() error { return s.inventoryPage(c) })
	}
	return view.Done(c, "/console/inventory")
}

func (s *Server) lowStockPage(c *fiber.Ctx) error {
	items, err := s.lowStock(c)
	if err != nil {
		return err
	}
	return s.PageWithError(c, "console/lowstock", "Low stock", "inventory", items)
}

type variantStockData struct {
	V         VariantStockJSON
	Product   string
	Variant   string
	Locations []LocationJSON
	LocName   map[string]string
	Total     StockJSON
	CanWrite  bool
	Older     string
}

func (s *Server) variantStockPage(c *fiber.Ctx) error {
	v, p, err := s.variantStock(c, c.Query("before"))
	if err != nil {
		return err
	}
	ls, err := s.locations(c)
	if err != nil {
		return err
	}
	d := variantStockData{V: v, Product: p.Title, Locations: ls, LocName: map[string]string{}, CanWrite: s.Can(c, perm.InventoryWrite)}
	for _, x := range p.Variants {
		if x.ID == v.VariantID {
			d.Variant = x.Title()
		}
	}
	for _, l := range ls {
		d.LocName[l.ID] = l.Name
	}
	for _, l := range v.Levels {
		d.Total.OnHand += l.OnHand
		d.Total.Available += l.Available
		d.Total.Reserved += l.Reserved
	}
	if v.Next != "" {
		d.Older = "/console/inventory/variants/" + v.VariantID + "?before=" + v.Next
	}
	return s.PageWithError(c, "console/inventory_variant", p.Title+" · "+d.Variant, "inventory", d)
}

func (s *Server) consoleStockChange(c *fiber.Ctx, adjust bool) error {
	q, err := strconv.ParseInt(strings.TrimSpace(c.FormValue("quantity")), 10, 64)
	if err != nil {
		return s.PageError(c, errs.Field("quantity", "must be a whole number"), func() error { return s.variantStockPage(c) })
	}
	b := StockChange{LocationID: c.FormValue("location_id"), Quantity: q, Reason: c.FormValue("reason"), Ref: c.FormValue("ref")}
	if err := s.changeStock(c, adjust, b); err != nil {
		return s.PageError(c, err, func() error { return s.variantStockPage(c) })
	}
	return view.Done(c, "/console/inventory/variants/"+c.Params("variant"))
}

func (s *Server) variantReceive(c *fiber.Ctx) error { return s.consoleStockChange(c, false) }
func (s *Server) variantAdjust(c *fiber.Ctx) error  { return s.consoleStockChange(c, true) }
