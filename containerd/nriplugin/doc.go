// Package nriplugin is moat's NRI plugin for the CRI path: on every
// CreateContainer it asks moatd for admission through the local API and
// rejects what moatd does not explicitly allow, with moatd's reason in the
// error that containerd returns to the CRI client (crictl, the kubelet).
//
// NRI (v0.11, containerd 2.2) shows a plugin a partial view of the
// container: namespaces, mounts, devices, device cgroup rules, sysctls,
// the seccomp profile type, user, rlimits, args, env, annotations and
// labels, but no capabilities and no SELinux label; and its adjustments
// cannot set SELinux labels. SpecOf turns that view into an OCI spec for
// admission, so the plugin refuses early what NRI shows (host namespaces,
// sensitive mounts, all devices, unconfined seccomp, placement); the
// runtime wrapper (package containerd/runtime) checks the complete spec
// with capabilities again at runc create and writes the SELinux labels.
// The plugin records the labels moatd chose as annotations (AnnotationProcessLabel,
// AnnotationMountLabel) for the record only: nothing trusts them.
//
// Made required with NRI's default validator (required_plugins), a
// missing or dead plugin means no CRI container is created; see
// docs/containerd.md.
package nriplugin
