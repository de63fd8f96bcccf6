"""The results file (markdown): what was run, on what, and the tables."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence

from scoring import OVERLAP, WINDOW_EXTRA_DAYS, RunScore, TargetResult

MINING_KINDS = ("river_mining", "terrace_mining", "scrub_mining")
HARD_NEGATIVES = ("bar", "bank_erosion", "farm_green", "farm_burn", "road", "burn")
KIND_ORDER = (*MINING_KINDS, *HARD_NEGATIVES)
KIND_LABEL = {
    "river_mining": "mining, river bank (riverside)",
    "terrace_mining": "mining, terrace near older mining",
    "scrub_mining": "mining on scrub / regrowth (non-forest)",
    "farm_green": "farm, greens up",
    "farm_burn": "farm, burnt then greens up",
    "road": "road",
    "bank_erosion": "river bank erosion",
    "bar": "river bar (sand, temporary)",
    "burn": "burnt forest",
}


def share(hits: int, n: int) -> str:
    return f"{hits}/{n} ({100 * hits / n:.0f} %)" if n else "–"


def median(values: Iterable[int | None]) -> str:
    v = [x for x in values if x is not None]
    return f"{statistics.median(v):.0f}" if v else "–"


def ratio(num: float, den: float) -> str:
    return f"{num / den:.2f}" if den > 0 else "–"


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], right_from: int = 1) -> list[str]:
    out = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" if i < right_from else "---:" for i in range(len(header))) + "|",
    ]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return out


def _group_row(label: str, res: list[TargetResult]) -> list[object]:
    n = len(res)
    return [
        label,
        n,
        share(sum(r.news_date is not None for r in res), n),
        share(sum(r.news_cause == "mining" for r in res), n),
        share(sum(r.mining_date is not None for r in res), n),
        median(r.news_latency for r in res),
        median(r.mining_latency for r in res),
        share(sum(r.end_cause == "mining" for r in res), n),
    ]


GROUP_HEADER = (
    "class",
    "n",
    "reported as news",
    "named mining at report",
    "named mining (any run)",
    "median latency news (d)",
    "median latency named mining (d)",
    "mining at the end",
)


def headline(events: list[TargetResult], steps: list[TargetResult], runs: list[RunScore]) -> list[str]:
    mining = [e for e in events if e.kind in MINING_KINDS]
    river = [e for e in events if e.kind == "river_mining"]
    scrub = [e for e in events if e.kind == "scrub_mining"]
    neg = [e for e in events if e.kind in HARD_NEGATIVES]
    m_steps = [s for s in steps if s.kind in MINING_KINDS]
    ok = [r for r in runs if not r.error]
    return [
        f"- Mining events reported as news: {share(sum(e.news_date is not None for e in mining), len(mining))}, "
        f"median latency {median(e.news_latency for e in mining)} d; named mining (at some run): "
        f"{share(sum(e.mining_date is not None for e in mining), len(mining))}, median latency "
        f"{median(e.mining_latency for e in mining)} d; named mining in the run that first reported them: "
        f"{share(sum(e.news_cause == 'mining' for e in mining), len(mining))}.",
        f"- Riverside mining: news {share(sum(e.news_date is not None for e in river), len(river))}, named mining "
        f"{share(sum(e.mining_date is not None for e in river), len(river))}; mining on scrub (non-forest): news "
        f"{share(sum(e.news_date is not None for e in scrub), len(scrub))}, named mining "
        f"{share(sum(e.mining_date is not None for e in scrub), len(scrub))}.",
        f"- Mining growth steps reported as news (by a new alert): "
        f"{share(sum(s.news_date is not None for s in m_steps), len(m_steps))}; covered by an alert named mining: "
        f"{share(sum(s.mining_date is not None for s in m_steps), len(m_steps))}, median latency "
        f"{median(s.mining_latency for s in m_steps)} d.",
        f"- Hard negatives (bars, bank erosion, farms, roads, burns) named mining at some run: "
        f"{share(sum(e.mining_date is not None for e in neg), len(neg))}; at the end: "
        f"{share(sum(e.end_cause == 'mining' for e in neg), len(neg))}.",
        f"- Precision of new alerts (area, pooled over runs): "
        f"{ratio(sum(r.credited_ha for r in ok), sum(r.new_ha for r in ok))} of "
        f"{sum(r.new_ha for r in ok):.1f} ha; mining precision "
        f"{ratio(sum(r.mining_credited_ha for r in ok), sum(r.new_mining_ha for r in ok))} of "
        f"{sum(r.new_mining_ha for r in ok):.1f} ha called mining.",
    ]


def class_tables(events: list[TargetResult], steps: list[TargetResult]) -> list[str]:
    out = ["### Events by class (all scenes)", ""]
    rows = [
        _group_row(KIND_LABEL[k], [e for e in events if e.kind == k])
        for k in KIND_ORDER
        if any(e.kind == k for e in events)
    ]
    rows.append(_group_row("**all mining**", [e for e in events if e.kind in MINING_KINDS]))
    rows.append(_group_row("**all hard negatives**", [e for e in events if e.kind in HARD_NEGATIVES]))
    out += _table(GROUP_HEADER, rows)
    out += [
        "",
        "For hard negatives, 'named mining' is a false positive.",
        "",
        "### Growth steps by class (all scenes)",
        "",
        "Each step is the new area of an event on its date; a step counts as news only if an alert created "
        "in some run matches it (growth merged into an existing alert is not news, but is covered).",
        "",
    ]
    rows = []
    for k in KIND_ORDER:
        s = [x for x in steps if x.kind == k]
        if s:
            rows.append(
                [
                    KIND_LABEL[k],
                    len(s),
                    f"{sum(x.area_ha for x in s):.1f}",
                    share(sum(x.news_date is not None for x in s), len(s)),
                    share(sum(x.mining_date is not None for x in s), len(s)),
                    median(x.news_latency for x in s),
                    median(x.mining_latency for x in s),
                ]
            )
    out += _table(
        (
            "class",
            "steps",
            "ha",
            "reported as news",
            "covered by an alert named mining",
            "median latency news (d)",
            "median latency named mining (d)",
        ),
        rows,
    )
    return out


def scene_table(
    scenes: list[str], events: list[TargetResult], runs: list[RunScore], gen_seconds: dict[str, float]
) -> list[str]:
    rows = []
    for sc in scenes:
        ev = [e for e in events if e.scene == sc]
        mining = [e for e in ev if e.kind in MINING_KINDS]
        neg = [e for e in ev if e.kind in HARD_NEGATIVES]
        rr = [r for r in runs if r.scene == sc]
        ok = [r for r in rr if not r.error]
        secs = [r.seconds for r in rr]
        rows.append(
            [
                sc,
                len(rr),
                sum(r.error is not None for r in rr),
                f"{gen_seconds.get(sc, 0):.0f}",
                f"{sum(secs):.0f}",
                f"{statistics.median(secs):.1f}" if secs else "–",
                sum(r.n_new for r in ok),
                ratio(sum(r.credited_ha for r in ok), sum(r.new_ha for r in ok)),
                ratio(sum(r.mining_credited_ha for r in ok), sum(r.new_mining_ha for r in ok)),
                share(sum(e.news_date is not None for e in mining), len(mining)),
                share(sum(e.mining_date is not None for e in mining), len(mining)),
                median(e.news_latency for e in mining),
                share(sum(e.mining_date is not None for e in neg), len(neg)),
            ]
        )
    return _table(
        (
            "scene",
            "runs",
            "failed runs",
            "generate (s)",
            "monitor total (s)",
            "monitor median/run (s)",
            "new alerts",
            "precision",
            "mining precision",
            "mining news",
            "mining named",
            "mining median latency news (d)",
            "hard negatives named mining",
        ),
        rows,
    )


def event_table(events: list[TargetResult]) -> list[str]:
    def d(x):
        return x.isoformat() if x else "–"

    rows = [
        [
            e.event_id,
            e.kind,
            e.start.isoformat(),
            f"{e.area_ha:.2f}",
            d(e.news_date),
            e.news_latency if e.news_latency is not None else "–",
            e.news_cause or "–",
            d(e.mining_date),
            e.mining_latency if e.mining_latency is not None else "–",
            e.end_cause,
        ]
        for e in events
    ]
    return _table(
        (
            "event",
            "kind",
            "start",
            "ha",
            "reported as news",
            "latency (d)",
            "cause at report",
            "named mining",
            "latency (d)",
            "cause at end",
        ),
        rows,
        right_from=3,
    )


def run_table(runs: list[RunScore]) -> list[str]:
    def f(x):
        return f"{x:.2f}" if x is not None else "–"

    rows = [
        [
            r.date.isoformat(),
            f"{r.seconds:.1f}",
            r.n_alerts,
            r.n_new,
            f"{r.new_ha:.2f}",
            f(r.precision),
            f"{r.new_mining_ha:.2f}",
            f(r.mining_precision),
            r.error or "",
        ]
        for r in runs
    ]
    return _table(
        (
            "run (--until)",
            "s",
            "alerts in store",
            "new",
            "new ha",
            "precision",
            "new mining ha",
            "mining precision",
            "error",
        ),
        rows,
    )


def definitions() -> list[str]:
    return [
        f"- An alert *matches* a target when their intersection is ≥ {OVERLAP:.0%} of the alert's area or "
        f"≥ {OVERLAP:.0%} of the target's area. An event's target at a run is its footprint as of that run's date.",
        "- *Reported as news*: first run in which an alert **created in that run** (an id the store did not have "
        "before) matches. *Named mining*: first run in which any alert whose cause **at that run** is mining "
        "matches. Latency = run date − truth start date (days, not clipped at zero). Missed targets count in the "
        "denominators; latency medians are over the reported ones.",
        "- *Cause at report*: the cause of the matching new alert in the reporting run (largest overlap); "
        "*cause at end*: the same over all alerts after the last run.",
        f"- *Precision* of a run: share of the area of its new alerts on truth steps dated after the previous run "
        f"or in the {WINDOW_EXTRA_DAYS} days before it (older truth and bars earn no credit). *Mining precision*: "
        "the same for new alerts called mining, against mining truth only. Pooled = summed areas over runs.",
    ]
