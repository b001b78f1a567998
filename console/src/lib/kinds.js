// The program components a manager designs (v2): where each lives in the API, what its lifecycle allows, and the
// short form that builds a typical create body (the whole body can be edited as JSON too).
const COMMON_READ_ONLY = ["id", "object", "created_at", "updated_at", "status"];
const STATUS = { name: "status", label: "Status", type: "select", options: ["DRAFT", "ACTIVE"], value: "ACTIVE" };
const CARD = { name: "card_definition_id", label: "Card definition (wallet)", type: "card_definition" };

export const KINDS = {
  "card-definitions": {
    plural: "Card definitions",
    singular: "card definition",
    path: "/v2/loyalties/card-definitions",
    assign: "card-definitions",
    actions: ["activate", "draft"],
    readOnly: [...COMMON_READ_ONLY, "type"],
    fields: [
      { name: "name", label: "Name", type: "text", required: true },
      STATUS,
      { name: "prefix", label: "Card code prefix", type: "text", value: "" },
      { name: "length", label: "Code length (random characters)", type: "number", value: 8, min: 1, max: 32 },
    ],
    build: (v) => ({
      name: v.name, type: "INDIVIDUAL", status: v.status,
      code_config: { ...(v.prefix ? { prefix: v.prefix } : {}), length: Number(v.length) },
    }),
  },
  "earning-rules": {
    plural: "Earning rules",
    singular: "earning rule",
    path: "/v2/loyalties/earning-rules",
    assign: "earning-rules",
    actions: ["activate", "deactivate", "draft"],
    readOnly: COMMON_READ_ONLY,
    fields: [
      { name: "name", label: "Name", type: "text", required: true },
      STATUS,
      { name: "event", label: "Trigger", type: "select", options: ["customer.order.paid", "customer.loyalty.tier.joined"], value: "customer.order.paid" },
      { name: "points", label: "Points per trigger", type: "number", value: 10, min: 0 },
      CARD,
    ],
    build: (v) => ({
      name: v.name, status: v.status, trigger: { event: v.event },
      earnings: [{ effects: [{ type: "POINTS", points: { value: Number(v.points), card_definition_id: v.card_definition_id } }] }],
    }),
  },
  rewards: {
    plural: "Rewards",
    singular: "reward",
    statusFilter: false, // the rewards list filters on id, name, type and created_at
    path: "/v2/loyalties/rewards",
    assign: "rewards",
    actions: ["activate", "deactivate", "draft"],
    readOnly: COMMON_READ_ONLY,
    fields: [
      { name: "name", label: "Name", type: "text", required: true },
      STATUS,
      { name: "product", label: "Product id", type: "text", value: "prod_0ba649b6893cf33a80" },
      { name: "points", label: "Cost in points", type: "number", value: 100, min: 1 },
      CARD,
      { name: "refunds", label: "Refunds", type: "select", options: ["REFUNDABLE", "NONE"], value: "REFUNDABLE" },
    ],
    build: (v) => ({
      name: v.name, type: "MATERIAL", status: v.status, refunds: { type: v.refunds },
      material: { type: "PRODUCT", product: { id: v.product } },
      costs: [{ spending: [{ points: Number(v.points), card_definition_id: v.card_definition_id }] }],
    }),
  },
  "tier-structures": {
    plural: "Tier structures",
    singular: "tier structure",
    path: "/v2/loyalties/tier-structures",
    assign: "tier-structures",
    actions: ["activate", "deactivate", "draft"],
    readOnly: COMMON_READ_ONLY,
    fields: [
      { name: "name", label: "Name", type: "text", required: true },
      CARD,
      { name: "downgrade", label: "Downgrade", type: "select", options: ["MULTI_LEVEL", "SINGLE_LEVEL"], value: "MULTI_LEVEL" },
    ],
    build: (v) => ({
      // ranked by the card's balance; POINT_EARNED (points earned in a tracking period) through the JSON body
      name: v.name, type: "POINT_BALANCE", point_balance: { card_definition_id: v.card_definition_id },
      downgrade: { type: v.downgrade },
    }),
  },
  benefits: {
    plural: "Benefits",
    singular: "benefit",
    path: "/v2/loyalties/benefits",
    assign: null,
    actions: ["activate", "draft"],
    readOnly: [...COMMON_READ_ONLY, "type"],
    fields: [
      { name: "name", label: "Name", type: "text", required: true },
      STATUS,
      { name: "points", label: "Points granted", type: "number", value: 50, min: 1 },
      CARD,
    ],
    build: (v) => ({
      name: v.name, type: "POINTS", status: v.status,
      points: { value: Number(v.points), card_definition_id: v.card_definition_id },
    }),
  },
};

/** The editable part of a component as its GET answers it: what a PUT may send back. */
export function editable(kind, object) {
  const out = { ...object };
  for (const name of KINDS[kind].readOnly) delete out[name];
  return out;
}
