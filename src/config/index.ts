export { loadConfig, parseConfig, readSecret, isLoopback, type ResolvedConfig } from './load-config.js';
export { configSchema, lineSchema, type Config, type LinePolicy, type AsteriskConfig, type FreeswitchConfig, type ConsoleConfig } from './schema.js';
