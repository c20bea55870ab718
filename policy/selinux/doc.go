// Package selinux is moat's own SELinux policy and the code around it.
//
// The policy is written in CIL under cil/, one file per concern, and is
// compiled with secilc (Compile). It declares every class and permission
// of the kernel it targets (Linux 6.1) and denies the ones it does not
// know (handleunknown deny). Its promises are neverallow rules, so a
// policy that breaks one does not compile.
//
// Sources embeds the CIL files, so CompileEmbedded compiles the policy a
// binary was built with. Verify checks a binary policy's header (magic,
// version the kernel reads, MLS, handle_unknown deny); Load refuses a
// file Verify refuses.
//
// Compile stamps the policy with the digest of its sources
// (SourceDigest), which LoadedSourceDigest reads back from the kernel.
//
// Load, SetEnforce, Mode, PolicySHA256 and LoadedSourceDigest talk to
// the kernel through selinuxfs; on a kernel booted without SELinux they
// fail with an error (ErrNotEnabled) that names the kernel parameters
// to add. PolicySHA256 hashes the kernel's own serialisation of the
// loaded policy, which is not byte for byte the compiled file.
//
// An Allocator hands every live task an MCS category pair of its own
// (all containers of a task share it), and Labels turns a reservation
// into the process and mount labels the container runtime writes into
// each container's OCI spec. After a daemon restart, Reconcile rebuilds
// the reservations from the labels of the live tasks.
//
// docs/selinux.md describes the types, the rules and how to change them.
package selinux
