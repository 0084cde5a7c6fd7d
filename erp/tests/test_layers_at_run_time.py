"""The layer contract holds at run time too, not only for static imports.

import-linter sees ``import`` statements. Oscar's loader (``get_class("partner.strategy",
...)``) and ``import_module``/``import_string`` reach a module by a string, which
no contract sees: a lower app asking for a module of an app that a higher layer
implements (Oscar's ``partner`` is forked in ``shop``) depends on that layer at
run time. These tests parse every module of every layer below the top one and fail
on such a call, naming file and line. ``get_model`` of a higher layer's app is
allowed only for the storefront forks' models listed below. The layers are read
from the import-linter contract in ``pyproject.toml``, so a new app in the contract
is checked at once.
"""

import ast
import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
LOADER_FUNCTIONS = {"get_class", "get_classes"}  # oscar.core.loading: "<app label>.<module>"
PATH_FUNCTIONS = {"import_module", "import_string"}  # a dotted Python path
MODEL_FUNCTIONS = {"get_model"}  # Oscar's and Django's: "<app label>", "<model>"

# Models of Oscar apps forked in ``shop`` that lower layers may load. The models stay
# in the fork (moving them would move their migrations and tables); what they do
# beyond Oscar's is priced by ``orders.pricing``. A new entry needs a reason.
MODELS_OF_STOREFRONT_FORKS = {
    ("basket", "Basket"),  # the order service builds and places baskets
    ("basket", "Line"),
    ("basket", "LineAttribute"),
    ("partner", "Partner"),  # Oscar's own model, re-exported by the fork
    ("partner", "StockRecord"),  # the sellable listing: SKU, list price, currency
    ("shipping", "OrderAndItemCharges"),  # Oscar's own model: staff's shipping methods
}


def contract_layers() -> list[set[str]]:
    """The packages of each layer of the contract, highest layer first."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return [{name.strip() for name in layer.split("|")} for layer in contract["layers"]]


def layer_of_package() -> dict[str, int]:
    """Top-level package -> its layer's depth (0 is the highest layer)."""
    return {package: depth for depth, layer in enumerate(contract_layers()) for package in layer}


def package_of_app_label(label: str) -> str | None:
    """The top-level package implementing an installed app (``partner`` -> ``shop``)."""
    try:
        return apps.get_app_config(label).name.split(".")[0]
    except LookupError:
        return None


@dataclass(frozen=True)
class UpwardReach:
    path: str
    line: int
    call: str
    target: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.call}({self.target!r}) reaches a higher layer"


def _called_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local names bound to the loader functions (``from ... import get_class as gc``)."""
    functions = LOADER_FUNCTIONS | PATH_FUNCTIONS | MODEL_FUNCTIONS
    found = {name: name for name in functions}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in functions and alias.asname:
                    found[alias.asname] = alias.name
    return found


def _first_argument(node: ast.Call, keyword: str) -> ast.expr | None:
    if node.args:
        return node.args[0]
    return next((k.value for k in node.keywords if k.arg == keyword), None)


def upward_reaches(source: str, path: str, depth: int, layers: dict[str, int]) -> list[UpwardReach]:
    """Calls in ``source`` (a module at layer ``depth``) that reach a higher layer by a
    string. A ``get_class`` target that is not a literal cannot be checked, so it is
    refused too (``import_module``/``import_string`` of a setting are left to review).
    ``get_model`` of a higher layer's app is refused unless the model is listed in
    ``MODELS_OF_STOREFRONT_FORKS``."""
    tree = ast.parse(source, filename=path)
    aliases = _aliases(tree)
    reaches = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = aliases.get(_called_name(node) or "")
        if function is None:
            continue
        if function in MODEL_FUNCTIONS:
            # a migration's historical models follow the models' foreign keys (an
            # invoice's order), which this check does not judge; code is checked
            if "/migrations/" not in f"/{path}":
                reaches.extend(_upward_model(node, path, depth, layers))
            continue
        keyword = "module_label" if function in LOADER_FUNCTIONS else "dotted_path"
        argument = _first_argument(node, keyword)
        if function == "import_module" and argument is None:
            argument = _first_argument(node, "name")
        if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
            if function in LOADER_FUNCTIONS:  # Oscar's loader is only ever given literals
                reaches.append(UpwardReach(path, node.lineno, function, "<not a literal>"))
            continue
        target = argument.value
        first = target.split(".")[0]
        package = package_of_app_label(first) if function in LOADER_FUNCTIONS else first
        if package in layers and layers[package] < depth:
            reaches.append(UpwardReach(path, node.lineno, function, target))
    return reaches


def _upward_model(
    node: ast.Call, path: str, depth: int, layers: dict[str, int]
) -> list[UpwardReach]:
    arguments = [
        a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
    ]
    if not arguments or len(arguments) != len(node.args):
        return []  # a model named by a variable (Django's own code); none is storefront's
    label, _, model = arguments[0].partition(".")
    model = model or (arguments[1] if len(arguments) > 1 else "")
    package = package_of_app_label(label)
    is_higher = package in layers and layers[package] < depth
    if is_higher and (label, model) not in MODELS_OF_STOREFRONT_FORKS:
        return [UpwardReach(path, node.lineno, "get_model", f"{label}.{model}")]
    return []


def modules_below_the_top() -> list[tuple[Path, int]]:
    layers = layer_of_package()
    return [
        (path, depth)
        for package, depth in layers.items()
        if depth > 0
        for path in sorted((ROOT / package).rglob("*.py"))
    ]


def test_no_module_below_the_storefront_reaches_a_higher_layer_through_a_string():
    layers = layer_of_package()
    modules = modules_below_the_top()
    assert len(modules) > 100  # the walk found the apps (not an empty, always-green check)

    reaches = [
        reach
        for path, depth in modules
        for reach in upward_reaches(path.read_text(), str(path.relative_to(ROOT)), depth, layers)
    ]

    assert reaches == [], "\n".join(str(reach) for reach in reaches)


def test_the_check_names_file_and_line_of_a_get_class_for_a_storefront_fork():
    layers = layer_of_package()
    source = (
        "from oscar.core.loading import get_class, get_classes as load\n"
        'OrderCreator = get_class("order.utils", "OrderCreator")\n'
        'Selector = get_class("partner.strategy", "Selector")\n'
        'Repository, = load(module_label="shipping.repository", classnames=["Repository"])\n'
        'Calculator = get_class("checkout.calculators", "OrderTotalCalculator")\n'
        'Events = get_class("communication.utils", "Dispatcher")\n'
        "Loaded = get_class(label, 'Anything')\n"
        "Backend = import_string(settings.BACKEND)\n"
    )

    reaches = upward_reaches(source, "orders/example.py", layers["orders"], layers)

    assert [str(reach) for reach in reaches] == [
        "orders/example.py:3: get_class('partner.strategy') reaches a higher layer",
        "orders/example.py:4: get_classes('shipping.repository') reaches a higher layer",
        "orders/example.py:5: get_class('checkout.calculators') reaches a higher layer",
        "orders/example.py:7: get_class('<not a literal>') reaches a higher layer",
    ]


def test_the_check_names_an_import_by_dotted_path_into_a_higher_layer():
    layers = layer_of_package()
    source = (
        "from importlib import import_module\n"
        "from django.utils.module_loading import import_string\n"
        'strategy = import_module("shop.partner.strategy")\n'
        'services = import_module("inventory.services")\n'
        'view = import_string("backoffice.views.home")\n'
    )

    reaches = upward_reaches(source, "inventory/example.py", layers["inventory"], layers)

    assert [(reach.line, reach.target) for reach in reaches] == [
        (3, "shop.partner.strategy"),
        (5, "backoffice.views.home"),
    ]


def test_the_check_names_a_model_of_a_storefront_fork_that_is_not_listed():
    layers = layer_of_package()
    source = (
        "from oscar.core.loading import get_model\n"
        'Basket = get_model("basket", "Basket")\n'
        'Order = get_model("order", "Order")\n'
        'Other = get_model("basket", "Unlisted")\n'
        'Record = apps.get_model("partner.StockRecord")\n'
        'Search = apps.get_model("partner", "Unlisted")\n'
    )

    reaches = upward_reaches(source, "orders/example.py", layers["orders"], layers)

    assert [(reach.line, reach.call, reach.target) for reach in reaches] == [
        (4, "get_model", "basket.Unlisted"),
        (6, "get_model", "partner.Unlisted"),
    ]
