"""Unit tests for the pure core: ids, timestamps, cursors, auth, the balance formula and code generation."""

from __future__ import annotations

import contextlib
import re
import time
import zlib

import pytest

from loyalty.api import auth
from loyalty.cards.ledger import BALANCE_SIGNS, balance_delta
from loyalty.core import ids
from loyalty.core.clock import iso_from_ms
from loyalty.core.errors import LoyaltyError
from loyalty.core.ids import new_alnum_id
from loyalty.db.cursors import decode_cursor, encode_cursor
from loyalty.members.codes import generate_code

SECRET = "unit-test-secret-0123456789"


def test_ids_have_the_spec_shape_and_sort_by_creation_time() -> None:
    first = ids.PROGRAM.new()
    time.sleep(0.002)
    second = ids.PROGRAM.new()
    assert re.fullmatch(r"lprg_[a-f0-9]{18}", first)
    assert first < second
    assert re.fullmatch(r"cust_[A-Za-z0-9]{24}", new_alnum_id("cust_"))


def test_timestamps_are_iso_utc_with_milliseconds() -> None:
    assert iso_from_ms(1_699_335_116_007) == "2023-11-07T05:31:56.007Z"


def test_an_id_made_within_a_parent_leads_back_to_it_and_sorts_by_creation_time() -> None:
    member = ids.MEMBER.new()
    first = ids.REWARD_TRANSACTION.new_within(member, ids.MEMBER)
    time.sleep(0.002)
    later = ids.REWARD_TRANSACTION.new_within(ids.MEMBER.new(), ids.MEMBER)
    assert re.fullmatch(r"lrtx_[a-f0-9]{36}", first) and ids.REWARD_TRANSACTION.matches(first) and first < later
    assert ids.REWARD_TRANSACTION.parent_in(first, ids.MEMBER) == member
    plain = ids.REWARD_TRANSACTION.new()
    assert ids.REWARD_TRANSACTION.parent_in(plain, ids.MEMBER) is None  # ids made before: found through their pointer
    for odd in ("lmbr_ABC", "cust_1a21bba7fea2906322", "lmbr_1a21bba7fea29063"):  # not a member id as new() makes them
        made = ids.REWARD_TRANSACTION.new_within(odd, ids.MEMBER)
        assert len(made) == len(plain) and ids.REWARD_TRANSACTION.parent_in(made, ids.MEMBER) is None
    assert ids.REWARD_TRANSACTION.parent_in("lrtx_" + "g" * 36, ids.MEMBER) is None


def test_check_id_answers_404_for_the_wrong_prefix() -> None:
    assert ids.PROGRAM.check("lprg_0a1b") == "lprg_0a1b"
    with pytest.raises(LoyaltyError) as err:
        ids.PROGRAM.check("lmbr_0a1b")
    assert (err.value.status, err.value.key, err.value.resource_type) == (404, "not_found", "program")
    assert not ids.PROGRAM.matches("lprg_XYZ")


def test_cursor_round_trip() -> None:
    key = {"PK": {"S": "acme#CARD#lcrd_1"}, "SK": {"S": "CTX#lctx_1"}}
    cursor = encode_cursor("lcrsctx_", "scope-a", key, SECRET, 60)
    assert re.fullmatch(r"lcrsctx_[a-f0-9]+", cursor["next"])
    assert decode_cursor("lcrsctx_", "scope-a", cursor["next"], SECRET) == key


@pytest.mark.parametrize("mutate", [
    lambda c: c[:-2] + ("00" if c[-2:] != "00" else "11"),  # forged MAC
    lambda c: c.replace("lcrsctx_", "lcrstrx_"),  # another list's prefix
    lambda c: c + "zz",  # not hex
    lambda c: "lcrsctx_",  # empty
])
def test_forged_cursors_are_refused(mutate: object) -> None:
    cursor = encode_cursor("lcrsctx_", "scope-a", {"PK": {"S": "x"}}, SECRET, 60)["next"]
    with pytest.raises(LoyaltyError) as err:
        decode_cursor("lcrsctx_", "scope-a", mutate(cursor), SECRET)  # type: ignore[operator]
    assert err.value.key == "invalid_or_expired_cursor"


def test_cursor_replayed_into_another_scope_or_expired_is_refused() -> None:
    cursor = encode_cursor("lcrsctx_", "scope-a", {"PK": {"S": "x"}}, SECRET, 60)["next"]
    with pytest.raises(LoyaltyError):
        decode_cursor("lcrsctx_", "scope-b", cursor, SECRET)
    expired = encode_cursor("lcrsctx_", "scope-a", {"PK": {"S": "x"}}, SECRET, -1)["next"]
    with pytest.raises(LoyaltyError):
        decode_cursor("lcrsctx_", "scope-a", expired, SECRET)


def test_balance_formula_signs_match_the_spec() -> None:
    # balance = total - subtracted - expired - spent - refunded + returned - locked + unlocked - purchased_reversed
    assert BALANCE_SIGNS == {"total": 1, "subtracted": -1, "expired": -1, "spent": -1, "refunded": -1, "returned": 1,
                             "locked": -1, "unlocked": 1, "purchased_reversed": -1}
    assert balance_delta({"added": 500, "total": 500}) == 500
    assert balance_delta({"locked": 100}) == -100
    assert balance_delta({"unlocked": 100, "spent": 100}) == 0
    assert balance_delta({"unlocked": 100}) == 100


def test_code_generation_follows_code_config() -> None:
    assert re.fullmatch(r"MW-[0-9a-zA-Z]{8}", generate_code({"prefix": "MW-", "length": 8}))
    assert re.fullmatch(r"L-[AB]{4}-X", generate_code({"pattern": "L-####", "charset": "AB", "postfix": "-X"}))
    assert len(generate_code({})) == 10


def test_auth_resolves_a_stored_key_and_caches_it() -> None:
    auth.clear_cache()
    app_id, token = auth.new_key_pair("acme")
    calls = []

    def lookup(project: str, key_id: str) -> dict[str, str] | None:
        calls.append((project, key_id))
        return {"token_hash": auth.hash_token(token)} if key_id == app_id else None

    headers = {"x-app-id": app_id, "x-app-token": token}
    assert auth.authenticate(headers, lookup, 60) == "acme"
    assert auth.authenticate({"authorization": f"Bearer {token}"}, lookup, 60) == "acme"
    assert calls == [("acme", app_id)]  # the second request was served from the cache


@pytest.mark.parametrize("headers", [
    {},
    {"x-app-id": "acme.000000000000"},
    {"x-app-id": "acme.000000000000", "x-app-token": "acme.000000000000.wrong"},
    {"x-app-id": "other.000000000000", "x-app-token": "acme.000000000000.wrong"},
    {"authorization": "Basic abc"},
    {"x-app-token": "no-dots"},
])
def test_auth_refuses_missing_or_wrong_credentials(headers: dict[str, str]) -> None:
    auth.clear_cache()
    with pytest.raises(LoyaltyError) as err:
        auth.authenticate(headers, lambda p, a: {"token_hash": "x"}, 60)
    assert err.value.status == 401 and err.value.key == "unauthorized"


def test_a_revoked_key_is_refused_and_bogus_tokens_cost_one_lookup_each_while_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    auth.clear_cache()
    app_id, token = auth.new_key_pair("acme")
    calls: list[str] = []
    record = {"token_hash": auth.hash_token(token), "status": "REVOKED"}

    def lookup(project: str, key_id: str) -> dict[str, str] | None:
        calls.append(key_id)
        return record if key_id == app_id else None

    # Given a revoked key: it is refused
    with pytest.raises(LoyaltyError):
        auth.authenticate({"x-app-id": app_id, "x-app-token": token}, lookup, 60)
    # Given a flood of one bogus token: the first attempt reads the key store, the next 99 are refused from memory
    bogus = {"x-app-token": "acme.000000000000." + "f" * 40}
    for _ in range(100):
        with pytest.raises(LoyaltyError):
            auth.authenticate(bogus, lookup, 60)
    assert calls == [app_id, "acme.000000000000"]
    # and once the refusal has aged past NEGATIVE_TTL_SECONDS, a key that became valid is accepted
    clock = [time.monotonic() + auth.NEGATIVE_TTL_SECONDS + 1]
    monkeypatch.setattr(auth.time, "monotonic", lambda: clock[0])
    record["status"] = "ACTIVE"
    assert auth.authenticate({"x-app-id": app_id, "x-app-token": token}, lookup, 60) == "acme"


def test_a_cursor_hides_what_it_carries() -> None:
    # Given a cursor over a project's card transactions, When its hex is decoded and decompressed every way a client
    # could try, Then neither the project id nor the key layout can be read from it
    key = {"PK": {"S": "acme#CARD#lcrd_1"}, "SK": {"S": "CTX#lctx_1"}}
    raw = bytes.fromhex(encode_cursor("lcrsctx_", "scope-a", key, SECRET, 60)["next"][len("lcrsctx_"):])
    readable = [raw]
    for start in range(len(raw)):
        with contextlib.suppress(zlib.error):
            readable.append(zlib.decompress(raw[start:]))
    assert not any(b"acme" in blob or b"CTX#" in blob for blob in readable)
    # and two cursors for the same position differ (a random nonce), so equal positions cannot be recognised
    assert encode_cursor("lcrsctx_", "scope-a", key, SECRET, 60)["next"] != encode_cursor("lcrsctx_", "scope-a", key, SECRET, 60)["next"]
    # and another stack's secret cannot open it
    with pytest.raises(LoyaltyError):
        decode_cursor("lcrsctx_", "scope-a", encode_cursor("lcrsctx_", "scope-a", key, SECRET, 60)["next"], SECRET + "x")
