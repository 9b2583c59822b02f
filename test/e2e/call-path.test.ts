/**
 * The call-path scenarios (test/e2e/support/call-path-scenarios.ts) on the real
 * sandbox Asterisk, the daemon logging in with the strict manager user (the documented production one).
 */
import { callPathScenarios } from './support/call-path-scenarios.js';

callPathScenarios('strict');
