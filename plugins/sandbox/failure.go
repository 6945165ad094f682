package sandbox

import (
	"errors"
	"fmt"
)

// Kind classifies a failed plugin run or a rejected upload.
type Kind string

// Failure kinds. The string values appear in run records and the console.
const (
	FailTimeout        Kind = "timeout"          // deadline exceeded; the instance was closed
	FailMemory         Kind = "memory"           // the guest ran out of its memory cap
	FailTrap           Kind = "trap"             // the guest trapped (unreachable, bounds, stack overflow, exit)
	FailInvalidOutput  Kind = "invalid_output"   // undecodable, out-of-bounds or rule-breaking output
	FailOutputTooLarge Kind = "output_too_large" // output above the cap
	FailInputTooLarge  Kind = "input_too_large"  // the host's input is above the cap; nothing ran
	FailABIMismatch    Kind = "abi_mismatch"     // wrong ABI version, missing export, bad alloc
	FailPluginError    Kind = "plugin_error"     // the guest reported an error through the envelope
	FailBreakerOpen    Kind = "breaker_open"     // the installation's breaker is open; nothing ran
	FailCapacity       Kind = "capacity"         // the host memory budget or concurrency is exhausted
	FailInvalidModule  Kind = "invalid_module"   // rejected at upload
	FailCanceled       Kind = "canceled"         // the caller's context ended first
)

// Failure is the error returned for every failed plugin call or upload.
// Use errors.As to get it and read Kind.
type Failure struct {
	Kind Kind
	Msg  string
	Err  error // underlying error, if any
}

func (f *Failure) Error() string {
	if f.Err != nil {
		return fmt.Sprintf("plugin %s: %s: %v", f.Kind, f.Msg, f.Err)
	}
	return fmt.Sprintf("plugin %s: %s", f.Kind, f.Msg)
}

func (f *Failure) Unwrap() error { return f.Err }

func fail(k Kind, format string, args ...any) *Failure {
	return &Failure{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// KindOf returns the Kind of err, or "" if err is not a *Failure.
func KindOf(err error) Kind {
	var f *Failure
	if errors.As(err, &f) {
		return f.Kind
	}
	return ""
}
