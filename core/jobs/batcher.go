package jobs

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// BatcherOptions configure a Batcher.
type BatcherOptions[T any] struct {
	// Name names the flusher and its writes in logs and panics.
	Name string
	Log  *slog.Logger
	// Buffer is how many items wait for the flusher; Put drops an item
	// (and counts it) when it is full. Batch is the most items one Write
	// gets; Interval the longest an item waits to be written.
	Buffer, Batch int
	Interval      time.Duration
	// Write stores one batch; it is called under Run (a panic is logged
	// and returned as an error), by one goroutine at a time unless Flush
	// is called while no flusher runs.
	Write func(ctx context.Context, items []T) error
	// Dropped counts items left out: the buffer was full, or their batch
	// could not be written.
	Dropped func(n int64)
}

// Batcher queues items from any goroutine without waiting and writes
// them in batches off the caller's path: a batch as soon as it is full,
// what is queued every Interval, everything on Flush and on Stop. It is
// what keeps storefront events (core/analytics) and experiment exposures
// (core/experiment) off the request path.
type Batcher[T any] struct {
	o        BatcherOptions[T]
	ch       chan T
	flushReq chan chan error
	running  atomic.Bool
	cancel   context.CancelFunc
	stopped  chan struct{}
}

// NewBatcher returns a Batcher; Start runs its flusher.
func NewBatcher[T any](o BatcherOptions[T]) *Batcher[T] {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Dropped == nil {
		o.Dropped = func(int64) {}
	}
	return &Batcher[T]{o: o, ch: make(chan T, o.Buffer), flushReq: make(chan chan error)}
}

// Put queues x without waiting; when the buffer is full x is dropped,
// counted, and Put returns false.
func (b *Batcher[T]) Put(x T) bool {
	select {
	case b.ch <- x:
		return true
	default:
		b.o.Dropped(1)
		return false
	}
}

// Start runs the flusher in the background (under Go) until Stop.
func (b *Batcher[T]) Start() {
	if !b.running.CompareAndSwap(false, true) {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel, b.stopped = cancel, make(chan struct{})
	Go(b.o.Log, b.o.Name+" flusher", func() error { b.run(ctx); return nil }, func(error) { close(b.stopped) })
}

// Stop ends the flusher after writing what is queued (waiting at most
// ten seconds).
func (b *Batcher[T]) Stop() {
	if !b.running.Load() || b.cancel == nil {
		return
	}
	b.cancel()
	select {
	case <-b.stopped:
	case <-time.After(10 * time.Second):
	}
	b.running.Store(false)
}

func (b *Batcher[T]) run(ctx context.Context) {
	t := time.NewTicker(b.o.Interval)
	defer t.Stop()
	batch := make([]T, 0, b.o.Batch)
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_ = b.writeAll(fctx, b.drain(batch))
			cancel()
			return
		case x := <-b.ch:
			if batch = append(batch, x); len(batch) >= b.o.Batch {
				_ = b.writeAll(ctx, batch)
				batch = batch[:0]
			}
		case <-t.C:
			if len(batch) > 0 {
				_ = b.writeAll(ctx, batch)
				batch = batch[:0]
			}
		case reply := <-b.flushReq:
			reply <- b.writeAll(ctx, b.drain(batch))
			batch = batch[:0]
		}
	}
}

func (b *Batcher[T]) drain(batch []T) []T {
	for {
		select {
		case x := <-b.ch:
			batch = append(batch, x)
		default:
			return batch
		}
	}
}

// Flush writes everything queued now (tests, and before reading what was
// just queued).
func (b *Batcher[T]) Flush(ctx context.Context) error {
	if !b.running.Load() {
		return b.writeAll(ctx, b.drain(nil))
	}
	reply := make(chan error, 1)
	select {
	case b.flushReq <- reply:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writeAll writes items in batches, each under Run; a batch that fails
// is counted as dropped. It returns the first error.
func (b *Batcher[T]) writeAll(ctx context.Context, items []T) error {
	var first error
	for len(items) > 0 {
		n := min(len(items), b.o.Batch)
		part := items[:n]
		items = items[n:]
		if err := Run(b.o.Log, b.o.Name+" write", func() error { return b.o.Write(ctx, part) }); err != nil {
			b.o.Dropped(int64(len(part)))
			if ctx.Err() == nil {
				b.o.Log.Warn(b.o.Name+": write failed", "items", len(part), "err", err)
			}
			if first == nil {
				first = err
			}
		}
	}
	return first
}
