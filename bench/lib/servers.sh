# How each server under test is started. Each start_* function sets SERVER_PORT, SERVER_PID (the master, leader of
# its own process group), SERVER_WORKERS (how many pids must answer), SERVER_T0 (start instant, ns) and SERVER_LOG.
# Every server gets the same database (BENCH_DB, the throwaway MariaDB's connection string) and serves the same
# endpoints: GET /echo?n=&pad= (one SELECT) and GET /plain (no database).

_start() {
  local name=$1 workers=$2
  shift 2
  SERVER_PORT=$(free_port)
  SERVER_WORKERS=$workers
  SERVER_LOG="$BENCH_OUT/logs/$name.log"
  # "@PORT@" in the command line is the port just chosen.
  local argv=() argument
  for argument in "$@"; do argv+=("${argument//@PORT@/$SERVER_PORT}"); done
  start_group "$SERVER_LOG" "${argv[@]}"
  SERVER_PID=$STARTED_PID
  SERVER_T0=$STARTED_NS
}

# ForkHost (JIT): the forkhost tool as supervisor, loading Comments.dll, and N workers (forkhost started again), each
# with its own MySqlConnector pool (20 fits 4 workers in max_connections). Extra arguments go to `forkhost run` (e.g.
# --balance reuseport). BENCH_WORKER_ENV: extra environment (VAR=value ...), which the supervisor passes on to its workers.
start_forkhost() {
  local name=$1 workers=$2
  shift 2
  # shellcheck disable=SC2086  # BENCH_WORKER_ENV is a list of VAR=value words on purpose
  _start "$name" "$workers" env FORKHOST_MYSQL="$BENCH_DB;MaximumPoolSize=20" ${BENCH_WORKER_ENV:-} \
    "$BENCH_BIN/forkhost" run --app "$BENCH_BIN/demo-app/Comments.dll" --workers "$workers" \
    --bind 127.0.0.1:@PORT@ --log-format json "$@"
}

# ForkHost, NativeAOT: the Comments sample published with PublishAot=true is its own supervisor and, started again
# through /proc/self/exe, every worker; it takes forkhost run's options but --app. BENCH_AOT_DIR: the publish
# directory (bench/run.sh's ensure_aot_build sets it).
start_forkhost_aot() {
  local name=$1 workers=$2
  shift 2
  # shellcheck disable=SC2086  # BENCH_WORKER_ENV is a list of VAR=value words on purpose
  _start "$name" "$workers" env FORKHOST_MYSQL="$BENCH_DB;MaximumPoolSize=20" ${BENCH_WORKER_ENV:-} \
    "${BENCH_AOT_DIR:?the NativeAOT build is not set up}/Comments" --workers "$workers" \
    --bind 127.0.0.1:@PORT@ --log-format json "$@"
}

# The same app in one plain Kestrel process: no supervisor, no workers.
start_plain_kestrel() {
  _start "$1" 1 env FORKHOST_MYSQL="$BENCH_DB;MaximumPoolSize=20" ${BENCH_WORKER_ENV:-} \
    "$BENCH_ROOT/bench/PlainKestrel/bin/Release/net10.0/plain-kestrel" --bind 127.0.0.1:@PORT@
}

# gunicorn from Debian's package, under the system python: --preload (the app is imported once, in the master),
# sync workers. Sync workers answer every request with "Connection: close": keep-alive is not something they do.
start_gunicorn() {
  _start "$1" "$2" env -u PYTHONPATH -u PYTHONHOME FORKHOST_MYSQL="$BENCH_DB" \
    /usr/bin/python3 /usr/bin/gunicorn --preload --workers "$2" --worker-class sync \
    --bind 127.0.0.1:@PORT@ --chdir "$BENCH_ROOT/bench/peers" app:app
}

# uWSGI from Debian's package with its python3 plugin: master, N processes, the app loaded in the master (no
# lazy-apps, the --preload equivalent). --http-socket makes the workers speak HTTP themselves, as Kestrel and
# gunicorn do; it does not keep connections alive, and says so with "Connection: close" (without it, wrk would
# reuse the closed connection and count a read error per request). --http11-socket is not used: with sync
# processes a keep-alive client pins a worker, and 12 of 16 wrk connections would wait forever behind 4 pinned ones.
start_uwsgi() {
  _start "$1" "$2" env -u PYTHONPATH -u PYTHONHOME FORKHOST_MYSQL="$BENCH_DB" \
    /usr/bin/uwsgi --plugin python3 --master --processes "$2" --http-socket 127.0.0.1:@PORT@ \
    --add-header "Connection: close" --chdir "$BENCH_ROOT/bench/peers" --wsgi-file app.py --callable app \
    --need-app --disable-logging --die-on-term
}

stop_server() {
  stop_group "$SERVER_PID"
  local kept=() pgid
  for pgid in "${BENCH_GROUPS[@]}"; do [[ $pgid == "$SERVER_PID" ]] || kept+=("$pgid"); done
  BENCH_GROUPS=("${kept[@]}")
}

# The NativeAOT build of the Comments sample, for start_forkhost_aot: artifacts/aot/Comments when it is there and
# newer than every source it is built from (samples/Comments, src/, the repository's build files), otherwise a fresh
# `dotnet publish -p:PublishAot=true` into $BENCH_OUT/aot/Comments (about 2½ minutes on 2 cores). Sets BENCH_AOT_DIR
# and BENCH_AOT_BUILD (which of the two, for settings.json).
ensure_aot_build() {
  local cached=$BENCH_ROOT/artifacts/aot/Comments newer=
  if [[ -x $cached/Comments ]]; then
    newer=$(cd "$BENCH_ROOT" && find samples/Comments src Directory.Build.props Directory.Packages.props global.json \
      \( -name bin -o -name obj \) -prune -o -type f -newer "$cached/Comments" -print -quit)
    if [[ -z $newer ]]; then
      BENCH_AOT_DIR=$cached
      BENCH_AOT_BUILD="reused artifacts/aot/Comments (published $(date -u -r "$cached/Comments" '+%Y-%m-%d %H:%M UTC'), newer than its sources"
      log "NativeAOT: $BENCH_AOT_BUILD)"
      BENCH_AOT_BUILD+=")"
      return 0
    fi
    log "NativeAOT: artifacts/aot/Comments is older than $newer"
  fi
  BENCH_AOT_DIR=$BENCH_OUT/aot/Comments
  log "NativeAOT: publishing samples/Comments into ${BENCH_AOT_DIR#"$BENCH_ROOT"/} (about 2½ minutes)"
  local t0=$SECONDS
  dotnet publish "$BENCH_ROOT/samples/Comments/Comments.csproj" -c Release -r linux-x64 -p:PublishAot=true \
    -o "$BENCH_AOT_DIR" -nologo -v quiet -clp:ErrorsOnly >&2
  BENCH_AOT_BUILD="published into ${BENCH_AOT_DIR#"$BENCH_ROOT"/} by this run, $((SECONDS - t0)) s"
  log "NativeAOT: $BENCH_AOT_BUILD"
}
