"""Webhooks (ours) without AWS: the published event catalogue, the signature a receiver verifies, URL and event-type
rules, deterministic delivery ids, subscriptions, the backoff of a failed delivery, and the queue a delivery job goes to."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from loyalty.core.errors import LoyaltyError
from loyalty.core.settings import get_settings
from loyalty.jobs.models import DeliverWebhook, parse_job
from loyalty.jobs.queue import queue_url_for
from loyalty.v1.cards import ACTIVITY_TYPES
from loyalty.v1.models import TIER_EVENTS
from loyalty.webhooks.delivery import BACKOFF_MAX_SECONDS, backoff_seconds
from loyalty.webhooks.models import EVENT_TYPES, signature, webhook_secret
from loyalty.webhooks.service import check_events, check_url, delivery_id, subscribed


def test_the_catalogue_is_the_activity_types_and_the_tier_events() -> None:
    assert set(EVENT_TYPES) == set(ACTIVITY_TYPES.values()) | set(TIER_EVENTS)
    assert len(EVENT_TYPES) == len(set(EVENT_TYPES))


def test_the_signature_is_an_hmac_of_the_timestamp_and_the_raw_body() -> None:
    body = b'{"id":"evt_1"}'
    expected = hmac.new(b"whsec_x", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("whsec_x", 1700000000, body) == f"t=1700000000,v1={expected}"


def test_secrets_are_derived_per_project_and_webhook_and_from_the_server_key() -> None:
    one = webhook_secret("server-key-0123456789", "acme", "wh_1")
    assert one == webhook_secret("server-key-0123456789", "acme", "wh_1") and one.startswith("whsec_") and len(one) == 70
    assert len({one, webhook_secret("server-key-0123456789", "globex", "wh_1"), webhook_secret("server-key-0123456789", "acme", "wh_2"),
                webhook_secret("other-key-0123456789", "acme", "wh_1")}) == 4


@pytest.mark.parametrize("url", ["http://example.com/", "ftp://example.com/", "https://u:p@example.com/", "https://@example.com/",
                                 "https:///x", "https://example.com:99999999/", "//example.com/x", "https://exa mple.com/",
                                 "javascript:alert(1)"])
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(LoyaltyError) as caught:
        check_url(url)
    assert caught.value.status == 400


def test_http_is_allowed_where_the_runtime_allows_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOKS_ALLOW_HTTP", "1")
    get_settings.cache_clear()
    try:
        assert check_url("http://127.0.0.1:8080/hook") == "http://127.0.0.1:8080/hook"
        with pytest.raises(LoyaltyError):
            check_url("http://user@127.0.0.1/")
    finally:
        monkeypatch.delenv("WEBHOOKS_ALLOW_HTTP")
        get_settings.cache_clear()


def test_event_types() -> None:
    assert check_events(["*"]) == ["*"]
    assert check_events(["customer.loyalty.tier.joined", "customer.loyalty.tier.joined"]) == ["customer.loyalty.tier.joined"]
    for bad in (["*", "customer.loyalty.tier.joined"], ["customer.nope"]):
        with pytest.raises(LoyaltyError):
            check_events(bad)


def test_delivery_ids_are_deterministic_and_subscriptions_need_an_active_webhook() -> None:
    assert delivery_id("evt_1", "wh_1") == delivery_id("evt_1", "wh_1") != delivery_id("evt_1", "wh_2")
    assert delivery_id("evt_1", "wh_1").startswith("whd_")
    assert subscribed({"active": True, "events": ["*"]}, "customer.loyalty.tier.left")
    assert subscribed({"active": True, "events": ["customer.loyalty.tier.left"]}, "customer.loyalty.tier.left")
    assert not subscribed({"active": False, "events": ["*"]}, "customer.loyalty.tier.left")
    assert not subscribed({"active": True, "events": ["customer.loyalty.tier.joined"]}, "customer.loyalty.tier.left")


def test_backoff_grows_with_each_receive_up_to_a_cap() -> None:
    waits = [backoff_seconds(n) for n in range(1, 12)]
    assert waits[:4] == [10, 20, 40, 80] and waits == sorted(waits) and waits[-1] == BACKOFF_MAX_SECONDS


def test_delivery_jobs_go_to_the_webhook_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    job = DeliverWebhook(project_id="acme", webhook_id="wh_1", delivery_id="whd_1", sort_key="t#whd_1")
    assert parse_job(job.to_json()) == job
    monkeypatch.setenv("QUEUE_URL", "https://sqs/jobs")
    monkeypatch.setenv("WEBHOOK_QUEUE_URL", "https://sqs/webhooks")
    get_settings.cache_clear()
    try:
        assert queue_url_for(job.to_json()) == "https://sqs/webhooks"
        assert queue_url_for(job.resent(3, retire=True).to_json()) == "https://sqs/webhooks"
        assert queue_url_for('{"type":"run_export","project_id":"acme","export_id":"exp_1"}') == "https://sqs/jobs"
    finally:
        get_settings.cache_clear()
