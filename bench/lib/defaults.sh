# The load settings every bench script shares (each overridable from the environment) and where the lab's build is.
# Sourced right after BENCH_ROOT is set; a script sets its own BENCH_ROUNDS and BENCH_OUT.
BENCH_DURATION=${BENCH_DURATION:-5}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-16}
BENCH_THREADS=${BENCH_THREADS:-2}
BENCH_WARMUP=${BENCH_WARMUP:-10}
BENCH_BIN=$BENCH_ROOT/src/Lab/ForkHost.Lab/bin/Release/net10.0
