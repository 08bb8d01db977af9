#!/usr/bin/env bash
# Install from a fresh clone, as the README tells a new user: `npm install /path/to/clone fp-ts io-ts`
# in a new project, then import the library (ESM and CommonJS), run a query, and run the CLI.
# Not part of `npm test` (it installs the whole devDependency tree into the clone): CI runs it
# after the tests.
#
#   scripts/check-clone-install.sh                 # reuse this checkout's better-sqlite3 addon
#   CHECK_CLONE_BUILD_FROM_SOURCE=1 scripts/...    # let better-sqlite3 find its own binary
#                                                  # (a download, else a compile: ~9 minutes)
#   CHECK_CLONE_KEEP=1 scripts/...                 # keep the temp dir (its path is printed)
#
# What it clones is the committed HEAD of this checkout (uncommitted changes are not in it).
#
# Why it is quick: the clone's `prepare` (scripts/prepare.mjs) runs `npm install` in the clone,
# and better-sqlite3's install script (prebuild-install) would download a prebuilt binary from
# GitHub or, offline or without one for this Node, compile SQLite (the 9.5 minutes measured by
# hand). prebuild-install first looks for the binary in a local folder named by
# `npm_config_better_sqlite3_local_prebuilds` (npm 11 warns that it does not know that config:
# the warning is harmless; prebuild-install's own rc variable `prebuild-install_local-prebuilds`
# did not reach it through npm's nested install, measured): this script packs the addon this checkout
# already built (same better-sqlite3 version as the lockfile, same Node ABI, checked) into the
# file name prebuild-install asks for, so nothing is compiled. Everything else comes from npm's
# cache (--prefer-offline), the registry only for what the cache lacks.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fp-lite-orm-clone-XXXXXX")"
cleanup() {
  if [ "${CHECK_CLONE_KEEP:-}" = 1 ]; then echo "check-clone-install: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

started=$(date +%s)
say() { echo "check-clone-install: [$(($(date +%s) - started)) s] $*"; }
fail() {
  echo "check-clone-install: FAILED: $*" >&2
  exit 1
}

# 1. A fresh clone of the committed HEAD: no node_modules, no dist/.
git clone --quiet --no-local "$ROOT" "$WORK/fp-lite-orm"
git -C "$WORK/fp-lite-orm" checkout --quiet "$(git -C "$ROOT" rev-parse HEAD)"
[ ! -e "$WORK/fp-lite-orm/node_modules" ] && [ ! -e "$WORK/fp-lite-orm/dist" ] || fail "the clone is not fresh"
say "cloned $(git -C "$ROOT" rev-parse --short HEAD)"

# 2. better-sqlite3's binary, from this checkout, where prebuild-install looks first.
NPM_FLAGS=(--prefer-offline --no-audit --no-fund --loglevel=error)
REUSE=()
if [ "${CHECK_CLONE_BUILD_FROM_SOURCE:-}" != 1 ]; then
  prebuild="$(
    cd "$ROOT" && node -e '
      const fs = require("node:fs"), path = require("node:path")
      const dir = path.join("node_modules", "better-sqlite3")
      const have = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version
      const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages["node_modules/better-sqlite3"].version
      const addon = path.join(dir, "build", "Release", "better_sqlite3.node")
      if (have !== lock || !fs.existsSync(addon)) process.exit(0)
      require(path.resolve(dir)) // loads the addon: built for this Node, or this throws
      console.log(`better-sqlite3-v${have}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`)
    ' || true
  )"
  if [ -n "$prebuild" ]; then
    mkdir -p "$WORK/prebuilds"
    tar -czf "$WORK/prebuilds/$prebuild" -C "$ROOT/node_modules/better-sqlite3" build/Release/better_sqlite3.node
    REUSE=(env "npm_config_better_sqlite3_local_prebuilds=$WORK/prebuilds")
    say "reusing this checkout's better-sqlite3 addon as $prebuild"
  else
    say "no reusable better-sqlite3 addon here (version or Node differs): it downloads or compiles its own"
  fi
fi

# 3. A new project installs the clone, and the peer dependencies, as the README says.
mkdir "$WORK/app"
cat >"$WORK/app/package.json" <<'EOF'
{ "name": "clone-consumer", "version": "1.0.0", "private": true }
EOF
(cd "$WORK/app" && "${REUSE[@]}" npm install "${NPM_FLAGS[@]}" "$WORK/fp-lite-orm" fp-ts io-ts) || fail "npm install of the clone"
[ -f "$WORK/fp-lite-orm/dist/esm/index.js" ] && [ -f "$WORK/fp-lite-orm/dist/cjs/index.js" ] || fail "the clone's prepare did not build dist/"
# A compile leaves its object files beside the addon; an unpacked prebuilt binary does not.
if [ -d "$WORK/fp-lite-orm/node_modules/better-sqlite3/build/Release/obj.target" ]; then how=compiled; else how="prebuilt, not compiled"; fi
if [ ${#REUSE[@]} -gt 0 ] && [ "$how" = compiled ]; then fail "better-sqlite3 was compiled although a prebuilt binary was offered"; fi
say "installed (the clone's prepare installed its dependencies and built dist/; better-sqlite3 $how)"

# 4. The library by name, from an ES module and from CommonJS: a real query on a temp database.
query() {
  cat <<EOF
const { pipe } = $1('fp-ts/lib/function.js')
const { connect, session, table, integer, text, createTable, insert, select, filter, eq, all } = $1('fp-lite-orm')
const users = table('users', { id: integer().primaryKey(), name: text().notNull() })
const s = session(connect(process.argv[2]))
const results = [s.run(createTable(users)), s.run(insert(users, [{ name: 'Ada' }, { name: 'Alan' }]))]
const found = s.run(pipe(select(users), filter(eq(users.name, 'Alan')), all))
if (results.some((r) => r._tag !== 'Right') || JSON.stringify(found) !== JSON.stringify({ _tag: 'Right', right: [{ id: 2, name: 'Alan' }] })) {
  console.error(JSON.stringify({ results, found }))
  process.exit(1)
}
console.log('ok')
EOF
}
query "await import" >"$WORK/app/query.mjs"
query require >"$WORK/app/query.cjs"
[ "$(cd "$WORK/app" && node query.mjs "$WORK/esm.db")" = ok ] || fail "the ES module query"
[ "$(cd "$WORK/app" && node query.cjs "$WORK/cjs.db")" = ok ] || fail "the CommonJS query"
# The addon loaded is the clone's own (a symlinked folder resolves its imports from its own node_modules).
node -e "
  const p = require('$WORK/fp-lite-orm/node_modules/better-sqlite3/package.json')
  if (p.version === undefined) process.exit(1)
" || fail "the clone has no better-sqlite3"
say "import and require: a query ran"

# 5. The command line, from the project.
version="$(cd "$WORK/app" && npx --offline fp-lite-orm --version)"
[ "$version" = "$(node -p "require('$ROOT/package.json').version")" ] || fail "fp-lite-orm --version printed '$version'"
(cd "$WORK/app" && npx --offline fp-lite-orm demo "$WORK/demo.db" | grep -q 'applied 0001_shop') || fail "fp-lite-orm demo"
say "the CLI: --version, demo"

say "OK"
