#!/usr/bin/env bash
# Prints the path of a Node.js binary of the given major version, fetching it from the npm
# registry (the node-linux-<arch> packages ship the official binaries) into .cache/node/, which
# git ignores. Usage: tools/node-version.sh 22
set -euo pipefail
major=${1:?usage: tools/node-version.sh MAJOR}
root=$(cd "$(dirname "$0")/.." && pwd)
platform=$(node -p 'process.platform')
arch=$(node -p 'process.arch')
dir="$root/.cache/node/$major"
bin="$dir/node_modules/node-$platform-$arch/bin/node"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  npm install --silent --no-save --no-audit --no-fund --prefix "$dir" "node-$platform-$arch@$major" >&2
fi
echo "$bin"
