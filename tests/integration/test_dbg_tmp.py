def test_dbg(app, login, world, county):
    import re

    for u in ("admin", "zhongxin"):
        c = login(u)
        html = c.get("/village/add").get_data(as_text=True)
        print(u, "township_id" in html, re.findall(r"<option[^>]*>[^<]*</option>", html)[:5])
        html = c.get(f"/village/edit/{world.village_b}").get_data(as_text=True)
        print(u, "township_id" in html, re.findall(r"<option[^>]*>[^<]*</option>", html)[:5])
