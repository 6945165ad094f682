package plugins

import (
	"context"
	"time"

	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/extension"
)

// TopicSource builds the topic-report datasets a reporting plugin
// receives from the merchant's report parameters (core/analytics'
// Service; see its PluginDatasets for the datasets and parameters).
type TopicSource interface {
	PluginDatasets(ctx context.Context, params map[string]string) ([]extension.Dataset, analytics.PluginRange, error)
}

// SetTopics gives reporting plugins the merchant's topic datasets ("topic"
// and "topic_params") besides "customers" and "sales", which then cover
// the range the merchant chose (param from and to) instead of the last
// 365 days. Call it once, before serving.
func (s *Service) SetTopics(t TopicSource) { s.topics = t }

// reportDatasets are the datasets of a report run: the customers and
// sales of the chosen range (the last 365 days without one) and, with a
// TopicSource, the topic datasets.
func (s *Service) reportDatasets(ctx context.Context, now time.Time, params map[string]string) ([]extension.Dataset, error) {
	if s.topics == nil {
		return s.datasets(ctx, now)
	}
	topic, r, err := s.topics.PluginDatasets(ctx, params)
	if err != nil {
		return nil, err
	}
	from, to := now.Add(-365*24*time.Hour).UTC(), now.UTC().Add(time.Nanosecond)
	if r.Chosen {
		from, to = r.From, r.To
	}
	ds, err := s.datasetsIn(ctx, now, from, to)
	if err != nil {
		return nil, err
	}
	return append(ds, topic...), nil
}
