export { loadConfig, parseConfig, readSecret, type ResolvedConfig } from './load-config.js';
export { configSchema, lineSchema, type Config, type LinePolicy, type AsteriskConfig, type FreeswitchConfig } from './schema.js';
