#!/usr/bin/env bash
# codevf-task.sh: opens a CodeVF task from a script and stays in it until the session ends.
# Speaks newline-delimited JSON-RPC to codevf-agent through a coproc. Engineer messages go to stdout;
# each line on stdin is sent to the engineer; command requests are answered from a policy file
# (exact command strings allowed, everything else denied). Method names come from schemas/methods.json.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
METHODS=${CODEVF_METHODS:-$HERE/../../schemas/methods.json}
read -r -a AGENT_CMD <<< "${CODEVF_AGENT:-codevf-agent}"
POLICY=''

usage() {
  cat >&2 <<'EOF'
Usage: codevf-task.sh --policy FILE [--agent "CMD"] [--methods FILE] "describe the issue"

  --policy FILE   JSON policy: {"version": 1, "allowCommands": ["npm test", ...]}; unlisted requests are denied
  --agent CMD     the agent command line (default: $CODEVF_AGENT or codevf-agent)
  --methods FILE  the generated method table (default: $CODEVF_METHODS or schemas/methods.json of this repo)
Sign in first (codevf login) or set CODEVF_TOKEN. Lines on stdin are sent to the engineer.
EOF
  exit 2
}

die() { printf 'codevf-task: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case $1 in
    --policy) POLICY=${2:?}; shift 2 ;;
    --agent) read -r -a AGENT_CMD <<< "${2:?}"; shift 2 ;;
    --methods) METHODS=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    --*) usage ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] && [ -n "$POLICY" ] || usage
DESCRIPTION=$1
command -v jq >/dev/null || die "jq is required (apt-get install jq)"
[ -r "$METHODS" ] || die "cannot read the method table $METHODS (set CODEVF_METHODS)"
jq -e '.version == 1 and (.allowCommands // [] | type == "array")' "$POLICY" >/dev/null 2>&1 \
  || die "invalid policy file $POLICY: expected {\"version\": 1, \"allowCommands\": [...]}"

# Wire name of a method or notification, looked up by its generated type name.
method() {
  jq -er --arg t "$1" '.methods | to_entries[] | select(.value.typeName == $t) | .key' "$METHODS" \
    || die "the method table has no $1"
}
M_INITIALIZE=$(method Initialize); M_CREATE_TASK=$(method CreateTask); M_SEND=$(method SendMessage)
M_APPROVE=$(method ApproveCommand); M_UPLOAD=$(method UploadFile); M_SHUTDOWN=$(method Shutdown); M_EXIT=$(method Exit)
N_MESSAGE=$(method EngineerMessage); N_CONNECTED=$(method EngineerConnected); N_COMMAND=$(method RequestCommand)
N_FILE=$(method RequestFile); N_FINISHED=$(method CommandFinished); N_END=$(method SessionEnd)

coproc AGENT { exec "${AGENT_CMD[@]}" --framing ndjson; }
# Coproc descriptors are not inherited by subshells; duplicates are (the stdin reader below needs one).
exec {TO_AGENT}>&"${AGENT[1]}" {FROM_AGENT}<&"${AGENT[0]}"
NEXT_ID=0
READER_PID=''

send() { printf '%s\n' "$1" >&"$TO_AGENT"; }
notify() { send "$(jq -nc --arg m "$1" '{jsonrpc: "2.0", method: $m, params: {}}')"; }
request() {
  NEXT_ID=$((NEXT_ID + 1))
  send "$(jq -nc --arg m "$1" --argjson p "$2" --arg id "s-$NEXT_ID" '{jsonrpc: "2.0", id: $id, method: $m, params: $p}')"
}

# Reads until the response to request s-$NEXT_ID, handling notifications meanwhile; prints its result.
await_result() {
  local line
  while IFS= read -r line <&"$FROM_AGENT"; do
    if [ "$(jq -r '.id // empty' <<< "$line")" = "s-$NEXT_ID" ]; then
      jq -e 'has("result")' <<< "$line" >/dev/null || die "request failed: $(jq -c .error <<< "$line")"
      jq -c .result <<< "$line"
      return 0
    fi
    handle "$line" || true
  done
  die "the agent exited"
}

# Policy check: the exact string listed (for the project root, or {command, cwd} for a subfolder), never chaining.
allowed() {
  jq -e --arg c "$1" --arg cwd "$2" --arg root "$ROOT" '
    ($c | test("[;&|`<>()\\n]|\\$[({]") | not) and
    any(.allowCommands[]?; if type == "string" then . == $c and $cwd == $root
                           else .command == $c and ($root + "/" + .cwd) == $cwd end)' "$POLICY" >/dev/null
}

handle() {
  local line=$1 m p id decision
  m=$(jq -r '.method // empty' <<< "$line")
  p=$(jq -c '.params // {}' <<< "$line")
  case $m in
    "$N_MESSAGE") printf 'engineer: %s\n' "$(jq -r .text <<< "$p")" ;;
    "$N_CONNECTED") printf 'engineer %s connected\n' "$(jq -r .engineer.name <<< "$p")" ;;
    "$N_COMMAND")
      id=$(jq -r .requestId <<< "$p")
      if allowed "$(jq -r .command <<< "$p")" "$(jq -r .workingDirectory <<< "$p")"; then decision=allow; else decision=deny; fi
      printf 'request %s: %s -> %s\n' "$id" "$(jq -r .command <<< "$p")" "$decision"
      send "$(jq -nc --arg m "$M_APPROVE" --arg r "$id" --arg d "$decision" \
        '{jsonrpc: "2.0", id: ("a-" + $r), method: $m, params: {requestId: $r, decision: $d}}')" ;;
    "$N_FILE")
      id=$(jq -r .requestId <<< "$p")
      printf 'request %s: file %s -> deny\n' "$id" "$(jq -r .path <<< "$p")"
      send "$(jq -nc --arg m "$M_UPLOAD" --arg r "$id" '{jsonrpc: "2.0", id: ("f-" + $r), method: $m, params: {requestId: $r, decision: "deny"}}')" ;;
    "$N_FINISHED") printf 'command %s finished: exit %s\n' "$(jq -r .requestId <<< "$p")" "$(jq -r .exitCode <<< "$p")" ;;
    "$N_END") printf 'session ended: %s minutes, %s credits\n' "$(jq -r .minutes <<< "$p")" "$(jq -r .creditsUsed <<< "$p")"; return 1 ;;
    '') jq -e 'has("error")' <<< "$line" >/dev/null && printf 'codevf-task: %s\n' "$(jq -c .error <<< "$line")" >&2 ;;
  esac
  return 0
}

# Polite stop: shutdown then exit (the agent answers, cleans up and exits); the reader of stdin goes too.
finish() {
  if [ -n "$READER_PID" ]; then kill "$READER_PID" 2>/dev/null || true; fi
  { request "$M_SHUTDOWN" '{}'; notify "$M_EXIT"; } 2>/dev/null || true
  exec {TO_AGENT}>&-
  wait "$AGENT_PID" 2>/dev/null || true
}
trap finish EXIT

request "$M_INITIALIZE" '{"clientInfo": {"name": "codevf-task.sh", "version": "1"}, "capabilities": {"approvals": true}}'
await_result >/dev/null
ROOT=$(pwd -P)
request "$M_CREATE_TASK" "$(jq -nc --arg d "$DESCRIPTION" '{description: $d}')"
TASK_ID=$(await_result | jq -r .taskId)
printf 'task %s\n' "$TASK_ID"

# stdin lines become messages; ids are m-N so the main loop ignores their responses. A background job's
# stdin would be /dev/null, so the reader gets a copy of ours.
exec {IN}<&0
( n=0; while IFS= read -r text <&"$IN"; do
    [ -z "$text" ] && continue
    n=$((n + 1))
    send "$(jq -nc --arg m "$M_SEND" --arg t "$TASK_ID" --arg x "$text" --arg id "m-$n" '{jsonrpc: "2.0", id: $id, method: $m, params: {taskId: $t, text: $x}}')"
  done ) &
READER_PID=$!

while IFS= read -r line <&"$FROM_AGENT"; do
  handle "$line" || exit 0
done
die "the agent exited before the session ended"
