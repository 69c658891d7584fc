#!/usr/bin/env bash
# Measures the foundation on this machine and writes the table into docs/benchmarks.md:
# import of 10,000 people (time, peak memory), backup create/verify/restore (size, time).
# Usage: scripts/measure-foundation.sh [PEOPLE]   (needs GNU time: apt-get install time)
set -euo pipefail
cd "$(dirname "$0")/.."
people=${1:-10000}
cargo build --release -p passa --locked -q
bin=target/release/passa
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passa() { "$bin" --data-dir "$work/data" --key-file "$work/keys/passa.key" "$@"; }

python3 - "$people" > "$work/people.csv" <<'PY'
import random, sys
n = int(sys.argv[1]); rnd = random.Random(1)
given = ["Anna", "Eva", "Åsa", "Märta", "Erik", "Lars", "Ali", "Fatima", "Sara", "Johan"]
family = ["Andersson", "Lindström", "Öberg", "Nilsson", "Hassan", "Berg", "Sjöberg"]
print("employee_number,given_name,family_name,phone,email,unit,competences,employment_percent,kind")
for i in range(n):
    g, f = rnd.choice(given), rnd.choice(family)
    kind = "substitute" if i % 4 == 0 else "staff"
    print(f"E{i:06d},{g},{f},070-{i // 10000 % 1000:03d} {i % 10000 // 100:02d} {i % 100:02d},"
          f"{g.lower()}.{i}@kommun.example,Enhet {i % 25},Undersköterska|Körkort,{rnd.choice([75, 80, 100])},{kind}")
PY

measure() { # data-dir, passa arguments...: prints "seconds peak_kib"
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" --data-dir "$1" --key-file "$work/keys/passa.key" "${@:2}" > /dev/null
  read -r secs kib < "$work/time"
  echo "$secs $kib"
}
passa init > /dev/null
passa tenant create "Mätkommun" > /dev/null
read -r import_s import_kib < <(measure "$work/data" import people "$work/people.csv")
read -r export_s export_kib < <(measure "$work/data" export people)
read -r backup_s backup_kib < <(measure "$work/data" backup create --out "$work/backup.age")
read -r verify_s verify_kib < <(measure "$work/data" backup verify "$work/backup.age")
read -r restore_s restore_kib < <(measure "$work/restored" backup restore "$work/backup.age")
db_size=$(du -k "$work/data" | tail -n 1 | cut -f1)
backup_size=$(( $(stat -c %s "$work/backup.age") / 1024 ))

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
table=$(cat <<MD
<!-- foundation:start -->
## Foundation: import, export and backup of $people people

Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($cpu), release build, embedded SQLite, with
\`scripts/measure-foundation.sh $people\` (wall time and peak resident memory from GNU time).

| step | wall time | peak memory |
|---|---|---|
| \`passa import people\` ($people rows) | ${import_s} s | $((import_kib / 1024)) MiB |
| \`passa export people\` | ${export_s} s | $((export_kib / 1024)) MiB |
| \`passa backup create\` | ${backup_s} s | $((backup_kib / 1024)) MiB |
| \`passa backup verify\` | ${verify_s} s | $((verify_kib / 1024)) MiB |
| \`passa backup restore\` (into a new data directory) | ${restore_s} s | $((restore_kib / 1024)) MiB |

Data directory: ${db_size} KiB. Backup file: ${backup_size} KiB.
<!-- foundation:end -->
MD
)
mkdir -p docs
[ -f docs/benchmarks.md ] || printf '# Benchmarks\n\nNumbers measured on this project'"'"'s machines, each with the command that produced it.\n' > docs/benchmarks.md
python3 - "$table" <<'PY'
import re, sys
path = "docs/benchmarks.md"
text = open(path).read()
block = sys.argv[1]
if "<!-- foundation:start -->" in text:
    text = re.sub(r"<!-- foundation:start -->.*?<!-- foundation:end -->", lambda _: block, text, flags=re.S)
else:
    text = text.rstrip() + "\n\n" + block + "\n"
open(path, "w").write(text)
PY
echo "$table"
