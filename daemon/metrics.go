package daemon

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/leverbright/leverbright/lever"
)

// metrics are the daemon's Prometheus series, on a registry of its own.
type metrics struct {
	reg          *prometheus.Registry
	deliveries   *prometheus.CounterVec
	workDone     *prometheus.CounterVec
	leverReqs    *prometheus.CounterVec
	bhReqs       *prometheus.CounterVec
	pushed       *prometheus.CounterVec
	deleted      prometheus.Counter
	notes        prometheus.Counter
	passSeconds  *prometheus.GaugeVec
	passLastOK   *prometheus.GaugeVec
	passRuns     *prometheus.CounterVec
	reloadOK     prometheus.Gauge
	reloads      *prometheus.CounterVec
	needsRestart prometheus.Gauge
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.deliveries = m.counterVec("deliveries_total",
		"Webhook deliveries by source, event and result.", "source", "event", "result")
	m.workDone = m.counterVec("work_total",
		"Queued work finished, by kind and result.", "kind", "result")
	m.leverReqs = m.counterVec("lever_requests_total",
		"Lever API requests by route and status (0: transport error).", "route", "status")
	m.bhReqs = m.counterVec("brighthire_requests_total",
		"BrightHire API requests by route and status (0: transport error).", "route", "status")
	m.pushed = m.counterVec("interviews_pushed_total",
		"Interviews upserted in BrightHire, by what found the change.", "origin")
	m.passRuns = m.counterVec("pass_runs_total",
		"Pass runs by pass and result (ok, error, skipped).", "pass", "result")
	m.reloads = m.counterVec("config_reloads_total", "Config reloads by result.", "result")
	m.deleted = m.counter("interviews_deleted_total", "Interviews deleted in BrightHire.")
	m.notes = m.counter("notes_written_total", "Notes written to Lever.")
	m.passSeconds = m.gaugeVec("pass_duration_seconds",
		"Duration of the last run of each pass.", "pass")
	m.passLastOK = m.gaugeVec("pass_last_success_timestamp_seconds",
		"When each pass last succeeded.", "pass")
	m.reloadOK = m.gauge("config_last_reload_successful",
		"1 if the last config reload succeeded, 0 if it was refused.")
	m.needsRestart = m.gauge("config_needs_restart",
		"1 if the config file holds changes that apply only after a restart.")
	m.reloadOK.Set(1)
	m.reg.MustRegister(collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// opts names a series in the leverbright namespace.
func opts(name, help string) prometheus.Opts {
	return prometheus.Opts{Namespace: "leverbright", Name: name, Help: help}
}

func (m *metrics) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts(opts(name, help)), labels)
	m.reg.MustRegister(v)
	return v
}

func (m *metrics) gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	v := prometheus.NewGaugeVec(prometheus.GaugeOpts(opts(name, help)), labels)
	m.reg.MustRegister(v)
	return v
}

func (m *metrics) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts(opts(name, help)))
	m.reg.MustRegister(c)
	return c
}

func (m *metrics) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts(opts(name, help)))
	m.reg.MustRegister(g)
	return g
}

// register adds the series read from the daemon's state when scraped.
func (m *metrics) register(d *Daemon) {
	m.gaugeFunc("queue_depth", "Items waiting in the inbox.", func() float64 {
		n, _ := d.store.QueueDepth()
		return float64(n)
	})
	m.gaugeFunc("dead_letters", "Items that failed for good, waiting for a person.", func() float64 {
		n, _ := d.store.DeadLetterCount()
		return float64(n)
	})
	m.counterFunc("lever_rate_limit_waits_total", "Lever calls that waited for the limiter.", func() float64 {
		return float64(d.current().leverClient.RateLimitWaits())
	})
}

func (m *metrics) gaugeFunc(name, help string, fn func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts(opts(name, help)), fn))
}

func (m *metrics) counterFunc(name, help string, fn func() float64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts(opts(name, help)), fn))
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func (m *metrics) delivery(source, event, result string) {
	m.deliveries.WithLabelValues(source, event, result).Inc()
}

func (m *metrics) work(kind string, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.workDone.WithLabelValues(workLabel(kind), result).Inc()
}

func (m *metrics) observeLever(_, route string, status int, _ time.Duration) {
	m.leverReqs.WithLabelValues(route, strconv.Itoa(status)).Inc()
}

func (m *metrics) observeBrightHire(_, route string, status int, _ time.Duration) {
	m.bhReqs.WithLabelValues(route, strconv.Itoa(status)).Inc()
}

func (m *metrics) interviewPushed(origin string) { m.pushed.WithLabelValues(origin).Inc() }
func (m *metrics) interviewDeleted()             { m.deleted.Inc() }
func (m *metrics) noteWritten()                  { m.notes.Inc() }

func (m *metrics) passSkipped(name string) { m.passRuns.WithLabelValues(name, "skipped").Inc() }

func (m *metrics) passDone(name string, took time.Duration, err error) {
	m.passSeconds.WithLabelValues(name).Set(took.Seconds())
	if err != nil {
		m.passRuns.WithLabelValues(name, "error").Inc()
		return
	}
	m.passRuns.WithLabelValues(name, "ok").Inc()
	m.passLastOK.WithLabelValues(name).SetToCurrentTime()
}

func (m *metrics) reload(ok bool) {
	if ok {
		m.reloadOK.Set(1)
		m.reloads.WithLabelValues("ok").Inc()
		return
	}
	m.reloadOK.Set(0)
	m.reloads.WithLabelValues("refused").Inc()
}

// knownEvents bounds the event label to names Lever and BrightHire send.
var knownEvents = map[string]bool{
	lever.EventApplicationCreated: true, lever.EventInterviewCreated: true,
	lever.EventInterviewUpdated: true, lever.EventInterviewDeleted: true,
	lever.EventCandidateStageChange: true, lever.EventCandidateArchiveChange: true,
	lever.EventCandidateHired: true, lever.EventCandidateDeleted: true,
	"interview.notes.ready": true,
}

// eventLabel keeps unknown event names, which come from the request, out of the label set.
func eventLabel(name string) string {
	if knownEvents[name] {
		return name
	}
	return "other"
}

// workLabel keeps the kind label to a known set: Lever events and the daemon's own kinds.
func workLabel(kind string) string {
	switch kind {
	case kindForward, kindNotes, kindSyncOpp, kindSyncInterview, kindRemoveOpp:
		return kind
	}
	return eventLabel(kind)
}
