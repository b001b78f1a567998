"""Every key of the single table, spelled here and nowhere else: PK/SK of each item, GSI1 list keys, the pending-job index.

Every partition key starts with the project id, so a key built by `Keys(project)` can only reach that project's items."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GSI1 = "GSI1"
PENDING_INDEX = "PendingJobs"
ASSIGNMENT_SK_PREFIX = "A#"
CARD_TRANSACTION_SK_PREFIX = "CTX#"
MEMBERSHIP_SK_PREFIX = "MSHIP#"
REWARD_PURCHASE_SK_PREFIX = "RTX#"
BENEFIT_TRANSACTION_SK_PREFIX = "BTX#"
ORDER_PAYMENT_SK_PREFIX = "OTX#"
CARD_SK_PREFIX = "CARD#"
PROGRAM_SK = "PROGRAM"
PROJECTS_PARTITION = "PROJECTS"
"""The one partition not owned by a project: one item per project (SK = project id). Project ids are lower case, so no
project's `<project>#...` key can equal it."""
MEMBER_SK = "MEMBER"
MEMBER_TIER_SK = "TIER"
"""A member's standing in its program's tier structure (in the member partition, so get member reads it in its one Query)."""

# Component kinds: the sort key of a component's item, the middle part of its partition key, and of its assignments' keys.
CARD_DEFINITION = "CDEF"
EARNING_RULE = "ERULE"
REWARD = "REWARD"
TIER_STRUCTURE = "TS"
BENEFIT = "BEN"
COMPONENT_KINDS = (CARD_DEFINITION, EARNING_RULE, REWARD, TIER_STRUCTURE, BENEFIT)
TIER_SK_PREFIX = "TIER#"
PENDING_BUCKET_SK_PREFIX = "PPB#"
EXPIRING_BUCKET_SK_PREFIX = "PEB#"
SETTLED_BUCKET_SK_PREFIX = "XB#"
# Attributes of a card item that mirror its live buckets (so a card read alone answers next_activation and next_expiration):
# one per PENDING bucket (`NA#<date>#<type>#<bucket id>` = its points) and one per ACTIVE expiring bucket
# (`NE#<expiration date>#<expiration type>` = its points).
NEXT_ACTIVATION_ATTR_PREFIX = "NA#"
NEXT_EXPIRATION_ATTR_PREFIX = "NE#"
EARN_CLAIM_SK_PREFIX = "E#"
BENEFIT_CLAIM_SK_PREFIX = "B#"
CAMPAIGN_EARNING_RULE_SK_PREFIX = "ERN#"
CAMPAIGN_TIER_SK_PREFIX = "LTR#"
IDEMPOTENCY_SK_PREFIX = "IDEM"
"""The sort key of an idempotency record is `IDEM#<sha256 of the Idempotency-Key header>` (Powertools' `key_prefix#hash`)."""
AGGREGATED_SK = "AGG"
"""The sort key of the marker saying a card transaction was counted in the report aggregates (reports/changes.py)."""
REWARD_ASSIGNMENT_SK_PREFIX = "RWA#"
"""A v1 reward assignment's items: in its campaign's partition (`RWA#<assignment id>`) and in its reward's partition
(`RWA#<campaign id>`, which also makes a reward assignable to a campaign once)."""


def pending_mark(date: str, kind: str, bucket_id: str) -> str:
    """The card attribute mirroring one PENDING bucket (its value: the bucket's points)."""
    return f"{NEXT_ACTIVATION_ATTR_PREFIX}{date}#{kind}#{bucket_id}"


def expiring_mark(expiration_date: str, expiration_type: str) -> str:
    """The card attribute mirroring one ACTIVE expiring bucket (its value: the bucket's points)."""
    return f"{NEXT_EXPIRATION_ATTR_PREFIX}{expiration_date}#{expiration_type}"


def tier_transaction_owner(pk: str) -> tuple[str, str] | None:
    """(project, member id) of a tier transaction's partition key (`Keys.tier_transactions`), else None."""
    parts = pk.split("#")
    if len(parts) != 4 or parts[1] != "MBR" or parts[3] != "TTX":
        return None
    return parts[0], parts[2]


def parse_marks(item: dict[str, Any]) -> tuple[list[tuple[str, str, int]], list[tuple[str, str, int]]]:
    """The bucket mirrors of a card item: ([(date, type, points)] of its PENDING buckets, [(expiration date, type,
    points)] of its ACTIVE expiring buckets), each in no particular order; mirrors holding no points are left out."""
    pending: list[tuple[str, str, int]] = []
    expiring: list[tuple[str, str, int]] = []
    for name, value in item.items():
        if name.startswith(NEXT_ACTIVATION_ATTR_PREFIX) and int(value) > 0:
            day, kind, _ = name[len(NEXT_ACTIVATION_ATTR_PREFIX):].split("#", 2)
            pending.append((day, kind, int(value)))
        elif name.startswith(NEXT_EXPIRATION_ATTR_PREFIX) and int(value) > 0:
            day, kind = name[len(NEXT_EXPIRATION_ATTR_PREFIX):].split("#", 1)
            expiring.append((day, kind, int(value)))
    return pending, expiring


@dataclass(frozen=True)
class Key:
    """The primary key of one item."""

    pk: str
    sk: str

    def attrs(self) -> dict[str, str]:
        """`{"PK": ..., "SK": ...}` to merge into an item."""
        return {"PK": self.pk, "SK": self.sk}

    def ddb(self) -> dict[str, Any]:
        """The key as DynamoDB attribute values."""
        return {"PK": {"S": self.pk}, "SK": {"S": self.sk}}


@dataclass(frozen=True)
class Keys:
    """The keys of one project."""

    project: str

    def _pk(self, *parts: str) -> str:
        return "#".join((self.project, *parts))

    # ---------------------------------------------------------------- API keys and the project registry
    def api_key(self, app_id: str) -> Key:
        return Key(self.api_keys_partition(), app_id)

    def api_keys_partition(self) -> str:
        """The partition holding every API key of the project (listed by the key CLI)."""
        return self._pk("APIKEY")

    def rate_window(self, window_start: int) -> Key:
        """The project's request counter for one rate-limit window (epoch seconds of its start); expires by TTL."""
        return Key(self._pk("RATE"), f"W#{window_start}")

    def idempotency_partition(self) -> str:
        """The partition of the project's idempotency records (one per `Idempotency-Key`; expires by TTL after 24 h)."""
        return self._pk("IDEM")

    def project_entry(self) -> Key:
        """The project's entry in the registry of projects (written with its first key; the sweeper pages through it)."""
        return Key(PROJECTS_PARTITION, self.project)

    # ---------------------------------------------------------------- components (card definitions, earning rules, rewards, tier structures)
    def component(self, kind: str, component_id: str) -> Key:
        assert kind in COMPONENT_KINDS, kind
        return Key(self.component_partition(kind, component_id), kind)

    def component_partition(self, kind: str, component_id: str) -> str:
        """A component's partition: its item, and its children (a tier structure's tiers)."""
        return self._pk(kind, component_id)

    def tier(self, tier_structure_id: str, tier_id: str) -> Key:
        return Key(self.component_partition(TIER_STRUCTURE, tier_structure_id), f"{TIER_SK_PREFIX}{tier_id}")

    # ---------------------------------------------------------------- programs and their assignments
    def program_partition(self, program_id: str) -> str:
        return self._pk("PRG", program_id)

    def program(self, program_id: str) -> Key:
        return Key(self.program_partition(program_id), PROGRAM_SK)

    def assignment(self, program_id: str, kind: str, component_id: str) -> Key:
        return Key(self.program_partition(program_id), f"{ASSIGNMENT_SK_PREFIX}{kind}#{component_id}")

    @staticmethod
    def parse_assignment_sk(sk: str) -> tuple[str, str]:
        """(kind, component id) of an assignment item's sort key."""
        _, kind, component_id = sk.split("#", 2)
        return kind, component_id

    # ---------------------------------------------------------------- members, their cards, memberships, card codes
    def member_partition(self, member_id: str) -> str:
        return self._pk("MBR", member_id)

    def member(self, member_id: str) -> Key:
        return Key(self.member_partition(member_id), MEMBER_SK)

    def card(self, member_id: str, card_id: str) -> Key:
        return Key(self.member_partition(member_id), f"{CARD_SK_PREFIX}{card_id}")

    def member_tier(self, member_id: str) -> Key:
        """A member's standing in its program's tier structure: tier, dates, tracking period (MEMBER_TIER_SK)."""
        return Key(self.member_partition(member_id), MEMBER_TIER_SK)

    def tier_transactions(self, member_id: str) -> str:
        """The partition of a member's tier transactions (sort key: the time-ordered `lttx_` id)."""
        return self._pk("MBR", member_id, "TTX")

    def tier_transaction(self, member_id: str, transaction_id: str) -> Key:
        return Key(self.tier_transactions(member_id), transaction_id)

    def tier_due(self, day: str, member_id: str) -> dict[str, str]:
        """GSI1 attributes that put a member's tier standing on the project's list the daily job re-evaluates on `day`
        (a tier's expiry, the day after a grace period, the start of a tracking period), read with `GSI1SK <= day`."""
        return {"GSI1PK": self._pk("DUE", "TIER"), "GSI1SK": f"{day}#{member_id}"}

    def tiers_due(self) -> str:
        """The GSI1PK of the project's list of tier standings waiting for a date."""
        return self._pk("DUE", "TIER")

    def membership(self, scope_id: str, customer_id: str) -> Key:
        """The one-member-per-customer claim in a program (or v1 campaign), kept in the customer's partition so that
        one Query (`customer_memberships`, sort keys from MEMBERSHIP_SK_PREFIX) finds all of a customer's memberships."""
        return Key(self.customer(customer_id).pk, f"{MEMBERSHIP_SK_PREFIX}{scope_id}")

    def customer_memberships(self, customer_id: str) -> str:
        """The partition holding a customer and its membership claims."""
        return self.customer(customer_id).pk

    def card_code(self, code: str) -> Key:
        return Key(self._pk("CODE", code), "CODE")

    # ---------------------------------------------------------------- ledgers (one list partition each)
    def card_transactions(self, card_id: str) -> str:
        return self._pk("CARD", card_id)

    def card_transaction(self, card_id: str, transaction_id: str) -> Key:
        return Key(self.card_transactions(card_id), f"{CARD_TRANSACTION_SK_PREFIX}{transaction_id}")

    # ---------------------------------------------------------------- domain events out (notify/store.py)
    def notify_event(self, event_id: str) -> Key:
        """A domain event (`evt_`) in the outbox: written with what it reports, marked published once it is on the bus."""
        return Key(self._pk("EVT", event_id), "EVENT")

    # ---------------------------------------------------------------- report aggregates (reports/store.py)
    def aggregated(self, transaction_id: str) -> Key:
        """The marker of a card transaction counted in the aggregates (put once: a replayed stream record counts nothing)."""
        return Key(self._pk("AGG", transaction_id), AGGREGATED_SK)

    def aggregated_lock(self, transaction_id: str) -> Key:
        """The marker of a PENDING spend's lock counted in the card report (put once: a replayed insert counts nothing)."""
        return Key(self._pk("AGG", transaction_id, "LOCK"), AGGREGATED_SK)

    def card_report(self, card_id: str) -> str:
        """The partition of a card's daily aggregates (sort key: the day, YYYY-MM-DD)."""
        return self._pk("RPT", "CARD", card_id)

    def card_report_day(self, card_id: str, day: str) -> Key:
        return Key(self.card_report(card_id), day)

    def earnings_report(self, program_id: str) -> str:
        """The partition of a program's daily points earnings (sort key: day#earning rule#earning item#card definition)."""
        return self._pk("RPT", program_id, "EARN")

    def earnings_report_day(self, program_id: str, day: str, rule_id: str, item_id: str, cdef_id: str) -> Key:
        return Key(self.earnings_report(program_id), f"{day}#{rule_id}#{item_id}#{cdef_id}")

    def earnings_summary(self, program_id: str) -> str:
        """The partition of a program's all-time points earnings (sort key: earning rule#earning item#card definition)."""
        return self._pk("RPT", program_id, "EARNSUM")

    def earnings_summary_row(self, program_id: str, rule_id: str, item_id: str, cdef_id: str) -> Key:
        return Key(self.earnings_summary(program_id), f"{rule_id}#{item_id}#{cdef_id}")

    def spending_report(self, program_id: str) -> str:
        """The partition of a program's daily spending (sort key: day#card definition)."""
        return self._pk("RPT", program_id, "SPEND")

    def spending_report_day(self, program_id: str, day: str, cdef_id: str) -> Key:
        return Key(self.spending_report(program_id), f"{day}#{cdef_id}")

    def spending_summary(self, program_id: str) -> str:
        """The partition of a program's all-time spending (sort key: card definition)."""
        return self._pk("RPT", program_id, "SPENDSUM")

    def spending_summary_row(self, program_id: str, cdef_id: str) -> Key:
        return Key(self.spending_summary(program_id), cdef_id)

    # tier reports (reports/store.py count_tier_once): fed by tier transactions, not card transactions
    def tiers_report(self, program_id: str) -> str:
        """The partition of a program's daily tier moves (sort key: day#tier structure#tier)."""
        return self._pk("RPT", program_id, "TIERS")

    def tiers_report_day(self, program_id: str, day: str, structure_id: str, tier_id: str) -> Key:
        return Key(self.tiers_report(program_id), f"{day}#{structure_id}#{tier_id}")

    def tiers_summary(self, program_id: str) -> str:
        """The partition of a program's all-time tier moves (sort key: the row's `lptrs_` id, so id order is key order)."""
        return self._pk("RPT", program_id, "TIERSUM")

    def tiers_summary_row(self, program_id: str, row_id: str) -> Key:
        return Key(self.tiers_summary(program_id), row_id)

    # ---------------------------------------------------------------- earning-rule report aggregates (reports/store.py,
    # points/limits.py): evaluations counted once by a marker per source, rule and member
    def rule_applied(self, source_id: str, rule_id: str, member_id: str) -> Key:
        """The marker of an earning rule counted as applied for a member by one source (an order, an event)."""
        return Key(self._pk("AGG", "RULE", source_id, rule_id, member_id), AGGREGATED_SK)

    def rule_refused(self, source_id: str, rule_id: str, member_id: str) -> Key:
        """The marker of an earning rule counted as refused (cooldown, frequency) for a member by one source."""
        return Key(self._pk("AGG", "RULEFAIL", source_id, rule_id, member_id), AGGREGATED_SK)

    def rules_report(self, program_id: str) -> str:
        """The partition of a program's daily earning-rule evaluations (sort key: day#earning rule)."""
        return self._pk("RPT", program_id, "RULE")

    def rules_report_day(self, program_id: str, day: str, rule_id: str) -> Key:
        return Key(self.rules_report(program_id), f"{day}#{rule_id}")

    def rules_summary(self, program_id: str) -> str:
        """The partition of a program's all-time earning-rule evaluations (sort key: earning rule)."""
        return self._pk("RPT", program_id, "RULESUM")

    def rules_summary_row(self, program_id: str, rule_id: str) -> Key:
        return Key(self.rules_summary(program_id), rule_id)

    def member_rule_report(self, member_id: str, rule_id: str) -> str:
        """The partition of a member's daily applications of one earning rule (sort key: the day)."""
        return self._pk("RPT", "MBR", member_id, rule_id)

    def member_rule_report_day(self, member_id: str, rule_id: str, day: str) -> Key:
        return Key(self.member_rule_report(member_id, rule_id), day)

    def reward_purchases(self, member_id: str) -> str:
        return self._pk("MBR", member_id, "RTX")

    def reward_purchase(self, member_id: str, transaction_id: str) -> Key:
        return Key(self.reward_purchases(member_id), f"{REWARD_PURCHASE_SK_PREFIX}{transaction_id}")

    def benefit_transactions(self, member_id: str) -> str:
        """The partition of a member's benefit transactions (sort keys BENEFIT_TRANSACTION_SK_PREFIX + time-ordered id)."""
        return self._pk("MBR", member_id, "BTX")

    def benefit_transaction(self, member_id: str, transaction_id: str) -> Key:
        return Key(self.benefit_transactions(member_id), f"{BENEFIT_TRANSACTION_SK_PREFIX}{transaction_id}")

    def order_payments(self, member_id: str) -> str:
        """The partition of a member's pay-with-points order transactions (one list, in creation order)."""
        return self._pk("MBR", member_id, "OTX")

    def order_payment(self, member_id: str, transaction_id: str) -> Key:
        return Key(self.order_payments(member_id), f"{ORDER_PAYMENT_SK_PREFIX}{transaction_id}")

    def reward_transaction_ref(self, transaction_id: str) -> Key:
        """The pointer from a reward transaction id to its member (the refund path names only the program and the id)."""
        return Key(self._pk("RTX", transaction_id), "RTX")

    # ---------------------------------------------------------------- points buckets (in the card's ledger partition)
    def pending_bucket(self, card_id: str, date: str, bucket_id: str) -> Key:
        """A PENDING pending-points bucket; its sort key orders a card's buckets by activation date (the list's default)."""
        return Key(self.card_transactions(card_id), f"{PENDING_BUCKET_SK_PREFIX}{date}#{bucket_id}")

    def expiring_bucket(self, card_id: str, expiration_date: str, expiration_type: str) -> Key:
        """The ACTIVE bucket of a card's points sharing one expiration date and type (one item per pair, so a credit
        adds to it in place); sort keys order a card's buckets soonest-expiring first."""
        return Key(self.card_transactions(card_id), f"{EXPIRING_BUCKET_SK_PREFIX}{expiration_date}#{expiration_type}")

    def settled_bucket(self, card_id: str, bucket_id: str) -> Key:
        """A bucket that left its list: an activated or canceled pending bucket, an expired points bucket (kept for the record)."""
        return Key(self.card_transactions(card_id), f"{SETTLED_BUCKET_SK_PREFIX}{bucket_id}")

    def bucket_due(self, kind: str, date: str, card_id: str, bucket_ref: str) -> dict[str, str]:
        """GSI1 attributes that put a bucket on the project's list of buckets the daily job settles on `date`
        (`kind` PENDING: activation or cancel date; EXPIRING: last valid day), read with `GSI1SK < day`."""
        return {"GSI1PK": self._pk("DUE", kind), "GSI1SK": f"{date}#{card_id}#{bucket_ref}"}

    def buckets_due(self, kind: str) -> str:
        """The GSI1PK of the project's list of buckets of one kind waiting for their date."""
        return self._pk("DUE", kind)

    def daily_run(self, day: str) -> Key:
        """The record of the daily job's run for one day in the project's time zone (idempotent per day)."""
        return Key(self._pk("DAILY"), day)

    # ---------------------------------------------------------------- orders, custom events, event schemas, earning claims
    def order(self, order_id: str) -> Key:
        return Key(self._pk("ORD", order_id), "ORDER")

    def order_source(self, source_id: str) -> Key:
        """The claim that makes an order's source id unique in the project (and finds the order by it)."""
        return Key(self._pk("ORDSRC", source_id), "ORDSRC")

    def order_paid_with_points(self, order_id: str) -> Key:
        """The amount of an order that PENDING and APPROVED pay-with-points payments cover (beside the order, in its partition)."""
        return Key(self.order(order_id).pk, "PAID_WITH_POINTS")

    def order_payment_ref(self, order_id: str, transaction_id: str) -> Key:
        """The pointer from an order to one of its pay-with-points payments (who paid, from which card, how many points),
        which a cancel of the order reads to return them; sort keys from ORDER_PAYMENT_SK_PREFIX."""
        return Key(self.order(order_id).pk, f"{ORDER_PAYMENT_SK_PREFIX}{transaction_id}")

    def order_payment_refs(self, order_id: str) -> str:
        """The partition holding an order and its payment pointers."""
        return self.order(order_id).pk

    ORDERS = "ORDERS"

    def order_listed(self, created_at: str, order_id: str) -> dict[str, str]:
        """GSI1 attributes that put an order on the project's list of orders, sorted by its `created_at` (which a client may
        set, so the time-ordered id alone would not sort it), the id breaking ties."""
        return self.listed(self.ORDERS, f"{created_at}#{order_id}")

    def event(self, event_id: str) -> Key:
        return Key(self._pk("EVT", event_id), "EVENT")

    def event_schema(self, schema_id: str) -> Key:
        return Key(self._pk("MS", schema_id), "SCHEMA")

    def event_schema_name(self, name: str) -> Key:
        """The claim that makes a custom event schema's name unique and resolves a tracked event's name to its schema."""
        return Key(self._pk("MSNAME", name), "MSNAME")

    EVENT_SCHEMAS = "EVENT_SCHEMAS"

    def earn_claims(self, source_id: str) -> str:
        """The partition of what one order or custom event earned: one claim per effect and card (earning-map §12)."""
        return self._pk("EARN", source_id)

    def earn_claim(self, source_id: str, claim: str) -> Key:
        """The claim of one effect of one earning rule on one card: written with its points, only if absent."""
        return Key(self.earn_claims(source_id), f"{EARN_CLAIM_SK_PREFIX}{claim}")

    def benefit_claim(self, source_id: str, claim: str) -> Key:
        """The claim of one BENEFIT effect of one earning rule for one member: written with its benefit transaction, only
        if absent (beside the points claims, outside their sort-key prefix: an order cancel does not revoke a benefit)."""
        return Key(self.earn_claims(source_id), f"{BENEFIT_CLAIM_SK_PREFIX}{claim}")

    def trigger_cooldown(self, member_id: str, rule_id: str) -> Key:
        """When an earning rule last gave a member something (its FIXED_COOLDOWN is counted from then)."""
        return Key(self._pk("TRIG", member_id), f"CD#{rule_id}")

    def trigger_count(self, member_id: str, rule_id: str, period: str) -> Key:
        """How often an earning rule gave a member something in one calendar period (its LIMITED frequency); expires by TTL."""
        return Key(self._pk("TRIG", member_id), f"N#{rule_id}#{period}")

    def earning_cap(self, card_id: str, period: str) -> Key:
        """Points a card earned in one calendar period (its card definition's TIME_BASED earning limit); expires by TTL."""
        return Key(self.card_transactions(card_id), f"CAP#{period}")

    def spending_cap(self, card_id: str, period: str) -> Key:
        """Points taken from a card in one calendar period (its card definition's TIME_BASED spending limit); expires by TTL."""
        return Key(self.card_transactions(card_id), f"SPENDCAP#{period}")

    def purchase_cooldown(self, member_id: str, reward_id: str) -> Key:
        """When a member last bought a reward (its purchase_limits FIXED_COOLDOWN is counted from then)."""
        return Key(self._pk("RWLIM", member_id), f"CD#{reward_id}")

    def purchase_count(self, member_id: str, reward_id: str, period: str) -> Key:
        """How often a member bought a reward in one calendar period (its purchase_limits LIMITED frequency); expires by TTL."""
        return Key(self._pk("RWLIM", member_id), f"N#{reward_id}#{period}")

    # ---------------------------------------------------------------- activities (one list partition per resource)
    def activities(self, resource_id: str) -> str:
        return self._pk("ACT", resource_id)

    def activity(self, resource_id: str, activity_id: str) -> Key:
        return Key(self.activities(resource_id), activity_id)

    # ---------------------------------------------------------------- customers and v1 campaigns
    def customer(self, customer_id: str) -> Key:
        return Key(self._pk("CUST", customer_id), "CUSTOMER")

    def customer_source(self, source_id: str) -> Key:
        return Key(self._pk("CUSTSRC", source_id), "CUSTSRC")

    def campaign(self, campaign_id: str) -> Key:
        return Key(self._pk("CAMP", campaign_id), "CAMPAIGN")

    def campaign_name(self, name: str) -> Key:
        return Key(self._pk("CAMPNAME", name), "CAMPNAME")

    # ---------------------------------------------------------------- v1 campaign earning rules
    def campaign_partition(self, campaign_id: str) -> str:
        """A v1 campaign's partition: the campaign and its earning rules (one Query reads them together)."""
        return self.campaign(campaign_id).pk

    def campaign_earning_rule(self, campaign_id: str, rule_id: str) -> Key:
        """A v1 earning rule, in its campaign's partition; rule ids are time-ordered, so the sort keys (from
        CAMPAIGN_EARNING_RULE_SK_PREFIX) list a campaign's rules in creation order."""
        return Key(self.campaign_partition(campaign_id), f"{CAMPAIGN_EARNING_RULE_SK_PREFIX}{rule_id}")

    def campaign_tier(self, campaign_id: str, tier_id: str) -> Key:
        """A v1 loyalty tier, in its campaign's partition (CAMPAIGN_TIER_SK_PREFIX; ids are time-ordered)."""
        return Key(self.campaign_partition(campaign_id), f"{CAMPAIGN_TIER_SK_PREFIX}{tier_id}")

    def campaign_earning_rules_count(self) -> Key:
        """How many v1 earning rules the project holds (the spec allows 100), moved by every create and delete."""
        return Key(self._pk("ERNCOUNT"), "ERNCOUNT")

    # ---------------------------------------------------------------- v1 rewards and their campaign assignments
    def reward_v1(self, reward_id: str) -> Key:
        """A v1 reward (`rew_`); its partition also holds its assignments, one per campaign (`reward_v1_assignment`)."""
        return Key(self._pk("REWV1", reward_id), "REWARD")

    def reward_v1_assignment(self, reward_id: str, campaign_id: str) -> Key:
        """A v1 reward's assignment to one campaign, in the reward's partition (its absence is the create's condition)."""
        return Key(self.reward_v1(reward_id).pk, f"{REWARD_ASSIGNMENT_SK_PREFIX}{campaign_id}")

    def campaign_reward_assignment(self, campaign_id: str, assignment_id: str) -> Key:
        """The same assignment in its campaign's partition (a redemption reads it beside the campaign); assignment ids
        are time-ordered, so these sort keys list a campaign's assignments in creation order."""
        return Key(self.campaign_partition(campaign_id), f"{REWARD_ASSIGNMENT_SK_PREFIX}{assignment_id}")

    def reward_assignment_ref(self, assignment_id: str) -> Key:
        """Where an assignment id alone leads: `{reward_id, campaign_id}` (the `assignment_id` filter of list rewards)."""
        return Key(self._pk("RWA", assignment_id), "RWA")

    REWARDS_V1 = "REWARDSV1"

    # ---------------------------------------------------------------- benefits' unique names, async actions
    def benefit_name(self, name: str) -> Key:
        """The claim that makes a benefit's name unique in the project."""
        return Key(self._pk("BENNAME", name), "BENNAME")

    def async_action(self, async_action_id: str) -> Key:
        return Key(self._pk("AA", async_action_id), "ASYNC_ACTION")

    def export(self, export_id: str) -> Key:
        """An export (`exp_`): its object, its request and, until its CSV is written, the pending-job marker."""
        return Key(self._pk("EXP", export_id), "EXPORT")

    # ---------------------------------------------------------------- webhooks (ours) and their deliveries
    def webhooks_partition(self) -> str:
        """The partition of a project's webhooks (at most webhooks.models.MAX_WEBHOOKS, read whole by one Query) and
        their counter."""
        return self._pk("WEBHOOKS")

    def webhook(self, webhook_id: str) -> Key:
        """A webhook (`wh_`): its URL, event types, active flag and description."""
        return Key(self.webhooks_partition(), f"WH#{webhook_id}")

    WEBHOOK_PREFIX = "WH#"

    def webhook_count(self) -> Key:
        """How many webhooks the project has (kept by the create and delete transactions; bounds the partition)."""
        return Key(self.webhooks_partition(), "COUNT")

    def webhook_deliveries(self, webhook_id: str) -> str:
        """The partition of one webhook's deliveries (sort key `<event created_at>#<delivery id>`: oldest first)."""
        return self._pk("WEBHOOK", webhook_id, "DLV")

    def webhook_delivery(self, webhook_id: str, sort_key: str) -> Key:
        """One delivery of one event to one webhook: the event body, status, attempts and, until it ends, the
        pending-job marker."""
        return Key(self.webhook_deliveries(webhook_id), sort_key)

    # ---------------------------------------------------------------- a batch async action's stored request
    def async_action_chunk(self, async_action_id: str, index: int) -> Key:
        """One chunk of the entries a batch async action processes (beside the action in its partition; the worker
        deletes each chunk once it has processed it)."""
        return Key(self._pk("AA", async_action_id), f"CHUNK#{index:05d}")

    # ---------------------------------------------------------------- GSI1: lists in creation order
    def listed(self, collection: str, item_id: str) -> dict[str, str]:
        """GSI1 attributes that put an item in a list (`collection` named by the methods below)."""
        return {"GSI1PK": self._pk(collection), "GSI1SK": item_id}

    @staticmethod
    def components_list(kind: str) -> str:
        """The list of a project's components of one kind (deleted ones leave it)."""
        return f"{kind}S"

    PROGRAMS = "PROGRAMS"
    CUSTOMERS = "CUSTOMERS"
    CAMPAIGNS = "CAMPAIGNS"

    @staticmethod
    def members_list(scope_id: str) -> str:
        return f"PRG#{scope_id}#MEMBERS"

    @staticmethod
    def campaign_cards_list(campaign_id: str) -> str:
        """The list of a v1 campaign's loyalty cards (card items, by card id = creation order; a deleted card leaves it)."""
        return f"CAMP#{campaign_id}#CARDS"

    @staticmethod
    def campaign_transactions_list(campaign_id: str) -> str:
        """The list of the card transactions of a v1 campaign's cards (transaction items, by id = creation order)."""
        return f"CAMP#{campaign_id}#CTX"

    def collection(self, name: str) -> str:
        """The GSI1PK of a list named by `PROGRAMS`, `members_list(...)`, ... (what `listed` puts items in)."""
        return self._pk(name)

    LISTED_SET = "GSI1PK = :listed_pk, GSI1SK = :listed_sk"
    """The SET clause that puts an item in a GSI1 list (values `listed_pk`, `listed_sk`: the attributes `listed` or
    `bucket_due` give)."""

    @staticmethod
    def listed_values(listed: dict[str, str]) -> dict[str, str]:
        """The values of `LISTED_SET` for the GSI1 attributes `listed` or `bucket_due` gave."""
        return {"listed_pk": listed["GSI1PK"], "listed_sk": listed["GSI1SK"]}

    LISTED_REMOVE = "REMOVE GSI1PK, GSI1SK"
    """The update clause that takes an item out of its list (a deleted resource leaves its list)."""

    # ---------------------------------------------------------------- the sparse pending-job index
    def pending_job(self, item_id: str, written_ms: int, job_json: str) -> dict[str, str]:
        """Attributes that put an item in the PendingJobs index until its job is done (removed by `PENDING_REMOVE`)."""
        return {"JOBPK": self.pending_partition(), "JOBSK": pending_sort_key(written_ms, item_id), "job": job_json}

    def pending_partition(self) -> str:
        """The project's partition of the PendingJobs index (the sweeper Queries it, oldest first)."""
        return self._pk("PENDING")


def key_names(index: str | None) -> tuple[str, str]:
    """The partition and sort key attribute names of the base table (index None) or of GSI1."""
    return ("GSI1PK", "GSI1SK") if index == GSI1 else ("PK", "SK")


def start_key_names(index: str | None) -> tuple[str, ...]:
    """The attributes of an ExclusiveStartKey for a Query of the base table or of GSI1."""
    return ("PK", "SK", "GSI1PK", "GSI1SK") if index == GSI1 else ("PK", "SK")


PENDING_SK = "JOBSK"
"""The sort key attribute of the PendingJobs index (its partition key is JOBPK)."""

PENDING_REMOVE = "REMOVE JOBPK, JOBSK, job"
"""The update clause that takes an item out of the PendingJobs index."""


def pending_sort_key(ms: int, item_id: str) -> str:
    """A JOBSK: the time (epoch ms, 13 digits) from which the sweeper counts the job's wait, then the item's id."""
    return f"{ms:013d}#{item_id}"


def pending_moved(sort_key: str, ms: int) -> str:
    """The JOBSK of the same pending item with its time moved to `ms` (a re-sent job waits again from then)."""
    return pending_sort_key(ms, sort_key.split("#", 1)[1])


def pending_before(older_than_ms: int) -> str:
    """The JOBSK bound of the jobs whose wait began before `older_than_ms` (the sweeper's `JOBSK < bound` Query)."""
    return f"{older_than_ms:013d}"


SWEEP_RESUME = Key(PROJECTS_PARTITION, "~sweep")
"""Where a sweep that ran out of time records the project the next sweep starts with. It lives in the registry's
partition (read with it, at no extra cost) and its sort key sorts after every project id (those are lower case)."""
