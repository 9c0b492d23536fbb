"""The config file: the marker's keys in JSON or TOML, refused at once when bad, with the
file, the line and the key."""

from __future__ import annotations

import inspect
import re
import textwrap
from pathlib import Path

import pytest

from pytest_eventgrid import EventGrid, UsageError, serve
from pytest_eventgrid._api.config import CONFIG_KEYS, json_key_line, load_config, toml_key_line
from pytest_eventgrid._api.emulator import NOT_FOR_SERVER
from pytest_eventgrid.plugin._marker import MARKER_KEYS

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide" / "emulator.md"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def _refusal(path: Path) -> str:
    with pytest.raises(UsageError) as caught:
        load_config(path)
    return str(caught.value)


def _guide_example(language: str) -> str:
    section = GUIDE.read_text(encoding="utf-8").partition("## The config file")[2]
    section = section.partition("\n## ")[0]
    [block] = re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)
    return str(block)


# -- the keys -----------------------------------------------------------------------------


def test_the_keys_are_the_markers_that_configure_a_server() -> None:
    assert set(CONFIG_KEYS) == set(MARKER_KEYS) - set(NOT_FOR_SERVER)
    keywords = set(inspect.signature(EventGrid).parameters)
    assert set(CONFIG_KEYS) == keywords - set(NOT_FOR_SERVER)


# -- the guide's example ------------------------------------------------------------------


def test_the_guides_json_and_toml_examples_say_the_same(tmp_path: Path) -> None:
    from_json = load_config(_write(tmp_path, "eventgrid.json", _guide_example("json")))
    from_toml = load_config(_write(tmp_path, "eventgrid.toml", _guide_example("toml")))

    assert from_json == from_toml
    assert set(from_json) == set(CONFIG_KEYS)  # the full example uses every key


def test_a_server_is_built_from_the_guides_example(tmp_path: Path) -> None:
    server = serve(config=_write(tmp_path, "eventgrid.toml", _guide_example("toml")))

    eventgrid = server.eventgrid
    assert server.key == "local-dev-key"
    assert eventgrid.namespace_name == "shop-namespace"
    assert eventgrid.subscription().settings.lock_duration == 120
    assert [view.name for view in eventgrid.topic("orders").subscriptions] == [
        "billing",
        "large-orders",
    ]
    assert eventgrid.basic_topic("shop-events").subscription("audit").name == "audit"
    assert eventgrid.domain("tenants").kind == "domain"


def test_keywords_win_over_the_file(tmp_path: Path) -> None:
    config = _write(tmp_path, "eventgrid.json", '{"topic": "orders", "key": "from-file"}')

    server = serve(config=config, key="from-keyword")

    assert server.key == "from-keyword"
    assert server.eventgrid.default_topic == "orders"


def test_a_null_seed_is_the_default_seed(tmp_path: Path) -> None:
    assert load_config(_write(tmp_path, "eventgrid.json", '{"seed": null}')) == {}


# -- bad files ----------------------------------------------------------------------------


def test_invalid_json_is_refused_with_its_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "eventgrid.json", '{"topic": "orders",\n "key": }\n')

    message = _refusal(path)

    assert message.startswith(f"{path}, line 2, column 9: not valid JSON (Expecting value).")
    assert message.endswith("guide/emulator/#the-config-file")


def test_invalid_toml_is_refused_with_its_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "eventgrid.toml", 'topic = "orders"\nkey = \n')

    assert _refusal(path).startswith(f"{path}, line 2, column 7: not valid TOML (Invalid value).")


def test_an_unknown_key_is_refused_with_its_line_the_keys_and_the_nearest(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "eventgrid.json",
        """
        {
          "topic": "orders",
          "topicz": {"orders": ["billing"]}
        }
        """,
    )

    message = _refusal(path)

    assert message.startswith(f"{path}, line 3, topicz: unknown key: got 'topicz'. Expected")
    assert ", ".join(CONFIG_KEYS) in message
    assert "(did you mean 'topic'?)" in message


@pytest.mark.parametrize("key", sorted(set(NOT_FOR_SERVER) & set(MARKER_KEYS)))
def test_the_keys_not_for_a_server_are_refused_with_the_reason(tmp_path: Path, key: str) -> None:
    path = _write(tmp_path, "eventgrid.toml", f'topic = "orders"\n{key} = true\n')

    message = _refusal(path)

    assert message.startswith(f"{path}, line 2, {key}: {key}: got True. Expected no {key} (")
    assert NOT_FOR_SERVER[key] in message


def test_a_bad_value_is_the_librarys_message_at_the_line_of_its_key(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "eventgrid.json",
        """
        {
          "topics": {"orders": {"billing": {"lock_duration": 120}}},
          "lock_duration": "a minute"
        }
        """,
    )

    message = _refusal(path)

    assert message.startswith(
        f"{path}, line 3, lock_duration: lock_duration: got 'a minute'. Expected a number"
    )


def test_a_bad_value_deep_in_a_toml_table_is_at_the_line_of_the_first_table(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path,
        "eventgrid.toml",
        """
        topic = "orders"

        [topics.orders.billing]
        lock_duration = 30
        """,
    )

    message = _refusal(path)

    assert message.startswith(f"{path}, line 3, topics: lock_duration must be between 60 and 300")


def test_the_first_bad_key_of_the_file_is_the_one_named(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "eventgrid.toml",
        """
        max_delivery_count = 0
        namespace = "not a namespace"
        """,
    )

    assert _refusal(path).startswith(f"{path}, line 1, max_delivery_count: ")


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("eventgrid.json", "[1, 2]", "got 'list'. Expected a JSON object or a TOML document"),
        ("eventgrid.yaml", "topic: orders", "Expected a .json or a .toml file"),
        ("missing.json", None, "Expected a readable UTF-8 file"),
    ],
    ids=["not-an-object", "another-suffix", "missing"],
)
def test_a_file_that_is_no_config_is_refused(
    tmp_path: Path, name: str, text: str | None, expected: str
) -> None:
    path = tmp_path / name if text is None else _write(tmp_path, name, text)

    assert expected in _refusal(path)


def test_serve_refuses_a_bad_file_before_anything_is_served(tmp_path: Path) -> None:
    path = _write(tmp_path, "eventgrid.json", '{"chaos": {"duplicatez": 0.1}}')

    with pytest.raises(UsageError, match=rf"^{re.escape(str(path))}, line 1, chaos: Unknown chaos"):
        serve(config=path)


# -- the locator --------------------------------------------------------------------------


def test_the_json_locator_finds_top_level_keys_only() -> None:
    text = (
        '{\n "topics": {"orders": {"billing": {\n  "lock_duration": 1}}},\n "lock_duration": 2\n}'
    )

    assert json_key_line(text, "lock_duration") == 4
    assert json_key_line(text, "topics") == 2
    assert json_key_line(text, "orders") is None


def test_the_json_locator_reads_strings_with_escapes() -> None:
    text = '{"a\\"b": "x\\\\", "key": {"\\u0074opic": 1},\n"\\u0074opic": 2}'

    assert json_key_line(text, "topic") == 2


def test_the_toml_locator_finds_keys_tables_and_dotted_keys() -> None:
    text = textwrap.dedent(
        """
        seed = 1
        chaos.duplicates = 0.1
        "key" = "k"

        [[faults]]
        operation = "publish"

        [topics.orders]
        billing = {}
        """
    )

    assert toml_key_line(text, "seed") == 2
    assert toml_key_line(text, "chaos") == 3
    assert toml_key_line(text, "key") == 4
    assert toml_key_line(text, "faults") == 6
    assert toml_key_line(text, "topics") == 9
    assert toml_key_line(text, "operation") is None  # inside a table: not a top-level key
