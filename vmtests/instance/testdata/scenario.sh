#!/bin/sh
# The instance test's scenario (TestInstance): each check prints ok or
# FAIL; with every check passing it exits with $1, which the host must see.
want=$1 port=$2 fails=0

check() {
	name=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		echo "ok   $name"
	else
		echo "FAIL $name: $(tail -n 3 /tmp/check.out)"
		fails=$((fails + 1))
	fi
}

# wait_for SECONDS COMMAND: run COMMAND every second until it succeeds.
wait_for() {
	i=0
	while [ $i -lt "$1" ]; do
		sh -c "$2" && return 0
		sleep 1
		i=$((i + 1))
	done
	return 1
}

check "root is erofs, read-only, on /dev/mapper/root" grep -q '^/dev/mapper/root / erofs ro' /proc/mounts
check "the root device is dm-verity named root" sh -c '[ "$(cat /sys/block/dm-0/dm/name)" = root ] && [ -n "$(ls /sys/block/dm-0/slaves)" ]'
check "the root refuses writes" sh -c '! touch /probe'
check "dm-verity refuses the block the host tampered with" sh -c '! cat /usr/share/moat/canary >/dev/null'
check "the kernel logs the corrupted block" sh -c 'dmesg | grep -q "verity.*data block.*is corrupted"'
check "the data disk is ext4 on /var, read-write" grep -q ' /var ext4 rw' /proc/mounts
check "the data disk takes writes" touch /var/lib/moat/probe
check "moatd's READY=1 gated the agent" grep -qx ok /run/agent.gate
check "containerd is up" ctr version
check "the busybox image was imported" sh -c 'ctr -n default images ls -q | grep -qx docker.io/library/busybox:latest'

old=$(pidof moatd)
kill -9 "$old"
check "moatd killed with SIGKILL was restarted" wait_for 20 "p=\$(pidof moatd) && [ -n \"\$p\" ] && [ \"\$p\" != $old ]"
check "the restart is on record" wait_for 5 '[ $(wc -l < /var/lib/moat/moatd.starts) -ge 2 ]'

check "moat-supervise ctl kill holds moatd down" moat-supervise ctl kill moatd
check "moatd stays down while held" sh -c 'sleep 2; ! pidof moatd && moat-supervise ctl status | grep -q "^moatd done 0 .* true"'
check "moat-supervise ctl start brings it back" moat-supervise ctl start moatd
check "moatd is back" wait_for 20 'pidof moatd'

touch /run/hang.stop
check "a unit that stopped its watchdog pings was restarted" wait_for 30 '[ $(wc -l < /var/lib/moat/hang.starts) -ge 2 ]'
rm -f /run/hang.stop

check "a container runs" ctr -n default run --rm docker.io/library/busybox:latest t1 echo hi from a container
check "containerd ran it through the runtime wrapper" grep -q create /run/moat-runtime.calls
check "/etc/hosts names the attestation address" grep -q "^10.0.2.100 attest.moat.internal" /etc/hosts
check "the forwarded attestation port answers" sh -c "standin --fetch http://attest.moat.internal:$port/ | grep -q moat-attest-standin"
check "the host gateway is unreachable" sh -c "! standin --fetch http://10.0.2.2:$port/"
check "the outside is unreachable" sh -c "! standin --fetch http://1.1.1.1/"

if [ $fails -eq 0 ]; then
	echo "ALL OK"
	exit "$want"
fi
echo "$fails checks failed"
exit 1
