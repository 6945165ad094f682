package httpx

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/jobs"
	"github.com/wasmart/wasmart/core/store"
)

var (
	registry     = prometheus.NewRegistry()
	httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wasmart_http_requests_total", Help: "HTTP requests by route and status.",
	}, []string{"method", "route", "status"})
	httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "wasmart_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"method", "route"})

	// Faults that would have frozen or ended the process, now counted.
	nestedAcquisitions = prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "wasmart_db_nested_acquisitions_total",
		Help: "Pool connections taken inside an open transaction (each can deadlock the pool under load; logged with its stack).",
	}, func() float64 { return float64(store.NestedAcquisitionsTotal()) })
	backgroundPanics = prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "wasmart_background_panics_total",
		Help: "Panics recovered in background work (imports, exports, workers, schedules; logged with the stack).",
	}, func() float64 { return float64(jobs.Panics()) })
	analyticsDropped = prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "wasmart_analytics_events_dropped_total",
		Help: "Storefront analytics events dropped because the buffer was full or a batch could not be written (pages are never slowed to count them).",
	}, func() float64 { return float64(analytics.DroppedTotal()) })
	analyticsBots = prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "wasmart_analytics_bot_events_total",
		Help: "Storefront analytics events left out as bot traffic (user agent or behaviour).",
	}, func() float64 { return float64(analytics.BotEventsTotal()) })
)

func init() {
	registry.MustRegister(httpRequests, httpDuration, nestedAcquisitions, backgroundPanics, analyticsDropped, analyticsBots,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}

// Registry is the Prometheus registry /metrics serves; other packages add
// their collectors to it.
func Registry() *prometheus.Registry { return registry }

// Observe counts a finished request by method, route pattern and status,
// and records its latency.
func Observe(c *fiber.Ctx, status int, d time.Duration) {
	route := "unmatched"
	if r := c.Route(); r != nil && r.Path != "/" || c.Path() == "/" {
		route = c.Route().Path
	}
	httpRequests.WithLabelValues(c.Method(), route, strconv.Itoa(status)).Inc()
	httpDuration.WithLabelValues(c.Method(), route).Observe(d.Seconds())
}

var promHandler = fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))

// Metrics serves the registry in the Prometheus text format.
func Metrics(c *fiber.Ctx) error {
	promHandler(c.Context())
	return nil
}
