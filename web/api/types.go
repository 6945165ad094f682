package api

import "github.com/wasmart/wasmart/web/internal/admin"

// The API's JSON types that the merchant console renders too live in
// web/internal/admin (see its package doc); the API names them here with
// the rest of its types. They are aliases, so the OpenAPI document's
// schema names are unchanged.
type (
	ProductJSON      = admin.ProductJSON
	OptionJSON       = admin.OptionJSON
	VariantJSON      = admin.VariantJSON
	StockJSON        = admin.StockJSON
	ImageJSON        = admin.ImageJSON
	ReviewJSON       = admin.ReviewJSON
	BulkBody         = admin.BulkBody
	CategoryJSON     = admin.CategoryJSON
	CollectionJSON   = admin.CollectionJSON
	RuleJSON         = admin.RuleJSON
	CustomerJSON     = admin.CustomerJSON
	AddressJSON      = admin.AddressJSON
	CustomerBody     = admin.CustomerBody
	CustomerOverview = admin.CustomerOverview
	LocationJSON     = admin.LocationJSON
	StockRowJSON     = admin.StockRowJSON
	StockPage        = admin.StockPage
	LevelJSON        = admin.LevelJSON
	MovementJSON     = admin.MovementJSON
	VariantStockJSON = admin.VariantStockJSON
	StockChange      = admin.StockChange
	LowStockJSON     = admin.LowStockJSON
	OrderDetail      = admin.OrderDetail
	ImportJobJSON    = admin.ImportJobJSON
	ReportJSON       = admin.ReportJSON
	ChangeJSON       = admin.ChangeJSON
	ProblemJSON      = admin.ProblemJSON
	SignupRequest    = admin.SignupRequest
	InsightJSON      = admin.InsightJSON
	BasketRulesJSON  = admin.BasketRulesJSON
)
