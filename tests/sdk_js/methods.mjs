// What the JS SDK journeys call, by file, and what they do not call and why; coverage.mjs checks this against the SDK.
export const JOURNEYS = {
  program: [
    'loyalties.create', 'loyalties.get', 'loyalties.list', 'loyalties.update', 'loyalties.delete', 'loyalties.createMember',
    'loyalties.getMember', 'loyalties.listMembers', 'loyalties.addOrRemoveCardBalance', 'loyalties.addPoints',
    'loyalties.transferPoints', 'loyalties.listCardTransactions', 'loyalties.listMemberActivity', 'loyalties.getMemberActivities',
    'loyalties.getPointsExpiration'
  ],
  earning_rules: [
    'loyalties.createEarningRule', 'loyalties.listEarningRules', 'loyalties.getEarningRule', 'loyalties.updateEarningRule',
    'loyalties.disableEarningRule', 'loyalties.enableEarningRule', 'loyalties.deleteEarningRule'
  ],
  rewards: [
    'rewards.create', 'rewards.get', 'rewards.list', 'rewards.update', 'rewards.delete', 'rewards.createAssignment',
    'rewards.getAssignment', 'rewards.listAssignments', 'rewards.updateAssignment', 'rewards.deleteAssignment',
    'loyalties.createRewardAssignments', 'loyalties.listRewardAssignments', 'loyalties.getRewardAssignment',
    'loyalties.updateRewardAssignment', 'loyalties.deleteRewardAssignment', 'loyalties.getRewardDetails', 'loyalties.listMemberRewards'
  ],
  customers: [
    'customers.create', 'customers.get', 'customers.list', 'customers.scroll', 'customers.update', 'customers.delete',
    'customers.deletePermanently'
  ],
  // these journeys need routes built on other branches; tests/e2e/test_sdk_js.py runs them once template.yaml serves them
  redemption: ['loyalties.redeemReward'],
  tiers: [
    'loyalties.createTiers', 'loyalties.listTiers', 'loyalties.getTier', 'loyalties.listMemberLoyaltyTiers',
    'loyalties.listLoyaltyTierEarningRules', 'loyalties.listLoyaltyTierRewards'
  ],
  exports: ['loyalties.exportCardTransactions'],
  customers_more: [
    'customers.listActivity', 'customers.listActivities', 'customers.listRedeemables', 'customers.updateInBulk',
    'customers.updateMetadataInBulk', 'customers.importCSV'
  ]
}

// Methods no journey calls, with the reason.
export const NOT_EXERCISED = {
  'customers.updateConsents': 'PUT /v1/customers/{id}/consents is not an operation of the reference (customers.json has no ' +
    'consents route): marketing consents are outside this loyalty API'
}

// Methods a journey calls although they cannot work against any server implementing the reference; the journey asserts the failure.
export const SDK_BUGS = {
  'loyalties.getMemberActivities': 'GET /v1/loyalties/{campaignId}/members/{memberId}/activities (and /v1/loyalties/members/' +
    '{memberId}/activities) is no operation of loyalties-v1.json, whose member activity is .../activity (listMemberActivity): ' +
    'every server answers 404'
}
