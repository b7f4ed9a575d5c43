"""The diagram stays readable with 30 components, laid out automatically, from a pasted model."""

from __future__ import annotations

from typing import Any

import yaml
from ui_steps import RESULTS

FONT_PX = 12
"""The labels' font size at zoom 1 (web/src/diagram.js)."""


def thirty_components() -> str:
    """A serverless system of 30 components in three trust boundaries, as a native model."""
    comps: list[dict[str, Any]] = []
    flows: list[dict[str, Any]] = []

    def add(cid: str, ctype: str, name: str, boundary: str) -> str:
        comps.append({"id": cid, "type": ctype, "name": name, "boundary": boundary})
        return cid

    users = [add(f"User{i}", "actor", n, "internet") for i, n in enumerate(["Customer", "Partner", "Support agent"])]
    idp = add("UserPool", "cognito", "Customer user pool", "aws")
    apis = [add(f"Api{i}", "api_gateway", n, "aws") for i, n in enumerate(["Public API", "Partner API"])]
    fns = [add(f"Fn{i}", "lambda", f"{n} function", "aws") for i, n in enumerate(
        ["Orders", "Payments", "Catalogue", "Search", "Invoices", "Shipping", "Returns", "Notify", "Audit"])]
    tables = [add(f"Table{i}", "dynamodb", f"{n} table", "aws") for i, n in enumerate(["Orders", "Payments", "Catalogue", "Invoices", "Audit"])]
    buckets = [add(f"Bucket{i}", "s3", f"{n} bucket", "aws") for i, n in enumerate(["Invoices", "Reports", "Images"])]
    queues = [add(f"Queue{i}", "sqs", f"{n} queue", "aws") for i, n in enumerate(["Shipping", "Returns"])]
    topic = add("Topic", "sns", "Order events", "aws")
    bus = add("Bus", "eventbridge", "Event bus", "aws")
    secret = add("Secret", "secrets_store", "Payment keys", "aws")
    logs = add("Logs", "log_group", "Function logs", "aws")
    repo = add("Repo", "code_repo", "Code repository", "source")
    assert len(comps) == 30

    def flow(a: str, b: str, label: str) -> None:
        flows.append({"source": a, "target": b, "label": label})

    flow(users[0], apis[0], "HTTPS")
    flow(users[0], idp, "sign in")
    flow(users[1], apis[1], "HTTPS")
    flow(users[2], apis[0], "HTTPS")
    for i, fn in enumerate(fns[:6]):
        flow(apis[i % 2], fn, f"route {i}")
    for fn, table in zip(fns, tables + tables):
        flow(fn, table, "read/write")
    flow(fns[4], buckets[0], "PDF")
    flow(fns[8], buckets[1], "CSV")
    flow(fns[2], buckets[2], "images")
    flow(fns[0], topic, "OrderPlaced")
    flow(topic, queues[0], "fan out")
    flow(topic, queues[1], "fan out")
    flow(queues[0], fns[5], "poll")
    flow(queues[1], fns[6], "poll")
    flow(fns[0], bus, "events")
    flow(bus, fns[7], "rule")
    flow(bus, fns[8], "rule")
    flow(fns[1], secret, "get key")
    for fn in fns[:3]:
        flow(fn, logs, "logs")
    flow(repo, fns[0], "deploy")
    model = {
        "threatdeck": 1,
        "name": "Thirty components",
        "boundaries": [{"id": "internet", "name": "Internet"}, {"id": "aws", "name": "AWS account"},
                       {"id": "source", "name": "Source control"}],
        "components": comps,
        "flows": flows,
    }
    return str(yaml.safe_dump(model, sort_keys=False))


def test_thirty_components_are_laid_out_and_readable(web_server: Any, new_page: Any) -> None:
    page = new_page(1440, 900)
    page.goto(web_server.url + "/")
    page.wait_for_selector("body[data-ready=lobby]")
    page.fill("#host-name", "Kim")
    page.locator("label.seg", has_text="Paste a template").first.click()
    page.fill("#arch-paste", thirty_components())
    page.click("#create-game")
    page.wait_for_selector("#created:not([hidden])")
    page.click("#open-table")
    page.wait_for_selector("#diagram[data-layout=done]")
    diagram = page.locator("#diagram")
    assert diagram.get_attribute("data-nodes") == "30"
    assert int(diagram.get_attribute("data-edges") or 0) >= 30
    zoom = float(diagram.get_attribute("data-zoom") or 0)
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "diagram-30.png"))
    # Fitted to a laptop screen, every label is still drawn at a readable size; zoom and pan do the rest.
    assert zoom * FONT_PX >= 7, f"labels at {zoom * FONT_PX:.1f}px when the whole diagram fits"
    page.click(".diagram-zoom button[aria-label='Zoom in']")
    assert float(diagram.get_attribute("data-zoom") or 0) > zoom, "the zoom buttons zoom"
    assert page.locator("#diagram canvas").count() >= 1
