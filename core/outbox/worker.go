package outbox

import (
	"context"
	"errors"

	"log/slog"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/jobs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// Handler handles events of one topic. Returning an error retries later.
type Handler func(ctx context.Context, m Message) error

// Worker delivers outbox messages.
type Worker struct {
	DB       *store.DB
	Sender   Sender        // nil: e-mails are kept for the mailbox
	Interval time.Duration // poll interval, default 1 s
	Batch    int           // messages per round, default 50
	Log      *slog.Logger

	mu       sync.RWMutex
	handlers map[string][]Handler
}

// NewWorker returns a worker that sends through SMTP when cfg.Host is set.
func NewWorker(db *store.DB, cfg SMTPConfig) *Worker {
	w := &Worker{DB: db}
	if cfg.Host != "" {
		w.Sender = SMTPSender{Config: cfg}
	}
	return w
}

// Handle adds a handler for an event topic. Events with no handler are
// marked sent (nobody is listening yet). A topic may have several
// handlers (order e-mails and loyalty points both listen to "order.paid"):
// each runs, in the order added; if any fails, the event is retried and
// all run again, so every handler must be idempotent.
func (w *Worker) Handle(topic string, h Handler) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.handlers == nil {
		w.handlers = map[string][]Handler{}
	}
	w.handlers[topic] = append(w.handlers[topic], h)
}

// Run delivers until ctx is done.
func (w *Worker) Run(ctx context.Context) {
	iv := w.Interval
	if iv <= 0 {
		iv = time.Second
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		// A round that panics is logged and the next one runs on schedule.
		if err := jobs.Run(w.Log, "outbox worker", func() error { _, err := w.RunOnce(ctx); return err }); err != nil && ctx.Err() == nil && w.Log != nil {
			w.Log.Error("outbox round failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

const claimTTL = 2 * time.Minute

// RunOnce delivers one batch of due messages and reports how many it
// processed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	ctx = tenancy.WithPlatform(ctx)
	batch := w.Batch
	if batch <= 0 {
		batch = 50
	}
	now := store.Now()
	var due []Message
	err := w.DB.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&due).
			Where("(status = ? OR status = ?) AND next_attempt_at <= ?", StatusPending, StatusSending, now).
			OrderExpr("next_attempt_at, id").Limit(int64(batch)).Scan(ctx)
	})
	if err != nil {
		return 0, errs.Wrap(err, "outbox.RunOnce")
	}
	n := 0
	for _, m := range due {
		claimed, err := w.claim(ctx, m, now)
		if err != nil {
			return n, err
		}
		if !claimed {
			continue
		}
		n++
		// A handler that panics fails this delivery like an error: the
		// message is retried with backoff, then marked failed.
		derr := jobs.Run(w.Log, "outbox "+m.Topic, func() error { return w.deliver(ctx, m) })
		if err := w.finish(ctx, m, derr); err != nil {
			return n, err
		}
	}
	return n, nil
}

// claim marks m as being sent by this worker; false if another worker got it.
func (w *Worker) claim(ctx context.Context, m Message, now time.Time) (bool, error) {
	var claimed bool
	err := w.DB.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewUpdate().Model((*Message)(nil)).
			Set("status = ?", StatusSending).
			Set("attempts = attempts + 1").
			Set("next_attempt_at = ?", now.Add(claimTTL)).
			Where("tenant_id = ? AND id = ? AND status = ? AND attempts = ?", m.TenantID, m.ID, m.Status, m.Attempts).
			Exec(ctx)
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		claimed = k == 1
		return nil
	})
	return claimed, errs.Wrap(err, "outbox.claim")
}

func (w *Worker) deliver(ctx context.Context, m Message) error {
	switch m.Kind {
	case KindEmail:
		if w.Sender == nil {
			return nil
		}
		return w.Sender.Send(ctx, m)
	default:
		w.mu.RLock()
		hs := w.handlers[m.Topic]
		w.mu.RUnlock()
		// A handler acts for the message's shop only, never with the
		// worker's cross-tenant scope.
		var failed []error
		for _, h := range hs {
			if err := h(tenancy.ForTenant(ctx, m.TenantID), m); err != nil {
				failed = append(failed, err)
			}
		}
		return errors.Join(failed...)
	}
}

func (w *Worker) finish(ctx context.Context, m Message, derr error) error {
	now := store.Now()
	attempts := m.Attempts + 1
	err := w.DB.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		up := q.NewUpdate().Model((*Message)(nil)).Where("tenant_id = ? AND id = ?", m.TenantID, m.ID)
		switch {
		case derr == nil:
			status := StatusSent
			if m.Kind == KindEmail && w.Sender == nil {
				status = StatusKept
			}
			up.Set("status = ?", status).Set("delivered_at = ?", now).Set("last_error = ''")
		case attempts >= MaxAttempts || Rejected(derr): // a bounce is not retried
			up.Set("status = ?", StatusFailed).Set("last_error = ?", truncate(derr.Error(), 500))
		default:
			backoff := time.Duration(1<<min(attempts, 12)) * time.Second
			up.Set("status = ?", StatusPending).Set("next_attempt_at = ?", now.Add(backoff)).Set("last_error = ?", truncate(derr.Error(), 500))
		}
		_, err := up.Exec(ctx)
		return err
	})
	if derr != nil && w.Log != nil {
		w.Log.Warn("outbox delivery failed", "id", m.ID, "topic", m.Topic, "attempt", attempts, "err", derr)
	}
	return errs.Wrap(err, "outbox.finish")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
