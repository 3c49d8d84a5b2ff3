"""The baseline a data analyst would otherwise write: the same red-flag detectors as
`unchain finance scan`, in DuckDB SQL, over the same CSV (generic schema).

    .venv/bin/python tests/python/finance_baseline.py transactions.csv
    .venv/bin/python tests/python/finance_baseline.py transactions.parquet

Prints each detector's flagged-account count and time, the total, and the process's peak
memory, for BENCHMARKS.md. Same parameters as unchain_finance::detect::Params defaults:
fan-in/out 10 distinct parties in 3 days; structuring 3 amounts in [9000, 10000) in 7
days; pass-through 3 incoming payments each followed within 24 h by outgoing payments
adding up to 80-105 % of it; cycles of 2 and 3 accounts (longer ones are self-joins too
costly to write this way) within 7 days, each hop carrying 70-105 % of the one before.
"""
import resource
import sys
import time

import duckdb

DAY = 86_400


def main(path):
    source = (
        f"read_parquet('{path}')"
        if path.endswith(".parquet")
        else f"read_csv('{path}', header = true)"
    )
    con = duckdb.connect()
    start = time.perf_counter()
    t = time.perf_counter()
    con.execute(
        f"""create table tx as select id, timestamp::bigint as ts, "from" as src, "to" as dst,
            amount::double as amount from {source}"""
    )
    timings = [("read", time.perf_counter() - t, con.execute("select count(*) from tx").fetchone()[0])]

    def run(name, sql):
        t = time.perf_counter()
        n = con.execute(sql).fetchone()[0]
        timings.append((name, time.perf_counter() - t, n))

    run("fan_in", f"""select count(distinct dst) from (
        select dst, count(distinct src) over (partition by dst order by ts
            range between {3 * DAY} preceding and current row) as n from tx) where n >= 10""")
    run("fan_out", f"""select count(distinct src) from (
        select src, count(distinct dst) over (partition by src order by ts
            range between {3 * DAY} preceding and current row) as n from tx) where n >= 10""")
    run("structuring", f"""select count(distinct acct) from (
        select acct, count(*) over (partition by acct, side order by ts
            range between {7 * DAY} preceding and current row) as n from (
            select src as acct, 'paid' as side, ts from tx where amount >= 9000 and amount < 10000
            union all
            select dst, 'received', ts from tx where amount >= 9000 and amount < 10000))
        where n >= 3""")
    run("pass_through", f"""select count(*) from (
        select acct from (
            select i.dst as acct from tx i join tx o
              on o.src = i.dst and o.ts > i.ts and o.ts <= i.ts + {DAY}
            group by i.id, i.dst, i.amount
            having sum(o.amount) between 0.8 * i.amount and 1.05 * i.amount)
        group by acct having count(*) >= 3)""")
    run("cycle", f"""select count(*) from (
        select a.src from tx a join tx b on b.src = a.dst and b.dst = a.src
          and b.ts > a.ts and b.ts <= a.ts + {7 * DAY}
          and b.amount between 0.7 * a.amount and 1.05 * a.amount
        union
        select least(a.src, b.src, c.src) from tx a
          join tx b on b.src = a.dst and b.ts > a.ts and b.ts <= a.ts + {7 * DAY}
            and b.amount between 0.7 * a.amount and 1.05 * a.amount and b.dst <> a.src
          join tx c on c.src = b.dst and c.dst = a.src and c.ts > b.ts and c.ts <= a.ts + {7 * DAY}
            and c.amount between 0.7 * b.amount and 1.05 * b.amount)""")
    total = time.perf_counter() - start
    for name, secs, n in timings:
        print(f"{name:<13} {secs:8.2f} s  {n}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"total         {total:8.2f} s  peak RSS {peak} MiB")


if __name__ == "__main__":
    main(sys.argv[1])
