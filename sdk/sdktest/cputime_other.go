//go:build !linux && !wasip1

package sdktest

import "time"

// ThreadCPU returns 0: per-thread CPU time is only read on Linux.
func ThreadCPU() time.Duration { return 0 }

// ReportCPU runs fn without a CPU metric.
func ReportCPU(b interface {
	ReportMetric(float64, string)
	Elapsed() time.Duration
}, n func() int, fn func()) {
	fn()
}
