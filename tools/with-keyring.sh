#!/bin/sh
# Run a command against a real, throw-away Secret Service:
#
#   tools/with-keyring.sh npx vitest run --project @creds/store-keychain
#
# Starts a private D-Bus session bus, starts gnome-keyring-daemon on it with a fresh "login"
# keyring unlocked by a throw-away password, waits until the daemon answers as
# org.freedesktop.secrets, runs the command, and tears everything down. Nothing touches the
# keyrings in your home folder. The exit code is the command's.
#
# Needs (Debian/Ubuntu): apt-get install -y --no-install-recommends dbus gnome-keyring libsecret-tools
set -eu

if [ "$#" -eq 0 ]; then
  echo "usage: $0 <command> [args...]" >&2
  exit 2
fi
for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$0: $tool not found; install the Debian packages: dbus gnome-keyring libsecret-tools" >&2
    exit 127
  fi
done

CREDS_KEYRING_HOME=$(mktemp -d "${TMPDIR:-/tmp}/creds-keyring.XXXXXX")
export CREDS_KEYRING_HOME
trap 'rm -rf "$CREDS_KEYRING_HOME"' EXIT INT TERM

# Inside the private bus: everything below sees DBUS_SESSION_BUS_ADDRESS of that bus only.
dbus-run-session -- sh -eu -c '
  # gnome-keyring keeps its files under $XDG_DATA_HOME/keyrings: point it at the temp folder.
  # The password must not be empty, or no "login" collection (the default alias) is created.
  printf %s "creds-throwaway-keyring" |
    XDG_DATA_HOME="$CREDS_KEYRING_HOME" gnome-keyring-daemon --unlock --components=secrets >/dev/null

  # The daemon forks into the background; wait (up to 10 s) until it owns the bus name.
  tries=0
  until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 100 ]; then
      echo "with-keyring.sh: gnome-keyring-daemon did not come up on the session bus" >&2
      exit 1
    fi
    sleep 0.1
  done
  exec "$@"
' with-keyring "$@"
