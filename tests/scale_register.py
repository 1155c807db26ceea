"""A register of a few hundred fictitious applicants, made the way the sample is made
(:mod:`addin.book.sample`): the sample's applications that go to the meeting, repeated
with new people (names from the sample's name lists, checksum-valid invented ID
numbers), employers from a longer list (with the longest names a register holds),
achievement texts up to the platform's limit (``addin/data/print.csv``), blind codes,
a seeded draw, attendance, every code balloted, a defence score sheet per senior
applicant; plus two applications of one person by both routes (held back, 三) so that
what is counted as on the meeting can be checked. Built in memory with openpyxl: 300
applicants take a few seconds."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from addin import data
from addin.book.new import build_new
from addin.book.sample import (FIXED_NOW, MEETING_DATE, People, PRIVATE_FIRMS, PUBLIC_UNITS, STATE_FIRMS,
                               sample_settings, sample_tables)

#: employers of the big register: the sample's and some with the longest names registers hold
EMPLOYERS = PUBLIC_UNITS + STATE_FIRMS + PRIVATE_FIRMS + (
    "阿克苏地区交通建设投资有限公司（阿克苏地区路桥养护有限公司）",
    "新疆生产建设兵团第一师阿拉尔市交通运输局公路管理站",
    "阿克苏地区行政公署交通运输局农村公路建设管理办公室",
    "库车市交通运输局运输管理站",
)
SENTENCE = ("负责国道三一四线阿克苏至库车段养护工程的技术管理，主持编制桥梁加固与路面改造施工方案，"
            "组织开展质量检测与安全隐患排查，参与编写养护技术规程，本人承担主要技术工作并对成果负主要责任。")
POLITICAL = "坚决拥护中国共产党的领导，认真贯彻落实党中央决策部署，遵守职业道德，爱岗敬业，廉洁自律，作风扎实。"


def achievements_limit() -> int:
    return int(next(r["value"] for r in data.rows("print") if r["key"] == "achievements_max_chars"))


def _text_of(length: int) -> str:
    text = ""
    while len(text) < length:
        text += SENTENCE
    return text[:length - 1] + "。"


def build_scale_register(path: Path, count: int = 300, seed: int = 2025) -> Path:
    """Write a register of ``count`` applications due at the meeting (and two held back)
    to ``path``, as a refresh, a draw and a meeting would have left it."""
    from addin.book.draw import DRAW_ACTION, log_detail, plan_draw
    from addin.book.evaluate import evaluate
    from addin.rules.meeting import MEETING_DUE
    from addin.book.reader import book_from_values, workbook_values
    from addin.rules.defence import defence_items
    from addin.rules.panel import PANEL

    settings, rows = sample_settings()
    base = sample_tables(settings)
    first = build_new(2024, now=FIXED_NOW, extra={**base, "settings": rows})
    ev = evaluate(book_from_values(workbook_values(first)), now=dt.datetime(2024, 9, 20))
    good = [a for i, a in enumerate(base["applicants"]) if ev.computed[i + 2].get("meeting_due") == MEETING_DUE]
    by_id = {a["app_id"]: a for a in good}
    reviews = {a: [r for r in base["reviews"] if r["app_id"] == a] for a in by_id}
    payments = {a: [p for p in base["payments"] if p["app_id"] == a] for a in by_id}
    rng = random.Random(seed)
    people = People(seed)
    limit = achievements_limit()
    applicants, review_rows, payment_rows = [], [], []
    for n in range(1, count + 1):
        model = good[(n - 1) % len(good)]
        app_id = f"2024-{n:04d}"
        sex = rng.choice(("男", "男", "女"))
        ethnicity = rng.choice(["汉族"] * 4 + ["维吾尔族"] * 4 + ["回族", "哈萨克族", "柯尔克孜族"])
        birth = dt.date(rng.randint(1968, 1996), rng.randint(1, 12), rng.randint(1, 28))
        name, id_number = people.person(ethnicity, sex, birth)
        length = limit if n % 7 == 0 else rng.randint(40, limit)
        row = dict(model, app_id=app_id, name=name, sex=sex, ethnicity=ethnicity, birth_date=birth,
                   id_number=id_number, achievements_text=_text_of(length),
                   political_text=POLITICAL[:rng.randint(30, len(POLITICAL))].rstrip("，") + "。",
                   remarks=f"规模测试：{model['remarks']}", blind_code=None)
        if row.get("employer_type") not in ("民营企业", "自由职业"):
            row["employer"] = EMPLOYERS[(n * 7) % len(EMPLOYERS)]
        applicants.append(row)
        review_rows += [dict(r, app_id=app_id) for r in reviews[model["app_id"]]]
        payment_rows += [dict(p, app_id=app_id, receipt=f"S{n:05d}{i}") for i, p in enumerate(payments[model["app_id"]])]
    twin = dict(applicants[0], app_id=f"2024-{count + 1:04d}", route="民营企业专项", employer_type="民营企业",
                private_basis="营业执照在地区注册", employer=PRIVATE_FIRMS[0])
    applicants.append(twin)
    review_rows += [dict(r, app_id=twin["app_id"]) for r in reviews[good[0]["app_id"]]]
    payment_rows += [dict(p, app_id=twin["app_id"], receipt=f"T{i}") for i, p in enumerate(payments[good[0]["app_id"]])]
    extra = dict(base, applicants=applicants, reviews=review_rows, payments=payment_rows, settings=rows)
    # blind codes, as a refresh assigns them
    book = build_new(2024, now=FIXED_NOW, extra=extra)
    ev = evaluate(book_from_values(workbook_values(book)), now=dt.datetime(2024, 9, 20), rng=random.Random(seed))
    for i, a in enumerate(applicants):
        a["blind_code"] = ev.computed[i + 2].get("blind_code")
    # the draw (seeded), attendance: every member present
    book = build_new(2024, now=FIXED_NOW, extra=extra)
    draw_at = dt.datetime(2024, 10, 15, 10, 0)
    report = plan_draw(book_from_values(workbook_values(book)), now=draw_at, user="组织人事科", rng=random.Random(seed))
    roles = report.draw.roles()
    for expert in extra["experts"]:
        expert["draw_result"], expert["draw_note"] = roles[expert["code"]]
        expert["attending"] = "是" if expert["draw_result"] == PANEL else None
    seated = [e["code"] for e in extra["experts"] if e["draw_result"] == PANEL]
    extra["log"] = [{"at": draw_at, "user": "组织人事科", "action": DRAW_ACTION, "rows": len(extra["experts"]),
                     "detail": log_detail(report)}]
    due = [a for i, a in enumerate(applicants) if ev.computed[i + 2].get("meeting_due") == MEETING_DUE]
    meeting, defence = [], []
    items = defence_items(settings).value
    for k, a in enumerate(due):
        yes = len(seated) if k % 5 else len(seated) - 3
        meeting.append({"meeting_date": MEETING_DATE, "blind_code": a["blind_code"], "yes": yes,
                        "no": len(seated) - yes, "abstain": 0})
        a["status"] = "评审通过" if yes * 3 >= 2 * len(seated) else "评审未通过"
        if ev.computed[applicants.index(a) + 2].get("defense") == "需答辩":
            for expert in seated:
                defence.append({"blind_code": a["blind_code"], "expert_code": expert,
                                **{f"item:{i.name}": round(i.points * rng.uniform(0.7, 0.95)) for i in items}})
    extra["meeting"], extra["defence"] = meeting, defence
    build_new(2024, now=FIXED_NOW, extra=extra).save(path)
    return path
