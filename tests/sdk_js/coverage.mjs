// Every method of the JS SDK's loyalties, customers and rewards objects is exercised by a journey or excused with a reason.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { makeClient, sdkMethods } from './lib.mjs'
import { JOURNEYS, NOT_EXERCISED, SDK_BUGS } from './methods.mjs'

test('every JS SDK method is exercised or documented', () => {
  const methods = new Set(sdkMethods(makeClient()))
  const declared = new Set(Object.values(JOURNEYS).flat())
  assert.deepEqual([...declared].filter(m => !methods.has(m)), [], 'journeys declare methods the SDK lacks')
  assert.deepEqual(Object.keys(NOT_EXERCISED).filter(m => declared.has(m) || !methods.has(m)), [], 'stale or double excuses')
  assert.deepEqual(Object.keys(SDK_BUGS).filter(m => !declared.has(m)), [], 'an SDK bug is documented by the journey calling it')
  const missing = [...methods].filter(m => !declared.has(m) && !(m in NOT_EXERCISED))
  assert.deepEqual(missing, [], 'SDK methods neither exercised nor documented')
  assert.equal(methods.size, 61)
})
