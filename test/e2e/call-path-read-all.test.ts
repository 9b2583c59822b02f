/**
 * The call-path scenarios (test/e2e/support/call-path-scenarios.ts) on the real
 * sandbox Asterisk, the daemon logging in with a manager user with `read = all` and no event filters, as found in the field.
 */
import { callPathScenarios } from './support/call-path-scenarios.js';

callPathScenarios('read-all');
