package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// cmdBench is a small closed-loop HTTP load generator for the figures the
// issues ask for: N workers send requests back to back for a duration and
// it reports requests/s and latency percentiles. It only targets loopback
// addresses: it is for measuring this server on this machine.
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("bench", stderr)
	conc := f.Int("c", 16, "concurrent workers")
	dur := f.Duration("d", 10*time.Second, "duration")
	method := f.FlagSet.String("X", "GET", "method")
	body := f.FlagSet.String("body", "", "request body")
	host := f.String("host", "", "Host header to send, e.g. a shop's host demo.localhost:8080 while the URL names 127.0.0.1")
	checkoutVariant := f.String("checkout", "", "checkout load instead: a variant id to buy (one unit per order, fresh guest cart each time; needs -host)")
	shippingCode := f.String("shipping", "", "with -checkout: the delivery method code")
	country := f.String("country", "FR", "with -checkout: the destination country")
	var headers multiFlag
	f.Var(&headers, "H", "header 'Name: value' (repeatable)")
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.NArg() != 1 {
		return fmt.Errorf("usage: wasmart bench [-c N] [-d 10s] [-host shop.localhost:8080] [-H 'Name: value'] URL")
	}
	if *checkoutVariant != "" {
		res, err := CheckoutLoad(ctx, CheckoutSpec{URL: f.Arg(0), Host: *host, Variant: *checkoutVariant, Shipping: *shippingCode, Country: *country,
			Concurrency: *conc, Duration: *dur})
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, res)
		return nil
	}
	res, err := Load(ctx, LoadSpec{URL: f.Arg(0), Method: *method, Body: *body, Headers: headers, Host: *host, Concurrency: *conc, Duration: *dur})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, res)
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// LoadSpec describes a load run.
type LoadSpec struct {
	URL, Method, Body string
	Headers           []string
	Concurrency       int
	Duration          time.Duration
	// Host overrides the Host header (to reach a shop's storefront on
	// 127.0.0.1).
	Host string
}

// LoadResult is what a load run measured.
type LoadResult struct {
	Requests, Errors int64
	Duration         time.Duration
	P50, P90, P99    time.Duration
	StatusCounts     map[int]int64
}

// RPS is requests per second.
func (r LoadResult) RPS() float64 { return float64(r.Requests) / r.Duration.Seconds() }

func (r LoadResult) String() string {
	return fmt.Sprintf("%d requests in %s: %.0f req/s, p50 %s, p90 %s, p99 %s, errors %d, statuses %v",
		r.Requests, r.Duration.Round(time.Millisecond), r.RPS(), r.P50, r.P90, r.P99, r.Errors, r.StatusCounts)
}

// Load runs a closed-loop load test.
func Load(ctx context.Context, spec LoadSpec) (LoadResult, error) {
	if !strings.HasPrefix(spec.URL, "http://127.") && !strings.HasPrefix(spec.URL, "http://localhost") && !strings.HasPrefix(spec.URL, "http://[::1]") {
		return LoadResult{}, fmt.Errorf("bench targets loopback addresses only, not %s", spec.URL)
	}
	if spec.Concurrency <= 0 {
		spec.Concurrency = 1
	}
	if spec.Method == "" {
		spec.Method = "GET"
	}
	tr := &http.Transport{MaxIdleConnsPerHost: spec.Concurrency, MaxConnsPerHost: spec.Concurrency, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ctx, cancel := context.WithTimeout(ctx, spec.Duration)
	defer cancel()
	var (
		mu       sync.Mutex
		lat      []time.Duration
		statuses = map[int]int64{}
		errCount atomic.Int64
		wg       sync.WaitGroup
	)
	start := time.Now()
	for i := 0; i < spec.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			localStatus := map[int]int64{}
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, spec.Method, spec.URL, strings.NewReader(spec.Body))
				for _, h := range spec.Headers {
					k, v, _ := strings.Cut(h, ":")
					req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
				}
				if spec.Host != "" {
					req.Host = spec.Host
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						errCount.Add(1)
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				local = append(local, time.Since(t0))
				localStatus[resp.StatusCode]++
				if resp.StatusCode >= 500 {
					errCount.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			for k, v := range localStatus {
				statuses[k] += v
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(lat) == 0 {
		return LoadResult{}, fmt.Errorf("no request completed (errors: %d)", errCount.Load())
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	return LoadResult{Requests: int64(len(lat)), Errors: errCount.Load(), Duration: elapsed,
		P50: pct(.50), P90: pct(.90), P99: pct(.99), StatusCounts: statuses}, nil
}
