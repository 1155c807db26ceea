"""Every rule names the clause of the notice it implements and restates it."""

import importlib
import pkgutil
import re

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
