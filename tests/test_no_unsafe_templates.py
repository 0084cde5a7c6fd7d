"""No template the shop renders prints input unescaped or carries script the
Content-Security-Policy would refuse.

Checked in every template under ``templates/`` and in every Oscar template we
inherit without overriding (Oscar prints staff-typed HTML with ``|safe`` in
several places and uses ``onclick=``): ``|safe`` and ``{% autoescape off %}``
(stored HTML goes through ``|rich_text`` instead), inline event handlers,
``javascript:`` URLs, and inline ``<script>`` without the request's nonce. An
Oscar template that does one of these must be overridden here, either whole or
in the block that does it, or be listed in ``REVIEWED`` with the reason it is
harmless. Plain-text templates (``.txt``: e-mail bodies and subjects) are not
HTML, so escaping does not apply to them.

Not visible to this check, and handled where it happens: Django's flat page view
marks title and content safe itself (``templates/flatpages/default.html`` cleans
and escapes them), and Oscar marks a rich-text attribute value safe
(``templates/oscar/catalogue/detail.html`` cleans it).
"""

import re
from pathlib import Path

import oscar
from django.conf import settings

OURS = Path(settings.BASE_DIR) / "templates"
OSCAR = Path(oscar.__file__).parent / "templates"
NONCE = 'nonce="{{ request.csp_nonce }}"'

UNSAFE_OUTPUT = {
    "|safe": re.compile(r"\|\s*safe(seq)?\b"),
    "autoescape off": re.compile(r"\{%\s*autoescape\s+off\s*%\}"),
}
UNSAFE_SCRIPT = {
    "inline event handler": re.compile(r"<[a-zA-Z][^<>]*?\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)

# Oscar templates that keep a finding, each reviewed: why it cannot carry input.
REVIEWED = {
    ("oscar/partials/alert_messages.html", "|safe"): (
        "only messages tagged 'safe', which Oscar renders from its own templates "
        "with autoescaping (basket and offer messages)"
    ),
    ("oscar/catalogue/reviews/review_form.html", "|safe"): (
        "the score field's label, a constant of Oscar's review form"
    ),
    ("oscar/partials/google_analytics.html", "inline script without the CSP nonce"): (
        "never rendered: our base.html and thank_you.html leave Oscar's tracking blocks empty"
    ),
    ("oscar/forms/widgets/image_input_widget.html", "inline event handler"): (
        "the image upload widget of Oscar's dashboard forms; the dashboard is not installed"
    ),
}


def findings(source: str, *, plain_text: bool) -> list[tuple[int, str]]:
    """(offset, kind) of everything unsafe in a template's source."""
    found = []
    checks = UNSAFE_SCRIPT if plain_text else {**UNSAFE_OUTPUT, **UNSAFE_SCRIPT}
    for kind, pattern in checks.items():
        found += [(match.start(), kind) for match in pattern.finditer(source)]
    if not plain_text:
        for match in SCRIPT_TAG.finditer(source):
            attributes = match.group(1)
            if "src=" not in attributes and NONCE not in attributes:
                found.append((match.start(), "inline script without the CSP nonce"))
    return sorted(found)


def enclosing_block(source: str, offset: int) -> str | None:
    """The name of the innermost ``{% block %}`` around ``offset``, if any."""
    stack: list[str] = []
    for tag in re.finditer(r"\{%\s*(?:block\s+(\w+)\s*|endblock\b[^%]*)%\}", source[:offset]):
        if tag.group(1):
            stack.append(tag.group(1))
        elif stack:
            stack.pop()
    return stack[-1] if stack else None


def is_overridden(name: str, block: str | None) -> bool:
    """Our template of the same name replaces what Oscar's does at ``block``:
    it is a whole fork, or it extends Oscar's and redefines that block."""
    ours = OURS / name
    if not ours.exists():
        return False
    source = ours.read_text()
    extends_oscars = re.search(r"\{%\s*extends\s+[\"']" + re.escape(name) + "[\"']", source)
    if not extends_oscars:
        return True
    redefines = re.compile(r"\{%\s*block\s+" + re.escape(block or "") + r"\s*%\}")
    return block is not None and redefines.search(source) is not None


def line_of(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def test_our_templates_never_print_unescaped_input_or_carry_script_the_policy_refuses():
    templates = sorted(path for path in OURS.rglob("*") if path.is_file())
    assert len(templates) > 40  # the walk found our templates

    unsafe = [
        f"{path.relative_to(OURS)}:{line_of(source, offset)}: {kind}"
        for path in templates
        for source in [path.read_text()]
        for offset, kind in findings(source, plain_text=path.suffix == ".txt")
    ]

    assert unsafe == []


def test_every_oscar_template_we_inherit_is_safe_overridden_or_reviewed():
    templates = sorted(
        path
        for path in (OSCAR / "oscar").rglob("*")
        if path.is_file() and "dashboard" not in path.relative_to(OSCAR).parts
    )
    templates += sorted((OSCAR / "flatpages").rglob("*.html"))
    assert len(templates) > 100  # the walk found Oscar's storefront templates

    unreviewed, reviewed_and_found = [], set()
    for path in templates:
        name = str(path.relative_to(OSCAR))
        source = path.read_text()
        for offset, kind in findings(source, plain_text=path.suffix == ".txt"):
            if (name, kind) in REVIEWED:
                reviewed_and_found.add((name, kind))
                continue
            if is_overridden(name, enclosing_block(source, offset)):
                continue
            unreviewed.append(f"{name}:{line_of(source, offset)}: {kind}")

    assert unreviewed == []
    assert reviewed_and_found == set(REVIEWED)  # no review outlives what it reviewed


def test_the_check_finds_what_it_is_meant_to_find():
    html = (
        "{{ product.description|safe }}\n"
        "{% autoescape off %}{{ x }}{% endautoescape %}\n"
        '<a href="#" onclick="go()">go</a>\n'
        '<a href="javascript:go()">go</a>\n'
        "<script>go()</script>\n"
        f"<script {NONCE}>go()</script>\n"
        '<script src="/static/js/kontor.js"></script>\n'
    )

    kinds = [kind for _, kind in findings(html, plain_text=False)]

    assert kinds == [
        "|safe",
        "autoescape off",
        "inline event handler",
        "javascript: URL",
        "inline script without the CSP nonce",
    ]
    plain = "{% autoescape off %}{{ title|safe }}{% endautoescape %}"
    assert findings(plain, plain_text=True) == []


def test_a_block_override_covers_only_the_block_it_redefines():
    source = "{% block a %}x{% block b %}{{ y|safe }}{% endblock %}{% endblock %}{{ z|safe }}"

    assert enclosing_block(source, source.index("y|safe")) == "b"
    assert enclosing_block(source, source.index("z|safe")) is None
