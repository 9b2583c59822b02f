/**
 * The call-resilience scenarios (test/e2e/support/call-resilience-scenarios.ts) on the real
 * sandbox Asterisk, the daemon logging in with a manager user with `read = all` and no event filters, as found in the field.
 */
import { callResilienceScenarios } from './support/call-resilience-scenarios.js';

callResilienceScenarios('read-all');
