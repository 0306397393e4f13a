#!/usr/bin/env bash
# No API key in any output of a full run (SPEC section 10, issue 8): the whole catalogue against
# the reference router in-process and as a process with request logging on, then every byte it
# wrote (stdout, stderr, results.json, junit.xml, scorecard.md, the HTML pages) is searched for
# every api_key the scenarios configure and for the client's own bearer token.
#
# usage: secrets_in_output_test.sh MIDSTREAM_BINARY SCENARIO_DIR WORK_DIR
set -euo pipefail
binary=$1 scenarios=$2 work=$3

rm -rf "$work" && mkdir -p "$work"
# The keys: every "api_key" value in the catalogue, and the harness client's bearer token.
mapfile -t keys < <(grep -rhoE '"api_key"[[:space:]]*:[[:space:]]*"[^"]+"' "$scenarios" |
                      sed -E 's/.*"([^"]+)"$/\1/' | sort -u)
keys+=("sk-midstream-client")
if [ "${#keys[@]}" -lt 3 ]; then
  echo "secrets test: found only ${#keys[@]} keys in $scenarios; the catalogue should configure several" >&2
  exit 1
fi
echo "secrets test: searching for ${#keys[@]} keys: ${keys[*]/#/}" | sed -E 's/sk-[A-Za-z0-9-]{4}[A-Za-z0-9-]*/sk-****/g'

# One target in-process, one as a process that logs every request; both into one report. The
# catalogue's verdicts are not this test's business (other tests grade them): only the exit
# status 0/1 of a completed run is accepted, 2 (bad usage) or a crash is not.
set +e
"$binary" run "$scenarios" --target embedded --target process --jobs 4 --out "$work/report" \
  --verbose >"$work/stdout.log" 2>"$work/stderr.log"
status=$?
set -e
if [ "$status" -gt 1 ]; then
  echo "secrets test: midstream run exited with status $status" >&2
  tail -20 "$work/stderr.log" >&2
  exit 1
fi
for file in results.json junit.xml scorecard.md index.html; do
  [ -s "$work/report/$file" ] || { echo "secrets test: the run wrote no $file" >&2; exit 1; }
done

# A router process with --log, fed one request per front, so its own log is searched too.
config="$work/router.json"
cat >"$config" <<'EOF'
{"model_list": [{"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o",
  "api_base": "http://127.0.0.1:9/v1", "api_key": "sk-midstream-router-log-key"}}],
 "router_settings": {"num_retries": 0}}
EOF
keys+=("sk-midstream-router-log-key")
"$binary" router --config "$config" --port 0 --log >"$work/router.out" 2>"$work/router.err" &
router=$!
trap 'kill $router 2>/dev/null || true' EXIT
port=""
for _ in $(seq 1 100); do
  port=$(sed -nE 's#.*http://127\.0\.0\.1:([0-9]+).*#\1#p' "$work/router.out" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "secrets test: the router did not print its port" >&2; exit 1; }
for path in chat/completions responses; do
  body='{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}],"input":"hi"}'
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'POST /v1/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk-midstream-client\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "$path" "${#body}" "$body" >&3
  timeout 20 cat <&3 >>"$work/router.responses" || true
  exec 3<&-
done
kill "$router"; wait "$router" 2>/dev/null || true
trap - EXIT

leaks=0
for key in "${keys[@]}"; do
  set +e
  found=$(grep -rlF --exclude=router.json -e "$key" "$work")
  status=$?
  set -e
  if [ "$status" -eq 0 ]; then
    echo "secrets test: an API key (${key:0:6}...) appears in:" >&2
    echo "$found" | sed 's/^/  /' >&2
    leaks=1
  elif [ "$status" -ne 1 ]; then
    echo "secrets test: grep failed (status $status) searching $work" >&2
    exit 1
  fi
done
[ "$leaks" -eq 0 ] || exit 1
echo "secrets test: no API key in $(find "$work" -type f ! -name router.json | wc -l) files ($(du -sh "$work" | cut -f1))"
