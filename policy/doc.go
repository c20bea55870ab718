// Package policy is the node policy: the capacity provider's settings
// (schema, validation, defaults) and the admission decision, a pure
// function of a container's OCI spec, its task, the settings and the live
// placement state.
package policy
