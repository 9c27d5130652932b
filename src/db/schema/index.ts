/**
 * D1 schema: the relational store the console and APIs read, in two planes — the control plane
 * (control-plane.ts) and the order store (order-store.ts) — and the simulators' own tables.
 * Times are unix milliseconds (`*_ms`), money is integer fen (`*_fen`). Live collection state
 * (heartbeats, holds, counters) lives in the Collector Durable Object, not here.
 */
export * from './control-plane';
export * from './order-store';
export * from './simulators';
