package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/moat-sh/moat/daemon/localapi/wire"
)

// Backend is what moatd does behind the API.
type Backend interface {
	Admit(ctx context.Context, req AdmitRequest) (AdmitResponse, error)
	Register(ctx context.Context, c Container) error
	Unregister(ctx context.Context, namespace, id string) error
}

// ErrBadRequest marks a Backend error caused by the request (a 400).
var ErrBadRequest = errors.New("bad request")

// maxBody bounds a request: an OCI spec of at most wire.MaxSpec and the
// request's other fields.
const maxBody = wire.MaxSpec + 64<<10

// Handler serves the API over b.
func Handler(b Backend) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/admit", func(w http.ResponseWriter, r *http.Request) {
		var req AdmitRequest
		if !decode(w, r, &req) {
			return
		}
		if req.Spec == nil || req.ContainerID == "" {
			reply(w, http.StatusBadRequest, Error{Error: "admit: containerID and spec are required"})
			return
		}
		if req.Spec.Version == "" {
			reply(w, http.StatusBadRequest, Error{Error: "admit: spec: field ociVersion is missing"})
			return
		}
		resp, err := b.Admit(r.Context(), req)
		respond(w, resp, err)
	})
	mux.HandleFunc("POST /v1/containers", func(w http.ResponseWriter, r *http.Request) {
		var c Container
		if !decode(w, r, &c) {
			return
		}
		if c.ID == "" || c.CgroupID == 0 {
			reply(w, http.StatusBadRequest, Error{Error: "register: id and cgroupID are required"})
			return
		}
		respond(w, nil, b.Register(r.Context(), c))
	})
	mux.HandleFunc("DELETE /v1/containers/{id}", func(w http.ResponseWriter, r *http.Request) {
		err := b.Unregister(r.Context(), r.URL.Query().Get("namespace"), r.PathValue("id"))
		respond(w, nil, err)
	})
	return mux
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		reply(w, http.StatusBadRequest, Error{Error: fmt.Sprintf("decode request: %v", err)})
		return false
	}
	return true
}

func respond(w http.ResponseWriter, body any, err error) {
	switch {
	case errors.Is(err, ErrBadRequest):
		reply(w, http.StatusBadRequest, Error{Error: err.Error()})
	case err != nil:
		reply(w, http.StatusInternalServerError, Error{Error: err.Error()})
	case body == nil:
		w.WriteHeader(http.StatusNoContent)
	default:
		reply(w, http.StatusOK, body)
	}
}

func reply(w http.ResponseWriter, code int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}
