//go:build linux

package sdktest

import (
	"runtime"
	"syscall"
	"time"
)

// ThreadCPU returns the CPU time consumed by the calling OS thread, or 0
// where that is not available. Benchmarks lock their goroutine to a thread
// (runtime.LockOSThread) and report CPU time per op next to wall time:
// wall time on a shared machine includes time spent descheduled.
func ThreadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ReportCPU runs fn (a benchmark loop) on a locked OS thread and reports
// its CPU time per op as the "cpu-ns/op" metric.
func ReportCPU(b interface {
	ReportMetric(float64, string)
	Elapsed() time.Duration
}, n func() int, fn func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := ThreadCPU()
	fn()
	if ops := n(); ops > 0 {
		b.ReportMetric(float64(ThreadCPU()-start)/float64(ops), "cpu-ns/op")
	}
}
