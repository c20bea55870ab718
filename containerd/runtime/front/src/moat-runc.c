/*
 * moat-runc: the front of moat's OCI runtime wrapper (package
 * github.com/moat-sh/moat/containerd/runtime/front says why it is C).
 *
 * containerd's runc shim runs it as "runc" for every runc call. A call
 * whose verb it can tell for certain and that decides nothing (start,
 * state, kill, delete, ...) goes straight to the real runc (MOAT_RUNC,
 * default /usr/sbin/runc). A create whose verb it can tell is admitted
 * by moatd, which reads and labels the spec: the front asks moatd, runs
 * runc create, then asks moatd to register the container, and deletes
 * it if moatd cannot. Every other call (exec, run, restore, and any
 * command line it does not understand) goes to moat-runtime, the Go
 * wrapper next to it, which parses it in full.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

/* Verbs that create nothing and change no container's rights. */
static const char *const direct[] = {
	"start", "state", "kill", "delete", "features", "ps", "events",
	"pause", "resume", "update", "list", NULL,
};

/* runc's global flags: those that take a value, and those that do not. */
static const char *const valued[] = {"--root", "--log", "--log-format", "--criu", "--rootless", NULL};
static const char *const boolean[] = {"--debug", "--systemd-cgroup", NULL};

/* runc's --log and --log-format, where a failure is reported as runc does. */
static const char *log_path, *log_format;

static int in(const char *const *set, const char *s)
{
	for (; *set; set++)
		if (strcmp(*set, s) == 0)
			return 1;
	return 0;
}

/* The value of "--name=value" for a flag that takes one, else NULL. */
static const char *valued_inline(const char *s)
{
	for (const char *const *v = valued; *v; v++) {
		size_t n = strlen(*v);
		if (strncmp(s, *v, n) == 0 && s[n] == '=')
			return s + n + 1;
	}
	return NULL;
}

static void global(const char *flag, const char *value)
{
	if (strncmp(flag, "--log=", 6) == 0 || strcmp(flag, "--log") == 0)
		log_path = value;
	else if (strncmp(flag, "--log-format", 12) == 0)
		log_format = value;
}

/*
 * verb returns the index of the verb, or 0 when the command line holds a
 * flag this front does not know: runc's parser and this one could then
 * disagree on where the verb is, and only moat-runtime may decide.
 */
static int verb(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *value;
		if (a[0] != '-')
			return i;
		if (in(boolean, a))
			continue;
		if ((value = valued_inline(a))) {
			global(a, value);
			continue;
		}
		if (in(valued, a) && i + 1 < argc) {
			global(a, argv[++i]);
			continue;
		}
		return 0;
	}
	return 0;
}

/* json appends s to out, escaped as a JSON string's content. */
static size_t json(char *out, size_t cap, const char *s)
{
	size_t n = 0;
	for (; *s && n + 7 < cap; s++) {
		unsigned char c = *s;
		if (c == '"' || c == '\\')
			n += sprintf(out + n, "\\%c", c);
		else if (c < 0x20)
			n += sprintf(out + n, "\\u%04x", c);
		else
			out[n++] = c;
	}
	out[n] = '\0';
	return n;
}

/*
 * report prints "moat: " and the message to stderr and appends it to the
 * --log file as runc logs an error, where containerd's shim reads the
 * reason it gives the client ("OCI runtime create failed: moat: ...").
 */
static void report(const char *format, ...)
{
	char msg[4096], esc[6 * sizeof msg], now[64], line[sizeof esc + 128];
	va_list ap;
	va_start(ap, format);
	int n = snprintf(msg, sizeof msg, "moat: ");
	vsnprintf(msg + n, sizeof msg - n, format, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", msg);
	if (!log_path)
		return;
	int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "moat: open runc log %s: %s\n", log_path, strerror(errno));
		return;
	}
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t t = strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(now + t, sizeof now - t, ".%09ldZ", ts.tv_nsec);
	json(esc, sizeof esc, msg);
	if (log_format && strcmp(log_format, "json") == 0)
		n = snprintf(line, sizeof line, "{\"level\":\"error\",\"msg\":\"%s\",\"time\":\"%s\"}\n", esc, now);
	else
		n = snprintf(line, sizeof line, "time=\"%s\" level=error msg=\"%s\"\n", now, esc);
	if (n >= (int)sizeof line)
		n = sizeof line - 1;
	if (write(fd, line, n) != n)
		fprintf(stderr, "moat: write runc log %s: %s\n", log_path, strerror(errno));
	close(fd);
}

/* same: do a and b name one file? */
static int same(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];
	return realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0;
}

/* runc is the real runc, or NULL (said why) when it is this front. */
static const char *runc(void)
{
	const char *path = getenv("MOAT_RUNC");
	if (!path || !*path)
		path = "/usr/sbin/runc";
	if (same(path, "/proc/self/exe")) {
		fprintf(stderr, "moat-runc: MOAT_RUNC=%s is moat's runtime itself: set it to the real runc, such as /usr/sbin/runc\n", path);
		return NULL;
	}
	return path;
}

static int run_runc(char **argv)
{
	const char *path = runc();
	if (!path)
		return 1;
	argv[0] = "runc";
	execv(path, argv);
	fprintf(stderr, "moat-runc: exec %s: %s\n", path, strerror(errno));
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

/*
 * timeout_ms reads MOAT_ADMIT_TIMEOUT, a Go duration (20s, 1m30s,
 * 500ms), for each call to moatd: default 20 s, -1 when it is invalid.
 */
static long timeout_ms(void)
{
	static const struct { const char *unit; double ms; } units[] = {
		{"ns", 1e-6}, {"us", 1e-3}, {"\xc2\xb5s", 1e-3}, {"ms", 1}, {"s", 1e3}, {"m", 6e4}, {"h", 3.6e6},
	};
	const char *s = getenv("MOAT_ADMIT_TIMEOUT");
	if (!s || !*s)
		return 20000;
	double total = 0;
	for (const char *p = s; *p;) {
		double n = 0, scale = 1;
		int digits = 0;
		for (; *p >= '0' && *p <= '9'; p++, digits++)
			n = n * 10 + (*p - '0');
		if (*p == '.')
			for (p++; *p >= '0' && *p <= '9'; p++, digits++)
				n += (*p - '0') * (scale /= 10);
		size_t best = 0, k = 0;
		for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
			size_t len = strlen(units[i].unit);
			if (strncmp(p, units[i].unit, len) == 0 && len > best)
				best = len, k = i;
		}
		if (digits == 0 || best == 0)
			return -1;
		total += n * units[k].ms;
		p += best;
	}
	if (total <= 0 || total >= 1e9)
		return -1;
	return total < 1 ? 1 : (long)total;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* wait_fd waits until fd is ready for events, or fails at the deadline. */
static int wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		struct pollfd p = {.fd = fd, .events = events};
		int r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static int send_all(int fd, const char *p, size_t n, long long deadline)
{
	while (n > 0) {
		if (wait_fd(fd, POLLOUT, deadline) < 0)
			return -1;
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno != EINTR && errno != EAGAIN)
			return -1;
		if (w > 0)
			p += w, n -= w;
	}
	return 0;
}

#define MAX_CALL (64 << 10) /* wire.MaxRuntimeCall */

static int fail(char *err, size_t cap, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	vsnprintf(err, cap, format, ap);
	va_end(ap);
	return -1;
}

struct answer {
	int status;  /* the HTTP status; 0 when moatd did not answer */
	char body[MAX_CALL + 1];
	size_t len;  /* of body, which is NUL-terminated too */
};

/*
 * exchange sends one HTTP/1.0 request to moatd and reads its answer,
 * which ends where the connection does; it returns -1 with the reason in
 * err when there is none.
 */
static int exchange(int fd, const char *path, const char *body, size_t len, struct answer *a, long long deadline,
		    char *err, size_t cap)
{
	char head[256];
	int n = snprintf(head, sizeof head,
		"POST %s HTTP/1.0\r\nHost: moatd\r\nContent-Type: application/octet-stream\r\nContent-Length: %zu\r\n\r\n",
		path, len);
	/*
	 * A send that fails may still have an answer behind it: a moatd that
	 * does not know the path answers before it reads the body, and
	 * closes.
	 */
	int sent = send_all(fd, head, n, deadline) == 0 && send_all(fd, body, len, deadline) == 0;
	int send_errno = errno;
	static char raw[MAX_CALL + 1024];
	size_t got = 0;
	for (;;) {
		if (wait_fd(fd, POLLIN, deadline) < 0) {
			if (!sent)
				break;
			return fail(err, cap, "read answer: %s", strerror(errno));
		}
		ssize_t r = recv(fd, raw + got, sizeof raw - got, MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno == ECONNRESET && got > 0))
			break;
		if (r < 0 && errno != EINTR && errno != EAGAIN) {
			if (!sent)
				break;
			return fail(err, cap, "read answer: %s", strerror(errno));
		}
		if (r > 0 && (got += r) == sizeof raw)
			return fail(err, cap, "answer larger than %zu bytes", sizeof raw);
	}
	raw[got] = '\0';
	char *end = memmem(raw, got, "\r\n\r\n", 4);
	int status = 0;
	if (!end || sscanf(raw, "HTTP/1.%*1[01] %3d", &status) != 1 || status < 100) {
		if (!sent)
			return fail(err, cap, "send: %s", strerror(send_errno));
		return fail(err, cap, "malformed HTTP answer");
	}
	a->len = raw + got - (end + 4);
	if (a->len > MAX_CALL)
		return fail(err, cap, "answer larger than %d bytes", MAX_CALL);
	memcpy(a->body, end + 4, a->len);
	a->body[a->len] = '\0';
	a->status = status;
	return 0;
}

/*
 * call posts a runtime call (package wire's RuntimeCall: NUL-terminated
 * strings) to moatd; a->status is 0 when moatd did not answer, and the
 * body then says why.
 */
static void call(const char *path, const char *body, size_t len, struct answer *a)
{
	const char *sock = getenv("MOAT_SOCKET");
	if (!sock || !*sock)
		sock = "/run/moat/moatd.sock";
	a->status = 0;
	long ms = timeout_ms();
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (ms < 0) {
		snprintf(a->body, sizeof a->body, "MOAT_ADMIT_TIMEOUT=%s: want a positive duration such as 20s", getenv("MOAT_ADMIT_TIMEOUT"));
		return;
	}
	if (strlen(sock) >= sizeof addr.sun_path) {
		snprintf(a->body, sizeof a->body, "MOAT_SOCKET=%s: longer than a unix socket's path may be", sock);
		return;
	}
	strcpy(addr.sun_path, sock);
	long long deadline = now_ms() + ms;
	char err[512];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000};
	int r = fd < 0 ? -1 : setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	while (r == 0 && (r = connect(fd, (struct sockaddr *)&addr, sizeof addr)) < 0 && errno == EINTR)
		r = 0;
	if (r < 0)
		r = fail(err, sizeof err, "connect: %s", strerror(errno));
	else
		r = exchange(fd, path, body, len, a, deadline, err, sizeof err);
	if (r < 0)
		snprintf(a->body, sizeof a->body, "moatd at %s: %s (is moatd running?)", sock, err);
	if (fd >= 0)
		close(fd);
}

/* runtime_call is the body of a call: the working directory, then argv. */
static size_t runtime_call(char *out, size_t cap, const char *dir, char **argv)
{
	size_t n = 0, len = strlen(dir) + 1;
	if (len > cap)
		return 0;
	memcpy(out, dir, len);
	n = len;
	for (; *argv; argv++) {
		len = strlen(*argv) + 1;
		if (n + len > cap)
			return 0;
		memcpy(out + n, *argv, len);
		n += len;
	}
	return n;
}

/* spawn runs the real runc with argv and returns its exit status. */
static int spawn(const char *path, char **argv)
{
	pid_t pid = fork();
	if (pid < 0) {
		report("fork runc: %s", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		execv(path, argv);
		fprintf(stderr, "moat-runc: exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			report("wait for runc: %s", strerror(errno));
			return 1;
		}
	if (WIFSIGNALED(st)) {
		report("%s was killed by signal %d", path, WTERMSIG(st));
		return 1;
	}
	return WEXITSTATUS(st);
}

/* force_delete removes a created container that moatd did not register. */
static void force_delete(const char *path, int v, char **argv, const char *id)
{
	char **del = calloc(v + 4, sizeof *del);
	if (!del)
		return;
	del[0] = "runc";
	memcpy(del + 1, argv + 1, (v - 1) * sizeof *del);
	del[v] = "delete", del[v + 1] = "--force", del[v + 2] = (char *)id;
	int code = spawn(path, del);
	if (code != 0)
		report("delete unregistered container %s: exit %d", id, code);
	free(del);
}

/*
 * refused reports moatd's refusal of a create: its answer is the
 * message, unless moatd does not know the call (an older moatd).
 */
static void refused(const char *id, const struct answer *a)
{
	if (a->status == 400 || a->status == 403 || a->status == 500)
		report("%s", a->body);
	else
		report("container %s refused: moatd answered %d to /v1/runtime/create: %.200s", id, a->status, a->body);
}

/*
 * create admits, creates and registers one container, argv[v] being
 * "create". moatd parses the command line itself and answers with the
 * container's id and any arguments to add after "create" (a --pid-file
 * when there is none). Before it answers, messages name the last
 * argument, where containerd's shim puts the id.
 */
static int create(int argc, char **argv, int v)
{
	const char *path = runc(), *id = argv[argc - 1];
	if (!path)
		return 1;
	char dir[PATH_MAX];
	if (!getcwd(dir, sizeof dir)) {
		report("container %s refused: working directory: %s", id, strerror(errno));
		return 1;
	}
	static char body[MAX_CALL];
	static struct answer a;
	size_t len = runtime_call(body, sizeof body, dir, argv + 1);
	if (len == 0) {
		report("container %s refused: the command line is longer than %d bytes", id, MAX_CALL);
		return 1;
	}
	call("/v1/runtime/create", body, len, &a);
	if (a.status == 0) {
		report("container %s refused: moatd could not decide: %s", id, a.body);
		return 1;
	}
	if (a.status != 200) {
		refused(id, &a);
		return 1;
	}
	if (a.len == 0 || a.body[0] == '\0' || a.body[a.len - 1] != '\0') {
		report("container %s refused: moatd's answer to create is malformed", id);
		return 1;
	}
	/* The answer: the id, then the arguments to add, each NUL-terminated. */
	int extra = 0;
	for (size_t i = 0; i < a.len; i++)
		extra += a.body[i] == '\0';
	char **args = calloc(argc + extra, sizeof *args);
	if (!args) {
		report("container %s refused: out of memory", id);
		return 1;
	}
	id = a.body;
	int n = 0;
	args[n++] = "runc";
	for (int i = 1; i <= v; i++)
		args[n++] = argv[i];
	for (char *p = a.body + strlen(a.body) + 1; p < a.body + a.len; p += strlen(p) + 1)
		args[n++] = p;
	for (int i = v + 1; i < argc; i++)
		args[n++] = argv[i];
	int code = spawn(path, args);
	if (code != 0)
		return code; /* runc logged its own reason */
	static struct answer r;
	len = runtime_call(body, sizeof body, dir, args + 1);
	if (len == 0)
		snprintf(r.body, sizeof r.body, "the command line is longer than %d bytes", MAX_CALL);
	else
		call("/v1/runtime/created", body, len, &r);
	if (r.status / 100 == 2)
		return 0;
	force_delete(path, v, argv, id);
	report("container %s deleted: %s", id, r.body);
	return 1;
}

int main(int argc, char **argv)
{
	int v = verb(argc, argv);
	if (v > 0 && in(direct, argv[v]))
		return run_runc(argv);
	if (v > 0 && strcmp(argv[v], "create") == 0)
		return create(argc, argv, v);
	return run_wrapper(argv);
}
