package main

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// metrics holds RadBot's Prometheus metrics, registered on a registry that serve creates (never the
// default registry, so that tests and several servers in one process do not share state). It implements
// bot.Observer.
type metrics struct {
	reg              *prometheus.Registry
	questions        *prometheus.CounterVec
	answerSeconds    prometheus.Histogram
	votes            *prometheus.CounterVec
	knowledgeEntries prometheus.Gauge
	knowledgeInfo    *prometheus.GaugeVec
	reloads          *prometheus.CounterVec
	queueDepth       prometheus.Gauge
	dropped          prometheus.Counter
	batchRows        prometheus.Histogram
	batchSeconds     prometheus.Histogram
}

var _ bot.QueueObserver = (*metrics)(nil)

// newMetrics creates the metrics and registers them, with the Go runtime and process collectors, on a new
// registry.
func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		questions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "radbot_questions_total",
			Help: "Questions answered, by platform and reply status (answered, clarify, fallback, refused, smalltalk, limited).",
		}, []string{"platform", "status"}),
		answerSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "radbot_answer_seconds",
			Help:    "Time taken to answer a question. The interaction is stored afterwards, in the background (radbot_store_batch_seconds).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
		votes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "radbot_votes_total",
			Help: "Feedback votes stored, by platform and whether the answer was helpful.",
		}, []string{"platform", "helpful"}),
		knowledgeEntries: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "radbot_knowledge_entries",
			Help: "Entries in the knowledge base being served.",
		}),
		knowledgeInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "radbot_knowledge_info",
			Help: "Always 1, labelled with the content hash (version) of the knowledge being served; votes refer to it.",
		}, []string{"version"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "radbot_knowledge_reloads_total",
			Help: "Knowledge reloads, by result: success (new content served) or failure (old content kept).",
		}, []string{"result"}),
	}
	m.queueDepth = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "radbot_store_queue_depth",
		Help: "Interactions answered and waiting to be written to the store.",
	})
	m.dropped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "radbot_interactions_dropped_total",
		Help: "Interactions answered but not stored: the queue was full (store.queue_size) or the store kept failing.",
	})
	m.batchRows = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "radbot_store_batch_rows",
		Help:    "Interactions written per transaction (group commit).",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512},
	})
	m.batchSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "radbot_store_batch_seconds",
		Help:    "Time taken to write one batch of interactions, retries included.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})
	m.reg.MustRegister(
		m.questions, m.answerSeconds, m.votes, m.knowledgeEntries, m.knowledgeInfo, m.reloads,
		m.queueDepth, m.dropped, m.batchRows, m.batchSeconds,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	// Show both reload results from the start, so that a dashboard sees 0 rather than no series.
	m.reloads.WithLabelValues("success")
	m.reloads.WithLabelValues("failure")
	return m
}

// initPlatforms makes the question and vote series of each platform exist from the start, at 0, so
// that rates and alerts work before the first question.
func (m *metrics) initPlatforms(names []string) {
	statuses := []bot.Status{bot.StatusAnswered, bot.StatusClarify, bot.StatusSuggest, bot.StatusFallback, bot.StatusRefused,
		bot.StatusSmalltalk, bot.StatusLimited}
	for _, p := range names {
		for _, s := range statuses {
			m.questions.WithLabelValues(p, string(s))
		}
		m.votes.WithLabelValues(p, "true")
		m.votes.WithLabelValues(p, "false")
	}
}

// ObserveAnswer implements bot.Observer.
func (m *metrics) ObserveAnswer(platform bot.Platform, status bot.Status, elapsed time.Duration) {
	m.questions.WithLabelValues(string(platform), string(status)).Inc()
	m.answerSeconds.Observe(elapsed.Seconds())
}

// ObserveFeedback implements bot.Observer.
func (m *metrics) ObserveFeedback(platform bot.Platform, helpful bool) {
	m.votes.WithLabelValues(string(platform), strconv.FormatBool(helpful)).Inc()
}

// ObserveQueue implements bot.QueueObserver.
func (m *metrics) ObserveQueue(depth int) { m.queueDepth.Set(float64(depth)) }

// ObserveDropped implements bot.QueueObserver.
func (m *metrics) ObserveDropped(n int) { m.dropped.Add(float64(n)) }

// ObserveBatch implements bot.QueueObserver.
func (m *metrics) ObserveBatch(rows int, elapsed time.Duration) {
	m.batchRows.Observe(float64(rows))
	m.batchSeconds.Observe(elapsed.Seconds())
}

// setKnowledge records the size and version of the knowledge base now served.
func (m *metrics) setKnowledge(base *knowledge.Base) {
	m.knowledgeEntries.Set(float64(len(base.Entries)))
	m.knowledgeInfo.Reset()
	m.knowledgeInfo.WithLabelValues(base.Version).Set(1)
}

// reloaded counts one knowledge reload.
func (m *metrics) reloaded(ok bool) {
	if ok {
		m.reloads.WithLabelValues("success").Inc()
	} else {
		m.reloads.WithLabelValues("failure").Inc()
	}
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
