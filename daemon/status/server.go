package status

import (
	"context"
	"encoding/json"
	"net/http"
)

// Source gives the current status.
type Source interface {
	Status(ctx context.Context) Status
}

// Operator is what an operator may ask of moatd besides reading: reload
// the configuration file, drain the instance now.
type Operator interface {
	Reload(ctx context.Context) error
	RequestDrain(ctx context.Context) error
}

// Handler serves the status socket.
func Handler(src Source, events *Broadcaster) http.Handler {
	mux := http.NewServeMux()
	if op, ok := src.(Operator); ok {
		mux.HandleFunc("POST /v1/reload", action(op.Reload))
		mux.HandleFunc("POST /v1/drain", action(op.RequestDrain))
	}
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(src.Status(r.Context()))
	})
	mux.HandleFunc("GET /v1/events", func(w http.ResponseWriter, r *http.Request) {
		ch, stop := events.Subscribe()
		defer stop()
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.WriteHeader(http.StatusOK)
		flush(w)
		enc := json.NewEncoder(w)
		for {
			select {
			case <-r.Context().Done():
				return
			case rec, ok := <-ch:
				if !ok || enc.Encode(rec) != nil {
					return
				}
				flush(w)
			}
		}
	})
	return mux
}

func action(f func(context.Context) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if err := f(r.Context()); err != nil {
			w.WriteHeader(http.StatusConflict)
			json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}
