//go:build !vmtest

package selinux

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Host analysis of the compiled policy with Debian's setools: the
// promises hold in the binary, whatever the sources say. sesearch is
// slow to start, so the rules are read once and checked in Go.

// rule is one allow rule as sesearch prints it, its target expanded to
// the types it names.
type rule struct {
	source, target, class string
	perms                 []string
}

func (r rule) has(perms ...string) bool {
	return slices.ContainsFunc(perms, func(p string) bool { return slices.Contains(r.perms, p) })
}

var ruleLine = regexp.MustCompile(`^allow (\S+) (\S+):(\S+) (?:\{ ([^}]*) \}|(\S+));$`)

// analysis is what the checks read from the compiled policy.
type analysis struct {
	attrs    map[string][]string // attribute → member types
	fromTask map[string][]rule   // every rule a task type is the source of
	all      []rule              // every allow rule
}

var analysed struct {
	once sync.Once
	a    analysis
	err  string
}

func analyse(t *testing.T) analysis {
	t.Helper()
	for _, tool := range []string{"sesearch", "seinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install Debian's setools (apt-get install -y setools, or make deps)", tool)
		}
	}
	policy := compileTree(t)
	analysed.once.Do(func() {
		a := analysis{attrs: attributes(t, policy), fromTask: map[string][]rule{}}
		a.all = readRules(t, policy)
		for _, task := range taskTypes {
			a.fromTask[task] = readRules(t, policy, "-s", task)
		}
		analysed.a = a
	})
	return analysed.a
}

// types expands a type or attribute to its types.
func (a analysis) types(name string) []string {
	if members, ok := a.attrs[name]; ok {
		return members
	}
	return []string{name}
}

func (a analysis) names(name, typ string) bool { return slices.Contains(a.types(name), typ) }

func readRules(t *testing.T, policy string, args ...string) []rule {
	t.Helper()
	out, err := exec.Command("sesearch", append(append([]string{"-A"}, args...), policy)...).CombinedOutput()
	if err != nil {
		t.Fatalf("sesearch %v: %v: %s", args, err, out)
	}
	var rules []rule
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		m := ruleLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("sesearch printed a line this test cannot read: %q", line)
		}
		rules = append(rules, rule{m[1], m[2], m[3], strings.Fields(m[4] + " " + m[5])})
	}
	return rules
}

func attributes(t *testing.T, policy string) map[string][]string {
	t.Helper()
	out, err := exec.Command("seinfo", "-a", "-x", policy).CombinedOutput()
	if err != nil {
		t.Fatalf("seinfo -a: %v: %s", err, out)
	}
	attrs := map[string][]string{}
	var cur string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "attribute":
			cur = strings.TrimSuffix(f[1], ";")
			attrs[cur] = nil
		case len(f) == 1 && cur != "":
			attrs[cur] = append(attrs[cur], f[0])
		}
	}
	if len(attrs) == 0 {
		t.Fatalf("seinfo -a printed no attribute: %s", out)
	}
	return attrs
}

var (
	taskTypes   = []string{"moat_task_t", "moat_task_priv_t"}
	osFileTypes = []string{"moat_os_file_t", "moatd_exec_t", "moat_runtime_exec_t"}
	fileClasses = []string{"file", "dir", "lnk_file", "chr_file", "blk_file", "sock_file", "fifo_file"}
	writePerms  = []string{"write", "append", "create", "setattr", "unlink", "link", "rename",
		"relabelfrom", "relabelto", "mounton", "add_name", "remove_name", "reparent", "rmdir"}
)

func TestSetoolsTasksNeverWriteOSFiles(t *testing.T) {
	a := analyse(t)
	for _, task := range taskTypes {
		for _, r := range a.fromTask[task] {
			for _, os := range osFileTypes {
				if a.names(r.target, os) && slices.Contains(fileClasses, r.class) && r.has(writePerms...) {
					t.Errorf("%s may write %s: %+v", task, os, r)
				}
			}
		}
	}
}

func TestSetoolsTasksNeverTouchSecretsOrState(t *testing.T) {
	a := analyse(t)
	for _, task := range taskTypes {
		for _, r := range a.fromTask[task] {
			for _, target := range []string{"moat_secret_t", "moat_state_t", "moat_bpffs_t", "moat_selinuxfs_t"} {
				if a.names(r.target, target) && slices.Contains(fileClasses, r.class) {
					t.Errorf("%s may access %s: %+v", task, target, r)
				}
			}
		}
	}
}

func TestSetoolsOnlyMoatdReadsSecrets(t *testing.T) {
	a := analyse(t)
	readers := 0
	for _, r := range a.all {
		reads := (r.class == "file" && r.has("read", "map", "execute")) || (r.class == "lnk_file" && r.has("read"))
		if !a.names(r.target, "moat_secret_t") || !reads {
			continue
		}
		if r.source != "moatd_t" {
			t.Errorf("%s may read the secrets: %+v", r.source, r)
		}
		readers++
	}
	if readers == 0 {
		t.Fatal("no rule lets moatd read the secrets")
	}
}

func TestSetoolsTasksEnteredOnlyThroughRuntime(t *testing.T) {
	a := analyse(t)
	for _, task := range taskTypes {
		entered := false
		for _, r := range a.all {
			if r.class != "process" || !a.names(r.target, task) || !r.has("transition", "dyntransition") {
				continue
			}
			if r.source != "moat_runtime_t" {
				t.Errorf("%s may enter %s: %+v", r.source, task, r)
			}
			entered = true
		}
		if !entered {
			t.Errorf("nothing may enter %s: the runtime must", task)
		}
		for _, r := range a.fromTask[task] {
			if r.class == "file" && r.has("entrypoint") && r.target != "moat_task_file_t" {
				t.Errorf("%s is entered from %s: %+v", task, r.target, r)
			}
		}
	}
}

func TestSetoolsTasksLoadNoKernelCode(t *testing.T) {
	a := analyse(t)
	for _, task := range taskTypes {
		for _, r := range a.fromTask[task] {
			if (r.class == "system" && r.has("module_load", "module_request")) ||
				(slices.Contains([]string{"capability", "cap_userns"}, r.class) && r.has("sys_module")) {
				t.Errorf("%s may load kernel code: %+v", task, r)
			}
		}
	}
}

// A privileged task differs from a normal one only by capabilities and
// the BPF and perf objects they are for.
func TestSetoolsPrivilegedTaskAddsOnlyCapabilities(t *testing.T) {
	a := analyse(t)
	extra := []string{"capability", "capability2", "cap_userns", "cap2_userns", "bpf", "perf_event"}
	key := func(r rule, self string) string {
		target := r.target
		if target == self {
			target = "self"
		}
		return target + ":" + r.class + ":" + strings.Join(r.perms, ",")
	}
	normal := map[string]bool{}
	for _, r := range a.fromTask["moat_task_t"] {
		normal[key(r, "moat_task_t")] = true
		if slices.Contains([]string{"capability", "cap_userns"}, r.class) && r.has("sys_admin", "net_admin", "sys_module", "bpf") {
			t.Errorf("normal tasks get a privileged capability: %+v", r)
		}
		if slices.Contains([]string{"capability2", "cap2_userns", "bpf", "perf_event"}, r.class) {
			t.Errorf("normal tasks get a privileged permission: %+v", r)
		}
	}
	for _, r := range a.fromTask["moat_task_priv_t"] {
		if !slices.Contains(extra, r.class) && !normal[key(r, "moat_task_priv_t")] {
			t.Errorf("privileged tasks get more than a normal task besides capabilities: %+v", r)
		}
	}
}

// The policy declares exactly the classes and permissions of Linux 6.1.
func TestSetoolsClassesMatchKernel(t *testing.T) {
	analyse(t)
	policy := compileTree(t)
	want := readClassList(t, "testdata/linux-6.1-classes.txt")
	got := policyClasses(t, policy)
	for class, perms := range want {
		if got[class] != perms {
			t.Errorf("class %s: policy has [%s], Linux 6.1 has [%s]", class, got[class], perms)
		}
	}
	for class := range got {
		if _, ok := want[class]; !ok {
			t.Errorf("class %s is not a Linux 6.1 class", class)
		}
	}
}

func readClassList(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	classes := map[string]string{}
	for s := bufio.NewScanner(f); s.Scan(); {
		if line := s.Text(); line != "" && !strings.HasPrefix(line, "#") {
			class, perms, _ := strings.Cut(line, " ")
			classes[class] = perms
		}
	}
	return classes
}

// policyClasses reads seinfo's classes and commons into class → sorted
// permissions, common ones included.
func policyClasses(t *testing.T, policy string) map[string]string {
	t.Helper()
	commons := seinfoBlocks(t, policy, "--common")
	classes := map[string]string{}
	for name, body := range seinfoBlocks(t, policy, "-c") {
		perms := body.perms
		if body.inherits != "" {
			perms = append(perms, commons[body.inherits].perms...)
		}
		sort.Strings(perms)
		classes[name] = strings.Join(perms, " ")
	}
	return classes
}

type block struct {
	inherits string
	perms    []string
}

// seinfoBlocks parses seinfo -x output: "class NAME" or "common NAME",
// an optional "inherits COMMON", then permissions between braces.
func seinfoBlocks(t *testing.T, policy, flag string) map[string]block {
	t.Helper()
	out, err := exec.Command("seinfo", flag, "-x", policy).CombinedOutput()
	if err != nil {
		t.Fatalf("seinfo %s: %v: %s", flag, err, out)
	}
	blocks := map[string]block{}
	var name string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && (f[0] == "class" || f[0] == "common"):
			name = f[1]
			blocks[name] = block{}
		case len(f) == 2 && f[0] == "inherits" && name != "":
			b := blocks[name]
			b.inherits = f[1]
			blocks[name] = b
		case len(f) == 1 && f[0] != "{" && f[0] != "}" && name != "":
			b := blocks[name]
			b.perms = append(b.perms, f[0])
			blocks[name] = b
		}
	}
	if len(blocks) == 0 {
		t.Fatalf("seinfo %s printed nothing this test can read: %s", flag, out)
	}
	return blocks
}

// The MCS constraints are in the binary: without them categories
// enforce nothing.
func TestSetoolsMCSConstraints(t *testing.T) {
	analyse(t)
	out, err := exec.Command("seinfo", "--constrain", "-x", compileTree(t)).CombinedOutput()
	if err != nil {
		t.Fatalf("seinfo --constrain: %v: %s", err, out)
	}
	for _, class := range []string{"file", "dir", "process", "fd", "unix_stream_socket", "shm", "key", "bpf", "perf_event"} {
		re := regexp.MustCompile(`mlsconstrain ` + class + ` (\{[^}]*\}|\S+)\s*\(\s*h1 dom h2`)
		if !re.Match(out) {
			t.Errorf("no mlsconstrain on %s with h1 dom h2 in the compiled policy", class)
		}
	}
	var covered []string
	for _, m := range regexp.MustCompile(`mlsconstrain process (\{[^}]*\}|\S+)`).FindAllSubmatch(out, -1) {
		covered = append(covered, strings.Fields(strings.Trim(string(m[1]), "{}"))...)
	}
	for _, perm := range []string{"signal", "sigkill", "sigstop", "signull", "sigchld", "ptrace", "transition"} {
		if !slices.Contains(covered, perm) {
			t.Errorf("no MCS constraint covers process %s:\n%s", perm, out)
		}
	}
}

// The binary carries the stamp of the tree's sources.
func TestSetoolsStamp(t *testing.T) {
	analyse(t)
	digest, err := SourceDigest("cil")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("seinfo", compileTree(t), "-b").CombinedOutput()
	if err != nil {
		t.Fatalf("seinfo -b: %v: %s", err, out)
	}
	if !strings.Contains(string(out), stampPrefix+digest) {
		t.Fatalf("the policy has no boolean %s%s:\n%s", stampPrefix, digest, out)
	}
}
