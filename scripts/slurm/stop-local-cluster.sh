#!/usr/bin/env bash
# Stops the single-node cluster started by start-local-cluster.sh (same MOELAB_SLURM_DIR): cancels
# remaining jobs, then stops slurmd, slurmctld and munged by the pids they recorded in the state dir.
# Pass --purge to also delete the state dir. Safe to run when nothing is running.
set -uo pipefail

STATE_DIR="${MOELAB_SLURM_DIR:-/tmp/moelab-slurm}"
CONF="$STATE_DIR/etc/slurm.conf"

stop_pidfile() {
  local name="$1" pidfile="$STATE_DIR/run/$1.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid="$(cat "$pidfile" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    echo "stop-local-cluster: stopped $name ($pid)" >&2
  fi
  rm -f "$pidfile"
}

if [ -f "$CONF" ] && command -v scancel >/dev/null 2>&1; then
  SLURM_CONF="$CONF" timeout 10 scancel --full --quiet --partition=debug >/dev/null 2>&1 || true
fi
stop_pidfile slurmd
stop_pidfile slurmctld
stop_pidfile munged
if [ "${1:-}" = "--purge" ]; then
  rm -rf "$STATE_DIR"
fi
