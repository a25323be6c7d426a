#!/usr/bin/env bash
# Checks that a fresh clone installs offline-safe with both npm 10 (Node 20's own) and the npm on
# PATH (11+): onnxruntime-node's postinstall must not try to download CUDA binaries, and the
# CPU binding must load afterwards. About 50 s for both with a warm npm cache; .ci/run runs it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
unset ONNXRUNTIME_NODE_INSTALL npm_config_onnxruntime_node_install

check() {
  local label="$1"; shift
  local clone="$work/$label"
  git clone -q "$root" "$clone"
  # Uncommitted changes to the install settings count too.
  cp "$root/package.json" "$root/package-lock.json" "$root/.npmrc" "$clone/"
  echo "== $label: $("$@" --version)"
  (cd "$clone" && "$@" ci --no-audit --no-fund --foreground-scripts >"$work/$label.log" 2>&1) || { cat "$work/$label.log"; echo "FAIL: $label ci"; exit 1; }
  if grep -qi 'download' "$work/$label.log"; then cat "$work/$label.log"; echo "FAIL: $label tried to download binaries"; exit 1; fi
  (cd "$clone" && node -e "require('onnxruntime-node'); console.log('onnxruntime-node loads')")
}

check npm10 npx -y npm@10
check npm npm
echo "install check passed"
