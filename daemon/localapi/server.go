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

// Runtime serves the runtime's calls around runc create, whose bodies
// are wire.RuntimeCall and wire.RuntimeAnswer; containerd/backend's
// Runtime implements it.
type Runtime interface {
	Create(ctx context.Context, call wire.RuntimeCall) (wire.RuntimeAnswer, error)
	Created(ctx context.Context, call wire.RuntimeCall) error
}

// Errors of a Backend or Runtime: ErrBadRequest is caused by the request
// (a 400), ErrRefused is a refusal (a 403); any other is a 500.
var (
	ErrBadRequest = errors.New("bad request")
	ErrRefused    = errors.New("refused")
)

// BadRequest marks err as the request's fault, Refused as a refusal;
// the message stays err's.
func BadRequest(err error) error { return marked{err, ErrBadRequest} }
func Refused(err error) error    { return marked{err, ErrRefused} }

type marked struct {
	error
	kind error
}

func (m marked) Unwrap() []error { return []error{m.error, m.kind} }

// maxBody bounds a request: an OCI spec of at most wire.MaxSpec and the
// request's other fields.
const maxBody = wire.MaxSpec + 64<<10

// Handler serves the API over b and rt.
func Handler(b Backend, rt Runtime) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/runtime/create", func(w http.ResponseWriter, r *http.Request) {
		call, ok := decodeCall(w, r)
		if !ok {
			return
		}
		ans, err := rt.Create(r.Context(), call)
		if err != nil {
			replyText(w, err)
			return
		}
		body, err := ans.MarshalBinary()
		if err != nil {
			replyText(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(body)
	})
	mux.HandleFunc("POST /v1/runtime/created", func(w http.ResponseWriter, r *http.Request) {
		call, ok := decodeCall(w, r)
		if !ok {
			return
		}
		if err := rt.Created(r.Context(), call); err != nil {
			replyText(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
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

// decodeCall reads a wire.RuntimeCall.
func decodeCall(w http.ResponseWriter, r *http.Request) (wire.RuntimeCall, bool) {
	var call wire.RuntimeCall
	b, err := io.ReadAll(io.LimitReader(r.Body, wire.MaxRuntimeCall+1))
	switch {
	case err != nil:
		err = fmt.Errorf("read runtime call: %w", err)
	case len(b) > wire.MaxRuntimeCall:
		err = fmt.Errorf("runtime call is larger than %d bytes", wire.MaxRuntimeCall)
	default:
		err = call.UnmarshalBinary(b)
	}
	if err != nil {
		replyText(w, BadRequest(err))
		return call, false
	}
	return call, true
}

// replyText answers a runtime call's error with its message as plain
// text, which the C front prints as it is.
func replyText(w http.ResponseWriter, err error) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(statusOf(err))
	io.WriteString(w, err.Error())
}

func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, ErrRefused):
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
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
