"""Score what each monitoring run reported *at that time* against the dated truth.

Definitions (one place, so the results file can quote them):

- An alert *matches* a target (an event's footprint, or one growth step's new area) when their
  intersection is at least 30 % of the alert's area or at least 30 % of the target's area.
- *Reported as news*: the first run in which an alert created in that run (an id not seen before)
  matches the target. For an event the target is its footprint as of the run date (the steps
  dated up to then; the first step for runs before the event starts).
- *Named mining*: the first run in which any alert whose cause at that run is ``mining`` matches.
- Latency = run date - the target's start date, in days, not clipped at zero (a negative value means an
  alert was already there before the truth says anything happened).
- Cause at report time = the cause, in the reporting run, of the matching new alert with the largest
  overlap; cause at the end = the same over all alerts of the last run.
- Precision of a run: of the area of the alerts new in that run, the share lying on truth steps dated
  within the run's window (after the previous run) or the 60 days before it. Older truth earns no credit,
  and neither do bars (a bar is not forest loss). Mining precision: the same for the new alerts called
  mining, against the mining truth (mining and mining on non-forest).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

OVERLAP = 0.30
WINDOW_EXTRA_DAYS = 60
MINING_CAUSES = ("mining", "mining_nonforest")
NOT_LOSS = ("bar",)


@dataclass
class Snapshot:
    """The store's alerts after one monitoring run (geometries in the truth's metric CRS)."""

    date: dt.date
    alerts: gpd.GeoDataFrame  # alert_id, cause, geometry, ...
    new_ids: set[str]
    seconds: float
    error: str | None = None

    @property
    def new(self) -> gpd.GeoDataFrame:
        return self.alerts[self.alerts.alert_id.isin(self.new_ids)]


@dataclass
class TargetResult:
    """Outcome for one event or one growth step."""

    scene: str
    event_id: str
    kind: str
    cause: str
    step: int | None  # None for the event as a whole
    start: dt.date
    area_ha: float
    news_date: dt.date | None = None
    news_alert: str | None = None
    news_cause: str | None = None
    mining_date: dt.date | None = None
    end_cause: str = "none"

    @property
    def news_latency(self) -> int | None:
        return (self.news_date - self.start).days if self.news_date else None

    @property
    def mining_latency(self) -> int | None:
        return (self.mining_date - self.start).days if self.mining_date else None


@dataclass
class RunScore:
    scene: str
    date: dt.date
    seconds: float
    n_alerts: int
    n_new: int
    new_ha: float
    credited_ha: float
    new_mining_ha: float
    mining_credited_ha: float
    error: str | None

    @property
    def precision(self) -> float | None:
        return self.credited_ha / self.new_ha if self.new_ha > 0 else None

    @property
    def mining_precision(self) -> float | None:
        return self.mining_credited_ha / self.new_mining_ha if self.new_mining_ha > 0 else None


def matches(alert: shapely.Geometry, target: shapely.Geometry) -> float:
    """Overlap area (m²) when ``alert`` matches ``target`` by the 30 % rule, else 0."""
    if alert.is_empty or target.is_empty or not alert.intersects(target):
        return 0.0
    inter = alert.intersection(target).area
    return inter if inter >= OVERLAP * alert.area or inter >= OVERLAP * target.area else 0.0


def _best(alerts: gpd.GeoDataFrame, target: shapely.Geometry, mining_only: bool = False) -> tuple[str, str] | None:
    """(alert_id, cause) of the matching alert with the largest overlap, or None."""
    if mining_only:
        alerts = alerts[alerts.cause == "mining"]
    best, best_area = None, 0.0
    for aid, cause, geom in zip(alerts.alert_id, alerts.cause, alerts.geometry, strict=True):
        a = matches(geom, target)
        if a > best_area:
            best, best_area = (aid, cause), a
    return best


def _follow(res: TargetResult, runs: list[Snapshot], target_at) -> TargetResult:
    """Fill the first 'news' and 'named mining' runs and the cause at the end for one target."""
    for snap in runs:
        if snap.error:
            continue
        target = target_at(snap.date)
        if res.news_date is None:
            hit = _best(snap.new, target)
            if hit:
                res.news_date, res.news_alert, res.news_cause = snap.date, hit[0], hit[1]
        if res.mining_date is None and _best(snap.alerts, target, mining_only=True):
            res.mining_date = snap.date
    last = next((s for s in reversed(runs) if not s.error), None)
    if last is not None:
        hit = _best(last.alerts, target_at(last.date))
        res.end_cause = hit[1] if hit else "none"
    return res


def score_targets(
    scene: str, events: gpd.GeoDataFrame, steps: gpd.GeoDataFrame, runs: list[Snapshot]
) -> tuple[list[TargetResult], list[TargetResult]]:
    """Per event and per growth step results."""
    ev_out, st_out = [], []
    for ev in events.itertuples():
        own = steps[steps.event_id == ev.event_id].sort_values("step")
        dates = [dt.date.fromisoformat(d) for d in own.date]
        geoms = list(own.geometry)

        def footprint(day: dt.date, dates=dates, geoms=geoms) -> shapely.Geometry:
            upto = [g for d, g in zip(dates, geoms, strict=True) if d <= day]
            return shapely.union_all(upto) if upto else geoms[0]

        ev_out.append(
            _follow(
                TargetResult(scene, ev.event_id, ev.kind, ev.cause, None, dt.date.fromisoformat(ev.start), ev.area_ha),
                runs,
                footprint,
            )
        )
        for st in own.itertuples():
            st_out.append(
                _follow(
                    TargetResult(
                        scene, ev.event_id, ev.kind, ev.cause, st.step, dt.date.fromisoformat(st.date), st.area_ha
                    ),
                    runs,
                    lambda _day, g=st.geometry: g,
                )
            )
    return ev_out, st_out


def score_runs(scene: str, steps: gpd.GeoDataFrame, runs: list[Snapshot], since: dt.date) -> list[RunScore]:
    """Precision of what each run newly reported."""
    step_dates = np.array([dt.date.fromisoformat(d) for d in steps.date])
    loss = ~steps.cause.isin(NOT_LOSS).to_numpy()
    mining = steps.cause.isin(MINING_CAUSES).to_numpy()
    out = []
    previous = since
    for snap in runs:
        lo = previous - dt.timedelta(days=WINDOW_EXTRA_DAYS)
        in_window = np.array([lo < d <= snap.date for d in step_dates], bool)
        truth = shapely.union_all(list(steps.geometry[in_window & loss]))
        mining_truth = shapely.union_all(list(steps.geometry[in_window & mining]))
        new = snap.new if not snap.error else snap.alerts.iloc[0:0]
        new_geom = shapely.union_all(list(new.geometry))
        mining_geom = shapely.union_all(list(new.geometry[new.cause == "mining"]))
        out.append(
            RunScore(
                scene,
                snap.date,
                snap.seconds,
                len(snap.alerts),
                len(new),
                new_geom.area / 1e4,
                new_geom.intersection(truth).area / 1e4,
                mining_geom.area / 1e4,
                mining_geom.intersection(mining_truth).area / 1e4,
                snap.error,
            )
        )
        if not snap.error:
            previous = snap.date
    return out
