"""Time a GSI1 Query (a list of 50, first page of 20) through the embedded moto server at 100 and 100,000 items: `python -m bench.index_query`."""
import statistics
import time

import boto3

from local import moto_patches
from local.backends import _moto_server, _url


def main() -> None:
    """Fill two tables, time 300 queries on each and 20 with moto's own Query on the large one."""
    server = _moto_server()
    ddb = boto3.client("dynamodb", endpoint_url=_url(server), region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.table import Table
    for n, size in enumerate((100, 100_000)):
        name = f"t{n}"
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("PK", "SK", "GSI1PK", "GSI1SK")],
            GlobalSecondaryIndexes=[{"IndexName": "GSI1", "Projection": {"ProjectionType": "ALL"}, "KeySchema": [
                {"AttributeName": "GSI1PK", "KeyType": "HASH"}, {"AttributeName": "GSI1SK", "KeyType": "RANGE"}]}])
        backend = dynamodb_backends["123456789012"]["us-east-1"]
        for i in range(size):
            backend.put_item(name, {"PK": {"S": f"MEMBER#{i}"}, "SK": {"S": "MEMBER"}, "pad": {"S": "x" * 300},
                                    **({"GSI1PK": {"S": "PROGRAM#p1#MEMBERS"}, "GSI1SK": {"S": f"{i:08d}"}} if i % (size // 50) == 0 else {})})
        def one(name: str = name) -> float:
            """One query's seconds."""
            t = time.perf_counter()
            page = ddb.query(TableName=name, IndexName="GSI1", KeyConditionExpression="GSI1PK = :l", Limit=20,
                             ExpressionAttributeValues={":l": {"S": "PROGRAM#p1#MEMBERS"}}, ScanIndexForward=False)
            assert len(page["Items"]) == 20
            return time.perf_counter() - t
        one()
        times = sorted(one() for _ in range(300))
        print(f"{size:>7,} items (50 in the list): p50 {statistics.median(times)*1000:.1f} ms, "
              f"p99 {times[int(len(times)*0.99)-1]*1000:.1f} ms, max {times[-1]*1000:.1f} ms (300 queries)")
        if size == 100_000:
            setattr(Table, "query", moto_patches.original_query)  # noqa: B010 - moto's own, for comparison
            setattr(Table, "all_items", moto_patches.original_all_items)  # noqa: B010
            times = sorted(one() for _ in range(20))
            print(f"   moto's own Query on the same table: p50 {statistics.median(times)*1000:.1f} ms, max {times[-1]*1000:.1f} ms (20 queries)")
    server.stop()

if __name__ == "__main__":
    main()
