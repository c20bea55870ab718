package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/moat-sh/moat/attest"
	"github.com/moat-sh/moat/demo/result"
)

// instanceStatus asks moat-attestd's operator API for the demo instance.
func (s *attestd) instanceStatus(ctx context.Context) (attest.InstanceStatus, error) {
	var st attest.InstanceStatus
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+s.addr+"/v1/instances/"+InstanceID, nil)
	if err != nil {
		return st, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var ref attest.Refusal
		json.NewDecoder(resp.Body).Decode(&ref)
		return st, fmt.Errorf("GET /v1/instances/%s: %s: %s", InstanceID, resp.Status, ref.Error)
	}
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// finalCheck is the driver's own look at the server once the VM is gone:
// it must hold the instance's reports, the last one draining, with the
// drain-by and terminate-by the instance claimed.
func (s *attestd) finalCheck(ctx context.Context) result.Result {
	r := result.Result{ID: "server", Promise: "the attestation server (host side) holds the instance's reports, the last one draining, with drain-by and terminate-by"}
	st, err := s.instanceStatus(ctx)
	if err != nil {
		r.Evidence = err.Error()
		return r
	}
	r.Evidence = describe(st)
	if st.Latest == nil {
		r.Evidence = "no report stored: " + r.Evidence
		return r
	}
	lt := st.Latest.Claims.Lifetime
	r.OK = lt.Draining && !lt.DrainBy.IsZero() && !lt.TerminateBy.IsZero()
	return r
}

// describe is one line about an instance as the server sees it.
func describe(st attest.InstanceStatus) string {
	b := &strings.Builder{}
	fmt.Fprintf(b, "%s %s", st.InstanceID, st.Compliance.State)
	if len(st.Compliance.Reasons) > 0 {
		fmt.Fprintf(b, " (%s)", strings.Join(st.Compliance.Reasons, "; "))
	}
	fmt.Fprintf(b, ", %d reports", st.LastSequence)
	if st.Latest != nil {
		lt := st.Latest.Claims.Lifetime
		fmt.Fprintf(b, ", launch %s, drain-by %s, terminate-by %s, draining %v", stamp(lt.LaunchTime), stamp(lt.DrainBy), stamp(lt.TerminateBy), lt.Draining)
		if lt.DrainReason != "" {
			fmt.Fprintf(b, " (%s)", lt.DrainReason)
		}
	}
	return b.String()
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
