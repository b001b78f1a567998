"""The webhook section of `make bench` (bench/webhooks.py): the receiver, the stages of a purchase's way to its webhook,
and the throughput arithmetic."""

from __future__ import annotations

import json
import threading

import pytest
import requests

from bench.webhooks import Delay, Journey, Receiver, Throughput, epoch, p95, stage_seconds


def test_the_receiver_answers_200_at_once_and_keeps_what_arrived() -> None:
    """A POST gets 200 with no body; the arrival keeps its headers (lower-case) and body, in order."""
    receiver = Receiver()
    try:
        for n in range(2):
            answer = requests.post(receiver.url, data=json.dumps({"n": n}).encode(), timeout=5,
                                   headers={"Content-Type": "application/json", "X-Loyalty-Event-Id": f"evt_{n}"})
            assert (answer.status_code, answer.content) == (200, b"")
        second = receiver.wait_for(2, timeout=5)
        assert json.loads(second.body) == {"n": 1} and second.headers["x-loyalty-event-id"] == "evt_1"
        assert receiver.arrivals[0].at <= second.at
    finally:
        receiver.close()


def test_waiting_for_an_arrival_that_does_not_come_times_out() -> None:
    receiver = Receiver()
    try:
        with pytest.raises(TimeoutError):
            receiver.wait_for(1, timeout=0.05)
    finally:
        receiver.close()


def test_waiting_wakes_when_the_arrival_comes() -> None:
    """wait_for returns as soon as the POST arrives (a delivery from another thread)."""
    receiver = Receiver()
    try:
        timer = threading.Timer(0.05, lambda: requests.post(receiver.url, data=b"{}", timeout=5))
        timer.start()
        assert receiver.wait_for(1, timeout=5).body == b"{}"
        timer.join()
    finally:
        receiver.close()


def test_stages_add_up_to_the_end_to_end_delay() -> None:
    """202 -> approved -> event written -> published -> arrived: the four stages sum to the end-to-end delay."""
    journey = Journey(request_s=0.05, approved_s=0.05, aggregated_s=0.2, published_s=0.26, arrived_s=0.3)
    stages = stage_seconds(journey)
    assert stages == pytest.approx({"to_approved": 0.05, "to_aggregated": 0.15, "to_published": 0.06, "to_delivered": 0.04,
                                    "arrived": 0.3})
    parts = ("to_approved", "to_aggregated", "to_published", "to_delivered")
    assert sum(stages[name] for name in parts) == pytest.approx(stages["arrived"])


def test_delay_median_and_p95_per_stage() -> None:
    delay = Delay([Journey(0.0, 0.0, 0.1 * n, 0.1 * n, 0.1 * n + 0.05) for n in range(1, 21)])
    median, high = delay.stage("arrived")
    assert median == pytest.approx(1.1) and high == pytest.approx(p95([0.1 * n + 0.05 for n in range(1, 21)]))
    assert delay.stage("to_delivered") == (pytest.approx(0.05), pytest.approx(0.05))
    assert Delay().stage("arrived") == (0.0, 0.0)
    assert p95([3.0]) == 3.0


def test_throughput_is_deliveries_per_second_of_handler_time() -> None:
    """Per worker: a full batch over the median batch's time; over every batch: all deliveries over all the time."""
    t = Throughput(deliveries=400, batch_size=4, batches=100, seconds=5.0, batch_median_ms=40.0, batch_cpu_ms=16.0)
    assert t.per_second == pytest.approx(100.0) and t.mean_per_second == 80.0 and t.ms_per_delivery == 10.0
    assert Throughput(0, 0, 0, 0.0, 0.0, 0.0).per_second == 0.0 == Throughput(0, 0, 0, 0.0, 0.0, 0.0).mean_per_second


def test_api_timestamps_read_as_epoch_seconds() -> None:
    assert epoch("2026-01-01T00:00:01.250Z") - epoch("2026-01-01T00:00:00.000Z") == pytest.approx(1.25)
