#!/usr/bin/env bash
# Whole runs at each size (BENCHMARKS.md, "Every figure at every size"):
# load + one check, `who` on one port, 100 assertions, `diff` of one added
# rule, `exposure --from all`, each under /usr/bin/time, one run each.
#
# usage: benches/scale.sh REACH GENERATE OUT_DIR [SIZE...]
#   REACH     the release binary (cargo build --release --bin reach)
#   GENERATE  the generator (cargo build --release --features generate --example generate)
#   OUT_DIR   where the snapshots are written (several GB at 100k)
#   SIZE      any of 1k 10k 100k org-1k org-10k org-100k (default: all)
# Prints one tab-separated line per run:
#   size run wall_s user_s sys_s peak_kb exit
# A run that exceeds REACH_BENCH_TIMEOUT seconds (default 900) is stopped
# and printed with exit 124. REACH_BENCH_RUNS picks runs by name (default:
# all five, "check who assert-100 diff-one-rule exposure-all").
set -u
reach=$1 gen=$2 out=$3
shift 3
sizes=${*:-1k 10k 100k org-1k org-10k org-100k}
limit=${REACH_BENCH_TIMEOUT:-900}
runs=${REACH_BENCH_RUNS:-check who assert-100 diff-one-rule exposure-all}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"

snapshot() { # size -> dir (generated once), queries in dir.queries
    local size=$1 dir=$out/$1
    if [ ! -f "$dir/Vpcs.json" ]; then
        case $size in
            1k) args=(--vpcs 1 --subnets 100 --enis 1000 --sgs 500 --sg-rules 5000 --nacls 100) ;;
            10k) args=() ;;
            100k) args=(--vpcs 100 --subnets 10000 --enis 100000 --sgs 50000 --sg-rules 500000 --nacls 10000) ;;
            org-*) args=(--preset "$size") ;;
        esac
        "$gen" "$dir" "${args[@]}" > "$dir.queries" || exit 2
        python3 "$here/guard_inputs.py" "$dir" "$dir.guard" > /dev/null || exit 2
    fi
    echo "$dir"
}

run() { # size name command...
    local size=$1 name=$2
    shift 2
    case " $runs " in *" $name "*) ;; *) return ;; esac
    local t
    t=$(mktemp)
    timeout "$limit" /usr/bin/time -f "%e\t%U\t%S\t%M" -o "$t" "$@" > /dev/null 2>&1
    local rc=$?
    if [ "$rc" = 124 ]; then
        printf '%s\t%s\t>%s\t\t\t\t124\n' "$size" "$name" "$limit"
    else
        printf '%s\t%s\t%s\t%s\n' "$size" "$name" "$(tail -1 "$t")" "$rc"
    fi
    rm -f "$t"
}

for size in $sizes; do
    dir=$(snapshot "$size")
    # The generator's third query names two instances (a rule naming a group).
    query=$(grep -- '->' "$dir.queries" | sed -n 3p)
    target=${query#*->}
    run "$size" check "$reach" check --snapshot "$dir" "$query"
    run "$size" who "$reach" who --snapshot "$dir" "$target"
    run "$size" assert-100 "$reach" assert "$dir.guard/policy-100.yaml" --snapshot "$dir"
    run "$size" diff-one-rule "$reach" diff --before "$dir" --after "$dir.guard/one-rule"
    run "$size" exposure-all "$reach" exposure --snapshot "$dir" --from all --format json
done
