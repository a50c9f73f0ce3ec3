#!/bin/sh
# Starts the service named by $APP (set at build time with --build-arg APP=...).
# With arguments, runs them instead (e.g. `docker run --rm recsys/ranker node -e '...'`).
set -eu
if [ "$#" -gt 0 ]; then
  exec "$@"
fi
: "${APP:?APP is not set: build the image with --build-arg APP=<app>}"
main="/app/dist/apps/${APP}/src/main.js"
if [ ! -f "$main" ]; then
  echo "recsys-entrypoint: no service '${APP}' in this image ($main not found)" >&2
  exit 1
fi
# exec: node becomes PID 1 and receives SIGTERM directly; the services close gracefully on it.
# The flags are the launcher's SERVICE_NODE_FLAGS (tools/launcher/src/stack.ts; decisions 57, 62 and 63).
exec node --no-flush-bytecode --initial-old-space-size=256 --no-memory-reducer "$main"
