package attest

import (
	"errors"
)

// refused decides what a refusal means for the spool. Transient ones
// (network, 5xx, nonce, enrolment) return the error: back off, retry.
// A report the server refuses for good is isolated by shrinking the
// batch, then moved to the spool's rejected/ folder with a log line and
// a metric, never dropped silently.
func (r *Reporter) refused(err error, batch []Report) error {
	var re *RefusalError
	if !errors.As(err, &re) {
		return err
	}
	switch re.Code {
	case CodeOversized:
		if len(batch) > 1 {
			r.limit = max(1, len(batch)/2)
			return nil
		}
		return r.quarantine(batch[0], re)
	case CodeReordered, CodeBadSignature, CodeWrongInstance, CodeMalformed, CodeUnsigned:
		return r.isolate(re, batch)
	}
	return err
}

func (r *Reporter) isolate(re *RefusalError, batch []Report) error {
	switch {
	case re.Index != nil && *re.Index > 0 && *re.Index < len(batch):
		r.limit = *re.Index // send the good ones before it first
		return nil
	case re.Index != nil && *re.Index == 0:
		return r.quarantine(batch[0], re)
	case len(batch) > 1:
		r.limit = 1
		return nil
	}
	return re // a single report refused without an index: a race, retry
}

func (r *Reporter) quarantine(rep Report, re *RefusalError) error {
	r.m.rejected.Inc()
	r.cfg.Log.Error("attestation report refused for good; kept in the spool's rejected folder",
		"sequence", rep.Sequence, "code", re.Code, "err", re.Refusal.Error)
	if err := r.spool.Quarantine(rep.Sequence); err != nil {
		return err
	}
	r.limit = r.cfg.BatchSize
	r.spoolLevel()
	return nil
}
