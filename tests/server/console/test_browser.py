"""The console in a real browser: Debian's headless Chromium driven by Selenium against a
real Yunli server (gRPC over a socket, SQLite) and the console's HTTP server.

One browser session walks through login, every layer, every panel, a dispatch and a
re-plan; screenshots go to ``$YUNLI_CONSOLE_SHOTS`` (default: the test's tmp dir).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from server.app import YunliServer
from server.console.cli import DEMO_PLAN, create_demo_plan, start_http
from server.console.feed import Feed
from server.console.orders import seed_orders
from server.proto import fleet_pb2, live_pb2, orders_grpc, orders_pb2
from tests.server.conftest import TOKEN, client_for

SAMPLE_DIR = str(Path(__file__).resolve().parents[3] / "engine" / "data" / "sample")
LAYERS = ("basemap", "cargo", "orders", "vehicles", "routes", "sites")
COUNT_OF = {"basemap": "basemap", "cargo": "flows", "orders": "orders", "vehicles": "vehicles",
            "routes": "stops", "sites": "sites"}  # fmt: skip


def _browser() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    assert chromium, "install chromium (scripts/start_services.sh)"
    assert driver, "install chromium-driver (scripts/start_services.sh)"
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
              "--window-size=1400,850", "--disable-gpu"):  # fmt: skip
        opts.add_argument(a)
    opts.binary_location = chromium
    return webdriver.Chrome(options=opts, service=Service(driver))


def wait_for(d: Any, script: str, timeout: float = 20.0) -> Any:
    """Poll a JavaScript expression until it is truthy; its value."""
    t0 = time.monotonic()
    while True:
        v = d.execute_script("return " + script)
        if v:
            return v
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out waiting for {script}")
        time.sleep(0.05)


@pytest.fixture
def stack(
    make_server: Callable[..., tuple[YunliServer, int]], sample_world: Any
) -> Iterator[tuple[Any, YunliServer, int]]:
    srv, port = make_server()
    w = sample_world
    srv.state.store.bulk_import({"vehicles": w.vehicles, "loads": w.loads, "trips": w.trips})
    srv.state.sync()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    create_demo_plan(channel, TOKEN)
    orders = seed_orders(channel, TOKEN, w, close_s=2.0, wait=False)
    http = start_http(port, "127.0.0.1", 0, world_dir=SAMPLE_DIR, plans=[DEMO_PLAN])
    yield http, srv, port, orders
    http.stop()
    channel.close()


def test_console_in_headless_chromium(stack: Any, sample_world: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    http, srv, port, orders = stack
    shots = Path(os.environ.get("YUNLI_CONSOLE_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    client = client_for(port)
    d = _browser()
    try:
        d.get(http.url)
        # a missing token shows the login prompt; a wrong one says so; the right one works
        wait_for(d, "!document.getElementById('login').classList.contains('hidden')")
        d.find_element(By.ID, "token").send_keys("expired-token")
        d.find_element(By.CSS_SELECTOR, "#loginform button").click()
        wait_for(d, "document.getElementById('loginwhy').textContent.includes('rejected')")
        d.find_element(By.ID, "token").clear()
        d.find_element(By.ID, "token").send_keys(TOKEN)
        d.find_element(By.CSS_SELECTOR, "#loginform button").click()
        wait_for(d, "window.__yunli.ready && window.__yunli.updates > 0")
        d.execute_script("window.__yunli.drawNow()")
        counts = d.execute_script("return window.__yunli.counts")
        assert counts["vehicles"] == 2000
        assert counts["loads"] == 2000
        assert counts["basemap"] > 100  # country, provinces and coastline features
        assert 0 < counts["flows"] < 2000  # aggregated O→D flows
        assert counts["routes"] == 12
        assert counts["stops"] > 50
        assert counts["sites"] > 50
        dbg = d.execute_script("return [window.__yunli.errors, S.orders, S.layers]")
        assert counts["orders"] == 5, dbg  # the seeded orders, one O→D line each
        d.save_screenshot(str(shots / "console_map.png"))

        # every layer toggles off and on
        for layer in LAYERS:
            box = d.find_element(By.CSS_SELECTOR, f"input[data-layer={layer}]")
            box.click()
            d.execute_script("window.__yunli.drawNow()")
            assert d.execute_script("return window.__yunli.counts")[COUNT_OF[layer]] == 0, layer
            box.click()
            d.execute_script("window.__yunli.drawNow()")
            assert d.execute_script("return window.__yunli.counts")[COUNT_OF[layer]] > 0, layer

        # a real click on the map at a load's origin opens a panel
        load = client.fleet.GetLoads(fleet_pb2.GetByIdsRequest(ids=[7])).loads[0]
        d.execute_script(f"window.__yunli.flyTo({load.origin_lat}, {load.origin_lon}, 3000)")
        x, y = d.execute_script(
            f"return window.__yunli.screenOf({load.origin_lat}, {load.origin_lon})"
        )
        canvas = d.find_element(By.ID, "map")
        d.execute_script(
            "const c=document.getElementById('map'),r=c.getBoundingClientRect();"
            "for (const t of ['mousedown','mouseup']) c.dispatchEvent(new MouseEvent(t,"
            "{bubbles:true,clientX:r.left+arguments[0],clientY:r.top+arguments[1]}));",
            x, y,
        )  # fmt: skip
        wait_for(d, "/^#(load|vehicle|order)=/.test(location.hash)")
        assert canvas.is_displayed()

        # load panel: recommendations with the explained score, dispatch through the RPCs
        d.execute_script("location.hash = 'load=7'")
        wait_for(d, "document.querySelectorAll('#panel-load table.recs tr').length > 1")
        first = d.find_element(By.CSS_SELECTOR, "#panel-load button.dispatch")
        vid = int(first.get_attribute("data-vehicle"))
        assert d.find_element(By.CSS_SELECTOR, "#panel-load table.recs").text.count("km") >= 1
        d.save_screenshot(str(shots / "console_load.png"))
        first.click()
        wait_for(d, "window.__yunli.dispatched.length === 1")
        wait_for(d, "window.__yunli.totals.loads === 1999")
        with pytest.raises(grpc.RpcError) as e:
            client.fleet.GetLoads(fleet_pb2.GetByIdsRequest(ids=[7]))
        assert e.value.code() is grpc.StatusCode.NOT_FOUND
        got = client.fleet.GetVehicles(fleet_pb2.GetByIdsRequest(ids=[vid])).vehicles[0]
        assert got.status == "busy"

        # vehicle panel: lanes from its trip history, recommended loads
        d.execute_script(f"location.hash = 'vehicle={vid}'")
        wait_for(d, "document.querySelector('#panel-vehicle h4') !== null")
        assert "busy" in d.find_element(By.ID, "panel-vehicle").text
        assert "Top lanes" in d.find_element(By.ID, "panel-vehicle").text
        d.execute_script("window.__yunli.drawNow()")
        assert d.execute_script("return window.__yunli.counts.lanes") > 0
        d.find_element(By.CSS_SELECTOR, "input[data-layer=lanes]").click()
        d.execute_script("window.__yunli.drawNow()")
        assert d.execute_script("return window.__yunli.counts.lanes") == 0
        d.find_element(By.CSS_SELECTOR, "input[data-layer=lanes]").click()

        # unknown ids say so
        d.execute_script("location.hash = 'load=987654321'")
        wait_for(d, "document.querySelector('#panel-load .err') !== null")
        assert "Not found" in d.find_element(By.ID, "panel-load").text
        d.execute_script("location.hash = 'trip=no-such-plan/v1'")
        wait_for(d, "document.querySelector('#panel-trip .err') !== null")

        # orders layer: the seeded orders in their states, as the page has them
        o = orders_grpc.OrdersStub(client.channel)
        states = {k: o.GetOrder(orders_pb2.GetOrderRequest(order_id=i)).order.state
                  for k, i in orders.items()}  # fmt: skip
        assert states == {"sealed": "bidding", "open_bids": "bidding", "grabbing": "grabbing",
                          "grabbed": "awarded", "in_transit": "in_transit"}  # fmt: skip
        page = d.execute_script("return window.__yunli.orderStates")
        assert page == {str(i): states[k] for k, i in orders.items()}
        # order panel: sealed bids show no amounts and cannot be awarded
        d.execute_script(f"location.hash = 'order={orders['sealed']}'")
        wait_for(d, "document.querySelectorAll('#panel-order table.bids tr.bid').length > 1")
        text = d.find_element(By.ID, "panel-order").text
        assert "sealed" in text
        assert "¥" not in text.split("Bids")[1].split("Event history")[0]
        assert d.find_elements(By.CSS_SELECTOR, "#panel-order button.award") == []
        # opened bids: guidance, every bid with the award rule's rank, award one by hand
        oid = orders["open_bids"]
        deadline = o.GetOrder(orders_pb2.GetOrderRequest(order_id=oid)).order.deadline
        time.sleep(max(0.0, deadline + 1.1 - time.time()))
        d.execute_script(f"location.hash = 'order={oid}'")
        wait_for(d, "document.querySelectorAll('#panel-order button.award').length > 1")
        panel = d.find_element(By.ID, "panel-order").text
        assert "Bid guidance (fair price range)" in panel
        assert "observations" in panel
        bids = o.ListBids(orders_pb2.ListBidsRequest(order_id=oid, actor="platform:1")).bids
        rows = d.find_elements(By.CSS_SELECTOR, "#panel-order table.bids tr.bid")
        assert [int(r.get_attribute("data-bid")) for r in rows] == [
            b.bid_id for b in sorted(bids, key=lambda b: b.award_rank)
        ]  # ranked by the award rule, best first
        assert "event history" in panel.lower()
        assert "bid_placed" in panel
        d.save_screenshot(str(shots / "console_order.png"))
        second = sorted(bids, key=lambda b: b.award_rank)[1]  # by hand: not the rule's pick
        award = f"#panel-order button.award[data-bid='{second.bid_id}']"
        d.find_element(By.CSS_SELECTOR, award).click()
        wait_for(d, "window.__yunli.awarded.length === 1")
        got = o.GetOrder(orders_pb2.GetOrderRequest(order_id=oid)).order
        assert got.state == "awarded"
        assert (got.carrier_id, got.awarded_price_fen) == (second.carrier_id, second.amount_fen)
        wait_for(d, "window.__yunli.orderPanel.state === 'awarded'")  # the Subscribe stream
        # a grab made over gRPC by another client appears in the open page
        gid = orders["grabbing"]
        d.execute_script(f"location.hash = 'order={gid}'")
        wait_for(d, f"window.__yunli.orderPanel && window.__yunli.orderPanel.id === '{gid}'")
        assert "no grab yet" in d.find_element(By.ID, "panel-order").text
        go = o.GetOrder(orders_pb2.GetOrderRequest(order_id=gid)).order
        fv = sample_world.vehicles
        fits = fv.filter(
            (fv["status"] == "idle")
            & (fv["capacity_kg"] >= go.weight_kg)
            & (fv["capacity_l"] >= go.volume_l)
            & (fv["vehicle_id"] != vid)
        )
        if go.vehicle_types:
            fits = fits.filter(fits["vehicle_type"].is_in(list(go.vehicle_types)))
        truck = fits.row(0, named=True)
        won = o.Grab(
            orders_pb2.TakeRequest(
                idempotency_key=f"grab-{gid}",
                order_id=gid,
                actor=f"carrier:{truck['carrier_id']}",
                vehicle_id=truck["vehicle_id"],
            )
        )
        assert won.order.state == "awarded"
        wait_for(d, "window.__yunli.orderPanel.state === 'awarded'")
        winner = d.find_element(By.CSS_SELECTOR, "#panel-order .winner").text
        assert f"carrier {truck['carrier_id']}" in winner
        assert d.execute_script(f"return window.__yunli.orderStates['{gid}']") == "awarded"
        d.execute_script("location.hash = 'order=987654321'")
        wait_for(d, "document.querySelector('#panel-order .err') !== null")
        assert "Not found" in d.find_element(By.ID, "panel-order").text

        # dashboard: run the dispatch comparison; charts draw it
        d.find_element(By.CSS_SELECTOR, "#tabs button[data-tab=dashboard]").click()
        d.execute_script(
            "const s = document.getElementById('objective'); s.value = 'DISPATCH_OBJECTIVE_FILL';"
            "s.dispatchEvent(new Event('change'))"
        )
        d.find_element(By.ID, "rundispatch").click()
        wait_for(d, "document.getElementById('kpi-share').textContent.includes('%')", 60)
        assert d.find_element(By.ID, "kpi-empty").text != "–"
        d.find_element(By.CSS_SELECTOR, "#tabs button[data-tab=charts]").click()
        inked = d.execute_script(
            "const c = document.getElementById('ch-matched'), x = c.getContext('2d');"
            "const px = x.getImageData(0, 0, c.width, c.height).data; let n = 0;"
            "for (let i = 0; i < px.length; i += 4) if (px[i + 3] && px[i] < 200) n++;"
            "return n;"
        )
        assert inked > 500  # three bars drawn
        d.save_screenshot(str(shots / "console_charts.png"))

        # trip panel: a live truck; a position report streams in; a jam + re-plan
        version = d.execute_script("return window.__yunli.planVersion")
        Feed(grpc.insecure_channel(f"127.0.0.1:{port}"), DEMO_PLAN, TOKEN, 3600).tick()
        wait_for(d, f"window.__yunli.planVersion > {version}")
        view = client.live.GetPlan(live_pb2.GetPlanRequest(plan_id=DEMO_PLAN))
        truck = next(v.vehicle_id for v in view.plan.vehicles if len(v.route) > 1)
        d.execute_script(f"location.hash = 'trip={DEMO_PLAN}/{truck}'")
        wait_for(d, "document.querySelectorAll('#panel-trip table.stops tr').length > 1")
        vehicle_panel = d.find_element(By.ID, "panel-vehicle").get_attribute("textContent")
        assert f"Live truck {truck}" in vehicle_panel
        assert "next stops" in vehicle_panel
        version = d.execute_script("return window.__yunli.planVersion")
        d.find_element(By.ID, "jam").click()
        wait_for(d, f"window.__yunli.planVersion > {version}", 30)
        wait_for(d, "document.getElementById('replanmsg').textContent.includes('version')")
        d.execute_script("window.__yunli.drawNow()")
        assert d.execute_script("return window.__yunli.counts.traffic") == 1  # the jam's area
        view = client.live.GetPlan(live_pb2.GetPlanRequest(plan_id=DEMO_PLAN))
        assert len(view.plan.slowdowns) == 1
        d.save_screenshot(str(shots / "console_trip.png"))

        # no script error on the way (network 401/404s above are expected answers)
        js_errors = [e for e in d.get_log("browser") if e.get("source") == "javascript"]
        assert js_errors == []

        # the gRPC server goes down: the page says so and keeps retrying
        srv.stop(0)
        d.execute_script("location.hash = 'vehicle=3'")
        wait_for(d, "document.getElementById('status').textContent.includes('server down')")
        assert d.execute_script("return window.__yunli.errors.length") == 0
    finally:
        d.quit()
