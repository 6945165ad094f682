package outbox_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

type fakeSender struct {
	mu   sync.Mutex
	sent []outbox.Message
	fail bool
}

func (f *fakeSender) Send(_ context.Context, m outbox.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return errors.New("smtp down")
	}
	f.sent = append(f.sent, m)
	return nil
}

func TestEnqueueIsTransactional(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := tenancy.WithTenant(context.Background(), "t1")
		// A rolled-back transaction leaves no message.
		err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			if _, err := outbox.EnqueueMail(ctx, q, outbox.Mail{TenantID: "t1", Topic: "x", To: "a@example.com", Subject: "hi", Text: "hello"}); err != nil {
				return err
			}
			return errors.New("boom")
		})
		if err == nil {
			t.Fatal("want error")
		}
		page, err := outbox.ListMail(ctx, db, outbox.MailFilter{})
		if err != nil || len(page.Mail) != 0 {
			t.Fatalf("rolled back mail visible: %v %v", page.Mail, err)
		}
		// Bad recipient is a field error.
		err = db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := outbox.EnqueueMail(ctx, q, outbox.Mail{TenantID: "t1", To: "a@x\r\nBcc: evil@x"})
			return err
		})
		if e, ok := errors.AsType[*errs.Error](err); !ok || e.Field != "email" {
			t.Fatalf("want email field error, got %v", err)
		}
		for i := 0; i < 3; i++ {
			tid := "t1"
			c := ctx
			if i == 2 {
				tid, c = "", context.Background()
			}
			if err := db.Write(c, func(ctx context.Context, q bun.IDB) error {
				_, err := outbox.EnqueueMail(ctx, q, outbox.Mail{TenantID: tid, Topic: "t", To: "B@Example.com", Subject: "s", Text: "t", HTML: "<p>t</p>"})
				if err != nil {
					return err
				}
				_, err = outbox.EnqueueEvent(ctx, q, tid, "thing.happened", map[string]int{"n": i})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		page, err = outbox.ListMail(ctx, db, outbox.MailFilter{Limit: 2})
		if err != nil || len(page.Mail) != 2 || page.Next == "" {
			t.Fatalf("page 1: %d %q %v", len(page.Mail), page.Next, err)
		}
		if page.Mail[0].To != "b@example.com" {
			t.Fatalf("recipient not normalised: %q", page.Mail[0].To)
		}
		page2, err := outbox.ListMail(ctx, db, outbox.MailFilter{Limit: 2, Before: page.Next})
		if err != nil || len(page2.Mail) != 1 || page2.Next != "" {
			t.Fatalf("page 2: %d %v", len(page2.Mail), err)
		}
		empty := ""
		plat, err := outbox.ListMail(ctx, db, outbox.MailFilter{TenantID: &empty})
		if err != nil || len(plat.Mail) != 1 {
			t.Fatalf("platform mail: %d %v", len(plat.Mail), err)
		}

		// Without SMTP mail is kept; events with no handler are sent.
		w := &outbox.Worker{DB: db}
		var seen []string
		w.Handle("thing.happened", func(ctx context.Context, m outbox.Message) error {
			// Handlers act for the message's shop, never with the worker's
			// cross-tenant scope.
			if tid, _ := tenancy.TenantID(ctx); tenancy.IsPlatform(ctx) || tid != m.TenantID {
				t.Errorf("handler context: platform=%v tenant=%q, message tenant %q", tenancy.IsPlatform(ctx), tid, m.TenantID)
			}
			seen = append(seen, m.Payload)
			return nil
		})
		n, err := w.RunOnce(context.Background())
		if err != nil || n != 6 {
			t.Fatalf("RunOnce: %d %v", n, err)
		}
		if len(seen) != 3 || !strings.Contains(seen[0], `"n"`) {
			t.Fatalf("handler saw %v", seen)
		}
		page, _ = outbox.ListMail(ctx, db, outbox.MailFilter{})
		for _, m := range page.Mail {
			if m.Status != outbox.StatusKept || m.DeliveredAt == nil {
				t.Fatalf("mail %s status %s", m.ID, m.Status)
			}
		}
		if n, _ := w.RunOnce(context.Background()); n != 0 {
			t.Fatalf("second round delivered %d again", n)
		}
	})
}

func TestWorkerRetriesAndSends(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := outbox.EnqueueMail(ctx, q, outbox.Mail{To: "c@example.com", Subject: "s", Text: "t"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		s := &fakeSender{fail: true}
		w := &outbox.Worker{DB: db, Sender: s}
		if n, err := w.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("RunOnce: %d %v", n, err)
		}
		page, _ := outbox.ListMail(ctx, db, outbox.MailFilter{})
		m := page.Mail[0]
		if m.Status != outbox.StatusPending || m.Attempts != 1 || m.LastError == "" {
			t.Fatalf("after failure: %+v", m)
		}
		// Not due yet: backoff.
		if n, _ := w.RunOnce(ctx); n != 0 {
			t.Fatalf("retried before backoff")
		}
		// Make it due and succeed.
		if err := db.Write(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
			_, err := q.NewUpdate().Model((*outbox.Message)(nil)).Set("next_attempt_at = ?", store.Now()).Where("id = ?", m.ID).Exec(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		s.fail = false
		if n, err := w.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("RunOnce: %d %v", n, err)
		}
		got, err := outbox.Get(ctx, db, "", m.ID)
		if err != nil || got.Status != outbox.StatusSent || len(s.sent) != 1 {
			t.Fatalf("after success: %+v %v sent=%d", got, err, len(s.sent))
		}
	})
}

// TestPanickingHandlerFailsOnlyItsMessage (issue #9 item 1: background
// work recovers): an event handler that panics fails that delivery like an
// error — the message is retried with backoff and shows the panic — and
// the round goes on with the next message, instead of the panic ending the
// process.
func TestPanickingHandlerFailsOnlyItsMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var bad, good outbox.Message
		if err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			var err error
			if bad, err = outbox.EnqueueEvent(ctx, q, "", "thing.broken", map[string]int{"n": 1}); err != nil {
				return err
			}
			good, err = outbox.EnqueueEvent(ctx, q, "", "thing.fine", map[string]int{"n": 2})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		w := &outbox.Worker{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		w.Handle("thing.broken", func(context.Context, outbox.Message) error { panic("handler bug") })
		delivered := 0
		w.Handle("thing.fine", func(context.Context, outbox.Message) error { delivered++; return nil })
		if n, err := w.RunOnce(ctx); err != nil || n != 2 {
			t.Fatalf("RunOnce: %d %v", n, err)
		}
		b, err := outbox.Get(ctx, db, "", bad.ID)
		if err != nil || b.Status != outbox.StatusPending || b.Attempts != 1 || !strings.Contains(b.LastError, "panic: handler bug") {
			t.Fatalf("panicking delivery: %+v %v", b, err)
		}
		g, err := outbox.Get(ctx, db, "", good.ID)
		if err != nil || g.Status != outbox.StatusSent || delivered != 1 {
			t.Fatalf("the next message: %+v %v delivered=%d", g, err, delivered)
		}
	})
}
