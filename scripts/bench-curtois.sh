#!/usr/bin/env bash
# Runs `passa solve` on the Curtois & Qu instances and writes the results table into
# docs/benchmarks.md (between the curtois markers).
#
# Usage: scripts/bench-curtois.sh [-i "1 2 3"] [-l "10 60"] [-s "1 2 3"] [-t THREADS] [-m MARKER]
#   -i instances (default 1..24), -l time limits in seconds (default "10 60"),
#   -s seeds (default "1 2 3"; the median is reported), -t threads (default 2),
#   -m the marker of the docs/benchmarks.md section to write (default curtois).
# The benchmark folder is looked up at ../shared/benchmarks/curtois beside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
instances=$(seq 1 24 | tr '\n' ' ')
limits="10 60"
seeds="1 2 3"
threads=2
marker=curtois
while getopts "i:l:s:t:m:" opt; do
  case $opt in
    i) instances=$OPTARG ;;
    l) limits=$OPTARG ;;
    s) seeds=$OPTARG ;;
    t) threads=$OPTARG ;;
    m) marker=$OPTARG ;;
    *) exit 2 ;;
  esac
done
bench=../shared/benchmarks/curtois
[ -d "$bench" ] || { echo "no benchmark folder at $bench" >&2; exit 1; }
cargo build --release -p passa --locked -q
bin=target/release/passa
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "—"; else print a[int((NR+1)/2)]}'; }

# The issue's reference: OR-tools CP-SAT 9.15, 2 workers, 60 s, the better of two runs, on a
# 2-core machine of this kind; no feasible roster on 20–24.
cpsat=(- 607 828 1002 1722 1244 2161 1086 2324 468 5191 3700 6483 7611 1844 7179 4855 8944 7438 7676)

rows=""
for i in $instances; do
  line=$(grep "^Instance$i," "$bench/best_known.csv")
  best=$(echo "$line" | cut -d, -f5)
  lb=$(echo "$line" | cut -d, -f6)
  row="| $i | $best | ${lb:-—} |"
  last=""
  for limit in $limits; do
    results=""
    for seed in $seeds; do
      out="$work/r-$i-$limit-$seed.txt"
      if obj=$("$bin" solve --time-limit "$limit" --threads "$threads" --seed "$seed" --out "$out" "$bench/Instance$i.txt" 2>/dev/null | tail -n 1); then
        # Every roster is checked by the evaluator before it counts.
        checked=$("$bin" solve --evaluate "$out" "$bench/Instance$i.txt" | tail -n 1)
        [ "$checked" = "$obj" ] || { echo "Instance$i: evaluator disagrees ($obj vs $checked)" >&2; exit 1; }
        results="$results ${obj#objective }"
      else
        results="$results infeasible"
      fi
    done
    # Each seed's value too, for the notes (the table keeps only the median).
    echo "Instance$i, $limit s, seeds $seeds:$results" >&2
    numeric=$(echo "$results" | tr ' ' '\n' | grep -E '^[0-9]+$' || true)
    n_ok=$(echo "$numeric" | grep -c . || true)
    n_all=$(echo "$seeds" | wc -w)
    if [ "$n_ok" -eq "$n_all" ]; then med=$(echo "$numeric" | median); else med="infeasible ($((n_all - n_ok))/$n_all)"; fi
    row="$row $med |"
    last=$med
  done
  if [[ "$last" =~ ^[0-9]+$ ]]; then
    gap=$(awk -v a="$last" -v b="$best" 'BEGIN { printf "%.1f %%", (a - b) * 100 / b }')
  else
    gap="—"
  fi
  rows="$rows$row $gap | ${cpsat[$i]:-none feasible} |"$'\n'
  echo "Instance$i: $row $gap" >&2
done

header="| inst | best known | lower bound |"
sep="|---|---|---|"
for limit in $limits; do header="$header Passa ${limit} s |"; sep="$sep---|"; done
header="$header gap (last column) | CP-SAT 60 s |"; sep="$sep---|---|"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
table="<!-- $marker:start -->
## Roster optimizer: Curtois & Qu instances, $(echo $limits | sed "s/ / s, /g") s

Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($cpu), release build, $threads threads, median over seeds
\`$seeds\`, with \`scripts/bench-curtois.sh -i \"$instances\" -l \"$limits\" -s \"$seeds\" -t $threads -m $marker\`.
Each roster was re-checked with \`passa solve --evaluate\`. Best known and lower bounds are from
\`shared/benchmarks/curtois/best_known.csv\`; the CP-SAT column is issue 4's reference (OR-tools
CP-SAT 9.15, 2 workers, 60 s, the better of two runs).

$header
$sep
$rows<!-- $marker:end -->"
python3 - "$table" "$marker" <<'PY'
import re, sys
path = "docs/benchmarks.md"
text = open(path).read()
block, marker = sys.argv[1], sys.argv[2]
start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
if start in text:
    text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
else:
    text = text.rstrip() + "\n\n" + block + "\n"
open(path, "w").write(text)
PY
echo "$table"
