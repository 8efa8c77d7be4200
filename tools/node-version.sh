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
# npm reads its global npmrc from <prefix>/etc/npmrc, and the prefix follows the node that runs it:
# under this Node, the machine's npm would miss the global settings it has everywhere else (a
# registry, a proxy, the certificate authority of a TLS-inspecting gateway). Point it at them.
machine_npmrc=$(npm config get globalconfig)
if [ -f "$machine_npmrc" ] && [[ "$machine_npmrc" != "$root/.cache/"* ]]; then
  mkdir -p "$(dirname "$bin")/../etc"
  ln -sfn "$machine_npmrc" "$(dirname "$bin")/../etc/npmrc"
fi
echo "$bin"
