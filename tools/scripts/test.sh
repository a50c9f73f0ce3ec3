#!/usr/bin/env bash
# The whole test suite, as CI runs it: build, static checks, unit + integration tests, end-to-end tests.
# Needs PostgreSQL at 127.0.0.1:5432 (trust auth) and Redis at 127.0.0.1:6379; .ci/run starts them if down.
set -euo pipefail
cd "$(dirname "$0")/../.."

step() { printf '\n== %s\n' "$*"; }

step "build"
node tools/scripts/build.mjs

step "typecheck"
npx tsc -p tsconfig.json --noEmit

step "lint (zero warnings)"
npm run lint --silent

step "format check"
npm run format:check --silent

step "proto lint and generated-code drift"
(cd libs/proto && npx buf lint)
drift=$(mktemp -d)
(cd libs/proto && npx buf generate -o "$drift")
diff -r "$drift/src/generated" libs/proto/src/generated >/dev/null || {
  echo "libs/proto/src/generated is out of date: run npm run proto:gen and commit the result" >&2
  exit 1
}
rm -rf "$drift"

step "registry check (privacy-by-design review)"
node dist/tools/registry-check/src/main.js

step "unit and integration tests"
npx jest --selectProjects unit integration --maxWorkers=2

step "end-to-end tests (five real services, real PostgreSQL and Redis)"
npx jest --selectProjects e2e --runInBand
