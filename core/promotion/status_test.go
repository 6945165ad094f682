package promotion_test

import (
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestEndedPromotionStaysEnded: once ended, a promotion cannot be
// activated, paused or put back to draft, by SetStatus or by Update; the
// refusal is a conflict naming the status and nothing changes.
func TestEndedPromotionStaysEnded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := shop("ta")
		svc := promotion.New(db, func() time.Time { return t0 })
		p, err := svc.Create(a, promotion.Promotion{Name: "Spring", Kind: promotion.KindPercentOff, PercentBP: 1000, Status: promotion.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		if p, err = svc.SetStatus(a, p.ID, promotion.StatusPaused); err != nil || p.Status != promotion.StatusPaused {
			t.Fatalf("pause: %+v %v", p, err)
		}
		if p, err = svc.SetStatus(a, p.ID, promotion.StatusActive); err != nil || p.Status != promotion.StatusActive {
			t.Fatalf("resume: %+v %v", p, err)
		}
		if p, err = svc.SetStatus(a, p.ID, promotion.StatusEnded); err != nil || p.Status != promotion.StatusEnded {
			t.Fatalf("end: %+v %v", p, err)
		}
		for _, st := range []promotion.Status{promotion.StatusActive, promotion.StatusPaused, promotion.StatusDraft} {
			if _, err := svc.SetStatus(a, p.ID, st); !errs.Is(err, errs.Conflict) || fieldOf(err) != "status" {
				t.Errorf("ended → %s: %v", st, err)
			}
		}
		in := *p
		in.Status = promotion.StatusActive
		if _, err := svc.Update(a, p.ID, p.Version, in); !errs.Is(err, errs.Conflict) || fieldOf(err) != "status" {
			t.Errorf("update reopening an ended promotion: %v", err)
		}
		got, err := svc.Get(a, p.ID)
		if err != nil || got.Status != promotion.StatusEnded || got.Version != p.Version {
			t.Fatalf("after refusals: %+v %v", got, err)
		}
		if again, err := svc.SetStatus(a, p.ID, promotion.StatusEnded); err != nil || again.Status != promotion.StatusEnded {
			t.Fatalf("ending again: %+v %v", again, err)
		}
	})
}
