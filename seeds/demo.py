"""A demo township: 12 fictitious villages, their agents, and an account for every role —
and a second, clearly fictitious township 演示镇（虚构） (code YS, issue 15 §1) with 3 villages,
their agents and accounts, its own 乡便民中心/乡纪检办, and a 县政务服务中心 account.

Names, ID numbers and phone numbers are invented (ID numbers carry a valid check digit so
that the validation accepts them). Idempotent: an existing village/user is left alone.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from app.extensions import appbuilder, db
from app.models import Agent, Township, Village
from app.policy.idcard import id_check_digit
from app.policy.roles import ROLE_ADMIN, ROLE_AGENT, ROLE_COUNTY, ROLE_DISCIPLINE, ROLE_SECRETARY, ROLE_TOWNSHIP
from app.services.agents import create_agent
from app.services.clock import today as township_today
from app.services.townships import config_township
from app.services.villages import create_village

DEMO_PASSWORD = "Jianning@2026"
DEMO_PREPARER = "刘晓梅"  # 姓名 of the demo's 乡便民中心 account: 制表人 of what the demo computes

# (name, code, secretary, agent, gender, birth, education, deputy cadre?)
VILLAGES = [
    ("青山村", "QS", "刘建国", "王秀兰", "F", dt.date(1988, 3, 12), "senior", True),
    ("石桥村", "SQ", "陈志强", "李明", "M", dt.date(1990, 7, 2), "college", False),
    ("枫林村", "FL", "张卫东", "赵春梅", "F", dt.date(1985, 11, 23), "vocational", True),
    ("荷塘村", "HT", "周海波", "黄志勇", "M", dt.date(1992, 1, 30), "bachelor", False),
    ("白沙村", "BS", "吴长青", "孙丽华", "F", dt.date(1983, 5, 17), "senior", True),
    ("龙泉村", "LQ", "郑国平", "钱文斌", "M", dt.date(1970, 9, 8), "senior", True),  # 51 when hired: age override
    ("桃源村", "TY", "何永红", "胡小燕", "F", dt.date(1994, 12, 1), "college", False),
    ("柳溪村", "LX", "罗德明", "朱建军", "M", dt.date(1987, 4, 19), "vocational", True),
    ("松坪村", "SP", "谢庆丰", "高美玲", "F", dt.date(1991, 8, 26), "senior", False),
    ("金竹村", "JZ", "邓立新", "林国庆", "M", dt.date(1989, 10, 1), "college", True),
    ("新塘村", "XT", "彭光辉", "曾艳", "F", dt.date(1993, 6, 14), "bachelor", True),
    ("梅岭村", "ML", "蒋红军", "唐志华", "M", dt.date(1986, 2, 9), "senior", False),
]

# The second township (issue 15 §1): invented, and named so that nobody takes it for a real one.
TOWNSHIP_B = ("演示镇（虚构）", "YS")
VILLAGES_B = [
    ("云溪村", "YX", "梁永福", "宋晓丽", "F", dt.date(1989, 4, 6), "senior", True),
    ("望山村", "WS", "韩德胜", "冯建华", "M", dt.date(1991, 9, 15), "college", False),
    ("清河村", "QH", "许国强", "曹玉兰", "F", dt.date(1987, 2, 21), "vocational", True),
]


def demo_id_number(birth: dt.date, gender: str, serial: int) -> str:
    """An invented ID number (region 430123) with a correct GB 11643 check digit."""
    seq = (serial * 2 + (1 if gender == "M" else 0)) % 1000
    if (seq % 2 == 1) != (gender == "M"):
        seq = (seq + 1) % 1000
    first17 = f"430123{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def demo_phone(serial: int) -> str:
    return f"1397310{serial:04d}"


def _user(username: str, first_name: str, role: str, village: Village | None = None, township=None):
    sm = appbuilder.sm
    user = sm.find_user(username=username)
    if user is not None:
        if township is not None and user.township_id is None and user.village_id is None:
            user.township_id = township.id  # a demo database from before the townships
            db.session.commit()
        return user
    user = sm.add_user(
        username=username,
        first_name=first_name,
        last_name="",
        email=f"{username}@demo.jianning.invalid",
        role=sm.find_role(role),
        password=DEMO_PASSWORD,
    )
    if village is not None or township is not None:
        user.village_id = village.id if village else None
        user.township_id = township.id if township else None
        db.session.commit()
    return user


def create_demo(today: dt.date | None = None) -> dict:
    today = today or township_today()
    home = config_township()
    db.session.commit()
    accounts = [
        ("admin", "系统管理员", ROLE_ADMIN, None),
        ("zhongxin", DEMO_PREPARER, ROLE_TOWNSHIP, home),
        ("jijian", "陈志强", ROLE_DISCIPLINE, home),
        ("xian", "县政务服务中心", ROLE_COUNTY, None),
    ]
    for username, name, role, township in accounts:
        _user(username, name, role, township=township)
    count = _villages_of(home, VILLAGES, "建宁乡", 0, today)
    second = db.session.execute(select(Township).where(Township.code == TOWNSHIP_B[1])).scalar()
    if second is None:
        second = Township(name=TOWNSHIP_B[0], code=TOWNSHIP_B[1])
        db.session.add(second)
        db.session.commit()
    _user("ys_zhongxin", "演示镇便民中心", ROLE_TOWNSHIP, township=second)
    _user("ys_jijian", "演示镇纪检办", ROLE_DISCIPLINE, township=second)
    _villages_of(second, VILLAGES_B, "演示镇", len(VILLAGES), today)
    return {"villages": count, "accounts": demo_accounts()}


def _villages_of(township, rows, place: str, serial0: int, today: dt.date) -> int:
    villages = {v.code: v for v in db.session.execute(select(Village)).scalars()}
    rng = random.Random(2022 + serial0)
    for n, (name, code, secretary, agent_name, gender, birth, education, deputy) in enumerate(rows, serial0 + 1):
        village = villages.get(code)
        if village is None:
            village = create_village(
                {
                    "name": name,
                    "code": code,
                    "township_id": township.id,
                    "address": f"{place}{name}村民委员会便民服务代办点",
                    "service_phone": f"0731-8456{2000 + n:04d}",
                    "secretary_name": secretary,
                    "active": True,
                    "supplement_per_year": "0" if deputy else "1200.00",
                    **{
                        attr: (rng.random() > 0.15)
                        for attr in ("std_counter", "std_agent", "std_register", "std_card", "std_system", "std_board")
                    },
                    **{
                        f"{attr}_checked_on": dt.date(today.year, 1, 15)
                        for attr in ("std_counter", "std_agent", "std_register", "std_card", "std_system", "std_board")
                    },
                }
            )
            villages[code] = village
        agent_user = _user(f"{code.lower()}_daiban", agent_name, ROLE_AGENT, village)
        _user(f"{code.lower()}_shuji", secretary, ROLE_SECRETARY, village)
        has_agent = db.session.execute(select(Agent.id).where(Agent.village_id == village.id)).first()
        if has_agent:
            continue
        hired = dt.date(2022, 7, 1) if n % 4 else dt.date(today.year, 1, 1)
        reason = None
        if code == "LQ":
            reason = "该同志熟悉本村情况，群众威信高，经两委会议和党员、村民代表会议同意破格聘任"
        agent = create_agent(
            {
                "name": agent_name,
                "id_number": demo_id_number(birth, gender, n),
                "phone": demo_phone(n),
                "education": education,
                "level": "village",
                "village_id": village.id,
                "appointment_kind": "deputy" if deputy else "hired",
                "long_term_resident": True,
                "is_grid_worker": False,
                "age_override_reason": reason,
                "nominated_on": hired - dt.timedelta(days=30),
                "approved_on": hired - dt.timedelta(days=20),
                "filed_on": hired - dt.timedelta(days=10),
                "hired_on": hired,
                "status": "active",
            },
            today=today,
        )
        agent.user_id = agent_user.id
        db.session.commit()
    return sum(1 for v in villages.values() if v.township_id == township.id)


def demo_accounts() -> list[tuple[str, str, str]]:
    rows = [
        ("admin", ROLE_ADMIN, "—"),
        ("zhongxin", ROLE_TOWNSHIP, "—"),
        ("jijian", ROLE_DISCIPLINE, "—"),
        ("xian", ROLE_COUNTY, "—"),
    ]
    for name, code, *_ in VILLAGES:
        rows.append((f"{code.lower()}_shuji", ROLE_SECRETARY, name))
        rows.append((f"{code.lower()}_daiban", ROLE_AGENT, name))
    rows.append(("ys_zhongxin", ROLE_TOWNSHIP, TOWNSHIP_B[0]))
    rows.append(("ys_jijian", ROLE_DISCIPLINE, TOWNSHIP_B[0]))
    for name, code, *_ in VILLAGES_B:
        rows.append((f"{code.lower()}_shuji", ROLE_SECRETARY, f"{name}（{TOWNSHIP_B[0]}）"))
        rows.append((f"{code.lower()}_daiban", ROLE_AGENT, f"{name}（{TOWNSHIP_B[0]}）"))
    return rows


__all__ = ["DEMO_PASSWORD", "TOWNSHIP_B", "VILLAGES_B", "create_demo", "demo_accounts"]
