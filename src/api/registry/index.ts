// Public surface of the resource registry (see README.md).
export { defineResource, extendResource, registerResource, registerExtension, ResourceRegistry, loadRegistry, allows } from './registry.ts';
export type { Resource, ResourceExtension } from './registry.ts';
export type * from './types.ts';
export * from './field-helpers.ts';
