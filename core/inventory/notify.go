package inventory

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/outbox"
)

// TopicLowStock is the outbox event written when a variant's available
// stock falls to or below its safety stock.
const TopicLowStock = "inventory.low_stock"

// OutboxNotifier announces low stock as an outbox event in the transaction
// that caused it, so the alert is sent exactly when the stock change
// commits. Whoever handles the topic (the server mails the shop's stock
// keepers) decides who hears about it.
type OutboxNotifier struct{}

// LowStock implements LowStockNotifier.
func (OutboxNotifier) LowStock(ctx context.Context, q bun.IDB, a LowStockAlert) error {
	_, err := outbox.EnqueueEvent(ctx, q, a.TenantID, TopicLowStock, a)
	return err
}
