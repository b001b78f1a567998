"""Round-trip budgets per endpoint and the scenario that calls every endpoint and worker job once, counting its AWS calls.

The same scenario runs in `make test` (moto, tests/integration/test_round_trips.py) and in `make bench` (DynamoDB Local)."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from bench.calls import CallRecorder, Tally
from bench.events import Events

V2 = "/v2/loyalties"
AUTH_REWARM_SECONDS = 30  # a key cache entry older than this is refilled before a case that expects it warm (it lives 60 s)


@dataclass(frozen=True)
class Budget:
    """The most calls of each kind one invocation may make, and the access pattern that justifies them.

    `auth` is exact: 1 on a cold API-key cache, 0 while it holds the key (and for non-HTTP functions)."""

    pattern: str
    reads: int = 0
    writes: int = 0
    transactions: int = 0
    sends: int = 0
    storage: int = 0  # S3 object writes (an export's CSV)
    auth: int = 0

    def violations(self, tally: Tally) -> list[str]:
        """What the tally spent beyond this budget (empty when within it)."""
        counts = tally.counts
        out = [f"{name}: {counts[name]} > {limit}" for name, limit in
               (("reads", self.reads), ("writes", self.writes), ("transactions", self.transactions), ("sends", self.sends),
                               ("storage", self.storage))
               if counts[name] > limit]
        if counts["other"]:
            out.append(f"unexpected calls: {tally.describe()}")
        if counts["auth"] != self.auth:
            out.append(f"auth GetItem: {counts['auth']} != {self.auth}")
        return out

    def describe(self) -> str:
        """`≤2 reads + 1 TransactWriteItems + 1 SendMessage`."""
        parts = [f"{n} {label}" for n, label in ((self.reads, "reads"), (self.writes, "writes"),
                                                  (self.transactions, "TransactWriteItems"), (self.sends, "SendMessage"),
                                                  (self.storage, "PutObject")) if n]
        return "≤ " + " + ".join(parts) if parts else "0"


# Case name -> budget. The brief's budgets where it sets one; elsewhere the minimum of the access pattern in README.md.
BUDGETS: dict[str, Budget] = {
    "stream: card change that moves a tier": Budget(
        "Query of the member partition (card + standing) + the program's tier structure (Query of the program, Query of the "
        "structure and its tiers; cached for EARNING_CACHE_SECONDS) + TransactWriteItems (standing + tier transaction + its "
        "tier events) + SendMessage per tier event (its publish job: 1 for joining, 3 for an upgrade)", reads=3,
        transactions=1, sends=3),
    "stream: card change inside a tier": Budget("Query of the member partition (+ the tier structure when not cached); no write",
                                                reads=3),
    "stream: approved card transaction aggregated": Budget(
        "BatchGetItem (the member's customer id, the card's code: for its event) + TransactWriteItems (its marker + ADD to "
        "the card's, the program's earning/spending daily and summary aggregates + its event) + SendMessage (the event's "
        "publish job); an earning one also TransactWriteItems (the rule application's marker + ADD to the program's rule "
        "day and total and the member's rule day)", reads=1, transactions=2, sends=1),
    "stream: approved card transaction replayed": Budget("BatchGetItem + TransactWriteItems refused by the marker's "
                                                         "condition (and the rule application's, for an earning one); "
                                                         "nothing counted, nothing sent", reads=1, transactions=2),
    "stream: pending spend's lock aggregated": Budget(
        "TransactWriteItems (its lock marker + ADD points_locked to the card's day)", transactions=1),
    "stream: pending spend's lock replayed": Budget("TransactWriteItems refused by the lock marker's condition; nothing "
                                                     "counted", transactions=1),
    "stream: rejected spend's unlock aggregated": Budget(
        "TransactWriteItems (its settlement marker + ADD points_unlocked to the card's day of the settlement)", transactions=1),
    "stream: rejected spend's unlock replayed": Budget("TransactWriteItems refused by the settlement marker's condition; "
                                                        "nothing counted", transactions=1),
    "worker: publish an event": Budget("GetItem of the event + PutEvents + Query of the project's webhooks + "
                                       "TransactWriteItems (it PUBLISHED, its job marker off, one delivery per subscribed "
                                       "webhook) + 1 SendMessage per delivery (none subscribed in this case)",
                                       reads=2, transactions=1, sends=1),
    "member earning rule daily report": Budget("BatchGetItem of the member and the rule + Query of the member's rule days", reads=2),
    "earning rules daily report": Budget("GetItem of the program + Query of the program's rule days", reads=2),
    "earning rules summary report": Budget("GetItem of the program + Query of the program's rule totals", reads=2),
    "stream: tier transaction aggregated": Budget(
        "TransactWriteItems (its marker + ADD to the program's daily and summary aggregates of each tier it moves)",
        transactions=1),
    "stream: tier transaction replayed": Budget("TransactWriteItems refused by the marker's condition; nothing counted",
                                                transactions=1),
    "tiers daily report": Budget("GetItem of the program + Query of the program's tier days", reads=2),
    "tiers summary report": Budget("GetItem of the program + Query of the program's tier totals", reads=2),
    "card daily report": Budget("GetItem of the card (its program) + Query of the card's days", reads=2),
    "points earnings daily report": Budget("GetItem of the program + Query of the program's earning days", reads=2),
    "points earnings summary report": Budget("GetItem of the program + Query of the program's earning totals", reads=2),
    "spending daily report": Budget("GetItem of the program + Query of the program's spending days", reads=2),
    "spending summary report": Budget("GetItem of the program + Query of the program's spending totals", reads=2),
    "list tier transactions": Budget("Query of the member's tier transactions (+ GetItem of the member when empty)", reads=2),
    "create card definition": Budget("TransactWriteItems (the component + its created activity)", transactions=1),
    "get card definition": Budget("GetItem", reads=1),
    "create earning rule": Budget("BatchGetItem of its card definitions + TransactWriteItems (+ activity)", reads=1, transactions=1),
    "get earning rule": Budget("GetItem", reads=1),
    "create reward": Budget("BatchGetItem of its card definitions + TransactWriteItems (+ activity)", reads=1, transactions=1),
    "get reward": Budget("GetItem", reads=1),
    "create program": Budget("BatchGetItem of components + TransactWriteItems", reads=1, transactions=1),
    "get program": Budget("Query of the program partition", reads=1),
    "create customer (new)": Budget("GetItem source-id claim + TransactWriteItems", reads=1, transactions=1),
    "create customer (update)": Budget("GetItem claim + GetItem customer + UpdateItem", reads=2, writes=1),
    "get customer by id": Budget("GetItem", reads=1),
    "get customer by source id": Budget("GetItem claim + GetItem customer", reads=2),
    "update customer": Budget("GetItem customer + TransactWriteItems (conditioned on its updated_at)", reads=1, transactions=1),
    "update customer by source id": Budget("GetItem claim + GetItem customer + TransactWriteItems", reads=2, transactions=1),
    "delete customer": Budget("GetItem customer + TransactWriteItems (it and its source-id claim)", reads=1, transactions=1),
    "erase customer": Budget("GetItem customer + Query its memberships + per member: Query its activities + "
                             "TransactWriteItems (members, activities) + TransactWriteItems (it and its source-id claim); "
                             "measured without members", reads=2, transactions=1),
    "list customer segments": Budget("GetItem customer (the project has no segments)", reads=1),
    "list customers": Budget("Query of the customers list (GSI1, 1 per MB of customers: filters and orders run in memory; "
                             "the bench's 10,000 customers pass 1 MB, so 2)", reads=2),
    "create member": Budget("Query program + BatchGetItem (the customer or its source-id claim, and the assigned card definitions, whose "
                            "status decides which cards are issued) + TransactWriteItems + SendMessage", reads=2, transactions=1, sends=1),
    "get member (cold auth cache)": Budget("GetItem API key + Query member partition", reads=1, auth=1),
    "get member": Budget("Query member partition", reads=1),
    "adjust points": Budget("Query program + Query member + PutItem + SendMessage", reads=2, writes=1, sends=1),
    "list card transactions p1": Budget("Query, 1 per page", reads=1),
    "list card transactions p2": Budget("Query, 1 per page", reads=1),
    "purchase reward": Budget("Query program + Query member + BatchGetItem (the reward and the card definitions of the member's "
                              "cards, for their spending limits) + TransactWriteItems (with the purchase- and spending-limit counters) "
                              "+ SendMessage; a cost rule on customer.metadata adds a GetItem of the customer",
                              reads=3, transactions=1, sends=1),
    "purchase reward (idempotency key)": Budget(
        "a purchase (as above) + the idempotency record: PutItem on condition the key is new + UpdateItem of the answer",
        reads=3, writes=2, transactions=1, sends=1),
    "purchase reward (replayed)": Budget(
        "PutItem on condition the key is new, which fails and returns the stored answer (ReturnValuesOnConditionCheckFailure; "
        "a consistent GetItem where the backend does not return it); the purchase does not run", reads=1, writes=1),
    "refund reward purchase": Budget("GetItem of the purchase's id pointer + BatchGetItem (the purchase, its reward, the paying card's "
                                     "definition, the program's reward) + TransactWriteItems (purchase REFUNDED on condition it is still "
                                     "APPROVED, REFUND transaction, PENDING POINTS_RETURNED with its job marker) + SendMessage",
                                     reads=2, transactions=1, sends=1),
    "worker: refund reward purchase": Budget("TransactWriteItems (POINTS_RETURNED approved on condition it is still PENDING, `returned` "
                                             "and the expiring bucket, stock +1, marker off); the job carries what it needs, so only a "
                                             "LOYALTY_CARD_POINTS reward reads (a Query of the target card's expiring buckets)",
                                             reads=1, transactions=1),
    "list reward purchases p1": Budget("Query, 1 per page", reads=1),
    "list reward purchases p2": Budget("Query, 1 per page", reads=1),
    "worker: generate card codes": Budget("Query member + TransactWriteItems", reads=1, transactions=1),
    "worker: apply card transaction": Budget("GetItem transaction + GetItem card definition (when the credit's points expire) "
                                             "+ TransactWriteItems (with the expiring bucket)", reads=2, transactions=1),
    "worker: complete reward purchase": Budget("BatchGetItem (the transaction and its reward, whose status decides) + Query "
                                               "of the card's expiring buckets (spent soonest-expiring first) + TransactWriteItems "
                                               "(a LOYALTY_CARD_POINTS reward adds a GetItem of the target card definition, whose "
                                               "points_expiration dates the credit, and credits the target card in the same "
                                               "TransactWriteItems)", reads=2, transactions=1),
    "worker: reject debit": Budget("GetItem + Query expiring buckets + refused apply + reject TransactWriteItems", reads=2, transactions=2),
    "worker: earn from a paid order (cold)": Budget("GetItem order + Query customer (memberships) + BatchGetItem members and "
                                                    "cards + Query program + BatchGetItem rules and card definitions + "
                                                    "TransactWriteItems (claim, transaction, card, job marker off)",
                                                    reads=5, transactions=1),
    "worker: earn from a paid order (warm)": Budget("GetItem order + Query customer (memberships) + BatchGetItem members and "
                                                    "cards (the program's rules cached) + TransactWriteItems (claim, transaction, "
                                                    "card, job marker off)", reads=3, transactions=1),
    "worker: revoke a canceled order": Budget("Query of the order's payment pointers (none) + GetItem order + the earning's reads "
                                              "(nothing new to earn) + Query of the order's "
                                              "claims + BatchGetItem card definition + TransactWriteItems (marker off; the card "
                                              "definition keeps earned points)", reads=7, transactions=2),
    "pay order with points": Budget("Query program + Query member + BatchGetItem order + GetItem card definition + GetItem of the "
                                    "order's amount paid with points + TransactWriteItems (points locked on condition of the balance, "
                                    "member ACTIVE, order not CANCELED, the order's paid amount as read, both transactions PENDING, "
                                    "the order's payment pointer) + SendMessage", reads=5, transactions=1, sends=1),
    "worker: complete order payment": Budget("GetItem transaction + Query of the card's expiring buckets (spent soonest-expiring "
                                             "first) + TransactWriteItems (both transactions APPROVED on condition they are PENDING, "
                                             "spent, the buckets, order not CANCELED)", reads=2, transactions=1),
    "list order payments p1": Budget("Query, 1 per page", reads=1),
    "list order payments p2": Budget("Query, 1 per page", reads=1),
    "worker: revoke a canceled order paid with points": Budget(
        "Query of the order's payment pointers + BatchGetItem of its payments + GetItem card definition + per APPROVED payment a "
        "TransactWriteItems (claim on the pointer, payment still APPROVED, POINTS_RETURNED, `returned` and the expiring bucket; 2 "
        "payments in the scenario); then the earned-points revoke as a canceled order without payments", reads=8, transactions=4),
    "daily job: first run of a day": Budget("Query registry + per project (2 in the moto run): GetItem of the day's record + "
                                            "Query of each due list (tiers, pending, expiring) + PutItem of the day's record",
                                            reads=9, writes=2),
    "daily job: the day done": Budget("Query registry + per project: GetItem of the day's record", reads=3),
    "sweeper: nothing due": Budget("Query of the project registry + Query of each project's PendingJobs entries (2 projects "
                                   "in the moto run, 1 on DynamoDB Local)", reads=3),
    "sweeper: 1 job due": Budget("Query registry + Query per project + UpdateItem (the job's attempt and next wait) + SendMessage "
                                 "per job", reads=3, writes=1, sends=1),
    "create v1 campaign": Budget("TransactWriteItems (campaign + name claim)", transactions=1),
    "get v1 campaign": Budget("GetItem", reads=1),
    "list v1 campaigns p1": Budget("Query of the campaigns list (GSI1) up to the page's end + a counting Query (more follow)",
                                   reads=2),
    "list v1 campaigns p2": Budget("Query of the campaigns list (GSI1) up to the page's end + a counting Query unless that "
                                   "reached the list's end", reads=2),
    "worker: delete a v1 campaign's cards (1 member)": Budget(
        "GetItem async action + Query of the campaign's members list (GSI1, 1 page) + per member a Query of its partition and "
        "a TransactWriteItems (member DELETED, cards, code claims, membership) + TransactWriteItems (the action DONE, the name "
        "claim deleted)", reads=3, transactions=2),
    "v1 list members p1": Budget("GetItem campaign + Query of its card list (GSI1) + a counting Query (more follow)", reads=3),
    "v1 list members filtered": Budget("GetItem campaign + Query of its whole card list (GSI1) + GetItem customer", reads=3),
    "v1 card transactions": Budget("GetItem code claim + GetItem card + Query of its transactions", reads=3),
    "v1 card transactions by code": Budget("GetItem code claim + GetItem card + Query of its transactions", reads=3),
    "v1 campaign transactions": Budget("GetItem campaign + Query of its transaction list (GSI1) + BatchGetItem of the page's "
                                       "cards (their voucher ids)", reads=3),
    "v1 transfer points": Budget("BatchGetItem (code claims) + BatchGetItem (cards + campaign) + TransactWriteItems (every "
                                 "source debited with its expiring buckets, the target credited, both transactions of each)",
                                 reads=2, transactions=1),
    "v1 redeem reward": Budget("BatchGetItem (code claim + reward) + BatchGetItem (card + campaign + the campaign's assignment) + "
                               "BatchGetItem (holder) + TransactWriteItems (card spent with its bucket mirrors and buckets, "
                               "the POINTS_SPENT_ON_REWARD transaction, assignment version, reward stock): like a purchase, "
                               "accepted and settled at once", reads=3, transactions=1),
    "v1 redeem reward by code": Budget("BatchGetItem (code claim + reward) + BatchGetItem (card) + BatchGetItem (holder + campaign "
                                       "+ the campaign's assignment) + TransactWriteItems (as with the campaign path)",
                                       reads=3, transactions=1),
    "v1 member activity": Budget("GetItem code claim + GetItem card + Query of its transactions", reads=3),
    "v1 member activity by code": Budget("GetItem code claim + GetItem card + Query of its transactions", reads=3),
    "v1 campaign pending points": Budget("GetItem campaign + Query of the project's pending-bucket list (GSI1, 1 page in the "
                                         "scenario) + BatchGetItem of the page's cards", reads=3),
    "update v1 campaign": Budget("GetItem campaign + UpdateItem conditioned on its version", reads=1, writes=1),
    "delete v1 campaign": Budget("GetItem campaign + TransactWriteItems (campaign marked deleted, name released, async action "
                                 "with its pending job) + SendMessage", reads=1, transactions=1, sends=1),
    "v1 add member (customer id)": Budget("GetItem campaign, customer, membership + TransactWriteItems", reads=3, transactions=1),
    "v1 add member (new source id)": Budget("GetItem campaign, source-id claim, membership + 2 TransactWriteItems",
                                            reads=3, transactions=2),
    "v1 add member (repeat)": Budget("GetItem campaign, customer, membership, card", reads=4),
    "v1 get member": Budget("GetItem code claim + GetItem card", reads=2),
    "v1 get member by code": Budget("GetItem code claim + GetItem card", reads=2),
    "v1 balance": Budget("GetItem code claim + GetItem card + Query of its expiring buckets (a debit takes the "
                         "soonest-expiring first) + TransactWriteItems", reads=3, transactions=1),
    "v1 balance by code": Budget("GetItem code claim + GetItem card + Query of its expiring buckets (a debit takes the "
                                 "soonest-expiring first) + TransactWriteItems", reads=3, transactions=1),
    "create v1 earning rules": Budget("GetItem campaign + TransactWriteItems (the rules + the project's rule count)",
                                      reads=1, transactions=1),
    "list v1 earning rules": Budget("Query of the campaign partition (the campaign and its rules)", reads=1),
    "v1 estimate points": Budget("GetItem campaign + GetItem customer + GetItem membership claim + Query member partition "
                                 "(member + card) + Query customer partition + BatchGetItem (members, cards) + Query of the "
                                 "campaign partition (campaign + rules); an order by id or source id adds a BatchGetItem (and one "
                                 "GetItem by source id); no write", reads=7),
    "get v1 earning rule": Budget("BatchGetItem (campaign + rule)", reads=1),
    "update v1 earning rule": Budget("BatchGetItem (campaign + rule) + UpdateItem conditioned on its version", reads=1, writes=1),
    "disable v1 earning rule": Budget("BatchGetItem (campaign + rule) + UpdateItem conditioned on its version", reads=1, writes=1),
    "enable v1 earning rule": Budget("BatchGetItem (campaign + rule) + UpdateItem conditioned on its version", reads=1, writes=1),
    "delete v1 earning rule": Budget("BatchGetItem (campaign + rule) + TransactWriteItems (the rule + the project's rule count)",
                                     reads=1, transactions=1),
    "list programs": Budget("Query of the programs list (GSI1), 1 per page", reads=1),
    "update program": Budget("GetItem program + TransactWriteItems (+ activity)", reads=1, transactions=1),
    "batch card definitions": Budget("Query program + BatchGetItem components + TransactWriteItems", reads=2, transactions=1),
    "batch earning rules": Budget("Query program + BatchGetItem components + TransactWriteItems", reads=2, transactions=1),
    "batch rewards": Budget("Query program + BatchGetItem components + TransactWriteItems", reads=2, transactions=1),
    "batch tier structures": Budget("Query program + BatchGetItem components + TransactWriteItems", reads=2, transactions=1),
    "list program card definitions": Budget("Query of the program partition's assignments", reads=1),
    "list program earning rules": Budget("Query of the program partition's assignments", reads=1),
    "list program tier structures": Budget("Query of the program partition's assignments", reads=1),
    "list program rewards": Budget("Query of the program partition's assignments", reads=1),
    "update reward stock": Budget("Query program + TransactWriteItems (+ activity)", reads=1, transactions=1),
    "activate program": Budget("Query program + BatchGetItem of its components + TransactWriteItems", reads=2, transactions=1),
    "list program activities": Budget("Query, 1 per page", reads=1),
    "deactivate program": Budget("GetItem program + TransactWriteItems", reads=1, transactions=1),
    "delete program": Budget("GetItem program + TransactWriteItems", reads=1, transactions=1),
    # tier structures and tiers (a tier is a child item of its structure's partition)
    "create tier structure": Budget("GetItem card definition + TransactWriteItems (+ activity)", reads=1, transactions=1),
    "list tier structures p1": Budget("Query of the GSI1 list, 1 per page", reads=1),
    "list tier structures p2": Budget("Query of the GSI1 list, 1 per page", reads=1),
    "get tier structure": Budget("GetItem", reads=1),
    "update tier structure": Budget("GetItem + TransactWriteItems (+ GetItem of a new card definition, only when it changes)",
                                    reads=2, transactions=1),
    "activate tier structure": Budget("GetItem + TransactWriteItems", reads=1, transactions=1),
    "deactivate tier structure": Budget("GetItem + BatchGetItem of the programs it is assigned to (only when assigned) + "
                                        "TransactWriteItems", reads=2, transactions=1),
    "draft tier structure": Budget("GetItem + BatchGetItem of the programs it is assigned to (only when assigned) + "
                                   "TransactWriteItems", reads=2, transactions=1),
    "delete tier structure": Budget("Query of its partition (it and its tiers) + BatchGetItem of its programs (only when "
                                    "assigned) + TransactWriteItems", reads=2, transactions=1),
    "create tier": Budget("Query of the structure's partition (it and its tiers) + TransactWriteItems", reads=1, transactions=1),
    "list tiers p1": Budget("Query of the structure's partition, 1 per page", reads=1),
    "list tiers p2": Budget("Query of the structure's partition, 1 per page", reads=1),
    "update tier": Budget("Query of the structure's partition + TransactWriteItems", reads=1, transactions=1),
    "delete tier": Budget("Query of the structure's partition + TransactWriteItems", reads=1, transactions=1),
    "list tier structure activities p1": Budget("Query, 1 per page", reads=1),
    "list tier structure activities p2": Budget("Query, 1 per page", reads=1),
    # benefits
    "create benefit": Budget("GetItem card definition (points benefits) + TransactWriteItems (+ name claim, activity)",
                             reads=1, transactions=1),
    "list benefits p1": Budget("Query of the GSI1 list, 1 per page", reads=1),
    "list benefits p2": Budget("Query of the GSI1 list, 1 per page", reads=1),
    "get benefit": Budget("GetItem", reads=1),
    "update benefit": Budget("GetItem + TransactWriteItems (+ GetItem of a new card definition, only when it changes)",
                             reads=2, transactions=1),
    "activate benefit": Budget("GetItem + GetItem card definition (points benefits) + TransactWriteItems", reads=2,
                               transactions=1),
    "draft benefit": Budget("GetItem + Query of the earning-rule list (1 per MB of rules) + TransactWriteItems", reads=2,
                            transactions=1),
    "delete benefit": Budget("GetItem + Query of the earning-rule list (1 per MB of rules) + TransactWriteItems", reads=2,
                             transactions=1),
    "list benefit activities p1": Budget("Query, 1 per page", reads=1),
    "list benefit activities p2": Budget("Query, 1 per page", reads=1),
    "worker: earn benefits from a paid order": Budget("GetItem order + Query customer (memberships) + BatchGetItem members and "
                                                      "cards + Query program + BatchGetItem rules and card definitions + "
                                                      "BatchGetItem of the granted benefits + TransactWriteItems per grant (claim, "
                                                      "benefit transaction, stock or ACTIVE check; a points grant adds its "
                                                      "transaction and card; the first also takes the job marker off)",
                                                      reads=6, transactions=2),
    "list benefit transactions p1": Budget("Query, 1 per page", reads=1),
    "list benefit transactions p2": Budget("Query, 1 per page", reads=1),
    "list members p1": Budget("Query of the program's members collection (GSI1), 1 per page", reads=1),
    "list members p2": Budget("Query of the program's members collection (GSI1), 1 per page", reads=1),
    "update member": Budget("Query member partition + TransactWriteItems (member + activity)", reads=1, transactions=1),
    "deactivate member": Budget("Query member partition + TransactWriteItems (member + activity)", reads=1, transactions=1),
    "activate member": Budget("Query member partition + TransactWriteItems (member + activity)", reads=1, transactions=1),
    "delete member": Budget("Query member partition + TransactWriteItems (member, its cards and code claims, the membership "
                            "claim, activity)", reads=1, transactions=1),
    "member activities p1": Budget("Query, 1 per page", reads=1),
    "member activities p2": Budget("Query, 1 per page", reads=1),
    "card activities": Budget("Query, 1 per page", reads=1),
    "customer memberships": Budget("Query customer partition (customer + membership claims) + BatchGetItem (members, programs, "
                                   "cards) (+ GetItem source-id claim by customer_source_id; + Query member partition by "
                                   "member_id, + GetItem code claim before it by card_code)", reads=2),
    "program membership": Budget("Query program + GetItem membership claim + Query member partition (+ GetItem tier structure "
                                 "when the program has one; + GetItem source-id claim by customer_source_id; by member_id no "
                                 "membership claim; by card_code the code claim's GetItem instead of it)", reads=3),
    "batch create members": Budget("Query program + TransactWriteItems (async action + request chunks) + SendMessage",
                                   reads=1, transactions=1, sends=1),
    "worker: create members batch": Budget("per chunk of 100 entries: Query action partition (action + next chunk) + Query program "
                                            "+ BatchGetItem (customers, card definitions) + BatchGetItem (membership claims) + "
                                            "TransactWriteItems per 100 items of members + TransactWriteItems (action, chunk) "
                                            "+ SendMessage (next chunk) while chunks remain", reads=4, transactions=2, sends=1),
    "get async action": Budget("GetItem", reads=1),
    "v1 export campaign transactions": Budget("GetItem campaign + PutItem export (with its pending job) + SendMessage",
                                              reads=1, writes=1, sends=1),
    "v1 export card transactions": Budget("GetItem code claim + GetItem card + PutItem export + SendMessage", reads=2, writes=1, sends=1),
    "v1 export card transactions by code": Budget("GetItem code claim + GetItem card + PutItem export + SendMessage",
                                                  reads=2, writes=1, sends=1),
    "v1 export points expiration": Budget("GetItem campaign + PutItem export + SendMessage", reads=1, writes=1, sends=1),
    "worker: v1 campaign transactions export": Budget(
        "GetItem export + Query of the campaign's transaction list (GSI1, 1 page of 500) + BatchGetItem of the page's cards + "
        "PutObject of the CSV + UpdateItem (DONE, out of the pending-job index)", reads=3, writes=1, storage=1),
    "worker: v1 card transactions export": Budget(
        "GetItem export + Query of the card's transactions (1 page of 500) + PutObject + UpdateItem", reads=2, writes=1, storage=1),
    "worker: v1 points expiration export": Budget(
        "GetItem export + Query of the campaign's card list (GSI1, 1 page of 100) + a Query of each card's buckets (2 cards in "
        "the scenario) + PutObject + UpdateItem", reads=4, writes=1, storage=1),
    "get export": Budget("GetItem (the URL is signed locally, no call)", reads=1),
    "customer activity": Budget("GetItem customer + Query its membership claims + per member a Query of its partition (cards) + "
                                "per v1 card a Query of its transactions (limit + 1), merged by id; measured with 1 card", reads=4),
    "customer activities (deprecated)": Budget("as customer activity", reads=4),
    "customer redeemables": Budget("GetItem customer + Query its membership claims + per member a Query of its partition; "
                                   "measured with 1 member", reads=3),
    "bulk update customers": Budget("TransactWriteItems (async action + request chunks) + SendMessage", transactions=1, sends=1),
    "update customers metadata": Budget("TransactWriteItems (async action + request chunks) + SendMessage", transactions=1, sends=1),
    "import customers CSV": Budget("TransactWriteItems (async action + request chunks) + SendMessage", transactions=1, sends=1),
    "worker: update customers batch": Budget("per chunk of 100 entries: Query action partition (action + next chunk) + per entry "
                                             "GetItem source-id claim + GetItem customer + TransactWriteItems (create, or update "
                                             "conditioned on updated_at; none when unchanged) + TransactWriteItems (action, chunk) "
                                             "+ SendMessage while chunks remain; measured with 2 entries", reads=5, transactions=3),
    "unknown route": Budget("none: the $default route answers 404 from the request alone, before any auth"),
    "v1 card QR code": Budget("none: the public asset route renders the PNG from its signed id alone, with no auth"),
    "v1 card barcode": Budget("none: the public asset route renders the SVG from its signed id alone, with no auth"),
    # Examine earning rules reads what earning reads (points.load_setup), plus who the member is; it writes nothing.
    "examine earning rules (cold)": Budget("GetItem member + Query customer partition (customer + membership claims) + BatchGetItem "
                                           "(members, programs, cards) + per program: Query program + BatchGetItem (its earning "
                                           "rules and card definitions), unless a warm function holds them", reads=5),
    "examine earning rules (warm)": Budget("GetItem source-id claim + Query customer partition + BatchGetItem (members, programs, "
                                           "cards); the programs' rules and card definitions from the warm cache", reads=3),
    # Examine rewards: who the member is, their cards' balances, each program's reward assignments (fresh stock) and the rewards.
    "examine rewards": Budget("GetItem member + Query customer partition + BatchGetItem (members, programs, cards) + per program: "
                              "Query program (its reward assignments and stock) + BatchGetItem (the rewards)", reads=5),
    # v2 components: a GET of a page = 1 Query; a transition or an update = GetItem + TransactWriteItems (the component,
    # conditioned on the status and version read, + its activity). Reading the programs a component records (BatchGetItem)
    # is the one extra read, and only when a rule needs it: drafting or deleting a component that programs use, changing a
    # locked field of a card definition in use; updates that name other components read them (BatchGetItem) to check them.
    "list card definitions p1": Budget("Query of the GSI1 collection, 1 per page", reads=1),
    "list card definitions p2": Budget("Query of the GSI1 collection, 1 per page", reads=1),
    "update card definition": Budget("GetItem + TransactWriteItems", reads=1, transactions=1),
    "update card definition (in use)": Budget("GetItem + BatchGetItem of its programs (locked field: 423)", reads=2),
    "activate card definition": Budget("GetItem + TransactWriteItems", reads=1, transactions=1),
    "draft card definition": Budget("GetItem + TransactWriteItems (it records no program: no program read)", reads=1, transactions=1),
    "draft card definition (in use)": Budget("GetItem + BatchGetItem of its programs (423 resource_locked)", reads=2),
    "list card definition activities": Budget("Query of its activity partition", reads=1),
    "delete card definition": Budget("GetItem + TransactWriteItems", reads=1, transactions=1),
    "list earning rules p1": Budget("Query of the GSI1 collection, 1 per page", reads=1),
    "update earning rule": Budget("GetItem + TransactWriteItems", reads=1, transactions=1),
    "update earning rule (earnings)": Budget("GetItem + BatchGetItem of the components its earnings name + TransactWriteItems",
                                             reads=2, transactions=1),
    "activate earning rule": Budget("GetItem + TransactWriteItems", reads=1, transactions=1),
    "deactivate earning rule": Budget("GetItem + TransactWriteItems", reads=1, transactions=1),
    "draft earning rule": Budget("GetItem + TransactWriteItems", reads=1, transactions=1),
    "list earning rule activities": Budget("Query of its activity partition", reads=1),
    "delete earning rule": Budget("GetItem + TransactWriteItems", reads=1, transactions=1),
    "list rewards p1": Budget("Query of the GSI1 collection, 1 per page", reads=1),
    "update reward": Budget("GetItem + TransactWriteItems", reads=1, transactions=1),
    "update reward (costs)": Budget("GetItem + BatchGetItem of the card definitions its costs name + TransactWriteItems",
                                    reads=2, transactions=1),
    "activate reward": Budget("GetItem + TransactWriteItems", reads=1, transactions=1),
    "deactivate reward": Budget("GetItem + TransactWriteItems", reads=1, transactions=1),
    "draft reward": Budget("GetItem + TransactWriteItems (it records no program: no program read)", reads=1, transactions=1),
    "list reward activities": Budget("Query of its activity partition", reads=1),
    "delete reward": Budget("GetItem + TransactWriteItems", reads=1, transactions=1),
    "delete reward (in use)": Budget("GetItem + BatchGetItem of its programs (400 resource_in_use)", reads=2),
    # orders: one BatchGetItem of the keys the request names (the order or its source-id claim, the customer or its claim,
    # the referrer), a second one of the items the claims found, one TransactWriteItems only when something changes (the
    # order, its claim, and a new or changed customer, all in it), one SendMessage only when the order first enters PAID
    # or a paid order is first canceled
    "create order (new, PAID, new customer)": Budget("BatchGetItem of the two source-id claims (neither found) + "
                                                     "TransactWriteItems (order, its claim, customer, its claim) + SendMessage",
                                                     reads=2, transactions=1, sends=1),
    "create order (resent)": Budget("BatchGetItem of the claims + BatchGetItem of the order and the customer; nothing changes, "
                                    "nothing is written or sent", reads=2),
    "create order (upsert, changed)": Budget("BatchGetItem of the claims + BatchGetItem of the order and the customer + "
                                             "TransactWriteItems (the order, on its version)", reads=2, transactions=1),
    "get order by id": Budget("BatchGetItem (the order and a source-id claim of the same text)", reads=1),
    "get order by source id": Budget("GetItem claim + GetItem order (as BatchGetItem)", reads=2),
    "update order (cancel)": Budget("BatchGetItem of the order + TransactWriteItems + SendMessage (RevokeOrderEarning)",
                                    reads=1, transactions=1, sends=1),
    "list orders p1": Budget("Query of the orders list (GSI1, sorted by created_at) + Query Select=COUNT for the total unless "
                             "the page reached the list's end", reads=2),
    "list orders p2": Budget("Query of the orders list reading pages 1-2 + Query Select=COUNT", reads=2),
    # custom events (issue 7's target for POST /v1/events: <= 2 reads + 1 write + 1 send) and their schemas
    "create earning rule (custom event)": Budget("BatchGetItem of its card definitions + TransactWriteItems (+ activity, + a "
                                                 "ConditionCheck that its event schema exists)", reads=1, transactions=1),
    "track event (customer id, card code)": Budget("BatchGetItem (customer, the name's schema claim, the card code claim) + "
                                                   "PutItem (event + job marker) + SendMessage", reads=1, writes=1, sends=1),
    "track event (new source id)": Budget("BatchGetItem (source-id claim, schema claim) + TransactWriteItems (customer, "
                                          "source-id claim, event) + SendMessage", reads=1, transactions=1, sends=1),
    "track event (known source id, changed)": Budget("BatchGetItem (source-id claim, schema claim) + GetItem customer + "
                                                     "TransactWriteItems (customer update, event) + SendMessage",
                                                     reads=2, transactions=1, sends=1),
    "list metadata schemas": Budget("Query of the schemas' GSI1 list, 1 per MB", reads=1),
    "get metadata schema": Budget("GetItem of the name claim (it holds the schema)", reads=1),
    # points buckets: a card's buckets live in its ledger partition, their sort keys following their dates
    "list pending points p1": Budget("Query of the card's pending buckets, 1 per page", reads=1),
    "list pending points p2": Budget("Query of the card's pending buckets, 1 per page", reads=1),
    "activate pending points": Budget("Query program + Query member partition + Query the card's pending buckets + GetItem "
                                      "card definition + TransactWriteItems (bucket, record, transaction, card, expiring bucket)",
                                      reads=4, transactions=1),
    "cancel pending points": Budget("Query program + Query member partition + Query the card's pending buckets + GetItem "
                                    "card definition + TransactWriteItems (bucket, record, transaction, card)", reads=4, transactions=1),
    "list expiring points p1": Budget("Query of the card's expiring buckets, 1 per page", reads=1),
    "list expiring points p2": Budget("Query of the card's expiring buckets, 1 per page", reads=1),
    "expire points bucket": Budget("Query program + Query member partition + Query the card's expiring buckets + GetItem "
                                   "card definition + TransactWriteItems (bucket, record, transaction, card)", reads=4, transactions=1),
    "get member (with buckets)": Budget("Query member partition (its cards answer next_activation and next_expiration from "
                                        "the bucket mirrors on the card item)", reads=1),
    "v1 list pending points": Budget("GetItem code claim + GetItem card + Query of its pending buckets", reads=3),
    "v1 list pending points by code": Budget("GetItem code claim + GetItem card + Query of its pending buckets", reads=3),
    "v1 adjust pending points": Budget("GetItem code claim + GetItem card + Query of its pending buckets + TransactWriteItems",
                                       reads=3, transactions=1),
    "v1 activate pending points": Budget("GetItem code claim + GetItem card + Query of its pending buckets + TransactWriteItems",
                                         reads=3, transactions=1),
    "v1 cancel pending points": Budget("GetItem code claim + GetItem card + Query of its pending buckets + TransactWriteItems",
                                       reads=3, transactions=1),
    "v1 points expiration": Budget("GetItem code claim + GetItem card + Query of its expiring buckets", reads=3),
    # v1 rewards: one item each; an assignment is a copy in the reward's partition and one in the campaign's
    "create v1 reward": Budget("PutItem of the reward", writes=1),
    "create v1 points reward": Budget("GetItem campaign (the points' target) + PutItem of the reward", reads=1, writes=1),
    "list v1 rewards": Budget("Query of the rewards' GSI1 list up to the page + a counting Query when more follow", reads=2),
    "list v1 rewards by assignment": Budget("GetItem assignment reference + GetItem reward", reads=2),
    "get v1 reward": Budget("GetItem reward", reads=1),
    "update v1 reward": Budget("GetItem reward + UpdateItem conditioned on its version", reads=1, writes=1),
    "delete v1 reward": Budget("TransactWriteItems (the reward, conditioned on having no assignments)", transactions=1),
    "create v1 reward assignment": Budget("TransactWriteItems (campaign check, reward count, both copies, reference)",
                                          transactions=1),
    "list v1 reward assignments": Budget("Query of the reward partition (the reward and its assignments)", reads=1),
    "get v1 reward assignment": Budget("Query of the reward partition", reads=1),
    "update v1 reward assignment": Budget("Query of the reward partition + TransactWriteItems (both copies, on their version)",
                                          reads=1, transactions=1),
    "delete v1 reward assignment": Budget("Query of the reward partition + TransactWriteItems (both copies, reference, count)",
                                          reads=1, transactions=1),
    "create v1 campaign reward assignments": Budget("TransactWriteItems (campaign check; per reward: count, both copies, "
                                                    "reference)", transactions=1),
    "list v1 campaign rewards": Budget("Query of the campaign partition", reads=1),
    "list v1 campaign reward assignments": Budget("Query of the campaign partition", reads=1),
    "get v1 campaign reward": Budget("GetItem of the campaign's copy", reads=1),
    "get v1 campaign reward assignment": Budget("GetItem of the campaign's copy", reads=1),
    "get v1 campaign assignment reward": Budget("GetItem of the campaign's copy + GetItem reward", reads=2),
    "update v1 campaign reward": Budget("GetItem of the campaign's copy + TransactWriteItems (both copies, on their version)",
                                        reads=1, transactions=1),
    "delete v1 campaign reward": Budget("GetItem of the campaign's copy + TransactWriteItems (both copies, reference, count)",
                                        reads=1, transactions=1),
    "v1 member rewards": Budget("GetItem code claim + GetItem card + Query of the campaign partition + BatchGetItem rewards",
                                reads=4),
    "create v1 tiers": Budget("Query of the campaign partition + TransactWriteItems (tier count on the campaign, each tier)",
                              reads=1, transactions=1),
    "list v1 tiers": Budget("Query of the campaign partition", reads=1),
    "get v1 tier": Budget("Query of the campaign partition", reads=1),
    "v1 member tiers": Budget("GetItem code claim + GetItem card + Query of the member partition (standing) + Query of the "
                              "campaign's tiers", reads=4),
    "v1 tier earning rules": Budget("Query of the campaign partition + Query of its earning rules", reads=2),
    "v1 tier rewards": Budget("Query of the campaign partition (tiers) + Query (assignments) + BatchGetItem rewards", reads=3),
    # webhooks (ours)
    "create webhook": Budget("TransactWriteItems (the webhook + the project's webhook count, on condition it is below 20)",
                             transactions=1),
    "list webhooks": Budget("Query of the project's webhooks partition (at most 20)", reads=1),
    "get webhook": Budget("GetItem webhook", reads=1),
    "update webhook": Budget("GetItem webhook + UpdateItem (on condition it still exists)", reads=1, writes=1),
    "delete webhook": Budget("TransactWriteItems (delete the webhook + uncount it)", transactions=1),
    "list webhook deliveries": Budget("GetItem webhook + Query of its deliveries partition (newest first, 1 page)", reads=2),
    "webhook delivery": Budget("GetItem delivery + UpdateItem lease (on condition PENDING and unleased) + GetItem webhook + "
                               "(the POST) + UpdateItem attempt and status (on condition of the lease)", reads=2, writes=2),
}


class Driver(Protocol):
    """How the scenario reaches a stack: invoke a function by logical id, take the queued job messages."""

    events: Events
    headers: dict[str, str]
    recorder: CallRecorder
    project: str  # the project of `headers` (the scenario writes points buckets into it directly: no route earns yet)

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        """Run one function on one event (in this process, with the layer's cached clients)."""

    def take_jobs(self) -> list[str]:
        """Receive and delete every message on the jobs queue; their bodies, oldest first."""


@dataclass
class CaseResult:
    """One counted invocation."""

    name: str
    function: str
    status: int | None
    tally: Tally
    budget: Budget

    @property
    def violations(self) -> list[str]:
        return self.budget.violations(self.tally)


class ScenarioError(RuntimeError):
    """A step answered something other than expected: the counts would be meaningless."""


@dataclass
class _Scenario:
    driver: Driver
    clear_auth_cache: Callable[[], None]
    results: dict[str, CaseResult] = field(default_factory=dict)
    points_path: str = ""
    program: str = ""
    examined: dict[str, str] = field(default_factory=dict)  # the member and source id Examine looks at
    in_use: dict[str, str] = field(default_factory=dict)  # the components of the program `_v2` makes
    v1_code: str = ""  # the code of the v1 loyalty card `_v1` publishes
    auth_warmed_at: float = 0.0  # when an authenticated request last looked the API key up (monotonic)
    auth_cold: bool = True  # the key cache was cleared on purpose and no request has filled it since

    # ------------------------------------------------------------------ steps
    def call(self, name: str | None, method: str, path: str, body: Any = None, *, query: dict[str, str] | None = None,
             expect: int = 200, headers: dict[str, str] | None = None, form: str | None = None, public: bool = False) -> Any:
        """One HTTP request (with `headers` besides the API key's, or none for a `public` route); counted under `name`
        unless it is None. `form` is sent as the `file` part of a multipart/form-data body, base64-encoded as API Gateway
        delivers it. A JSON answer is parsed; another (an image) is returned as bytes."""
        if form is not None:
            headers = {**(headers or {}), "content-type": "multipart/form-data; boundary=rtboundary"}
        function, event = self.driver.events.http(method, path, body, {**({} if public else self.driver.headers), **(headers or {})}, query)
        if form is not None:
            part = f'--rtboundary\r\nContent-Disposition: form-data; name="file"; filename="f.csv"\r\n\r\n{form}\r\n--rtboundary--\r\n'
            event = {**event, "body": base64.b64encode(part.encode()).decode(), "isBase64Encoded": True}
        if name is not None and not public and BUDGETS[name].auth == 0:
            self._keep_auth_warm()
        with self.driver.recorder.record() as tally:
            resp = self.driver.invoke(function, event)
        if not public:
            self.auth_cold = False
            if tally.count("auth"):
                self.auth_warmed_at = time.monotonic()
        status = resp.get("statusCode")
        body_type = str((resp.get("headers") or {}).get("Content-Type", "application/json"))
        if resp.get("body") and not body_type.startswith("application/json"):
            payload: Any = base64.b64decode(resp["body"]) if resp.get("isBase64Encoded") else str(resp["body"]).encode()
        else:
            payload = json.loads(resp["body"]) if resp.get("body") else None
        if status != expect:
            raise ScenarioError(f"{name or path}: {status} {payload}")
        if name is not None:
            self.results[name] = CaseResult(name, function, status, tally, BUDGETS[name])
        return payload

    def _cold_auth(self) -> None:
        """Empty the API-key cache on purpose: the next authenticated request is counted with its lookup."""
        self.clear_auth_cache()
        self.auth_cold = True

    def _keep_auth_warm(self) -> None:
        """Before a case whose budget expects a warm key cache: refill the cache with an uncounted request when the
        entry may expire during the case (it lives AUTH_CACHE_TTL_SECONDS from its lookup, and a slow machine can take
        longer than that between cases), unless it was emptied on purpose."""
        if self.auth_cold or time.monotonic() - self.auth_warmed_at < AUTH_REWARM_SECONDS:
            return
        self.clear_auth_cache()
        self.call(None, "GET", f"{V2}/programs", query={"limit": "1"})

    def jobs(self, names: dict[str, str] | None = None) -> None:
        """Run the worker on each queued job, one message per event; the first job of a type listed in `names` is counted."""
        names = dict(names or {})
        for body in self.driver.take_jobs():
            kind = json.loads(body).get("type", "")
            name = names.pop(kind, None)
            with self.driver.recorder.record() as tally:
                result = self.driver.invoke(self.driver.events.worker, self.driver.events.sqs([body]))
            if result.get("batchItemFailures"):
                raise ScenarioError(f"worker failed on {body}: {result}")
            if name is not None:
                self.results[name] = CaseResult(name, self.driver.events.worker, None, tally, BUDGETS[name])
        if names:
            raise ScenarioError(f"no job came for {sorted(names)}")

    def counted(self, name: str, function: str, run: Callable[[], Any]) -> Any:
        """Count an arbitrary step (the sweeper)."""
        with self.driver.recorder.record() as tally:
            out = run()
        self.results[name] = CaseResult(name, function, None, tally, BUDGETS[name])
        return out

    # ------------------------------------------------------------------ the journey
    def run(self) -> dict[str, CaseResult]:
        tag = uuid.uuid4().hex[:10]
        self.call(None, "GET", f"{V2}/programs/lprg_000000000000000000", expect=404)  # warms the API-key cache
        self._v2(tag)
        self._examine()
        self._tiers(tag)
        self._member_tiers(tag)
        self._reports(tag)
        self._programs(tag)
        self._components(tag)
        self._worker_edges()
        self._members(tag)
        self._v1(tag)
        self._orders(tag)
        self._earning(tag)
        self._benefit_grants(tag)
        self._payments(tag)
        self._events(tag)
        self._buckets(tag)
        self._webhooks(tag)
        self._cold_auth()  # so that an authentication, which the $default route must not make, would be counted
        self.call("unknown route", "GET", f"{V2}/no-such-route", expect=404)
        for name, kind in (("v1 card QR code", "qr"), ("v1 card barcode", "barcode")):  # public: sent without an API key
            self.call(name, "GET", urlsplit(self.card_assets[kind]["url"]).path, public=True)
        return self.results

    def _v2(self, tag: str) -> None:
        cdef = self.call("create card definition", "POST", f"{V2}/card-definitions", {
            "name": f"Wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE", "code_config": {"prefix": "RT-", "length": 8}})["id"]
        self.call("get card definition", "GET", f"{V2}/card-definitions/{cdef}")
        rule = self.call("create earning rule", "POST", f"{V2}/earning-rules", {
            "name": f"Order paid {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
            "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef}}]}]})["id"]
        self.call("get earning rule", "GET", f"{V2}/earning-rules/{rule}")
        reward = self.call("create reward", "POST", f"{V2}/rewards", {
            "name": f"Coffee {tag}", "type": "MATERIAL", "status": "ACTIVE",
            "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
            "costs": [{"spending": [{"points": 100, "card_definition_id": cdef}]}]})["id"]
        self.call("get reward", "GET", f"{V2}/rewards/{reward}")
        program = self.call("create program", "POST", f"{V2}/programs", {
            "name": f"VIP {tag}", "status": "ACTIVE", "card_definitions": [{"id": cdef}], "earning_rules": [{"id": rule}],
            "rewards": [{"id": reward, "stock": 100}]})["id"]
        self.call("get program", "GET", f"{V2}/programs/{program}")
        self.program = program
        self.in_use = {"cdef": cdef, "rule": rule, "reward": reward}

        source = f"rt-{tag}"
        customer = self.call("create customer (new)", "POST", "/v1/customers", {"source_id": source, "name": "Alice"})["id"]
        self.call("create customer (update)", "POST", "/v1/customers", {"source_id": source, "name": "Alice B."})
        self.call("get customer by id", "GET", f"/v1/customers/{customer}")
        self.call("get customer by source id", "GET", f"/v1/customers/{source}")
        self.call("update customer", "PUT", f"/v1/customers/{customer}", {"phone": "+1 555"})
        self.call("update customer by source id", "PUT", f"/v1/customers/{source}", {"metadata": {"tier": "gold"}})
        gone = self.call(None, "POST", "/v1/customers", {"source_id": f"{source}-gone"})["id"]
        self.call("delete customer", "DELETE", f"/v1/customers/{gone}", expect=204)
        erased = self.call(None, "POST", "/v1/customers", {"source_id": f"{source}-erased"})["id"]
        self.call("erase customer", "POST", f"/v1/customers/{erased}/permanent-deletion")
        self.call("list customer segments", "GET", f"/v1/customers/{customer}/segments")
        self.call("list customers", "GET", "/v1/customers", query={"limit": "2", "order": "-updated_at", "city": "Paris"})
        self._customers_async(tag)  # before the auth cache is cleared below: its worker runs take time

        base = f"{V2}/programs/{program}/members"
        member = self.call("create member", "POST", base, {"customer_id": customer})
        m = f"{base}/{member['id']}"
        card = member["cards"][0]["card"]["id"]
        self.jobs({"generate_card_codes": "worker: generate card codes"})
        self.clear_auth_cache()
        self.call("get member (cold auth cache)", "GET", m)
        self.call("get member", "GET", m)
        self.call("adjust points", "POST", f"{m}/cards/{card}/points", {"points": 1000, "reason": "bench"})
        self.jobs({"apply_card_transaction": "worker: apply card transaction"})
        self.call("purchase reward", "POST", f"{m}/rewards/purchases", {"reward_id": reward}, expect=202)
        self.jobs({"complete_reward_purchase": "worker: complete reward purchase"})
        bought = self.call(None, "POST", f"{m}/rewards/purchases", {"reward_id": reward}, expect=202)
        self.jobs()
        rtx = bought["transaction"]["details"]["reward_transaction"]["id"]
        self.call("refund reward purchase", "POST", f"{V2}/programs/{program}/rewards/purchases/{rtx}/refund",
                  {"policies": {"refund": "ALLOW"}}, expect=202)
        self.jobs({"refund_reward_purchase": "worker: refund reward purchase"})
        keyed = {"Idempotency-Key": f"rt-{tag}"}
        first = self.call("purchase reward (idempotency key)", "POST", f"{m}/rewards/purchases", {"reward_id": reward}, expect=202,
                          headers=keyed)
        again = self.call("purchase reward (replayed)", "POST", f"{m}/rewards/purchases", {"reward_id": reward}, expect=202,
                          headers=keyed)
        if again != first:
            raise ScenarioError(f"the replayed purchase answered {again}, not {first}")
        self.jobs()
        page = self.call("list card transactions p1", "GET", f"{m}/cards/{card}/transactions", query={"limit": "1"})
        self.call("list card transactions p2", "GET", f"{m}/cards/{card}/transactions",
                  query={"limit": "1", "cursor": page["cursor"]["next"]})
        page = self.call("list reward purchases p1", "GET", f"{m}/rewards/purchases", query={"limit": "1"})
        self.call("list reward purchases p2", "GET", f"{m}/rewards/purchases", query={"limit": "1", "cursor": page["cursor"]["next"]})
        self.points_path = f"{m}/cards/{card}/points"
        self.examined = {"member": member["id"], "source_id": source}

    def _examine(self) -> None:
        """Examine the `_v2` member's order-paid earning: with the program's setup read (cold), then cached (warm); and the
        rewards the member could buy."""
        from loyalty.points.service import SETUPS

        trigger = {"type": "SPECIFIC", "specific": {"event": "customer.order.paid"}}
        context = {"order": {"amount": 10000}}
        SETUPS.clear()
        for name, who in (("examine earning rules (cold)", {"type": "member_id", "member_id": self.examined["member"]}),
                          ("examine earning rules (warm)", {"type": "customer_source_id", "customer_source_id": self.examined["source_id"]})):
            got = self.call(name, "POST", f"{V2}/examine/earning-rules",
                            {"trigger": trigger, "customer_identification": who, "customer_order_paid": context})
            if [c["points_estimation"] for m in got["memberships"] for c in m["cards"]] != [10]:
                raise ScenarioError(f"{name}: the member's order rule gives 10 points: {got}")
        got = self.call("examine rewards", "POST", f"{V2}/examine/rewards",
                        {"customer_identification": {"type": "member_id", "member_id": self.examined["member"]}})
        if [(r["status"], r["cost"]["points"]) for m in got["memberships"] for c in m["cards"] for r in c["rewards"]] != [("AVAILABLE", 100)]:
            raise ScenarioError(f"examine rewards: the member can buy the program's reward for 100 points: {got}")

    def _member_tiers(self, tag: str) -> None:
        """A member's tier re-evaluated from a card change (the stream consumer): once when it moves the member up a tier,
        once when the points move inside the tier; the points changes themselves are counted elsewhere, unchanged."""
        function = self.driver.events.card_changes
        if function is None:
            raise ScenarioError("the template has no stream consumer of card changes")
        cdef = self.call(None, "POST", f"{V2}/card-definitions", {"name": f"Tiered wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
        rule = self.call(None, "POST", f"{V2}/earning-rules", {
            "name": f"Paid {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
            "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": cdef}}]}]})["id"]
        ts = self.call(None, "POST", f"{V2}/tier-structures", {"name": f"Levels {tag}", "type": "POINT_BALANCE",
                                                               "point_balance": {"card_definition_id": cdef}})["id"]
        for name, span in (("Bronze", {"min_value": 0, "max_value": 99}), ("Silver", {"min_value": 100})):
            self.call(None, "POST", f"{V2}/tier-structures/{ts}/tiers", {"name": name, "qualification_rules": {"type": "POINTS", "points": span}})
        self.call(None, "POST", f"{V2}/tier-structures/{ts}/activate")
        program = self.call(None, "POST", f"{V2}/programs", {"name": f"Tiered {tag}", "status": "ACTIVE", "card_definitions": [{"id": cdef}],
                                                          "earning_rules": [{"id": rule}], "tier_structures": [{"id": ts}]})["id"]
        customer = self.call(None, "POST", "/v1/customers", {"source_id": f"rt-tier-{tag}", "name": "Tia"})["id"]
        member = self.call(None, "POST", f"{V2}/programs/{program}/members", {"customer_id": customer})
        card = member["cards"][0]["card"]["id"]
        points = f"{V2}/programs/{program}/members/{member['id']}/cards/{card}/points"
        self.call(None, "POST", points, {"points": 150})
        self.jobs()
        event = self.driver.events.card_change(self.driver.project, member["id"], card, {"balance": 0}, {"balance": 150})
        self._card_changes("stream: card change that moves a tier", function, event)
        self.jobs()  # the tier event's publish job
        self.call(None, "POST", points, {"points": 10})
        self.jobs()
        event = self.driver.events.card_change(self.driver.project, member["id"], card, {"balance": 150}, {"balance": 160})
        self._card_changes("stream: card change inside a tier", function, event)
        moves = self.call("list tier transactions", "GET", f"{V2}/programs/{program}/members/{member['id']}/tiers/transactions")
        if [t["type"] for t in moves["data"]] != ["JOINED"]:
            raise ScenarioError(f"the member should have joined Silver once: {moves}")
        self._tier_reports(program, moves["data"][0])

    def _tier_reports(self, program: str, ttx: dict[str, Any]) -> None:
        """A tier transaction counted into the tier report aggregates by the stream consumer (once; a replay counts
        nothing), then the two tier reports: one Query each after the program's existence read. The stream record is
        a fresh copy (new id) of the member's real transaction, which the local stream may have counted already."""
        function = self.driver.events.card_transactions
        if function is None:
            raise ScenarioError("the template has no stream consumer of card and tier transactions")
        copy = {**ttx, "id": f"lttx_{uuid.uuid4().hex[:18]}"}
        event = self.driver.events.tier_transaction_inserted(self.driver.project, copy)
        for name in ("stream: tier transaction aggregated", "stream: tier transaction replayed"):
            self._card_changes(name, function, event)
        day = str(ttx["created_at"])[:10]
        self.call("tiers daily report", "GET", f"{V2}/programs/{program}/reports/tiers/daily",
                  query={"start_date": day, "end_date": day, "resolution": "day"})
        got = self.call("tiers summary report", "GET", f"{V2}/programs/{program}/reports/tiers/summary")
        if not any(r["tier_id"] == ttx["tier_id"] and r["joins"] >= 1 for r in got["data"]):
            raise ScenarioError(f"tiers summary: the member's join is counted: {got}")


    def _reports(self, tag: str) -> None:
        """An approved card transaction counted into the report aggregates by the stream consumer (once; a replay counts
        nothing), then the reports that read them: one Query each after the owner's existence read."""
        function = self.driver.events.card_transactions
        if function is None:
            raise ScenarioError("the template has no stream consumer of card transactions")
        cdef = self.call(None, "POST", f"{V2}/card-definitions", {"name": f"Report wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
        rule = self.call(None, "POST", f"{V2}/earning-rules", {
            "name": f"Reported {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
            "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": cdef}}]}]})["id"]
        program = self.call(None, "POST", f"{V2}/programs", {"name": f"Reported {tag}", "status": "ACTIVE",
                                                          "card_definitions": [{"id": cdef}], "earning_rules": [{"id": rule}]})["id"]
        customer = self.call(None, "POST", "/v1/customers", {"source_id": f"rt-report-{tag}", "name": "Rea"})["id"]
        member = self.call(None, "POST", f"{V2}/programs/{program}/members", {"customer_id": customer})
        card = member["cards"][0]["card"]["id"]
        m = f"{V2}/programs/{program}/members/{member['id']}/cards/{card}"
        self.call(None, "POST", f"{m}/points", {"points": 40})
        self.jobs()
        ctx = self.call(None, "GET", f"{m}/transactions")["data"][0]
        earned = {**ctx, "id": f"lctx_{uuid.uuid4().hex[:18]}", "type": "POINTS_EARNED",
                  "details": {**ctx["details"], "metadata": {"earning_rule_id": "lern_0123456789abcdef01", "earning_item_id": "lernei_1"}}}
        event = self.driver.events.card_transaction_approved(self.driver.project, earned)
        for name in ("stream: approved card transaction aggregated", "stream: approved card transaction replayed"):
            self._card_changes(name, function, event)
        self.jobs({"publish_event": "worker: publish an event"})
        spend = {**ctx, "id": f"lctx_{uuid.uuid4().hex[:18]}", "type": "POINTS_SPENT_ON_REWARD", "status": "PENDING",
                 "details": {**ctx["details"], "points": {"total": -15}}}
        for name, old, new in (("stream: pending spend's lock aggregated", None, "PENDING"),
                               ("stream: pending spend's lock replayed", None, "PENDING"),
                               ("stream: rejected spend's unlock aggregated", "PENDING", "REJECTED"),
                               ("stream: rejected spend's unlock replayed", "PENDING", "REJECTED")):
            self._card_changes(name, function, self.driver.events.card_transaction_changed(self.driver.project, spend, old, new))
        day = str(ctx["created_at"])[:10]
        window = {"start_date": day, "end_date": day, "resolution": "day"}
        got = self.call("card daily report", "GET", f"{m}/reports/daily", query=window)
        if sum(d["points_earned"] for d in got["data"]) != 40:
            raise ScenarioError(f"card daily report: 40 points earned: {got}")
        if [sum(d[k] for d in got["data"]) for k in ("points_locked", "points_unlocked")] != [15, 15]:
            raise ScenarioError(f"card daily report: 15 points locked and unlocked once: {got}")
        self.call("points earnings daily report", "GET", f"{V2}/programs/{program}/reports/points-earnings/daily", query=window)
        self.call("spending daily report", "GET", f"{V2}/programs/{program}/reports/spending/daily", query=window)
        self.call("spending summary report", "GET", f"{V2}/programs/{program}/reports/spending/summary")
        got = self.call("points earnings summary report", "GET", f"{V2}/programs/{program}/reports/points-earnings/summary")
        if [(r["earning_rule_id"], r["points"], r["success_count"]) for r in got["data"]] != [("lern_0123456789abcdef01", 40, 1)]:
            raise ScenarioError(f"points earnings summary: one earning of 40 points: {got}")
        self._earning_rule_reports(program, member["id"], rule, window)

    def _earning_rule_reports(self, program: str, member_id: str, rule: str, window: dict[str, str]) -> None:
        """The earning-rule reports: one Query each after the owner's existence read (the member's: one BatchGetItem)."""
        self.call("member earning rule daily report", "GET",
                  f"{V2}/programs/{program}/members/{member_id}/earning-rules/{rule}/reports/daily", query=window)
        self.call("earning rules daily report", "GET", f"{V2}/programs/{program}/reports/earning-rules/daily", query=window)
        got = self.call("earning rules summary report", "GET", f"{V2}/programs/{program}/reports/earning-rules/summary")
        if [(r["earning_rule_id"], r["success_count"]) for r in got["data"]] != [("lern_0123456789abcdef01", 1)]:
            raise ScenarioError(f"earning rules summary: one application of the rule: {got}")

    def _card_changes(self, name: str, function: str, event: dict[str, Any]) -> None:
        result = self.counted(name, function, lambda: self.driver.invoke(function, event))
        if result.get("batchItemFailures"):
            raise ScenarioError(f"{name}: {result}")

    def _programs(self, tag: str) -> None:
        """A DRAFT program run through its life: components assigned in batches, activated, deactivated, deleted."""
        cdef = self.call(None, "POST", f"{V2}/card-definitions", {"name": f"Wallet B {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
        rule = self.call(None, "POST", f"{V2}/earning-rules", {
            "name": f"Order paid B {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
            "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef}}]}]})["id"]
        reward = self.call(None, "POST", f"{V2}/rewards", {
            "name": f"Mug {tag}", "type": "MATERIAL", "status": "ACTIVE",
            "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
            "costs": [{"spending": [{"points": 50, "card_definition_id": cdef}]}]})["id"]
        p = f"{V2}/programs/" + self.call(None, "POST", f"{V2}/programs", {"name": f"Draft {tag}"})["id"]
        self.call("list programs", "GET", f"{V2}/programs", query={"limit": "1"})
        self.call("update program", "PUT", p, {"name": f"Club {tag}", "metadata": {"tag": tag}})
        self.call("batch card definitions", "POST", f"{p}/card-definitions/batch", {"assign": [{"id": cdef}]})
        self.call("batch earning rules", "POST", f"{p}/earning-rules/batch", {"assign": [{"id": rule}]})
        self.call("batch rewards", "POST", f"{p}/rewards/batch",
                  {"assign": [{"id": reward, "stock": {"type": "LIMITED", "limited": {"quantity": 5}}}]})
        self.call("batch tier structures", "POST", f"{p}/tier-structures/batch", {"assign": [{"id": self._tier_structure(cdef)}]})
        self.call("list program card definitions", "GET", f"{p}/card-definitions")
        self.call("list program earning rules", "GET", f"{p}/earning-rules")
        self.call("list program tier structures", "GET", f"{p}/tier-structures")
        self.call("list program rewards", "GET", f"{p}/rewards")
        self.call("update reward stock", "PUT", f"{p}/rewards/{reward}", {"stock": {"type": "UNLIMITED"}})
        self.call("activate program", "POST", f"{p}/activate")
        self.call("list program activities", "GET", f"{p}/activities", query={"limit": "2"})
        self.call("deactivate program", "POST", f"{p}/deactivate")
        self.call("delete program", "DELETE", p)

    def _tier_structure(self, cdef: str) -> str:
        """An ACTIVE tier structure tracking a card definition (uncounted)."""
        return str(self.call(None, "POST", f"{V2}/tier-structures", {"name": "Levels", "type": "POINT_BALANCE", "status": "ACTIVE",
                                                                     "point_balance": {"card_definition_id": cdef}})["id"])

    def _tiers(self, tag: str) -> None:
        cdef = self.call(None, "POST", f"{V2}/card-definitions", {"name": f"Tier wallet {tag}", "type": "INDIVIDUAL",
                                                                   "status": "ACTIVE"})["id"]
        ts = self.call("create tier structure", "POST", f"{V2}/tier-structures", {
            "name": f"Levels {tag}", "type": "POINT_BALANCE", "point_balance": {"card_definition_id": cdef}})["id"]
        self.call(None, "POST", f"{V2}/tier-structures", {"name": f"Other {tag}", "type": "POINT_BALANCE",
                                                         "point_balance": {"card_definition_id": cdef}})
        page = self.call("list tier structures p1", "GET", f"{V2}/tier-structures", query={"limit": "1"})
        self.call("list tier structures p2", "GET", f"{V2}/tier-structures", query={"limit": "1", "cursor": page["cursor"]["next"]})
        self.call("get tier structure", "GET", f"{V2}/tier-structures/{ts}")
        s = f"{V2}/tier-structures/{ts}"
        bronze = self.call("create tier", "POST", f"{s}/tiers", {"name": "Bronze", "qualification_rules": {
            "type": "POINTS", "points": {"min_value": 0, "max_value": 99}}})["id"]
        self.call(None, "POST", f"{s}/tiers", {"name": "Silver", "qualification_rules": {"type": "POINTS", "points": {"min_value": 100}}})
        page = self.call("list tiers p1", "GET", f"{s}/tiers", query={"limit": "1"})
        self.call("list tiers p2", "GET", f"{s}/tiers", query={"limit": "1", "cursor": page["cursor"]["next"]})
        self.call("update tier", "PUT", f"{s}/tiers/{bronze}", {"name": "Bronze+", "metadata": {"tag": tag}})
        self.call("delete tier", "DELETE", f"{s}/tiers/{bronze}")
        self.call("update tier structure", "PUT", s, {"name": f"Levels {tag}!", "downgrade": {"type": "MULTI_LEVEL"}})
        self.call("activate tier structure", "POST", f"{s}/activate")
        self.call("deactivate tier structure", "POST", f"{s}/deactivate")
        self.call(None, "POST", f"{s}/activate")
        self.call("draft tier structure", "POST", f"{s}/draft")
        page = self.call("list tier structure activities p1", "GET", f"{s}/activities", query={"limit": "1"})
        self.call("list tier structure activities p2", "GET", f"{s}/activities", query={"limit": "1", "cursor": page["cursor"]["next"]})
        self.call("delete tier structure", "DELETE", s)

        benefit = self.call("create benefit", "POST", f"{V2}/benefits", {
            "name": f"Welcome points {tag}", "type": "POINTS", "points": {"value": 50, "card_definition_id": cdef}})["id"]
        self.call(None, "POST", f"{V2}/benefits", {"name": f"Coffee {tag}", "type": "MATERIAL",
                                                  "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}}})
        page = self.call("list benefits p1", "GET", f"{V2}/benefits", query={"limit": "1"})
        self.call("list benefits p2", "GET", f"{V2}/benefits", query={"limit": "1", "cursor": page["cursor"]["next"]})
        b = f"{V2}/benefits/{benefit}"
        self.call("get benefit", "GET", b)
        self.call("update benefit", "PUT", b, {"name": f"Welcome bonus {tag}", "stock": {"type": "LIMITED", "limited": {"quantity": 9}}})
        self.call("activate benefit", "POST", f"{b}/activate")
        self.call("draft benefit", "POST", f"{b}/draft")
        page = self.call("list benefit activities p1", "GET", f"{b}/activities", query={"limit": "1"})
        self.call("list benefit activities p2", "GET", f"{b}/activities", query={"limit": "1", "cursor": page["cursor"]["next"]})
        self.call("delete benefit", "DELETE", b)
    def _components(self, tag: str) -> None:
        """Lists, updates, transitions, activities and deletes of card definitions, earning rules and rewards; the
        components of the program made in `_v2` are the ones in use."""
        used = self.in_use
        cdefs = f"{V2}/card-definitions"
        cdef = self.call(None, "POST", cdefs, {"name": f"Spare wallet {tag}", "type": "INDIVIDUAL"})["id"]
        page = self.call("list card definitions p1", "GET", cdefs, query={"limit": "1"})
        self.call("list card definitions p2", "GET", cdefs, query={"limit": "1", "cursor": page["cursor"]["next"]})
        self.call("update card definition", "PUT", f"{cdefs}/{cdef}", {"name": f"Spare wallet {tag} (renamed)", "metadata": {"k": 1}})
        self.call("update card definition (in use)", "PUT", f"{cdefs}/{used['cdef']}", {"code_config": {"length": 12}}, expect=423)
        self.call("activate card definition", "POST", f"{cdefs}/{cdef}/activate")
        self.call("draft card definition", "POST", f"{cdefs}/{cdef}/draft")
        self.call("draft card definition (in use)", "POST", f"{cdefs}/{used['cdef']}/draft", expect=423)
        self.call("list card definition activities", "GET", f"{cdefs}/{cdef}/activities")
        self.call("delete card definition", "DELETE", f"{cdefs}/{cdef}")

        rules = f"{V2}/earning-rules"
        earning = {"effects": [{"type": "POINTS", "points": {"value": 5, "card_definition_id": used["cdef"]}}]}
        rule = self.call(None, "POST", rules, {"name": f"Spare rule {tag}", "trigger": {"event": "customer.order.paid"},
                                               "earnings": [earning]})["id"]
        self.call("list earning rules p1", "GET", rules, query={"limit": "1"})
        self.call("update earning rule", "PUT", f"{rules}/{rule}", {"name": f"Spare rule {tag} (renamed)"})
        self.call("update earning rule (earnings)", "PUT", f"{rules}/{rule}", {"earnings": [earning, earning]})
        self.call("activate earning rule", "POST", f"{rules}/{rule}/activate")
        self.call("deactivate earning rule", "POST", f"{rules}/{rule}/deactivate")
        self.call(None, "POST", f"{rules}/{rule}/activate")
        self.call("draft earning rule", "POST", f"{rules}/{rule}/draft")
        self.call("list earning rule activities", "GET", f"{rules}/{rule}/activities")
        self.call("delete earning rule", "DELETE", f"{rules}/{rule}")

        rewards = f"{V2}/rewards"
        cost = {"spending": [{"points": 50, "card_definition_id": used["cdef"]}]}
        reward = self.call(None, "POST", rewards, {"name": f"Spare reward {tag}", "type": "MATERIAL", "costs": [cost],
                                                   "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}}})["id"]
        self.call("list rewards p1", "GET", rewards, query={"limit": "1"})
        self.call("update reward", "PUT", f"{rewards}/{reward}", {"name": f"Spare reward {tag} (renamed)"})
        self.call("update reward (costs)", "PUT", f"{rewards}/{reward}", {"costs": [cost, cost]})
        self.call("activate reward", "POST", f"{rewards}/{reward}/activate")
        self.call("deactivate reward", "POST", f"{rewards}/{reward}/deactivate")
        self.call(None, "POST", f"{rewards}/{reward}/activate")
        self.call("draft reward", "POST", f"{rewards}/{reward}/draft")
        self.call("list reward activities", "GET", f"{rewards}/{reward}/activities")
        self.call("delete reward", "DELETE", f"{rewards}/{reward}")
        self.call("delete reward (in use)", "DELETE", f"{rewards}/{used['reward']}", expect=400)

    def _worker_edges(self) -> None:
        # Two debits of 500 accepted against a balance of 800: the worker approves one and rejects the other.
        for _ in range(2):
            self.call(None, "POST", self.points_path, {"points": -500})
        bodies = self.driver.take_jobs()
        self.driver.invoke(self.driver.events.worker, self.driver.events.sqs(bodies[:1]))
        self.counted("worker: reject debit", self.driver.events.worker,
                     lambda: self.driver.invoke(self.driver.events.worker, self.driver.events.sqs(bodies[1:])))
        sweeper = self.driver.events.sweeper
        self.counted("sweeper: nothing due", sweeper, lambda: self.driver.invoke(sweeper, self.driver.events.scheduled()))
        # A credit whose send was lost: the sweeper (told that every pending job is due) sends it again.
        self.call(None, "POST", self.points_path, {"points": 5})
        self.driver.take_jobs()
        from loyalty.jobs.sweeper import sweep_pending_jobs

        found = self.counted("sweeper: 1 job due", sweeper, lambda: sweep_pending_jobs(older_than_seconds=0))
        if (found["found"], found["sent"]) != (1, 1):
            raise ScenarioError(f"the sweeper should find exactly the one lost job: {found}")
        self.jobs()
        daily = self.driver.events.daily
        if daily:
            event = self.driver.events.scheduled(self.driver.events.daily_rule)
            self.counted("daily job: first run of a day", daily, lambda: self.driver.invoke(daily, event))
            self.counted("daily job: the day done", daily, lambda: self.driver.invoke(daily, event))

    def _members(self, tag: str) -> None:
        base = f"{V2}/programs/{self.program}/members"
        customer = self.call(None, "POST", "/v1/customers", {"source_id": f"rt-m-{tag}", "name": "Dana"})["id"]
        member = self.call(None, "POST", base, {"customer_id": customer})
        self.jobs()
        page = self.call("list members p1", "GET", base, query={"limit": "1"})
        self.call("list members p2", "GET", base, query={"limit": "1", "cursor": page["cursor"]["next"]})
        m = f"{base}/{member['id']}"
        self.call("update member", "PUT", m, {"metadata": {"tier": "gold"}})
        self.call("deactivate member", "POST", f"{m}/deactivate")
        self.call("activate member", "POST", f"{m}/activate")
        page = self.call("member activities p1", "GET", f"{m}/activities", query={"limit": "1"})
        self.call("member activities p2", "GET", f"{m}/activities", query={"limit": "1", "cursor": page["cursor"]["next"]})
        self.call("card activities", "GET", f"{m}/cards/{member['cards'][0]['card']['id']}/activities")
        self.call("customer memberships", "GET", f"{V2}/memberships/{customer}")
        self.call("program membership", "GET", f"{V2}/programs/{self.program}/memberships/{customer}")
        self.call("delete member", "DELETE", m)
        newcomer = self.call(None, "POST", "/v1/customers", {"source_id": f"rt-b-{tag}", "name": "Eve"})["id"]
        batch = [{"customer_id": newcomer}, {"customer_id": customer, "metadata": {"again": True}}]
        action = self.call("batch create members", "POST", f"{base}/batch", batch, expect=202)["async_action_id"]
        self.jobs({"create_members_batch": "worker: create members batch"})
        done = self.call("get async action", "GET", f"/v1/async-actions/{action}")
        if (done["status"], done["result"]["done_count"]) != ("DONE", 2):
            raise ScenarioError(f"the batch should have enrolled both entries: {done}")

    def _exports(self, campaign: str, code: str) -> None:
        """Each export endpoint, its worker job and GET export (the CSV written to the exports bucket)."""
        fields = {"parameters": {"fields": ["id", "amount"]}}
        exported = self.call("v1 export campaign transactions", "POST", f"/v1/loyalties/{campaign}/transactions/export", fields)
        self.jobs({"run_export": "worker: v1 campaign transactions export"})
        self.call("v1 export card transactions", "POST", f"/v1/loyalties/{campaign}/members/{code}/transactions/export", fields)
        self.jobs({"run_export": "worker: v1 card transactions export"})
        self.call("v1 export card transactions by code", "POST", f"/v1/loyalties/members/{code}/transactions/export", fields)
        self.jobs()
        self.call("v1 export points expiration", "POST", f"/v1/loyalties/{campaign}/points-expiration/export", {})
        self.jobs({"run_export": "worker: v1 points expiration export"})
        self.call(None, "GET", f"/v1/exports/{exported['id']}")  # the API-key cache warm again after the worker's runs
        done = self.call("get export", "GET", f"/v1/exports/{exported['id']}")
        if done["status"] != "DONE" or not done["result"]["url"]:
            raise ScenarioError(f"the export should be DONE with a URL: {done}")

    def _webhooks(self, tag: str) -> None:
        """The webhook routes (ours), and one delivery run by the webhook queue's function: an event fanned out to a webhook
        (as the event publisher does, written directly here) that is then deactivated, so that the delivery ends FAILED
        without a POST leaving the machine; its table calls are those of a delivery that POSTs."""
        from loyalty.core.clock import now_iso
        from loyalty.core.settings import get_settings
        from loyalty.db.table import Table
        from loyalty.webhooks.service import fan_out

        created = self.call("create webhook", "POST", "/v1/webhooks", {"url": f"https://example.com/{tag}", "events": ["*"]})
        path = f"/v1/webhooks/{created['id']}"
        self.call("list webhooks", "GET", "/v1/webhooks")
        self.call("get webhook", "GET", path)
        settings = get_settings()
        db = Table(self.driver.project, settings.table_name, cursor_secret=settings.cursor_secret)
        tx = db.transaction()
        jobs = fan_out(db, tx, {"id": f"evt_{tag}", "object": "event", "type": "customer.rewarded.loyalty_points",
                                "created_at": now_iso(), "project_id": self.driver.project, "data": {}})
        tx.commit()
        self.call("update webhook", "PUT", path, {"active": False})
        function = next((t.function for t in self.driver.events.template.queue_triggers if "Webhook" in t.function), None)
        if function is None or len(jobs) != 1:
            raise ScenarioError(f"the template has no webhook queue consumer, or the event fanned out to {len(jobs)} webhooks")
        result = self.counted("webhook delivery", function, lambda: self.driver.invoke(function, self.driver.events.sqs([jobs[0].to_json()])))
        if result.get("batchItemFailures"):
            raise ScenarioError(f"webhook delivery: {result}")
        self.call(None, "GET", path)  # the API-key cache warm again after the delivery function's run
        page = self.call("list webhook deliveries", "GET", f"{path}/deliveries")
        if [d["status"] for d in page["deliveries"]] != ["FAILED"]:
            raise ScenarioError(f"the delivery to an inactive webhook should have FAILED: {page}")
        self.call("delete webhook", "DELETE", path, expect=204)

    def _customers_async(self, tag: str) -> None:
        entries = [{"source_id": f"rt-bulk-{tag}-1", "name": "Ann"}, {"source_id": f"rt-bulk-{tag}-2", "name": "Ben"}]
        action = self.call("bulk update customers", "POST", "/v1/customers/bulk/async", entries, expect=202)["async_action_id"]
        self.jobs({"update_customers_batch": "worker: update customers batch"})
        if self.call(None, "GET", f"/v1/async-actions/{action}")["status"] != "DONE":
            raise ScenarioError("the bulk update should be done")
        self.call("update customers metadata", "POST", "/v1/customers/metadata/async",
                  {"source_ids": [e["source_id"] for e in entries], "metadata": {"bulk": True}}, expect=202)
        self.jobs()
        self.call("import customers CSV", "POST", "/v1/customers/importCSV", expect=202, form=f"source_id,name\nrt-csv-{tag},Cy\n")
        self.jobs()

    def _v1(self, tag: str) -> None:
        campaign = self.call("create v1 campaign", "POST", "/v1/loyalties", {
            "name": f"Loyalty {tag}", "type": "AUTO_UPDATE",
            "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 100}, "code_config": {"pattern": "RT-########"}}})["id"]
        self.call("get v1 campaign", "GET", f"/v1/loyalties/{campaign}")
        customer = self.call(None, "POST", "/v1/customers", {"source_id": f"rt2-{tag}", "name": "Bob"})["id"]
        members = f"/v1/loyalties/{campaign}/members"
        code = self.call("v1 add member (customer id)", "POST", members, {"customer": customer})["code"]
        self.call("v1 add member (new source id)", "POST", members, {"customer": {"source_id": f"rt3-{tag}", "name": "Carol"}})
        self.call("v1 add member (repeat)", "POST", members, {"customer": customer})
        self.v1_code = code
        self.card_assets = self.call("v1 get member", "GET", f"{members}/{code}")["assets"]
        self.call("v1 list members p1", "GET", members, query={"limit": "1"})
        self.call("v1 list members filtered", "GET", members, query={"customer": customer})
        self.call("v1 get member by code", "GET", f"/v1/loyalties/members/{code}")
        self.call(None, "POST", f"{members}/{code}/balance", {"points": 500})
        # 100 points that expire, twice: each debit below takes them first and empties (deletes) their bucket
        expiring = {"points": 100, "expiration_date": "2099-12-31"}
        self.call(None, "POST", f"{members}/{code}/balance", expiring)
        self.call("v1 balance", "POST", f"{members}/{code}/balance", {"points": -100})
        self.call(None, "POST", f"/v1/loyalties/members/{code}/balance", expiring)
        self.call("v1 balance by code", "POST", f"/v1/loyalties/members/{code}/balance", {"points": -100})
        carol = self.call(None, "POST", members, {"customer": {"source_id": f"rt3-{tag}"}})["code"]
        self.call(None, "POST", f"{members}/{carol}/balance", {"points": 50, "expiration_date": "2099-12-31"})
        self.call("v1 transfer points", "POST", f"{members}/{code}/transfers", [{"code": carol, "points": 60, "source_id": "rt-tr"}])
        self.call("v1 card transactions", "GET", f"{members}/{code}/transactions", query={"limit": "2"})
        self.call("v1 card transactions by code", "GET", f"/v1/loyalties/members/{code}/transactions")
        self.call("v1 member activity", "GET", f"{members}/{code}/activity", query={"limit": "2"})
        self.call("v1 member activity by code", "GET", f"/v1/loyalties/members/{code}/activity")
        self.call("customer activity", "GET", f"/v1/customers/{customer}/activity", query={"limit": "2"})
        self.call("customer activities (deprecated)", "GET", f"/v1/customers/{customer}/activities")
        self.call("customer redeemables", "GET", f"/v1/customers/{customer}/redeemables")
        self.call("v1 campaign pending points", "GET", f"/v1/loyalties/{campaign}/pending-points")
        self.call("v1 campaign transactions", "GET", f"/v1/loyalties/{campaign}/transactions", query={"limit": "5"})
        self._exports(campaign, code)
        rules = f"/v1/loyalties/{campaign}/earning-rules"
        rule = self.call("create v1 earning rules", "POST", rules, [
            {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT",
                                                "order": {"amount": {"every": 100, "points": 1}}}, "source": {"banner": "Per dollar"}},
            {"event": "order.paid", "loyalty": {"type": "FIXED", "points": 10}}])[0]["id"]
        self.call("list v1 earning rules", "GET", rules)
        got = self.call("v1 estimate points", "POST", f"/v1/loyalties/{campaign}/qualifications",
                        {"customer": {"id": customer}, "order": {"amount": 10000}})
        if got["points_estimation"] != 110:
            raise ScenarioError(f"v1 estimate points: the campaign's rules give 100 + 10 points: {got}")
        self.call("get v1 earning rule", "GET", f"{rules}/{rule}")
        self.call("update v1 earning rule", "PUT", f"{rules}/{rule}", {"metadata": {"updated": True}})
        self.call("disable v1 earning rule", "POST", f"{rules}/{rule}/disable")
        self.call("enable v1 earning rule", "POST", f"{rules}/{rule}/enable")
        self.call("delete v1 earning rule", "DELETE", f"{rules}/{rule}", expect=204)
        spare = self.call(None, "POST", "/v1/loyalties", {"name": f"Loyalty {tag} 2",
                                                          "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}})["id"]
        self.call("list v1 campaigns p1", "GET", "/v1/loyalties", query={"limit": "1"})
        self.call("list v1 campaigns p2", "GET", "/v1/loyalties", query={"limit": "1", "page": "2"})
        self.call("update v1 campaign", "PUT", f"/v1/loyalties/{campaign}", {"metadata": {"updated": True}})
        self.call(None, "POST", f"/v1/loyalties/{spare}/members", {"customer": customer})
        self.call("delete v1 campaign", "DELETE", f"/v1/loyalties/{spare}")
        self.jobs({"delete_campaign": "worker: delete a v1 campaign's cards (1 member)"})
        self._v1_rewards(campaign, code)
        self._v1_tiers(campaign, code)

    def _v1_tiers(self, campaign: str, code: str) -> None:
        tiers = f"/v1/loyalties/{campaign}/tiers"
        made = self.call("create v1 tiers", "POST", tiers, [{"name": "Silver", "points": {"from": 0, "to": 999}},
                                                           {"name": "Gold", "points": {"from": 1000}}])
        self.call("list v1 tiers", "GET", tiers, query={"limit": "10"})
        self.call("get v1 tier", "GET", f"{tiers}/{made[0]['id']}")
        self.call("v1 member tiers", "GET", f"/v1/loyalties/members/{code}/tiers")
        self.call("v1 tier earning rules", "GET", f"{tiers}/{made[0]['id']}/earning-rules")
        self.call("v1 tier rewards", "GET", f"{tiers}/{made[0]['id']}/rewards")

    def _v1_rewards(self, campaign: str, code: str) -> None:
        material = {"type": "MATERIAL", "parameters": {"product": {"id": "prod_0a0a0a0a0a0a0a0a0a"}}, "stock": 3}
        reward = self.call("create v1 reward", "POST", "/v1/rewards", {"name": "Mug", **material})["id"]
        other = self.call("create v1 points reward", "POST", "/v1/rewards", {
            "name": "Bonus", "parameters": {"campaign": {"id": campaign, "balance": 10}}})["id"]
        spare = self.call(None, "POST", "/v1/rewards", {"name": "Cap", **material})["id"]
        self.call("list v1 rewards", "GET", "/v1/rewards", query={"limit": "1"})
        self.call("get v1 reward", "GET", f"/v1/rewards/{reward}")
        self.call("update v1 reward", "PUT", f"/v1/rewards/{reward}", {"stock": 4})
        assignments = f"/v1/rewards/{reward}/assignments"
        first = self.call("create v1 reward assignment", "POST", assignments,
                          {"campaign": campaign, "parameters": {"loyalty": {"points": 50}}})["id"]
        self.call("list v1 rewards by assignment", "GET", "/v1/rewards", query={"assignment_id": first})
        self.call("list v1 reward assignments", "GET", assignments)
        self.call("get v1 reward assignment", "GET", f"{assignments}/{first}")
        self.call("update v1 reward assignment", "PUT", f"{assignments}/{first}", {"parameters": {"loyalty": {"points": 60}}})
        c_rewards = f"/v1/loyalties/{campaign}/rewards"
        second = self.call("create v1 campaign reward assignments", "POST", c_rewards,
                           [{"reward": other, "parameters": {"loyalty": {"points": 5}}}])[0]["id"]
        self.call("list v1 campaign rewards", "GET", c_rewards)
        self.call("list v1 campaign reward assignments", "GET", f"/v1/loyalties/{campaign}/reward-assignments")
        self.call("get v1 campaign reward", "GET", f"{c_rewards}/{second}")
        self.call("get v1 campaign reward assignment", "GET", f"/v1/loyalties/{campaign}/reward-assignments/{second}")
        self.call("get v1 campaign assignment reward", "GET", f"/v1/loyalties/{campaign}/reward-assignments/{second}/reward")
        self.call("update v1 campaign reward", "PUT", f"{c_rewards}/{second}", {"parameters": {"loyalty": {"points": 6}}})
        self.call("v1 member rewards", "GET", f"/v1/loyalties/members/{code}/rewards")
        # 60 points that expire before each redemption: it takes them first and empties (deletes) their bucket, as a debit does
        expiring = {"points": 60, "expiration_date": "2099-12-31"}
        self.call(None, "POST", f"/v1/loyalties/members/{code}/balance", expiring)
        self.call("v1 redeem reward", "POST", f"/v1/loyalties/{campaign}/members/{code}/redemption", {"reward": {"id": reward}})
        self.call(None, "POST", f"/v1/loyalties/members/{code}/balance", expiring)
        self.call("v1 redeem reward by code", "POST", f"/v1/loyalties/members/{code}/redemption", {"reward": {"id": reward}})
        self.call("delete v1 campaign reward", "DELETE", f"{c_rewards}/{second}", expect=204)
        self.call("delete v1 reward assignment", "DELETE", f"{assignments}/{first}", expect=204)
        self.call("delete v1 reward", "DELETE", f"/v1/rewards/{spare}", expect=204)


    def _orders(self, tag: str) -> None:
        paid = {"source_id": f"rt-o-{tag}", "status": "PAID", "amount": 3500, "customer": {"source_id": f"rt-oc-{tag}", "name": "Olga"},
                "items": [{"product_id": "prod_0a1b", "quantity": 1, "price": 3500}]}
        order = self.call("create order (new, PAID, new customer)", "POST", "/v1/orders", paid)
        self.call("create order (resent)", "POST", "/v1/orders", paid)
        self.call("create order (upsert, changed)", "POST", "/v1/orders", {**paid, "metadata": {"gift": True}})
        self.call("get order by id", "GET", f"/v1/orders/{order['id']}")
        self.call("get order by source id", "GET", f"/v1/orders/{paid['source_id']}")
        self.call(None, "POST", "/v1/orders", {"source_id": f"rt-o2-{tag}"})
        self.call("update order (cancel)", "PUT", f"/v1/orders/{order['id']}", {"status": "CANCELED"})
        self.call("list orders p1", "GET", "/v1/orders", query={"limit": "1"})
        self.call("list orders p2", "GET", "/v1/orders", query={"limit": "1", "page": "2"})
        # The earning jobs (EvaluateEarning, RevokeOrderEarning) belong to the worker's earning step: not counted here.
        self.driver.take_jobs()


    def _earning(self, tag: str) -> None:
        """A member's PAID orders earn in the worker: the first with the program's setup read (a cold worker), the second
        from the warm worker's cache; a canceled order's revoke job."""
        from loyalty.points import service as points

        customer = self.call(None, "POST", "/v1/customers", {"source_id": f"rt-earn-{tag}", "name": "Erin"})["id"]
        self.call(None, "POST", f"{V2}/programs/{self.program}/members", {"customer_id": customer})
        self.jobs()
        for n, name in enumerate(("worker: earn from a paid order (cold)", "worker: earn from a paid order (warm)")):
            if n == 0:
                points.SETUPS.clear()
            self.call(None, "POST", "/v1/orders", {"source_id": f"rt-earn-{tag}-{n}", "status": "PAID", "amount": 1000,
                                                   "customer": {"id": customer}})
            self.jobs({"evaluate_earning": name})
        order = self.call(None, "GET", f"/v1/orders/rt-earn-{tag}-0")
        self.call(None, "PUT", f"/v1/orders/{order['id']}", {"status": "CANCELED"})
        self.jobs({"revoke_order_earning": "worker: revoke a canceled order"})

    def _benefit_grants(self, tag: str) -> None:
        """An order rule granting a points benefit and a product with LIMITED stock: the worker grants both (a cold
        worker: the new program's setup is read), and the member's benefit transactions list, page by page."""
        cdef = self.call(None, "POST", f"{V2}/card-definitions", {"name": f"Perks {tag}", "type": "INDIVIDUAL", "status": "ACTIVE"})["id"]
        granted = [self.call(None, "POST", f"{V2}/benefits", {"name": f"Perk points {tag}", "type": "POINTS", "status": "ACTIVE",
                                                             "points": {"value": 25, "card_definition_id": cdef}})["id"],
                   self.call(None, "POST", f"{V2}/benefits", {"name": f"Perk bag {tag}", "type": "MATERIAL", "status": "ACTIVE",
                                                             "material": {"type": "PRODUCT", "product": {"id": "prod_0ba649b6893cf33a80"}},
                                                             "stock": {"type": "LIMITED", "limited": {"quantity": 5}}})["id"]]
        rule = self.call(None, "POST", f"{V2}/earning-rules", {
            "name": f"Perks {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
            "earnings": [{"effects": [{"type": "BENEFIT", "benefit": {"id": b}} for b in granted]}]})["id"]
        program = self.call(None, "POST", f"{V2}/programs", {"name": f"Perks {tag}", "status": "ACTIVE",
                                                             "card_definitions": [{"id": cdef}], "earning_rules": [{"id": rule}]})["id"]
        customer = self.call(None, "POST", "/v1/customers", {"source_id": f"rt-perks-{tag}", "name": "Pia"})["id"]
        member = self.call(None, "POST", f"{V2}/programs/{program}/members", {"customer_id": customer})["id"]
        self.jobs()
        self.call(None, "POST", "/v1/orders", {"source_id": f"rt-perks-{tag}", "status": "PAID", "amount": 1000, "customer": {"id": customer}})
        self.jobs({"evaluate_earning": "worker: earn benefits from a paid order"})
        m = f"{V2}/programs/{program}/members/{member}/benefits/transactions"
        page = self.call("list benefit transactions p1", "GET", m, query={"limit": "1"})
        self.call("list benefit transactions p2", "GET", m, query={"limit": "1", "cursor": page["cursor"]["next"]})

    def _payments(self, tag: str) -> None:
        """Pay with points: a payment accepted and approved by the worker, the member's payments listed, and the cancel of
        the PAID order that returns the points (revoke job)."""
        returns = {"spent_points": {"type": "REFUNDABLE", "methods": [{"type": "RETURN_POINTS", "mode": "REFUND_ALL"}]},
                   "earned_points": {"type": "NONE"}}
        cdef = self.call(None, "POST", f"{V2}/card-definitions", {
            "name": f"Pay wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE", "refunds": returns,
            "pay_with_points": {"type": "EXCHANGE_RATIO", "exchange_ratio": {"formula": 1}}})["id"]
        rule = self.call(None, "POST", f"{V2}/earning-rules", {
            "name": f"Pay earn {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
            "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 1, "card_definition_id": cdef}}]}]})["id"]
        program = self.call(None, "POST", f"{V2}/programs", {"name": f"Payments {tag}", "status": "ACTIVE",
                                                             "card_definitions": [{"id": cdef}], "earning_rules": [{"id": rule}]})["id"]
        customer = self.call(None, "POST", "/v1/customers", {"source_id": f"rt-pay-{tag}", "name": "Paula"})["id"]
        member = self.call(None, "POST", f"{V2}/programs/{program}/members", {"customer_id": customer})
        m = f"{V2}/programs/{program}/members/{member['id']}"
        card = member["cards"][0]["card"]["id"]
        self.call(None, "POST", f"{m}/cards/{card}/points", {"points": 1000, "reason": "bench"})
        order = self.call(None, "POST", "/v1/orders", {"source_id": f"rt-pay-{tag}", "status": "PAID", "amount": 1000,
                                                       "customer": {"id": customer}})
        self.jobs()
        body = {"card_id": card, "order": {"id": order["id"]}, "payment_limit": {"type": "POINTS_LIMIT", "points_limit": {"max": 100}}}
        self.call("pay order with points", "POST", f"{m}/orders/payments", body, expect=202)
        self.jobs({"complete_order_payment": "worker: complete order payment"})
        self.call(None, "POST", f"{m}/orders/payments", body, expect=202)
        self.jobs()
        page = self.call("list order payments p1", "GET", f"{m}/orders/payments", query={"limit": "1"})
        self.call("list order payments p2", "GET", f"{m}/orders/payments", query={"limit": "1", "cursor": page["cursor"]["next"]})
        self.call(None, "PUT", f"/v1/orders/{order['id']}", {"status": "CANCELED"})
        self.jobs({"revoke_order_earning": "worker: revoke a canceled order paid with points"})

    def _events(self, tag: str) -> None:
        """Custom events: a schema made by the operator (the service, as `python -m local create-event-schema` does), an
        earning rule that names it, events tracked for a customer by id (with a card code) and by source id (new, then
        known and changed), the schemas read back; the events' earning jobs are taken off the queue unrun."""
        from loyalty.core.settings import get_settings
        from loyalty.db import clients
        from loyalty.db.table import Table
        from loyalty.schemas.service import create_event_schema

        settings = get_settings()
        project = self.driver.headers["X-App-Id"].split(".", 1)[0]
        db = Table(project, settings.table_name, cursor_secret=settings.cursor_secret, client=clients.dynamodb())
        name = f"review_{tag}"
        schema = create_event_schema(db, name, {"rating": "number"})
        self.call("create earning rule (custom event)", "POST", f"{V2}/earning-rules", {
            "name": f"Review {tag}", "trigger": {"event": "customer.custom_event", "custom_event": {"schema_id": schema["id"]}},
            "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 50, "card_definition_id": self.in_use["cdef"]}}]}]})
        customer = self.call(None, "POST", "/v1/customers", {"source_id": f"rt-e-{tag}", "name": "Fay"})["id"]
        self.call("track event (customer id, card code)", "POST", "/v1/events",
                  {"event": name, "customer": {"id": customer}, "loyalty": {"code": self.v1_code}, "metadata": {"rating": 5}})
        self.call("track event (new source id)", "POST", "/v1/events", {"event": name, "customer": {"source_id": f"rt-n-{tag}"}})
        self.call("track event (known source id, changed)", "POST", "/v1/events",
                  {"event": "not_a_schema", "customer": {"source_id": f"rt-n-{tag}", "name": "Gus"}})
        self.call("list metadata schemas", "GET", "/v1/metadata-schemas")
        self.call("get metadata schema", "GET", f"/v1/metadata-schemas/{name}")
        self.driver.take_jobs()  # the earning jobs: the worker side is not counted here

    def _buckets(self, tag: str) -> None:
        """A wallet whose points wait 7 days, then roll over 6 months: three orders earned in-process (no route earns yet),
        their buckets listed, activated, canceled and expired by hand; then a v1 card's pending entries and buckets."""
        from bench.buckets import card_ref, seed_expiring, seed_pending
        from loyalty.core.clock import now_iso
        from loyalty.core.settings import get_settings
        from loyalty.db.table import Table
        from loyalty.earning.records import Order
        from loyalty.points import service as points

        settings = get_settings()
        db = Table(self.driver.project, settings.table_name, cursor_secret=settings.cursor_secret)
        cdef = self.call(None, "POST", f"{V2}/card-definitions", {
            "name": f"Pending wallet {tag}", "type": "INDIVIDUAL", "status": "ACTIVE",
            "pending_points": {"type": "PERIOD_BASED", "period_based": {"period": {"unit": "DAY", "value": 7}}},
            "points_expiration": {"type": "ROLLING_EXPIRATION", "rolling_expiration": {"period": {"unit": "MONTH", "value": 6}}}})["id"]
        rule = self.call(None, "POST", f"{V2}/earning-rules", {
            "name": f"Pending order {tag}", "status": "ACTIVE", "trigger": {"event": "customer.order.paid"},
            "earnings": [{"effects": [{"type": "POINTS", "points": {"value": 10, "card_definition_id": cdef}}]}]})["id"]
        program = self.call(None, "POST", f"{V2}/programs", {"name": f"Pending {tag}", "status": "ACTIVE",
                                                           "card_definitions": [{"id": cdef}], "earning_rules": [{"id": rule}]})["id"]
        customer = self.call(None, "POST", "/v1/customers", {"source_id": f"rt-p-{tag}", "name": "Pat"})["id"]
        member = self.call(None, "POST", f"{V2}/programs/{program}/members", {"customer_id": customer})
        self.jobs()
        card_id = member["cards"][0]["card"]["id"]
        for n in range(3):
            if points.earn(db, customer, f"ord_{tag}{n:02x}", order=Order(id=f"ord_{tag}{n:02x}", amount=1000)) != 1:
                raise ScenarioError("an order should have earned pending points")
        m = f"{V2}/programs/{program}/members/{member['id']}"
        c = f"{m}/cards/{card_id}"
        page = self.call("list pending points p1", "GET", f"{c}/pending-points", query={"limit": "1"})
        self.call("list pending points p2", "GET", f"{c}/pending-points", query={"limit": "1", "cursor": page["cursor"]["next"]})
        buckets = self.call(None, "GET", f"{c}/pending-points")["data"]
        self.call("activate pending points", "POST", f"{c}/pending-points/{buckets[0]['id']}/activate")
        self.call("cancel pending points", "POST", f"{c}/pending-points/{buckets[1]['id']}/cancel")
        today = points.local_day(now_iso())
        seed_expiring(db, card_ref(card_id, member["id"], program, cdef, customer), 50, f"{int(today[:4]) + 2}{today[4:8]}28")
        page = self.call("list expiring points p1", "GET", f"{c}/expiring-points", query={"limit": "1"})
        self.call("list expiring points p2", "GET", f"{c}/expiring-points", query={"limit": "1", "cursor": page["cursor"]["next"]})
        self.call("expire points bucket", "POST", f"{c}/expiring-points/{page['data'][0]['id']}/expire")
        card = self.call("get member (with buckets)", "GET", m)["cards"][0]["card"]
        if card["next_activation"] is None or card["next_expiration"] is None:
            raise ScenarioError(f"the card should answer its next activation and expiration: {card}")

        campaign = self.call(None, "POST", "/v1/loyalties", {
            "name": f"Pending loyalty {tag}", "type": "AUTO_UPDATE",
            "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}, "code_config": {"pattern": "RP-########"}}})["id"]
        code = self.call(None, "POST", f"/v1/loyalties/{campaign}/members", {"customer": customer})["code"]
        claim = db.get(db.keys.card_code(code))
        if claim is None:
            raise ScenarioError("the v1 card's code claim is missing")
        ref = card_ref(claim["card_id"], claim["member_id"], campaign, campaign, customer)
        entries = ["lopp_" + seed_pending(db, ref, p, f"{int(today[:4]) + 1}{today[4:8]}01")["id"].removeprefix("lcppb_") for p in (10, 20)]
        seed_expiring(db, ref, 30, f"{int(today[:4]) + 1}{today[4:8]}28")
        self.call("v1 list pending points", "GET", f"/v1/loyalties/{campaign}/members/{code}/pending-points")
        v1 = f"/v1/loyalties/members/{code}/pending-points"
        self.call("v1 list pending points by code", "GET", v1)
        self.call("v1 adjust pending points", "POST", f"{v1}/{entries[0]}/balance", {"points": 5})
        self.call("v1 activate pending points", "POST", f"{v1}/{entries[0]}/activate")
        self.call("v1 cancel pending points", "POST", f"{v1}/{entries[1]}/cancel", expect=204)
        self.call("v1 points expiration", "GET", f"/v1/loyalties/{campaign}/members/{code}/points-expiration")


def run_scenario(driver: Driver) -> dict[str, CaseResult]:
    """Every endpoint and worker job once, counted; raises ScenarioError when a step does not answer as expected."""
    from loyalty.api import auth
    from loyalty.core.settings import get_settings

    # A warm worker keeps a program's earning setup EARNING_CACHE_SECONDS (10 s by default); the warm cases must not see
    # it expire because the machine is slow, and the cold ones clear it themselves.
    before = os.environ.get("EARNING_CACHE_SECONDS")
    os.environ["EARNING_CACHE_SECONDS"] = "300"
    get_settings.cache_clear()
    try:
        return _Scenario(driver, auth.clear_cache).run()
    finally:
        if before is None:
            os.environ.pop("EARNING_CACHE_SECONDS", None)
        else:
            os.environ["EARNING_CACHE_SECONDS"] = before
        get_settings.cache_clear()
