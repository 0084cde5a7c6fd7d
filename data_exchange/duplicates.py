"""Likely duplicates of suppliers, companies and consumer customers: one set of rules
for the importers (a row that looks like an existing record is reported instead of
creating a second one) and for the data-quality report (pairs already in the
database).

What counts as evidence:

- the same tax id (compacted: "DE 136.695.976" and "de136695976" are one id);
- the same e-mail address, compared case-insensitively (``normalise_email``);
- a very similar name (rapidfuzz ``token_sort_ratio`` of the name keys, at least
  ``NAME_THRESHOLD`` %): the key is case-folded, umlauts transliterated (ü and ue
  are one letter pair, ß is ss, accents dropped) and legal-form words removed
  ("Alpine GmbH" and "ALPINE AG" have one key). For people (consumer customers) a
  similar name is evidence only together with the same postcode.

Comparing every record with every other is O(n²); names are compared only inside a
block (records whose sorted name key starts with the same three letters; people:
the same postcode), and a block larger than ``MAX_BLOCK`` is split further, so a
database of 100,000 customers is checked in seconds. A pair whose names differ in
their first letters is therefore found by its tax id or e-mail only.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

NAME_THRESHOLD = 90
ADDRESS_THRESHOLD = 85
MAX_BLOCK = 400
#: members of one same-tax-id or same-e-mail group paired in the report
MAX_GROUP = 20

LEGAL_FORMS = frozenset(
    [
        "gmbh",
        "mbh",
        "ag",
        "kg",
        "ohg",
        "ug",
        "gbr",
        "ek",
        "ev",
        "eg",
        "se",
        "kgaa",
        "cokg",
        "co",
        "haftungsbeschraenkt",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "llc",
        "llp",
        "plc",
        "corp",
        "corporation",
        "company",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "aps",
    ]
)
_TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe"})
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_TAX_SEPARATORS = re.compile(r"[\s.\-/]+")
#: the prefixes of EU VAT numbers (Greece writes EL, Northern Ireland XI)
EU_VAT_PREFIXES = frozenset({code.upper() for code in eu_vat.MEMBER_STATES} | {"EL"})


class TaxIdError(ValueError):
    pass


def normalise_email(value: str | None) -> str:
    """The form two addresses are compared in: trimmed, lower case."""
    return (value or "").strip().casefold()


def fold(value: str | None) -> str:
    """Case-folded, umlauts transliterated (ü -> ue, ß -> ss), accents removed."""
    text = (value or "").casefold().translate(_TRANSLITERATE)
    return "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )


def name_key(value: str | None) -> str:
    """A company or person name for comparison: folded, punctuation and legal-form
    words (GmbH, AG, Ltd, ...) removed, blanks collapsed."""
    text = fold(value).replace(".", "").replace("&", " ")
    words = [word for word in _NOT_WORD.split(text) if word and word not in LEGAL_FORMS]
    return " ".join(words)


def address_key(value: str | None) -> str:
    return " ".join(word for word in _NOT_WORD.split(fold(value)) if word)


def postcode_key(value: str | None) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def tax_id_clean(value: str | None, country: str | None = None) -> str:
    """A tax id in its compact form, checked where a rule is known.

    An EU VAT number with its country prefix ("DE136695976", "ATU13585627") is
    validated with python-stdnum (check digits, length); without a prefix and with
    ``country`` given, the country's own VAT rule is used where stdnum has one.
    Anything else is accepted as written (compacted). Raises :class:`TaxIdError`
    with a message a person understands.
    """
    compact = _TAX_SEPARATORS.sub("", value or "").upper()
    if not compact:
        return ""
    prefix = compact[:2]
    if prefix in EU_VAT_PREFIXES:
        try:
            return str(eu_vat.validate(compact))
        except ValidationError:
            raise TaxIdError(
                f"“{value}” is not a valid {prefix} VAT number (check the digits)."
            ) from None
    if country and not prefix.isalpha():
        code = country.strip().lower()
        if code in eu_vat.MEMBER_STATES:
            module = get_cc_module(code, "vat")
            if module is not None:
                try:
                    return str(module.validate(compact))
                except ValidationError:
                    raise TaxIdError(
                        f"“{value}” is not a valid VAT number of {country.upper()}."
                    ) from None
    return compact


def tax_id_key(value: str | None) -> str:
    """A tax id for comparison, never raising (stored ids may predate the rule)."""
    try:
        return tax_id_clean(value)
    except TaxIdError:
        return _TAX_SEPARATORS.sub("", value or "").upper()


@dataclass(frozen=True)
class Record:
    """A supplier, company or customer as the rules compare it (an existing record,
    or an import row with ``pk`` the record it updates, or None)."""

    pk: int | None
    label: str
    name: str = ""
    email: str = ""
    tax_id: str = ""
    postcode: str = ""
    address: str = ""
    name_key: str = field(default="", compare=False)
    email_key: str = field(default="", compare=False)
    tax_key: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name_key", name_key(self.name))
        object.__setattr__(self, "email_key", normalise_email(self.email))
        object.__setattr__(self, "tax_key", tax_id_key(self.tax_id))


@dataclass(frozen=True)
class Likely:
    """An existing record a candidate likely duplicates, and why."""

    record: Record
    evidence: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.record.label} ({', '.join(self.evidence)})"


@dataclass(frozen=True)
class DuplicatePair:
    """Two records of ``kind`` ("supplier", "company", "customer") that look like one."""

    kind: str
    first: Record
    second: Record
    evidence: tuple[str, ...]


def _block(record: Record, people: bool) -> str:
    if people:
        return record.postcode and postcode_key(record.postcode)
    return "".join(sorted(record.name_key.split()))[:3]


def _name_evidence(score: float, people: bool) -> str:
    if people:
        return "same postcode, " + ("same name" if score >= 100 else f"name {score:.0f} % similar")
    return "same name" if score >= 100 else f"name {score:.0f} % similar"


class DuplicateFinder:
    """Existing records indexed once; ``find`` answers for one candidate in time
    independent of how many records there are (outside its block)."""

    def __init__(self, records: Iterable[Record], *, people: bool = False) -> None:
        self.people = people
        self.by_tax: dict[str, list[Record]] = defaultdict(list)
        self.by_email: dict[str, list[Record]] = defaultdict(list)
        self.by_block: dict[str, list[Record]] = defaultdict(list)
        for record in records:
            if record.tax_key:
                self.by_tax[record.tax_key].append(record)
            if record.email_key:
                self.by_email[record.email_key].append(record)
            block = _block(record, people)
            if block and record.name_key:
                self.by_block[block].append(record)

    def find(self, candidate: Record) -> list[Likely]:
        evidence: dict[int, list[str]] = defaultdict(list)
        records: dict[int, Record] = {}

        def note(record: Record, why: str) -> None:
            if record.pk is None or record.pk == candidate.pk:
                return
            records[record.pk] = record
            evidence[record.pk].append(why)

        for record in self.by_tax.get(candidate.tax_key, []) if candidate.tax_key else []:
            note(record, "same tax id")
        for record in self.by_email.get(candidate.email_key, []) if candidate.email_key else []:
            note(record, "same e-mail")
        block = _block(candidate, self.people)
        if block and candidate.name_key:
            for record in self.by_block.get(block, []):
                score = fuzz.token_sort_ratio(candidate.name_key, record.name_key)
                if score >= NAME_THRESHOLD:
                    note(record, _name_evidence(score, self.people))
                    if not self.people and candidate.address and record.address:
                        similar = fuzz.token_sort_ratio(
                            address_key(candidate.address), address_key(record.address)
                        )
                        if similar >= ADDRESS_THRESHOLD:
                            evidence[record.pk].append(  # type: ignore[index]
                                "same address" if similar >= 100 else "similar address"
                            )
        return [
            Likely(records[pk], tuple(evidence[pk]))
            for pk in sorted(records, key=lambda pk: (-len(evidence[pk]), pk))
        ]


def likely_duplicates(
    candidates: Iterable[Record], existing: Iterable[Record], *, people: bool = False
) -> list[list[Likely]]:
    """For each candidate (in order), the existing records it likely duplicates."""
    finder = DuplicateFinder(existing, people=people)
    return [finder.find(candidate) for candidate in candidates]


def describe(matches: list[Likely], what: str) -> str:
    """ "Looks like the existing supplier ALPINE - Alpine GmbH (same tax id); ..." """
    shown = "; ".join(str(match) for match in matches[:3])
    more = f" and {len(matches) - 3} more" if len(matches) > 3 else ""
    return f"Looks like the existing {what} {shown}{more}."


# -- pairs over the whole database (data-quality report) ----------------------------
def _group_pairs(groups: dict[str, list[Record]]) -> Iterator[tuple[Record, Record]]:
    for members in groups.values():
        members = sorted(members, key=lambda record: record.pk or 0)[:MAX_GROUP]
        for index, first in enumerate(members):
            for second in members[index + 1 :]:
                yield first, second


def _name_pairs(block: list[Record], people: bool) -> Iterator[tuple[Record, Record, float]]:
    if len(block) < 2:
        return
    if len(block) > MAX_BLOCK:
        finer: dict[str, list[Record]] = defaultdict(list)
        for record in block:
            finer["".join(sorted(record.name_key.split()))[:4]].append(record)
        if len(finer) > 1:
            for part in finer.values():
                yield from _name_pairs(part, people)
            return
        block = block[:MAX_BLOCK]
    keys = [record.name_key for record in block]
    for i in range(len(block)):
        for j in range(i + 1, len(block)):
            score = fuzz.token_sort_ratio(keys[i], keys[j], score_cutoff=NAME_THRESHOLD)
            if score:
                yield block[i], block[j], score


def duplicate_pairs(
    kind: str, records: Iterable[Record], *, people: bool = False
) -> list[DuplicatePair]:
    """Every pair of ``records`` that looks like one record, with the evidence,
    ordered by the first record's pk."""
    finder = DuplicateFinder(records, people=people)
    evidence: dict[tuple[int, int], list[str]] = defaultdict(list)
    by_pk: dict[int, Record] = {}

    def note(first: Record, second: Record, why: str) -> None:
        if first.pk is None or second.pk is None or first.pk == second.pk:
            return
        low, high = sorted((first, second), key=lambda record: record.pk or 0)
        by_pk[low.pk], by_pk[high.pk] = low, high  # type: ignore[index]
        evidence[(low.pk, high.pk)].append(why)  # type: ignore[index]

    for first, second in _group_pairs(finder.by_tax):
        note(first, second, "same tax id")
    for first, second in _group_pairs(finder.by_email):
        note(first, second, "same e-mail")
    for block in finder.by_block.values():
        for first, second, score in _name_pairs(block, people):
            note(first, second, _name_evidence(score, people))
    return [
        DuplicatePair(kind, by_pk[low], by_pk[high], tuple(evidence[(low, high)]))
        for low, high in sorted(evidence)
    ]


# -- the records, read in bulk ----------------------------------------------------
def supplier_records() -> list[Record]:
    from purchasing.models import Supplier

    return [
        Record(pk, f"{code} - {name}", name=name, email=email, tax_id=tax_id, address=address)
        for pk, code, name, email, tax_id, address in Supplier.objects.order_by("pk").values_list(
            "pk", "code", "name", "email", "tax_id", "address"
        )
    ]


def company_records() -> list[Record]:
    from crm.models import Company

    return [
        Record(pk, name, name=name, email=email, tax_id=tax_id, address=address)
        for pk, name, email, tax_id, address in Company.objects.order_by("pk").values_list(
            "pk", "name", "email", "tax_id", "billing_address"
        )
    ]


def customer_records() -> list[Record]:
    """Consumer customers: shop accounts that are not staff and buy for no company,
    with the postcode of their default (else first) address."""
    from django.contrib.auth import get_user_model
    from oscar.core.loading import get_model

    user_model = get_user_model()
    user_address = get_model("address", "UserAddress")
    postcodes: dict[int, str] = {}
    for user_id, postcode in user_address.objects.order_by(
        "user_id", "-is_default_for_shipping", "pk"
    ).values_list("user_id", "postcode"):
        postcodes.setdefault(user_id, postcode)
    users = (
        user_model.objects.filter(is_staff=False, buyer__isnull=True)
        .order_by("pk")
        .values_list("pk", "email", "first_name", "last_name")
    )
    return [
        Record(
            pk,
            " ".join(part for part in (first, last, f"<{email}>") if part),
            name=f"{first} {last}".strip(),
            email=email,
            postcode=postcodes.get(pk, ""),
        )
        for pk, email, first, last in users
    ]


def supplier_duplicate_pairs() -> list[DuplicatePair]:
    return duplicate_pairs("supplier", supplier_records())


def company_duplicate_pairs() -> list[DuplicatePair]:
    return duplicate_pairs("company", company_records())


def customer_duplicate_pairs() -> list[DuplicatePair]:
    return duplicate_pairs("customer", customer_records(), people=True)
