// Package policy is the node policy: the capacity provider's settings
// (schema, validation, defaults) and the admission decision, a pure
// function of a container's OCI spec, its task, the settings and the live
// placement state.
//
// Settings come from the daemon's config file under the key
// capacityProvider. They decode strictly (Settings implements
// yaml.Unmarshaler; ParseSettings reads a standalone document): an unknown
// or repeated key, a wrong type, a misspelled, repeated or default
// capability, or an invalid placement is a *FieldError naming the field
// path, such as capacityProvider.privilegedCapabilities[1], and for
// capability names the closest valid name. Capability names are accepted
// with or without the CAP_ prefix and in any case; the canonical form is
// CAP_NET_ADMIN.
//
// Admit is the one decision every containerd integration calls. It reads
// no file and keeps no state, so it is safe to call concurrently; the
// caller serialises admission with its placement bookkeeping so that two
// creates under single-task placement cannot both see an empty instance.
// An allowed container comes with Adjustments: the task's SELinux labels
// (Apply writes them into the spec) and the mask of privileged capabilities
// to register in the BPF capability gate. A denied one comes with a reason
// that names what was asked, what the provider allows and the setting to
// change. docs/admission.md has the table of rules.
//
// CapSet is the capability bit mask (bit n is capability n, up to
// CAP_CHECKPOINT_RESTORE, 40) that the BPF gate takes per container.
package policy
