// Package placement keeps moatd's live placement state: which containers
// of which task live on the instance, keyed by containerd namespace and
// container id. Admission reads it (policy.LiveTasks) and reserves the
// container it admits under the same lock, so two creates under
// single-task placement cannot both see an empty instance; the runtime
// wrapper's registration confirms a reservation; the runtime wrapper's
// delete and the containerd watcher's exit events remove containers; the
// watcher's Reconcile replaces the whole state with what containerd says
// after a restart.
//
// A reservation that is never confirmed (containerd failed between
// admission and runc create) expires after ReservationTTL, so it cannot
// block single-task placement for ever.
package placement
