package api

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Inventory over JSON: locations, stock per location, a variant's levels
// and movements ledger with receive and adjust, the low-stock list and
// turnover. Reservations, sales and returns come from checkout and orders.

// Inventory serves the inventory routes.
type Inventory struct {
	inventory *inventory.Service
	admin     *admin.Admin
}

// Routes are locations, stock and its ledger over JSON.
func (s *Inventory) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeTenant, "inventory")
	api.API("GET", "/api/locations", perm.InventoryRead, "Stock locations, default first", nil, []LocationJSON{}, s.apiLocations)
	api.API("POST", "/api/locations", perm.InventoryWrite, "Add a stock location (the first becomes the default)", LocationBody{}, LocationJSON{}, s.apiLocationCreate)
	api.API("GET", "/api/locations/:location/stock", perm.InventoryRead, "Stock at a location, by variant id (cursor: after)", nil, StockPage{}, s.apiLocationStock)
	api.API("GET", "/api/variants/:variant/stock", perm.InventoryRead, "A variant's stock per location and its newest movements (before: cursor)", nil, VariantStockJSON{}, s.apiVariantStock)
	api.API("POST", "/api/variants/:variant/receive", perm.InventoryWrite, "Receive units at a location (default location when none)", StockChange{}, VariantStockJSON{}, s.apiVariantReceive)
	api.API("POST", "/api/variants/:variant/adjust", perm.InventoryWrite, "Adjust stock by a signed quantity, with a reason", StockChange{}, VariantStockJSON{}, s.apiVariantAdjust)
	api.API("GET", "/api/inventory/low-stock", perm.InventoryRead, "Variants at or below their safety stock", nil, []LowStockJSON{}, s.apiLowStock)
	api.API("GET", "/api/inventory/turnover", perm.InventoryRead, "Turnover per variant over [from, to) (RFC 3339; default the last 30 days)", nil, []TurnoverJSON{}, s.apiTurnover)
	return t.Routes()
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

func (s *Inventory) apiLocations(c *fiber.Ctx) error {
	out, err := s.admin.Locations(c)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Inventory) apiLocationCreate(c *fiber.Ctx) error {
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

func (s *Inventory) apiLocationStock(c *fiber.Ctx) error {
	pg, err := s.admin.StockPageOf(c, c.Params("location"), c.Query("after"))
	if err != nil {
		return err
	}
	return c.JSON(pg)
}

func (s *Inventory) apiVariantStock(c *fiber.Ctx) error {
	out, _, err := s.admin.VariantStock(c, c.Query("before"))
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Inventory) apiStockChange(c *fiber.Ctx, adjust bool) error {
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

func (s *Inventory) apiVariantReceive(c *fiber.Ctx) error { return s.apiStockChange(c, false) }

func (s *Inventory) apiVariantAdjust(c *fiber.Ctx) error { return s.apiStockChange(c, true) }

func (s *Inventory) apiLowStock(c *fiber.Ctx) error {
	out, err := s.admin.LowStock(c)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Inventory) apiTurnover(c *fiber.Ctx) error {
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
