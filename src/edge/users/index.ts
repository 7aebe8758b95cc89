export { UsersEdge, type UsersEdgeOptions } from './users-edge.ts';
export { MemoryLocation, aorOf, type LocationService, type Binding } from './location.ts';
export { createAppNodeSelector, type AppNode, type DistributeMethod } from './app-nodes.ts';
export type { EdgeDirectory } from './auth.ts';
export type { EdgeGuards, GuardEvent } from './guards.ts';
export { EDGE_TO_APP, APP_TO_EDGE } from './internal-headers.ts';
export { EDGE_ERRORS } from './errors.ts';
