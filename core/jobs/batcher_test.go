package jobs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBatcher: items are written in batches of at most Batch, by size and
// by interval; a full buffer drops and counts; a failing or panicking
// write counts its batch as dropped and the next batch is written; Stop
// writes what is queued.
func TestBatcher(t *testing.T) {
	var mu sync.Mutex
	var got [][]int
	var dropped atomic.Int64
	fail := atomic.Int64{} // the value whose batch fails (0: none)
	newBatcher := func(interval time.Duration) *Batcher[int] {
		return NewBatcher(BatcherOptions[int]{Name: "test", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Buffer: 10, Batch: 3, Interval: interval,
			Write: func(_ context.Context, xs []int) error {
				for _, x := range xs {
					switch int64(x) {
					case fail.Load():
						return errors.New("refused")
					case -1:
						panic("boom")
					}
				}
				mu.Lock()
				defer mu.Unlock()
				got = append(got, append([]int(nil), xs...))
				return nil
			},
			Dropped: func(n int64) { dropped.Add(n) }})
	}
	b := newBatcher(time.Hour) // written by size, Flush and Stop only
	written := func() (n int, maxBatch int) {
		mu.Lock()
		defer mu.Unlock()
		for _, g := range got {
			n += len(g)
			maxBatch = max(maxBatch, len(g))
		}
		return
	}

	// Not started: the buffer holds 10, the 11th is dropped; Flush writes
	// them in batches of at most 3.
	for i := 1; i <= 11; i++ {
		if ok := b.Put(i); ok != (i <= 10) {
			t.Fatalf("Put(%d) = %v", i, ok)
		}
	}
	if err := b.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, m := written(); n != 10 || m != 3 || dropped.Load() != 1 {
		t.Fatalf("written %d in batches up to %d, dropped %d", n, m, dropped.Load())
	}

	// Started with a short interval: two items are written without a
	// Flush.
	ticking := newBatcher(10 * time.Millisecond)
	ticking.Start()
	ticking.Put(100)
	ticking.Put(101)
	deadline := time.Now().Add(10 * time.Second)
	for n, _ := written(); n != 12; n, _ = written() {
		if time.Now().After(deadline) {
			t.Fatalf("the interval did not write: %d", n)
		}
		time.Sleep(5 * time.Millisecond)
	}

	ticking.Stop()

	// A failing batch and a panicking one are dropped and counted; the
	// flusher goes on.
	b.Start()
	fail.Store(200)
	b.Put(200)
	if err := b.Flush(context.Background()); err == nil {
		t.Fatal("a failed write was not reported")
	}
	b.Put(-1)
	var pe *PanicError
	if err := b.Flush(context.Background()); !errors.As(err, &pe) {
		t.Fatalf("a panicking write: %v", err)
	}
	if dropped.Load() != 3 {
		t.Fatalf("dropped %d, want 3", dropped.Load())
	}

	// Stop writes what is queued.
	b.Put(300)
	b.Put(301)
	b.Stop()
	if n, _ := written(); n != 14 {
		t.Fatalf("Stop left items unwritten: %d written", n)
	}
}
