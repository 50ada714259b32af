"""Comments cite docs/rules.md by rule number or section name; each citation must lead to text that exists,
and the modules the document names must exist. Pure: reads files, no database."""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "rules.md"
SKIP_DIRS = {".venv", ".git", "node_modules", "var", "__pycache__", "docs"}
SCANNED_SUFFIXES = {".py", ".html", ".txt", ".js", ".md"}

# "docs/rules.md rule 4", "rules.md rules 1-3", "rules.md rules 1 and 4", "rules.md rules 2, 3".
RULE_CITATION = re.compile(r"rules\.md,? rules? (\d+(?:\s*(?:-|–|,|and)\s*\d+)*)")
SECTION_CITATION = re.compile(r"rules\.md,? \"([^\"]+)\"")
# The old citations, of a document that is not in the repository.
DESIGN_CITATION = re.compile(r"\bDESIGN\b")
RULE_HEADING = re.compile(r"^#{2,4} Rule (\d+)\.", re.MULTILINE)
HEADING = re.compile(r"^#{2,4} (.+?)\s*$", re.MULTILINE)
MODULE_PATH = re.compile(r"`((?:[a-z_]+/)+[a-z_]+\.py)`")


def scanned_files() -> list[Path]:
    """Every source, template and Markdown file of the project (the virtualenv and docs/ left out)."""
    files = []
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]  # pruned, so .venv is never walked
        files += [Path(folder, name) for name in names if Path(name).suffix in SCANNED_SUFFIXES]
    return sorted(path for path in files if path != Path(__file__).resolve())


def rule_numbers(cited: str) -> set[int]:
    """The numbers a citation names: "1-3" is 1, 2 and 3; "1 and 4" is 1 and 4."""
    numbers: set[int] = set()
    for part in re.split(r"\s*(?:,|and)\s*", cited):
        bounds = [int(n) for n in re.split(r"\s*[-–]\s*", part)]
        numbers.update(range(bounds[0], bounds[-1] + 1))
    return numbers


def document_index(text: str) -> tuple[set[int], set[str]]:
    """The rule numbers and the section names docs/rules.md has."""
    rules = {int(n) for n in RULE_HEADING.findall(text)}
    sections = {name for name in HEADING.findall(text) if not RULE_HEADING.match(f"## {name}")}
    return rules, sections


def broken_citations(text: str, rules: set[int], sections: set[str]) -> list[str]:
    """What in `text` cites a rule or a section the document lacks, or still cites DESIGN."""
    problems = [f"rule {n}" for m in RULE_CITATION.finditer(text) for n in sorted(rule_numbers(m[1])) if n not in rules]
    problems += [f'section "{m[1]}"' for m in SECTION_CITATION.finditer(text) if m[1] not in sections]
    problems += [f"DESIGN in: {line.strip()}" for line in text.splitlines() if DESIGN_CITATION.search(line)]
    return problems


RULES_TEXT = RULES.read_text(encoding="utf-8")
RULE_NUMBERS, SECTIONS = document_index(RULES_TEXT)


def test_the_document_has_rules_1_to_9_and_the_cited_sections():
    assert set(range(1, 10)) <= RULE_NUMBERS
    assert {"Who uses it", "Case states", "Coverage", "Dispatch", "Reason codes", "Sign-in", "Reports"} <= SECTIONS


def test_every_citation_in_the_code_leads_to_a_rule_or_section_of_the_document():
    broken = {}
    citations = 0
    for path in scanned_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        citations += len(RULE_CITATION.findall(text)) + len(SECTION_CITATION.findall(text))
        if problems := broken_citations(text, RULE_NUMBERS, SECTIONS):
            broken[str(path.relative_to(ROOT))] = problems
    assert broken == {}
    assert citations >= 30  # the scan found the citations (a wrong root or pattern would find none)


def test_the_modules_the_document_names_exist():
    missing = sorted({p for p in MODULE_PATH.findall(RULES_TEXT) if not (ROOT / p).is_file()})
    assert missing == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# docs/rules.md rule 4: free when 8 days before", []),
        ('"""docs/rules.md rules 1-3 for a unit."""', []),
        ("# docs/rules.md rules 1 and 4, and part returns", []),
        ("# docs/rules.md rule 12: no such rule", ["rule 12"]),
        ("# docs/rules.md rules 8-10", ["rule 10"]),
        ('# docs/rules.md "Sign-in": two factors', []),
        ('# docs/rules.md "Billing": no such section', ['section "Billing"']),
        ("# DESIGN rule 4: the old document", ["DESIGN in: # DESIGN rule 4: the old document"]),
    ],
)
def test_a_citation_of_something_missing_is_reported(text, expected):
    assert broken_citations(text, set(range(1, 10)), {"Sign-in", "Coverage"}) == expected


def test_a_citation_range_names_every_rule_in_it():
    assert rule_numbers("1-3") == {1, 2, 3}
    assert rule_numbers("1 and 4") == {1, 4}
    assert rule_numbers("2, 3") == {2, 3}
    assert rule_numbers("1–4") == {1, 2, 3, 4}
