#!/usr/bin/env bash
# A 3-node dqlite cluster on 127.0.0.1 for the remote specs and the benchmark.
#
#   scripts/dqlite-cluster.sh start    # nodes on 127.0.0.1:9001-9003 (API 9011-9013), waits until all vote
#   scripts/dqlite-cluster.sh status   # one line per node: pid, address, alive or not
#   scripts/dqlite-cluster.sh stop     # kills exactly the PIDs it started (.tmp/dqlite-9000/n*.pid)
#   scripts/dqlite-cluster.sh restart-node N   # starts node N again (after a spec killed it)
#
# Ports: DQLITE_PORT_BASE (default 9000: nodes 9001..9003, API 9011..9013); each base has its own
# folder, so a spec can run a private cluster (spec/remote-failover.test.ts kills its nodes).
# Every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE="${DQLITE_PORT_BASE:-9000}"
DIR="$PWD/.tmp/dqlite-$BASE"
NODES=(1 2 3)

db_addr() { echo "127.0.0.1:$((BASE + $1))"; }
api_addr() { echo "127.0.0.1:$((BASE + 10 + $1))"; }
pid_file() { echo "$DIR/n$1.pid"; }

alive() {
  local f
  f="$(pid_file "$1")"
  [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null
}

ensure_installed() {
  if command -v dqlite-demo >/dev/null 2>&1; then return 0; fi
  echo "dqlite-demo is missing: installing go-dqlite with apt-get" >&2
  local sudo=""
  if [[ "$(id -u)" != 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq go-dqlite >/dev/null
  command -v dqlite-demo >/dev/null 2>&1 || {
    echo "go-dqlite installed but dqlite-demo is still missing" >&2
    exit 1
  }
}

start_node() {
  local n="$1" join=()
  if alive "$n"; then return 0; fi
  # A node's data directory keeps its identity: a restarted node rejoins with it.
  # The first node of a new cluster bootstraps it; every other start joins through the others.
  if [[ "$n" != 1 || -d "$DIR/n1" ]]; then
    local others=() m
    for m in "${NODES[@]}"; do [[ "$m" == "$n" ]] || others+=("$(db_addr "$m")"); done
    join=(--join "$(IFS=,; echo "${others[*]}")")
  fi
  mkdir -p "$DIR/n$n"
  nohup dqlite-demo --api "$(api_addr "$n")" --db "$(db_addr "$n")" -D "$DIR/n$n" "${join[@]}" \
    >"$DIR/n$n.log" 2>&1 &
  echo $! >"$(pid_file "$n")"
}

# Waits (bounded) until `dqlite .cluster` lists three voters.
wait_voters() {
  local deadline=$((SECONDS + ${1:-30})) out n
  while ((SECONDS < deadline)); do
    for n in "${NODES[@]}"; do
      out="$(timeout 3 dqlite -s "$(db_addr "$n")" demo .cluster 2>/dev/null || true)"
      if [[ "$(grep -c '|voter' <<<"$out" || true)" == 3 ]]; then return 0; fi
    done
    sleep 0.5
  done
  return 1
}

wait_port() {
  local deadline=$((SECONDS + ${2:-20}))
  while ((SECONDS < deadline)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$((BASE + $1))") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  return 1
}

cmd_start() {
  ensure_installed
  mkdir -p "$DIR"
  if ! alive 1 && ! alive 2 && ! alive 3; then rm -rf "$DIR"/n1 "$DIR"/n2 "$DIR"/n3; fi
  start_node 1
  wait_port 1 || { echo "node 1 did not listen on $(db_addr 1); see $DIR/n1.log" >&2; cmd_stop; exit 1; }
  start_node 2
  start_node 3
  if wait_voters 40; then
    echo "dqlite cluster up: $(db_addr 1),$(db_addr 2),$(db_addr 3)"
  else
    echo "dqlite cluster did not form within 40 s; see $DIR/n*.log" >&2
    cmd_stop
    exit 1
  fi
}

cmd_restart_node() {
  local n="$1"
  ensure_installed
  mkdir -p "$DIR"
  # A node killed while it led sometimes never listens when started again at once (seen with
  # go-dqlite 1.11.5): it is stopped (its own PID) and started again, at most three times.
  local try
  for try in 1 2 3; do
    start_node "$n"
    if wait_port "$n" 20; then break; fi
    stop_node "$n"
    if [[ "$try" == 3 ]]; then echo "node $n did not listen after 3 starts; see $DIR/n$n.log" >&2; exit 1; fi
  done
  wait_voters 30 || { echo "node $n listens, but the cluster has not three voters within 30 s" >&2; exit 1; }
  echo "node $n up: $(db_addr "$n")"
}

# Stops node N: exactly the PID in its PID file (TERM, then KILL after 5 s).
stop_node() {
  local f pid
  f="$(pid_file "$1")"
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$f"
}

cmd_stop() {
  local n
  for n in "${NODES[@]}"; do stop_node "$n"; done
  echo "dqlite cluster stopped"
}

cmd_status() {
  local n
  for n in "${NODES[@]}"; do
    if alive "$n"; then echo "node $n: pid $(cat "$(pid_file "$n")") $(db_addr "$n") alive"; else echo "node $n: $(db_addr "$n") down"; fi
  done
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  restart-node) cmd_restart_node "${2:?node number 1-3}" ;;
  *)
    echo "usage: $0 start|stop|status|restart-node N" >&2
    exit 2
    ;;
esac
