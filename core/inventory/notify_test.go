package inventory

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestOutboxNotifier: crossing the safety stock writes one low-stock event
// in the same transaction; a refused change writes none.
func TestOutboxNotifier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := shop("t1")
		s := New(db, Options{Notifier: OutboxNotifier{}})
		v := variants(t, db, ctx, 1, 5, false)[0]
		if err := s.Receive(ctx, v, "", 6, "po"); err != nil {
			t.Fatal(err)
		}
		events := func() []outbox.Message {
			var ms []outbox.Message
			if err := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
				return q.NewSelect().Model(&ms).Where("tenant_id = ? AND topic = ?", "t1", TopicLowStock).Scan(ctx)
			}); err != nil {
				t.Fatal(err)
			}
			return ms
		}
		if n := len(events()); n != 0 {
			t.Fatalf("%d events above the safety stock", n)
		}
		if err := s.Adjust(ctx, v, "", -10, "count"); err == nil {
			t.Fatal("negative stock allowed")
		}
		if n := len(events()); n != 0 {
			t.Fatalf("refused change wrote %d events", n)
		}
		if err := s.Adjust(ctx, v, "", -2, "damaged"); err != nil {
			t.Fatal(err)
		}
		ms := events()
		if len(ms) != 1 {
			t.Fatalf("%d events after crossing the threshold, want 1", len(ms))
		}
		var a LowStockAlert
		if err := json.Unmarshal([]byte(ms[0].Payload), &a); err != nil || a.VariantID != v || a.Available != 4 || a.SafetyStock != 5 {
			t.Fatalf("payload %s (%v)", ms[0].Payload, err)
		}
	})
}
