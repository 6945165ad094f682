package analytics

import (
	"context"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/extension"
)

// What reporting plugins receive besides the host's customer and sales
// datasets: the topic report the merchant's parameters choose, as
// datasets (see sdk/ABI.md §5.5).
//
// Parameters (all optional): from and to (local days, YYYY-MM-DD),
// dimension (or grain: day, week or month) and metrics (comma-separated
// KPI names). Without them: the last 30 days by day, with the default
// metrics of the dimension (ParseMetrics). Bad ones are a 400 naming the parameter
// (param.from, ...), as for /api/analytics/report.

// PluginRange is the range and grouping a plugin report was asked for,
// as the host resolved them.
type PluginRange struct {
	From, To time.Time // UTC bounds of the local days: [From, To)
	// Chosen is true when the merchant named a range (from or to): the
	// host's customer and sales datasets then cover it too.
	Chosen bool
}

// PluginDatasets builds the context shop's topic datasets for a reporting
// plugin from the merchant's parameters:
//
//   - "topic": one row per value of the dimension: key (str), label
//     (str), then per metric one int column named after it: counts and
//     money (minor units) as they are, ratios and other numbers in
//     millionths in a column named <metric>_e6; an undefined figure is
//     -1 in a _e6 column and absent otherwise (0); a last row with key
//     "total" holds the range's figures.
//   - "topic_params": one row: from, to (YYYY-MM-DD), dimension,
//     metrics (comma-separated), time_zone (all str).
func (s *Service) PluginDatasets(ctx context.Context, params map[string]string) ([]extension.Dataset, PluginRange, error) {
	dim := params["dimension"]
	if dim == "" {
		dim = params["grain"]
	}
	x, err := ParseDimension(dim)
	if err != nil {
		return nil, PluginRange{}, paramErr(err)
	}
	ms, err := ParseMetrics(params["metrics"], x)
	if err != nil {
		return nil, PluginRange{}, paramErr(err)
	}
	r, st, err := s.ParseRange(ctx, params["from"], params["to"])
	if err != nil {
		return nil, PluginRange{}, paramErr(err)
	}
	rep, err := s.Topic(ctx, ms, x, r)
	if err != nil {
		return nil, PluginRange{}, err
	}
	topic := extension.Dataset{Name: "topic", Columns: []extension.Column{{Name: "key", Type: extension.ColumnString}, {Name: "label", Type: extension.ColumnString}}}
	var names []string
	for _, m := range rep.Metrics {
		names = append(names, m.Name)
		topic.Columns = append(topic.Columns, extension.Column{Name: pluginColumn(m), Type: extension.ColumnInt})
	}
	row := func(key, label string, vals []Figure) []extension.Cell {
		cells := []extension.Cell{{Str: key}, {Str: label}}
		for i, m := range rep.Metrics {
			cells = append(cells, extension.Cell{Int: pluginValue(m, vals[i])})
		}
		return cells
	}
	for _, rw := range rep.Rows {
		topic.Rows = append(topic.Rows, row(rw.Key, rw.Label, rw.Values))
	}
	topic.Rows = append(topic.Rows, row("total", "Total", rep.Total))
	info := extension.Dataset{Name: "topic_params", Columns: []extension.Column{{Name: "from", Type: extension.ColumnString},
		{Name: "to", Type: extension.ColumnString}, {Name: "dimension", Type: extension.ColumnString},
		{Name: "metrics", Type: extension.ColumnString}, {Name: "time_zone", Type: extension.ColumnString}},
		Rows: [][]extension.Cell{{{Str: rep.From}, {Str: rep.To}, {Str: string(x)}, {Str: strings.Join(names, ",")}, {Str: st.TimeZone}}}}
	pr := PluginRange{From: r.From.UTC(), To: r.To.AddDate(0, 0, 1).UTC(), Chosen: params["from"] != "" || params["to"] != ""}
	return []extension.Dataset{topic, info}, pr, nil
}

func pluginColumn(m TopicMetric) string {
	if m.Unit == UnitRatio || m.Unit == UnitValue {
		return m.Name + "_e6"
	}
	return m.Name
}

func pluginValue(m TopicMetric, v Figure) int64 {
	scaled := m.Unit == UnitRatio || m.Unit == UnitValue
	switch {
	case v == nil && scaled:
		return -1
	case v == nil:
		return 0
	case scaled:
		return int64(math.Round(*v * 1e6))
	}
	return int64(math.Round(*v))
}

// paramErr names a plugin report's parameter as the report routes take
// it (param.from, param.metrics, ...).
func paramErr(err error) error {
	var e *errs.Error
	if errors.As(err, &e) && e.Field != "" {
		c := *e
		c.Field = "param." + e.Field
		return &c
	}
	return err
}
