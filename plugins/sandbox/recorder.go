package sandbox

import (
	"context"
	"time"

	"github.com/wasmart/wasmart/core/extension"
)

// Run describes one plugin call, successful or not.
type Run struct {
	Tenant       string
	Installation string
	PluginID     string
	Version      string
	ModuleHash   string
	Point        extension.Point
	InputHash    [32]byte // SHA-256 of Input
	Input        []byte   // the encoded input (ABI wire form); valid only during RecordRun
	Start        time.Time
	Duration     time.Duration
	Outcome      Kind   // "" on success
	Error        string // the failure message
	Logs         []byte // guest logs, at most the log cap; valid only during RecordRun
	LogsDropped  bool   // logs went over the cap
}

// OK reports whether the run succeeded.
func (r *Run) OK() bool { return r.Outcome == "" }

// RunRecorder receives every run. Implementations must copy Input and Logs
// if they keep them, must be safe for concurrent use, and should be fast
// (they run on the caller's path; buffer and persist asynchronously).
type RunRecorder interface {
	RecordRun(ctx context.Context, r *Run)
}

// RunRecorderFunc adapts a function to RunRecorder.
type RunRecorderFunc func(ctx context.Context, r *Run)

// RecordRun calls f.
func (f RunRecorderFunc) RecordRun(ctx context.Context, r *Run) { f(ctx, r) }
