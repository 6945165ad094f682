// Package jobs runs work that happens outside a request — background
// imports and exports, the outbox worker, sweepers and other schedules, the
// plugin run recorder, the tenant change watcher — so that a panic in it is
// recovered, logged with its stack and reported as that job's failure,
// instead of ending the process and every shop with it. (A request's panic
// is recovered by the web server's middleware; a goroutine's is not, unless
// it runs under this package.)
//
// Run wraps one unit of work and returns the panic as an error, which the
// caller records as the job's failure (an import job shows it, an outbox
// message is retried). Go starts a goroutine under Run. Every runs a
// schedule whose rounds are each under Run, so one bad round does not stop
// the next. Loops that must keep serving put each unit of work under Run.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// PanicError is a recovered panic.
type PanicError struct {
	Job   string // what was running
	Value any    // what it panicked with
	Stack []byte // where
}

func (e *PanicError) Error() string { return fmt.Sprintf("%s: panic: %v", e.Job, e.Value) }

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

var panics atomic.Int64

// Panics is how many panics Run recovered in this process.
func Panics() int64 { return panics.Load() }

// Run calls fn and returns its error. A panic in fn is recovered, logged
// with its stack on log (nil: slog.Default()) and returned as a
// *PanicError naming job.
func Run(log *slog.Logger, job string, fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			panics.Add(1)
			pe := &PanicError{Job: job, Value: v, Stack: debug.Stack()}
			if log == nil {
				log = slog.Default()
			}
			log.Error("background job panicked", "job", job, "panic", fmt.Sprint(v), "stack", string(pe.Stack))
			err = pe
		}
	}()
	return fn()
}

// Go runs fn in a new goroutine under Run; done, when not nil, then
// receives fn's error or the recovered panic (a panic in done itself is
// recovered and logged too).
func Go(log *slog.Logger, job string, fn func() error, done func(error)) {
	go func() {
		err := Run(log, job, fn)
		if done != nil {
			_ = Run(log, job+" (completion)", func() error { done(err); return nil })
		}
	}()
}

// Every calls fn every d until ctx is done (the first call after d). Each
// round runs under Run: a panic is logged and the next round runs on
// schedule. It returns when ctx is done; callers start it with go.
func Every(ctx context.Context, log *slog.Logger, job string, d time.Duration, fn func(ctx context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = Run(log, job, func() error { fn(ctx); return nil })
		}
	}
}
