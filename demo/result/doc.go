// Package result is the contract between the demo's scenario (in the
// instance VM) and its host driver: Result.String writes a promise's line,
// Parse reads it back; any other output line is narration.
package result
