package admin

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/inventory"
)

// Inventory: the API shapes of locations, stock and its ledger, and the
// audited stock changes (receive, adjust) after checking the variant and
// the location are the shop's.

// LocationJSON is a stock location.
type LocationJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Code      string `json:"code"`
	IsDefault bool   `json:"is_default"`
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

// Locations are the shop's stock locations, default first.
func (a *Admin) Locations(c *fiber.Ctx) ([]LocationJSON, error) {
	ls, err := a.inventory.Locations(c.UserContext())
	if err != nil {
		return nil, err
	}
	out := []LocationJSON{}
	for _, l := range ls {
		out = append(out, LocationJSON{ID: l.ID, Name: l.Name, Code: l.Code, IsDefault: l.IsDefault})
	}
	return out, nil
}

// CreateLocation adds a stock location.
func (a *Admin) CreateLocation(c *fiber.Ctx, name, code string) (*inventory.Location, error) {
	return a.inventory.CreateLocation(c.UserContext(), strings.TrimSpace(name), strings.TrimSpace(code))
}

// checkLocation refuses a location id of another shop (or none).
func (a *Admin) checkLocation(c *fiber.Ctx, id string) error {
	ls, err := a.Locations(c)
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

// StockPageOf is a page of the stock at one of the shop's locations, by
// variant id after after.
func (a *Admin) StockPageOf(c *fiber.Ctx, location, after string) (StockPage, error) {
	out := StockPage{Rows: []StockRowJSON{}}
	if err := a.checkLocation(c, location); err != nil {
		return out, err
	}
	rows, err := a.inventory.ByLocation(c.UserContext(), location, after, stockPageSize+1)
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

// VariantStock is the route's :variant's levels and its newest movements
// (before: a movement id cursor), with its product.
func (a *Admin) VariantStock(c *fiber.Ctx, before string) (VariantStockJSON, *catalog.Product, error) {
	ctx, id := c.UserContext(), c.Params("variant")
	out := VariantStockJSON{VariantID: id, Levels: []LevelJSON{}, Movements: []MovementJSON{}}
	p, err := a.catalog.ProductOfVariant(ctx, id)
	if err != nil {
		return out, nil, err
	}
	out.ProductID = p.ID
	for _, v := range p.Variants {
		if v.ID == id {
			out.SKU, out.SafetyStock = v.SKU, v.SafetyStock
		}
	}
	lv, err := a.inventory.Levels(ctx, id)
	if err != nil {
		return out, nil, err
	}
	for _, l := range lv {
		out.Levels = append(out.Levels, LevelJSON{LocationID: l.LocationID, OnHand: l.OnHand, Available: l.Available, Reserved: l.Reserved, UpdatedAt: l.UpdatedAt})
	}
	const n = 100
	ms, err := a.inventory.Movements(ctx, id, before, n+1)
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

// ChangeStock receives or adjusts after checking the variant and the
// location belong to the shop.
func (a *Admin) ChangeStock(c *fiber.Ctx, adjust bool, b StockChange) error {
	ctx, id := c.UserContext(), c.Params("variant")
	if _, err := a.catalog.ProductOfVariant(ctx, id); err != nil {
		return err
	}
	if b.LocationID != "" {
		if err := a.checkLocation(c, b.LocationID); err != nil {
			return err
		}
	}
	reason := strings.TrimSpace(b.Reason)
	if adjust {
		return a.inventory.Adjust(ctx, id, b.LocationID, b.Quantity, reason)
	}
	ref := strings.TrimSpace(b.Ref)
	if ref == "" {
		ref = reason
	}
	return a.inventory.Receive(ctx, id, b.LocationID, b.Quantity, ref)
}

// LowStock are the variants at or below their safety stock.
func (a *Admin) LowStock(c *fiber.Ctx) ([]LowStockJSON, error) {
	items, err := a.inventory.LowStock(c.UserContext(), 500)
	if err != nil {
		return nil, err
	}
	out := []LowStockJSON{}
	for _, x := range items {
		out = append(out, LowStockJSON{VariantID: x.VariantID, ProductID: x.ProductID, ProductTitle: x.ProductTitle, SKU: x.SKU, Available: x.Available, SafetyStock: x.SafetyStock})
	}
	return out, nil
}
