"""``yunli.v1.Community`` messages ⇄ :mod:`engine.stores` objects.

Requests become engine objects whose own validation names the field
(``site.radius_m``, ``courier.shifts``, ``items`` …); the few checks the engine cannot
make on a message (ids that are empty, non-finite coordinates, too many entries) are
made here. Every response message of the service is built here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from engine.errors import InvalidInputError
from engine.live.eta import VehicleForecast
from engine.live.state import LivePlan
from engine.stores import Courier, Order, OrderStatus, Quote, QuoteOption, Site, Sku
from server.convert.common import check_count, finite
from server.gen.yunli.v1 import community_pb2 as pb

#: Entries per repeated field of one request.
MAX_ENTRIES: Final = 10_000
#: Stops a courier reports as served in one report.
STOP_KINDS: Final = ("pickup", "delivery")


def _id(field: str, value: str) -> str:
    if not value.strip():
        raise InvalidInputError.at(field, "must not be empty")
    if ":" in value:
        raise InvalidInputError.at(field, "must not contain ':'", value)
    return value


def site(m: pb.CommunitySite) -> Site:
    """A site from its message (defaults: open all day, 1,000 m radius, 06–10 receiving)."""
    sid = _id("site.site_id", m.site_id)
    check_count("site.opening", len(m.opening), 48)
    check_count("site.receiving", len(m.receiving), 48)
    kw: dict[str, object] = {}
    if m.opening:
        kw["opening"] = tuple((w.open_s, w.close_s) for w in m.opening)
    if m.receiving:
        kw["receiving"] = tuple((w.open_s, w.close_s) for w in m.receiving)
    return Site(
        sid,
        m.kind,
        finite("site.lat", m.lat),
        finite("site.lon", m.lon),
        radius_m=m.radius_m or 1_000,
        capacity=m.capacity,
        closed_radius_m=m.closed_radius_m,
        name=m.name,
        **kw,  # type: ignore[arg-type]
    )


def site_msg(s: Site) -> pb.CommunitySite:
    """The message of a site."""
    return pb.CommunitySite(
        site_id=s.site_id,
        kind=s.kind,
        lat=s.lat,
        lon=s.lon,
        opening=[pb.CommunityWindow(open_s=a, close_s=b) for a, b in s.opening],
        radius_m=s.radius_m,
        capacity=s.capacity,
        closed_radius_m=s.closed_radius_m,
        receiving=[pb.CommunityWindow(open_s=a, close_s=b) for a, b in s.receiving],
        name=s.name,
    )


def sku(m: pb.CommunitySku) -> Sku:
    """A SKU from its message."""
    return Sku(_id("sku.sku_id", m.sku_id), m.name, m.weight_kg, m.volume_l, m.price_fen)


def sku_msg(s: Sku) -> pb.CommunitySku:
    """The message of a SKU."""
    return pb.CommunitySku(
        sku_id=s.sku_id,
        name=s.name,
        weight_kg=s.weight_kg,
        volume_l=s.volume_l,
        price_fen=s.price_fen,
    )


def courier(m: pb.CommunityCourier) -> Courier:
    """A courier from its message."""
    check_count("courier.shifts", len(m.shifts), 1_000)
    return Courier(
        _id("courier.courier_id", m.courier_id),
        m.mode,
        _id("courier.store_id", m.store_id),
        tuple((s.start, s.end) for s in m.shifts),
    )


def courier_msg(c: Courier) -> pb.CommunityCourier:
    """The message of a courier."""
    return pb.CommunityCourier(
        courier_id=c.courier_id,
        mode=c.mode,
        store_id=c.store_id,
        shifts=[pb.CommunityShift(start=a, end=b) for a, b in c.shifts],
    )


def stock_levels(lines: Iterable[pb.CommunityStockLine]) -> dict[str, int]:
    """Stock levels of a request (``lines``: SKU ids unique, quantities >= 0)."""
    out: dict[str, int] = {}
    for ln in lines:
        sid = _id("lines.sku_id", ln.sku_id)
        if sid in out:
            raise InvalidInputError.at("lines.sku_id", "duplicate SKU", sid)
        if ln.quantity < 0:
            raise InvalidInputError.at("lines.quantity", f"must be >= 0, got {ln.quantity}", sid)
        out[sid] = ln.quantity
    return out


def stock_msg(store_id: str, levels: Mapping[str, int], revision: int) -> pb.CommunityStock:
    """A store's stock, by SKU id."""
    return pb.CommunityStock(
        store_id=store_id,
        lines=[pb.CommunityStockLine(sku_id=k, quantity=levels[k]) for k in sorted(levels)],
        revision=revision,
    )


def order(m: pb.CommunityOrder, now: int) -> Order:
    """An order from its message (``placed_at`` 0 is ``now``)."""
    check_count("items", len(m.items), MAX_ENTRIES)
    oid = _id("order_id", m.order_id)
    placed = m.placed_at or now
    if m.placed_at < 0:
        raise InvalidInputError.at("placed_at", f"must be >= 0, got {m.placed_at}", oid)
    if m.ready_at and m.ready_at < placed:
        raise InvalidInputError.at("ready_at", "is before placed_at", oid)
    for it in m.items:
        if it.quantity <= 0:
            raise InvalidInputError.at(
                "items.quantity", f"{it.sku_id!r}: must be > 0, got {it.quantity}", oid
            )
    return Order(
        oid,
        _id("store_id", m.store_id),
        tuple((it.sku_id, int(it.quantity)) for it in m.items),
        placed,
        finite("lat", m.lat),
        finite("lon", m.lon),
        ready_at=m.ready_at or None,
        pickup_point_id=m.pickup_point_id or None,
        pay_on_delivery=m.pay_on_delivery,
    )


def option_msg(o: QuoteOption) -> pb.CommunityQuoteOption:
    """The message of a quote option (its fee names the tariff version)."""
    f = o.fee
    return pb.CommunityQuoteOption(
        kind=o.kind,
        promise=o.promise,
        eta=o.eta,
        fee=pb.CommunityFee(
            base_fen=f.base,
            distance_fen=f.distance,
            weather_fen=f.weather,
            discount_fen=f.discount,
            total_fen=f.total,
            tariff_version=f.tariff_version,
        ),
        pickup_point_id=o.pickup_point_id or "",
        courier_id=o.courier_id or "",
        distance_m=o.distance_m,
    )


def quote_msg(q: Quote, tariff_version: str) -> pb.CommunityQuote:
    """The message of a quote."""
    return pb.CommunityQuote(
        order_id=q.order_id,
        quoted_at=q.quoted_at,
        weather=q.weather,
        tariff_version=tariff_version,
        options=[option_msg(o) for o in q.options],
    )


def status_msg(st: OrderStatus, revision: int) -> pb.CommunityOrderStatus:
    """The message of a placed order's status."""
    return pb.CommunityOrderStatus(
        order_id=st.order.order_id,
        store_id=st.order.store_id,
        state=st.state,
        option=option_msg(st.option),
        courier_id=st.courier_id or "",
        eta=st.eta or 0,
        picked_up_at=st.picked_up_at or 0,
        delivered_at=st.delivered_at or 0,
        placed_at=st.order.placed_at,
        items=[pb.CommunityOrderItem(sku_id=s, quantity=q) for s, q in st.order.items],
        revision=revision,
    )


def served_jobs(courier_id: str, stops: Iterable[pb.CommunityServedStop]) -> tuple[str, ...]:
    """The live-plan job ids of served stops (``<order_id>:pickup`` / ``:delivery``)."""
    out = []
    for s in stops:
        oid = _id("served.order_id", s.order_id)
        if s.stop not in STOP_KINDS:
            raise InvalidInputError.at("served.stop", f"{s.stop!r} is not one of {STOP_KINDS}", oid)
        out.append(f"{oid}:{s.stop}")
    check_count("served", len(out), MAX_ENTRIES)
    del courier_id
    return tuple(out)


def route_msg(plan: LivePlan, courier_id: str, f: VehicleForecast | None) -> pb.CourierRoute:
    """A courier's planned stops (``f``: its forecast, ``None`` when off duty)."""
    v = plan.vehicles.get(courier_id)
    stops = []
    for s in f.stops if f is not None else ():
        oid, _, kind = s.job_id.rpartition(":")
        job = plan.jobs[s.job_id]
        stops.append(
            pb.CommunityRouteStop(
                order_id=oid,
                stop=kind,
                lat=job.lat,
                lon=job.lon,
                eta=s.service_start,
                late_s=s.late_s,
            )
        )
    return pb.CourierRoute(
        courier_id=courier_id,
        on_duty=v is not None and v.status == "active",
        lat=v.lat if v is not None else 0.0,
        lon=v.lon if v is not None else 0.0,
        stops=stops,
    )
