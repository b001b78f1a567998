"""CloudWatch metrics as Embedded Metric Format log lines (Powertools single_metric): no API call, one JSON line each."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit, single_metric

NAMESPACE = "LoyaltyApi"


def count(name: str, value: int = 1, **dimensions: str) -> None:
    """Emit one Count metric in the LoyaltyApi namespace with the given dimensions (plus Powertools' `service`)."""
    with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=NAMESPACE) as metric:
        for key, dimension in dimensions.items():
            metric.add_dimension(name=key, value=dimension)
