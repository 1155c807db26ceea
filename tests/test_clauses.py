"""Every rule names the clause of the notice it implements and restates it."""

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import addin

import addin.rules
from addin.rules.base import RULES

CLAUSE = re.compile(r"^(一|二|三|四)(\([一二三四五六七八九]\)(\d+)?)?$")
NOTICE_ONLY = {"评审会规则"}


def _load_all_rules():
    for mod in pkgutil.iter_modules(addin.rules.__path__):
        importlib.import_module(f"addin.rules.{mod.name}")


def test_every_rule_cites_a_clause_and_restates_it():
    _load_all_rules()
    assert len(RULES) >= 25
    for name, fn in RULES.items():
        assert fn.clauses, name
        for clause in fn.clauses:
            assert CLAUSE.match(clause) or clause in NOTICE_ONLY, f"{name}: {clause}"
        assert fn.__doc__ and len(fn.__doc__.strip()) > 20, f"{name} has no docstring restating its rule"


def test_reasons_in_verdicts_cite_clauses(ctx):
    from addin.rules.eligibility import Applicant, assess

    verdict = assess(ctx, Applicant(target_title="高级工程师", education="中专", route="定向评价",
                                    employer_type="事业单位", appraisals=("不合格", "合格", "合格")))
    for reason in verdict.failures:
        assert CLAUSE.match(reason.clause), reason


def test_no_rule_outside_rules():
    """A function that cites a clause is a rule, and rules live in addin/rules (issue 18.2):
    nothing outside it is decorated with @cites."""
    package = Path(addin.__file__).parent
    outside = sorted(str(p.relative_to(package)) for p in package.rglob("*.py")
                     if p.relative_to(package).parts[0] != "rules" and "@cites(" in p.read_text(encoding="utf-8"))
    assert outside == []


#: what the evaluation takes from addin.rules that decides nothing the notice regulates:
#: the findings' vocabulary, cell readers, words and dates as written, lookups in the settings
HELPERS = {
    "error", "warning", "is_excel_error",                                              # rules.base
    "parse_date", "parse_datetime", "parse_year", "normalise_text", "format_date",     # rules.dates
    "parse_int", "parse_number", "parse_bool", "campaign_span",                         # rules.settings
    "parse_phone",                                                                     # rules.contact
    "clean_word", "split_documents",                                                   # words in cells
    "reserve_place", "code_prefix",                                                    # 候补n, a code's letters
}
#: the modules that make the evaluation (addin.book.evaluate and the parts it puts together)
EVALUATION = ("evaluate", "stages", "payments", "employers", "tally", "panel", "codes", "records", "status", "draw")


def test_the_rules_the_evaluation_calls_cite_their_clauses():
    """Every function the evaluation takes from addin/rules is a rule that cites its clause
    (so test_every_rule_cites_a_clause_and_restates_it sees it), or one of the named
    helpers that decide nothing. A verdict worked out in the evaluation itself would have
    to be moved into rules/ to be called from there."""
    _load_all_rules()
    cited = set(RULES.values())
    book = Path(addin.__file__).parent / "book"
    called = {}
    for name in EVALUATION:
        for node in ast.walk(ast.parse((book / f"{name}.py").read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 2 and (node.module or "").startswith("rules"):
                module = importlib.import_module(f"addin.{node.module}")
                for alias in node.names:
                    obj = getattr(module, alias.name)
                    if inspect.isfunction(obj):
                        called[f"{node.module}.{alias.name}"] = obj
    assert len(called) > 30
    uncited = sorted(k for k, fn in called.items() if fn not in cited and k.rsplit(".", 1)[1] not in HELPERS)
    assert uncited == []
    assert {"rules.eligibility.mandarin_check", "rules.workflow.meeting_due", "rules.fees.fee_notes",
            "rules.workflow.reminder_due", "rules.workflow.held_by_route_conflict"} <= set(called)


def test_the_mandarin_column_and_the_verdict_give_one_answer(ctx):
    """Issue 18.2: 单位性质 “事业” (not a word of its list) gave 不要求 in the 普通话 column and
    “not recognised” in the verdict; both now come from rules.eligibility.mandarin_check."""
    from addin.rules.eligibility import Applicant, assess, mandarin_check

    for kind, level in (("事业", ""), ("", ""), ("事业单位", ""), ("事业单位", "三级甲等"), ("事业单位", "四级"),
                        ("国有企业", "")):
        check = mandarin_check(kind, level, ctx.settings, ctx.catalog)
        verdict = assess(ctx, Applicant(target_title="工程师", employer_type=kind, mandarin=level))
        reasons = [r.text for r in verdict.failures + verdict.missing]
        if check.failure:
            assert check.failure in reasons, (kind, level)
        if check.missing:
            assert check.missing in reasons, (kind, level)
        assert (check.column == "不要求") == (kind == "国有企业"), (kind, level, check)
    assert mandarin_check("事业", "", ctx.settings, ctx.catalog).column == "待核"
    assert mandarin_check("事业单位", "三级甲等", ctx.settings, ctx.catalog).column == "达标"


def _clauses_tested() -> dict[str, list[str]]:
    """clause -> the tests that check it: named after it (test_s4_1_6_…) or marked
    ``@pytest.mark.clause("四(一)6")`` (see conftest.py; ``pytest --clause 四(一)6`` runs them)."""
    from conftest import clause_of

    found: dict[str, list[str]] = {}
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test_")):
                continue
            clauses = {clause_of(node.name)} - {None}
            for deco in node.decorator_list:
                if (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute) and deco.func.attr == "clause"):
                    clauses |= {a.value for a in deco.args if isinstance(a, ast.Constant)}
            for clause in clauses:
                found.setdefault(clause, []).append(f"{path.name}::{node.name}")
    return found


def test_every_clause_a_rule_cites_has_a_test_findable_from_it():
    """Issue 18.6: from a clause of the notice to its tests — every clause some rule cites
    has at least one test named after it or marked with it, and every clause a test names
    is one the notice has."""
    _load_all_rules()
    cited = {clause for fn in RULES.values() for clause in fn.clauses}
    tested = _clauses_tested()
    assert sorted(cited - set(tested)) == []
    assert all(CLAUSE.match(c) or c in NOTICE_ONLY for c in tested), sorted(tested)
