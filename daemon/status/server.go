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

// Handler serves the status socket.
func Handler(src Source, events *Broadcaster) http.Handler {
	mux := http.NewServeMux()
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

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}
