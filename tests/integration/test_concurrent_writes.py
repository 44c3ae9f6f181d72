"""Concurrency is honest (issue 10 §2): ten PUTs of the same version at once give one 200 and
409s — never a 500 — and a PUT without the version is refused, so no update is lost.

Each thread has its own test client (its own request and session). Runs on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import collections
import threading

from app.extensions import db
from app.models import Village

THREADS = 10


def test_ten_concurrent_puts_of_one_version_give_only_200_and_409(app, world, api_token):
    headers = api_token("zhongxin")
    client = app.test_client()
    version = client.get(f"/api/v1/village/{world.village_a}", headers=headers).json["result"]["version"]
    start = threading.Barrier(THREADS)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def put(n: int) -> None:
        c = app.test_client()
        start.wait()
        r = c.put(
            f"/api/v1/village/{world.village_a}",
            headers=headers,
            json={"secretary_name": f"书记{n}", "version": version},
        )
        with lock:
            answers.append((r.status_code, (r.get_json() or {}).get("message", "")))

    threads = [threading.Thread(target=put, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    statuses = collections.Counter(s for s, _ in answers)
    assert len(answers) == THREADS
    assert set(statuses) <= {200, 409}, answers
    assert statuses[200] == 1, answers
    assert all(m and any("\u4e00" <= ch <= "\u9fff" for ch in m) for s, m in answers if s == 409)
    with app.app_context():
        village = db.session.get(Village, world.village_a)
        assert village.version == version + 1
        assert village.secretary_name.startswith("书记")


def test_put_without_version_is_refused_and_changes_nothing(app, world, api_token):
    headers = api_token("zhongxin")
    c = app.test_client()
    r = c.put(f"/api/v1/village/{world.village_a}", headers=headers, json={"secretary_name": "覆盖"})
    assert r.status_code == 422
    assert r.json["errors"]["version"] == ["请先读取记录并带上 version（版本号）后重试"]
    r = c.put(f"/api/v1/agent/{world.agent_a}", headers=headers, json={"name": "覆盖", "version": "1.0"})
    assert r.status_code == 422 and "version" in r.json["errors"]
    with app.app_context():
        assert db.session.get(Village, world.village_a).secretary_name != "覆盖"


def test_a_stale_web_form_shows_the_conflict(app, world, login):
    c = login("zhongxin")
    with app.app_context():
        v = db.session.get(Village, world.village_a)
        form = {
            "name": v.name,
            "code": v.code,
            "service_phone": v.service_phone or "",
            "active": "y",
            "supplement_per_year": "0",
            "secretary_name": "第一次",
            "version": str(v.version),
        }
    assert c.post(f"/village/edit/{world.village_a}", data=form).status_code == 302
    r = c.post(f"/village/edit/{world.village_a}", data={**form, "secretary_name": "第二次"})  # the same, now stale
    assert r.status_code == 200
    assert "该记录已被其他人修改，请刷新页面后重新编辑" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Village, world.village_a).secretary_name == "第一次"
