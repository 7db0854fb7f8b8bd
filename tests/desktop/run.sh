#!/usr/bin/env bash
# End-to-end test of the desktop app in the real webview, under Xvfb.
# Builds ui/dist, the shell with custom-protocol (so that the window loads
# ui/dist, not the dev server), installs tauri-driver 2.1.0 into .tools/ if
# missing, then runs tests/desktop/journey.test.mjs with a fresh database and
# temporary HOME/XDG directories. Screenshots go to $SHOTS_DIR (/tmp/shots).
# Cargo's CARGO_TARGET_DIR is honoured (default: target/).
# Two synthetic envelopes come from tests/fixtures/gen/generate.py (the
# Python of scripts/setup.sh's .tools/venv, else python3 with Pillow and
# numpy).
#
# Needs (Debian 12): apt-get install libwebkit2gtk-4.1-dev build-essential
# pkg-config xvfb xauth webkit2gtk-driver; Node 20 and npm; Rust.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

step() { printf '\n== %s\n' "$*"; }

for tool in xvfb-run WebKitWebDriver node npm cargo; do
  command -v "$tool" >/dev/null || {
    echo "missing: $tool (apt-get install xvfb xauth webkit2gtk-driver libwebkit2gtk-4.1-dev; Node 20)" >&2
    exit 2
  }
done

step "ui: npm ci, vitest, svelte-check, build"
(cd ui && npm ci --no-audit --no-fund --loglevel=error && npx vitest run && npx svelte-check --tsconfig ./tsconfig.json --fail-on-warnings && npm run build)

target=${CARGO_TARGET_DIR:-target}
case "$target" in /*) ;; *) target="$root/$target" ;; esac

step "shell: cargo build -p parcours-desktop --features tauri/custom-protocol"
cargo build -p parcours-desktop --features tauri/custom-protocol --bin parcours-desktop --example seed

if [ ! -x .tools/bin/tauri-driver ]; then
  step "tauri-driver 2.1.0 into .tools/"
  cargo install tauri-driver --locked --version 2.1.0 --root .tools
fi

step "test dependencies"
(cd tests/desktop && npm ci --no-audit --no-fund --loglevel=error)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/parcours-desktop-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/data" "$tmp/config" "$tmp/cache" "$tmp/runtime"
chmod 700 "$tmp/runtime"

step "two envelopes"
mkdir -p "$tmp/envelopes" "$tmp/scanner"
python=${PARCOURS_PYTHON:-python3}
[ -x .tools/venv/bin/python ] && python=.tools/venv/bin/python
"$python" tests/fixtures/gen/generate.py --count 2 --tier typed --seed 1 --quiet --out "$tmp/envelopes" || {
  echo "the fixture generator needs scripts/setup.sh's Python environment (.tools/venv)" >&2
  exit 2
}
envelopes="$tmp/envelopes/env-0001.pdf:$tmp/envelopes/env-0002.pdf"

step "journey under Xvfb"
# In a session of its own, its output to a file: nothing it leaves behind can
# hold this script's output open, and whatever is left of it is killed after.
# 15 minutes at most (the journeys take about one).
journey_log="$tmp/journey.log"
set +e
setsid env \
  HOME="$tmp/home" \
  XDG_DATA_HOME="$tmp/data" \
  XDG_CONFIG_HOME="$tmp/config" \
  XDG_CACHE_HOME="$tmp/cache" \
  XDG_RUNTIME_DIR="$tmp/runtime" \
  PARCOURS_DB="$tmp/parcours.db" \
  PARCOURS_APP="$target/debug/parcours-desktop" \
  TAURI_DRIVER="$root/.tools/bin/tauri-driver" \
  DRIVER_LOG="$tmp/tauri-driver.log" \
  PARCOURS_SEED="$target/debug/examples/seed" \
  PARCOURS_ENVELOPES="$envelopes" \
  PARCOURS_SCANNER_DIR="$tmp/scanner" \
  OMP_THREAD_LIMIT=1 \
  SHOTS_DIR="${SHOTS_DIR:-/tmp/shots}" \
  NO_AT_BRIDGE=1 \
  timeout --kill-after=30 900 \
  xvfb-run -a -s "-screen 0 1280x900x24" \
  node --test --test-concurrency=1 tests/desktop/journey.test.mjs \
  >"$journey_log" 2>&1 </dev/null &
journey=$!
wait "$journey"
status=$?
set -e
if kill -TERM -- "-$journey" 2>/dev/null; then
  sleep 2
  kill -KILL -- "-$journey" 2>/dev/null || true
fi
cat "$journey_log"
if [ "$status" -ne 0 ]; then
  [ "$status" -eq 124 ] && echo "the journeys did not end within 15 minutes" >&2
  echo "== tauri-driver's log" >&2
  cat "$tmp/tauri-driver.log" >&2 || true
fi
exit "$status"
