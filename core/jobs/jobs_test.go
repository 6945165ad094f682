package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/jobs"
)

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunRecoversLogsAndReturnsThePanic(t *testing.T) {
	var out syncBuffer
	log := slog.New(slog.NewTextHandler(&out, nil))
	before := jobs.Panics()
	boom := errors.New("boom")
	err := jobs.Run(log, "nightly thing", func() error { panic(boom) })
	var pe *jobs.PanicError
	if !errors.As(err, &pe) || pe.Job != "nightly thing" || !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(string(pe.Stack), "jobs_test.go") {
		t.Fatalf("stack does not show where: %s", pe.Stack)
	}
	if got := out.String(); !strings.Contains(got, "nightly thing") || !strings.Contains(got, "jobs_test.go") {
		t.Fatalf("log lacks the job or the stack: %s", got)
	}
	if jobs.Panics() != before+1 {
		t.Fatal("panic not counted")
	}
	// No panic: fn's own result.
	if err := jobs.Run(log, "x", func() error { return boom }); err != boom {
		t.Fatalf("got %v", err)
	}
	if err := jobs.Run(log, "x", func() error { return nil }); err != nil {
		t.Fatalf("got %v", err)
	}
}

func TestGoHandsThePanicToDone(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	done := make(chan error, 1)
	var rows []string // a runtime error, as a bug in a job would cause
	jobs.Go(log, "import", func() error { return errors.New(rows[len(rows)]) }, func(err error) { done <- err })
	select {
	case err := <-done:
		var pe *jobs.PanicError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), "index out of range") {
			t.Fatalf("got %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("done never called")
	}
	// A panic in done is recovered too (the process would end otherwise).
	finished := make(chan struct{})
	jobs.Go(log, "import", func() error { return nil }, func(error) { defer close(finished); panic("in done") })
	<-finished
}

func TestEveryKeepsRunningAfterAPanickingRound(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	rounds := make(chan int, 10)
	n := 0
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		jobs.Every(ctx, log, "sweeper", time.Millisecond, func(ctx context.Context) {
			n++
			select {
			case rounds <- n:
			case <-ctx.Done():
			}
			if n == 1 {
				panic("first round fails")
			}
		})
	}()
	for want := 1; want <= 3; want++ {
		select {
		case got := <-rounds:
			if got != want {
				t.Fatalf("round %d, want %d", got, want)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("round %d never ran", want)
		}
	}
	cancel()
	<-stopped
}
