#!/usr/bin/env bash
# Prints a PATH like a machine that has only Node.js: links to node, npm, npx and corepack, and
# to every program of the system folders except global JavaScript tools (pnpm, pnpx, turbo, yarn,
# and anything else that resolves into a node_modules folder). Usage: PATH=$(tools/bare-path.sh DIR)
# builds the links in DIR/bin.
set -euo pipefail
dir=${1:?usage: tools/bare-path.sh DIR}
bin="$dir/bin"
mkdir -p "$bin"
for tool in node npm npx corepack; do
  found=$(command -v "$tool") || { echo "tools/bare-path.sh: $tool is not on PATH" >&2; exit 1; }
  ln -sf "$found" "$bin/$tool"
done
for folder in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
  [ -d "$folder" ] || continue
  for program in "$folder"/*; do
    name=${program##*/}
    [ -x "$program" ] && [ ! -d "$program" ] && [ ! -e "$bin/$name" ] || continue
    case "$name" in pnpm | pnpx | turbo | yarn | yarnpkg) continue ;; esac
    case "$(readlink -f "$program")" in */node_modules/*) continue ;; esac
    ln -s "$program" "$bin/$name"
  done
done
echo "$bin"
