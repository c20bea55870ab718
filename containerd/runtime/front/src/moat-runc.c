/*
 * moat-runc: the front of moat's OCI runtime wrapper (package
 * github.com/moat-sh/moat/containerd/runtime/front says why it is C).
 *
 * containerd's runc shim runs it as "runc" for every runc call. A call
 * whose verb it can tell for certain and that decides nothing (start,
 * state, kill, delete, ...) goes straight to the real runc (MOAT_RUNC,
 * default /usr/sbin/runc); every other call, create and exec first, and
 * any command line it does not understand, goes to moat-runtime, the Go
 * wrapper next to it, which parses it in full and asks moatd.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Verbs that create nothing and change no container's rights. */
static const char *const direct[] = {
	"start", "state", "kill", "delete", "features", "ps", "events",
	"pause", "resume", "update", "list", NULL,
};

/* runc's global flags: those that take a value, and those that do not. */
static const char *const valued[] = {"--root", "--log", "--log-format", "--criu", "--rootless", NULL};
static const char *const boolean[] = {"--debug", "--systemd-cgroup", NULL};

static int in(const char *const *set, const char *s)
{
	for (; *set; set++)
		if (strcmp(*set, s) == 0)
			return 1;
	return 0;
}

/* "--root=/x" for a flag that takes a value. */
static int valued_inline(const char *s)
{
	for (const char *const *v = valued; *v; v++) {
		size_t n = strlen(*v);
		if (strncmp(s, *v, n) == 0 && s[n] == '=')
			return 1;
	}
	return 0;
}

/*
 * verb returns the index of the verb, or 0 when the command line holds a
 * flag this front does not know: runc's parser and this one could then
 * disagree on where the verb is, and only moat-runtime may decide.
 */
static int verb(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-')
			return i;
		if (in(boolean, a) || valued_inline(a))
			continue;
		if (in(valued, a) && i + 1 < argc) {
			i++;
			continue;
		}
		return 0;
	}
	return 0;
}

/* same: do a and b name one file? */
static int same(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];
	return realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0;
}

static int run_runc(char **argv)
{
	const char *runc = getenv("MOAT_RUNC");
	if (!runc || !*runc)
		runc = "/usr/sbin/runc";
	if (same(runc, "/proc/self/exe")) {
		fprintf(stderr, "moat-runc: MOAT_RUNC=%s is moat's runtime itself: set it to the real runc, such as /usr/sbin/runc\n", runc);
		return 1;
	}
	argv[0] = "runc";
	execv(runc, argv);
	fprintf(stderr, "moat-runc: exec %s: %s\n", runc, strerror(errno));
	return 1;
}

static int run_wrapper(char **argv)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - sizeof "moat-runtime");
	if (n < 0) {
		fprintf(stderr, "moat-runc: /proc/self/exe: %s\n", strerror(errno));
		return 1;
	}
	path[n] = '\0';
	char *slash = strrchr(path, '/');
	if (!slash) {
		fprintf(stderr, "moat-runc: /proc/self/exe is %s, not a path\n", path);
		return 1;
	}
	strcpy(slash + 1, "moat-runtime");
	argv[0] = "moat-runtime";
	execv(path, argv);
	fprintf(stderr, "moat-runc: exec %s: %s\n", path, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	int v = verb(argc, argv);
	if (v > 0 && in(direct, argv[v]))
		return run_runc(argv);
	return run_wrapper(argv);
}
