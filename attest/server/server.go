package server

import (
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/moat-sh/moat/attest"
	"github.com/moat-sh/moat/attest/store"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

//go:embed openapi.yaml
var openAPI []byte

// OpenAPI returns the API description that the server serves.
func OpenAPI() []byte { return openAPI }

// Server serves the API over a store.
type Server struct {
	store   *store.Store
	cfg     Config
	log     *slog.Logger
	metrics *metrics
	reg     *prometheus.Registry
	keys    keyCache
	// verifying holds a token per submission being verified, one per core.
	verifying chan struct{}
	// Now is the clock; tests move it.
	Now func() time.Time
}

// New makes a server over st with its own metrics registry. It takes
// over st's group observer (store.ObserveGroups) for its metrics: a
// store serves one Server.
func New(st *store.Store, cfg Config, log *slog.Logger) *Server {
	s := &Server{store: st, cfg: cfg, log: log, reg: prometheus.NewRegistry(), Now: time.Now,
		verifying: make(chan struct{}, runtime.GOMAXPROCS(0))}
	s.metrics = newMetrics(s.reg, s)
	st.ObserveGroups(func(_ int, took time.Duration) { s.metrics.groupSeconds.Observe(took.Seconds()) })
	return s
}

type route struct {
	method, path string
	h            http.HandlerFunc
}

// routes is the API; the OpenAPI test checks the document against it.
func (s *Server) routes() []route {
	return []route{
		{"POST", "/v1/enrol", s.enrol},
		{"POST", "/v1/instances/{id}/nonce", s.nonce},
		{"POST", "/v1/instances/{id}/reports", s.submit},
		{"GET", "/v1/instances", s.operator(s.list)},
		{"GET", "/v1/instances/{id}", s.operator(s.one)},
		{"GET", "/v1/instances/{id}/reports", s.operator(s.history)},
		{"GET", "/v1/summary", s.operator(s.summary)},
		{"POST", "/v1/instances/{id}/packages", s.operator(s.requestPackages)},
		{"GET", "/metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}).ServeHTTP},
		{"GET", "/openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/yaml")
			w.Write(openAPI)
		}},
		{"GET", "/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) }},
	}
}

// Handler routes the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, r := range s.routes() {
		mux.HandleFunc(r.method+" "+r.path, r.h)
	}
	return mux
}

func (s *Server) operator(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		want := "Bearer " + s.cfg.OperatorToken
		got := r.Header.Get("Authorization")
		if s.cfg.OperatorToken != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			s.refuse(w, http.StatusUnauthorized, attest.CodeUnauthorized, errors.New("operator token required"), -1)
			return
		}
		h(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// refuse answers with a Refusal; index < 0 means not about one envelope.
func (s *Server) refuse(w http.ResponseWriter, status int, code string, err error, index int) {
	ref := attest.Refusal{Code: code, Error: err.Error()}
	if index >= 0 {
		ref.Index = &index
	}
	s.metrics.refusals.WithLabelValues(code).Inc()
	writeJSON(w, status, ref)
}

func (s *Server) fail(w http.ResponseWriter, err error) {
	s.log.Error("request failed", "err", err)
	s.metrics.refusals.WithLabelValues("internal").Inc()
	writeJSON(w, http.StatusInternalServerError, attest.Refusal{Code: "internal", Error: "internal error; nothing was acknowledged"})
}
