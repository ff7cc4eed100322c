"""The configuration file: precedence, errors, and the README's example staying true."""

from __future__ import annotations

import re
import tomllib

import pytest

from tests.conftest import REPO, tintuc
from tintuc.cli import cli
from tintuc.config import ConfigError, default_map, load_config


def readme_config() -> dict:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"A complete\nfile with every setting at its default:\n\n```toml\n(.*?)```", readme, re.S)
    assert block, "the README's configuration example is missing"
    return tomllib.loads(block.group(1))


def options_of(command: str) -> set[str]:
    return {param.name for param in cli.commands[command].params}


def test_every_key_of_the_readme_example_is_an_option_of_its_command():
    config = readme_config()
    for section, keys in config.items():
        commands = list(cli.commands) if section == "defaults" else [section]
        for key in keys:
            assert any(key in options_of(command) for command in commands), f"[{section}] {key}"


def test_the_readme_example_documents_every_option_of_run():
    documented = set(readme_config()["run"]) | set(readme_config()["defaults"])
    commented = set(re.findall(r"^# (\w+) = ", (REPO / "README.md").read_text(), re.M))
    assert options_of("run") <= documented | commented


def test_the_command_section_wins_over_defaults():
    config = {"defaults": {"db": "a.db", "delay": 2}, "crawl": {"delay": 3}}
    assert default_map(config, ["crawl", "runs"]) == {"crawl": {"db": "a.db", "delay": 3},
                                                      "runs": {"db": "a.db", "delay": 2}}


def test_an_option_wins_over_the_file(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[defaults]\ndb = "from-file.db"\n', encoding="utf-8")
    tintuc("--config", str(config), "runs", "--db", str(tmp_path / "from-option.db"))
    assert (tmp_path / "from-option.db").exists() and not (REPO / "from-file.db").exists()


@pytest.mark.parametrize("text, message", [("[defaults\n", "not valid TOML"), ("defaults = 3\n", "must be a table")])
def test_a_broken_file_is_a_clear_error(tmp_path, text, message):
    config = tmp_path / "bad.toml"
    config.write_text(text, encoding="utf-8")
    result = tintuc("--config", str(config), "runs", check=False)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
    with pytest.raises(ConfigError, match=message):
        default_map(load_config(config), ["runs"])
