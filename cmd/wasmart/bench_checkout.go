package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// CheckoutSpec describes a checkout load run: each worker, back to back,
// puts one unit of Variant in a fresh guest cart and checks it out with a
// new Idempotency-Key (the whole headless flow: two requests per order).
type CheckoutSpec struct {
	URL         string // server base URL on a loopback address
	Host        string // the shop's host, e.g. demo.localhost:8080
	Variant     string // one id, or several separated by commas (orders spread over them)
	Shipping    string // delivery method code
	Country     string
	Concurrency int
	Duration    time.Duration
}

// CheckoutResult is what a checkout run measured.
type CheckoutResult struct {
	Orders, Failed int64
	Duration       time.Duration
	// Checkout is the latency of the checkout request; Flow of the
	// add-to-cart plus checkout.
	CheckoutP50, CheckoutP99, FlowP50, FlowP99 time.Duration
	StatusCounts                               map[int]int64
}

// OrdersPerSecond is placed orders per second.
func (r CheckoutResult) OrdersPerSecond() float64 { return float64(r.Orders) / r.Duration.Seconds() }

func (r CheckoutResult) String() string {
	return fmt.Sprintf("%d orders in %s: %.0f orders/s; checkout p50 %s p99 %s; add-to-cart+checkout p50 %s p99 %s; failed %d, checkout statuses %v",
		r.Orders, r.Duration.Round(time.Millisecond), r.OrdersPerSecond(), r.CheckoutP50, r.CheckoutP99, r.FlowP50, r.FlowP99, r.Failed, r.StatusCounts)
}

// CheckoutLoad runs a closed-loop checkout load test.
func CheckoutLoad(ctx context.Context, spec CheckoutSpec) (CheckoutResult, error) {
	if !strings.HasPrefix(spec.URL, "http://127.") && !strings.HasPrefix(spec.URL, "http://localhost") && !strings.HasPrefix(spec.URL, "http://[::1]") {
		return CheckoutResult{}, fmt.Errorf("bench targets loopback addresses only, not %s", spec.URL)
	}
	if spec.Concurrency <= 0 {
		spec.Concurrency = 1
	}
	if spec.Country == "" {
		spec.Country = "FR"
	}
	base := strings.TrimSuffix(spec.URL, "/")
	tr := &http.Transport{MaxIdleConnsPerHost: spec.Concurrency, MaxConnsPerHost: spec.Concurrency, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, spec.Duration)
	defer cancel()
	send := func(method, path string, body []byte, hdr map[string]string) (int, http.Header, error) {
		req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(string(body)))
		if err != nil {
			return 0, nil, err
		}
		req.Host = spec.Host
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header, nil
	}
	var addBodies [][]byte
	for _, v := range strings.Split(spec.Variant, ",") {
		b, _ := json.Marshal(map[string]any{"variant_id": strings.TrimSpace(v), "quantity": 1})
		addBodies = append(addBodies, b)
	}
	coBody, _ := json.Marshal(map[string]any{"email": "bench@example.com", "shipping_method": spec.Shipping, "payment_method": "test",
		"shipping_address": map[string]string{"name": "Bench Shopper", "line1": "1 rue du Test", "city": "Paris", "postal_code": "75001", "country": spec.Country}})
	var (
		mu           sync.Mutex
		coLat, flLat []time.Duration
		statuses     = map[int]int64{}
		orders, bad  atomic.Int64
		seq          atomic.Int64
		wg           sync.WaitGroup
	)
	run := fmt.Sprintf("%x", time.Now().UnixNano())
	start := time.Now()
	for i := 0; i < spec.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var co, fl []time.Duration
			st := map[int]int64{}
			for ctx.Err() == nil {
				n := seq.Add(1)
				t0 := time.Now()
				code, h, err := send("POST", "/api/store/cart/lines", addBodies[n%int64(len(addBodies))], nil)
				if err != nil || code != 200 {
					if ctx.Err() == nil {
						bad.Add(1)
					}
					continue
				}
				t1 := time.Now()
				code, _, err = send("POST", "/api/store/checkout", coBody, map[string]string{"Cart-Token": h.Get("Cart-Token"),
					"Idempotency-Key": fmt.Sprintf("bench-%s-%d", run, n)})
				if err != nil {
					if ctx.Err() == nil {
						bad.Add(1)
					}
					continue
				}
				st[code]++
				if code != 201 {
					bad.Add(1)
					continue
				}
				orders.Add(1)
				co = append(co, time.Since(t1))
				fl = append(fl, time.Since(t0))
			}
			mu.Lock()
			coLat, flLat = append(coLat, co...), append(flLat, fl...)
			for k, v := range st {
				statuses[k] += v
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(coLat) == 0 {
		return CheckoutResult{}, fmt.Errorf("no checkout succeeded (failures: %d, statuses %v)", bad.Load(), statuses)
	}
	slices.Sort(coLat)
	slices.Sort(flLat)
	pct := func(l []time.Duration, p float64) time.Duration { return l[int(float64(len(l)-1)*p)] }
	return CheckoutResult{Orders: orders.Load(), Failed: bad.Load(), Duration: elapsed, StatusCounts: statuses,
		CheckoutP50: pct(coLat, .5), CheckoutP99: pct(coLat, .99), FlowP50: pct(flLat, .5), FlowP99: pct(flLat, .99)}, nil
}
