package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
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

// LocationBody creates a location.
type LocationBody struct {
	Name string `json:"name"`
	Code string `json:"code"`
}

// TurnoverJSON is a variant's turnover over the period.
type TurnoverJSON struct {
	VariantID     string  `json:"variant_id"`
	UnitsSold     int64   `json:"units_sold"`
	OpeningOnHand int64   `json:"opening_on_hand"`
	ClosingOnHand int64   `json:"closing_on_hand"`
	Rate          float64 `json:"rate"`
}

func (s *Server) apiLocations(c *fiber.Ctx) error {
	out, err := s.admin.Locations(c)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) apiLocationCreate(c *fiber.Ctx) error {
	var b LocationBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	l, err := s.admin.CreateLocation(c, b.Name, b.Code)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(LocationJSON{ID: l.ID, Name: l.Name, Code: l.Code, IsDefault: l.IsDefault})
}

func (s *Server) apiLocationStock(c *fiber.Ctx) error {
	pg, err := s.admin.StockPageOf(c, c.Params("location"), c.Query("after"))
	if err != nil {
		return err
	}
	return c.JSON(pg)
}

func (s *Server) apiVariantStock(c *fiber.Ctx) error {
	out, _, err := s.admin.VariantStock(c, c.Query("before"))
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) apiStockChange(c *fiber.Ctx, adjust bool) error {
	var b StockChange
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	if err := s.admin.ChangeStock(c, adjust, b); err != nil {
		return err
	}
	out, _, err := s.admin.VariantStock(c, "")
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) apiVariantReceive(c *fiber.Ctx) error { return s.apiStockChange(c, false) }
func (s *Server) apiVariantAdjust(c *fiber.Ctx) error  { return s.apiStockChange(c, true) }

func (s *Server) apiLowStock(c *fiber.Ctx) error {
	out, err := s.admin.LowStock(c)
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
	Locations []admin.LocationJSON
	Current   admin.LocationJSON
	Page      admin.StockPage
	Next      string
	CanWrite  bool
	LowCount  int
}

func (s *Server) inventoryPage(c *fiber.Ctx) error {
	ls, err := s.admin.Locations(c)
	if err != nil {
		return err
	}
	d := inventoryData{Locations: ls, CanWrite: s.Can(c, perm.InventoryWrite)}
	if low, err := s.admin.LowStock(c); err == nil {
		d.LowCount = len(low)
	}
	if len(ls) > 0 {
		d.Current = ls[0]
		for _, l := range ls {
			if l.ID == c.Query("location") {
				d.Current = l
			}
		}
		d.Page, err = s.admin.StockPageOf(c, d.Current.ID, c.Query("after"))
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
	if _, err := s.admin.CreateLocation(c, c.FormValue("name"), c.FormValue("code")); err != nil {
		return s.PageError(c, err, func() error { return s.inventoryPage(c) })
	}
	return view.Done(c, "/console/inventory")
}

func (s *Server) lowStockPage(c *fiber.Ctx) error {
	items, err := s.admin.LowStock(c)
	if err != nil {
		return err
	}
	return s.PageWithError(c, "console/lowstock", "Low stock", "inventory", items)
}

type variantStockData struct {
	V         admin.VariantStockJSON
	Product   string
	Variant   string
	Locations []admin.LocationJSON
	LocName   map[string]string
	Total     admin.StockJSON
	CanWrite  bool
	Older     string
}

func (s *Server) variantStockPage(c *fiber.Ctx) error {
	v, p, err := s.admin.VariantStock(c, c.Query("before"))
	if err != nil {
		return err
	}
	ls, err := s.admin.Locations(c)
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
	b := admin.StockChange{LocationID: c.FormValue("location_id"), Quantity: q, Reason: c.FormValue("reason"), Ref: c.FormValue("ref")}
	if err := s.admin.ChangeStock(c, adjust, b); err != nil {
		return s.PageError(c, err, func() error { return s.variantStockPage(c) })
	}
	return view.Done(c, "/console/inventory/variants/"+c.Params("variant"))
}

func (s *Server) variantReceive(c *fiber.Ctx) error { return s.consoleStockChange(c, false) }
func (s *Server) variantAdjust(c *fiber.Ctx) error  { return s.consoleStockChange(c, true) }
