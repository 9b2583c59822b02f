/**
 * The call-resilience scenarios (test/e2e/support/call-resilience-scenarios.ts) on the real
 * sandbox Asterisk, the daemon logging in with the strict manager user (the documented production one).
 */
import { callResilienceScenarios } from './support/call-resilience-scenarios.js';

callResilienceScenarios('strict');
