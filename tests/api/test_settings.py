"""ApiSettings from the environment: defaults, every variable, and errors that name the variable."""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.api import DEFAULT_BASE_URL, ApiSettings, ConfigError, Secret
from tests.api.conftest import KEY


def test_only_the_key_is_required_and_the_rest_defaults() -> None:
    s = ApiSettings.from_env({"STATUS200_API_KEY": KEY})
    assert s.api_key.reveal() == KEY
    assert s.base_url == DEFAULT_BASE_URL == "https://status200uploads.com/api/v2"
    assert s.older_base_url is None
    assert (s.post_interval, s.media_interval, s.read_window) == (20.0, 20.0, 60.0)


def test_every_variable_is_read() -> None:
    s = ApiSettings.from_env(
        {
            "STATUS200_API_KEY": f"  {KEY}\n",
            "STATUS200_BASE_URL": "http://127.0.0.1:8765/api/v2/",
            "STATUS200_OLDER_BASE_URL": "http://127.0.0.1:8765/functions/v1",
            "STATUS200_POST_INTERVAL": "0.5",
            "STATUS200_MEDIA_INTERVAL": "2",
            "STATUS200_READ_WINDOW": "0.6",
        }
    )
    assert s.api_key == Secret(KEY)
    assert s.base_url == "http://127.0.0.1:8765/api/v2"  # trailing slash dropped
    assert s.older_base_url == "http://127.0.0.1:8765/functions/v1"
    assert (s.post_interval, s.media_interval, s.read_window) == (0.5, 2.0, 0.6)


def test_empty_values_count_as_unset() -> None:
    s = ApiSettings.from_env(
        {"STATUS200_API_KEY": KEY, "STATUS200_BASE_URL": "", "STATUS200_OLDER_BASE_URL": " "}
    )
    assert (s.base_url, s.older_base_url) == (DEFAULT_BASE_URL, None)


@pytest.mark.parametrize("environ", [{}, {"STATUS200_API_KEY": ""}, {"STATUS200_API_KEY": "  "}])
def test_a_missing_key_names_the_variable(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="STATUS200_API_KEY"):
        ApiSettings.from_env(environ)


@pytest.mark.parametrize(
    "name", ["STATUS200_POST_INTERVAL", "STATUS200_MEDIA_INTERVAL", "STATUS200_READ_WINDOW"]
)
@pytest.mark.parametrize("value", ["abc", "20s", "0", "-1", "nan", "inf"])
def test_a_malformed_number_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name) as caught:
        ApiSettings.from_env({"STATUS200_API_KEY": KEY, name: value})
    assert KEY not in str(caught.value)


@pytest.mark.parametrize("name", ["STATUS200_BASE_URL", "STATUS200_OLDER_BASE_URL"])
@pytest.mark.parametrize("value", ["status200uploads.com/api/v2", "ftp://x/api", "https://x/?a=1"])
def test_a_bad_address_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        ApiSettings.from_env({"STATUS200_API_KEY": KEY, name: value})


@pytest.mark.parametrize("bad", ["rl_with space", "rl_caf\u00e9", "rl_a\tb"])
def test_a_key_that_cannot_go_in_a_header_is_refused_without_showing_it(bad: str) -> None:
    with pytest.raises(ConfigError, match="STATUS200_API_KEY") as caught:
        ApiSettings.from_env({"STATUS200_API_KEY": bad})
    assert bad.strip() not in str(caught.value)
    assert "rl_" not in str(caught.value)


def test_settings_are_frozen() -> None:
    s = ApiSettings(api_key=Secret(KEY))
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.base_url = "https://elsewhere.example"  # type: ignore[misc]


def test_a_plain_string_key_is_refused() -> None:
    with pytest.raises(ConfigError):
        ApiSettings(api_key=KEY)  # type: ignore[arg-type]


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=8))
def test_the_key_never_shows_in_a_repr_or_str(suffix: str) -> None:
    key = "rl_" + suffix
    s = ApiSettings(api_key=Secret(key))
    for shown in (repr(s), str(s), repr(s.api_key), str(s.api_key), f"{s.api_key}"):
        assert key not in shown
    assert s.api_key.reveal() == key
    assert s.api_key.redact(f"Bearer {key}!") == "Bearer [redacted]!"


def test_a_secret_is_not_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Secret(KEY))
